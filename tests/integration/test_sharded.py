"""Sharded routing through the router, against the testbed's real servers.

Two sharded keyspaces in one map:
  shop  2 shards: "-80" on server 0 (schema sh_s0), "80-" on server 1 (sh_s1)
  mall  4 shards: "-40" sh4_s0 and "80-c0" sh4_s2 on server 0,
                  "40-80" sh4_s1 and "c0-" sh4_s3 on server 1
Physical schema names differ from the keyspace names, so every statement
the router sends must have been rewritten (or sent under the shard's schema).

Rows are written with real clients (PyMySQL, the mariadb CLI) and read back
directly from each shard (admin connections, bypassing the router); where
they must be is computed here with python3-xxhash, independently of the
router. Cross-shard answers are compared with the same statement run
directly on each shard and combined in Python, and with an "oracle" schema
(sh_oracle, server 0) holding every shard's rows in one place: what one
server holding all rows answers is what the router must answer.
"""
import random
import struct
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import xxhash
from pymysql.constants import CLIENT

from lib import *

# ---------------------------------------------------------------- the map

MAP_VERSION = 11
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

# keyspace -> [(range, server, schema)]
KEYSPACES = {
    "shop": [("-80", 0, "sh_s0"), ("80-", 1, "sh_s1")],
    "mall": [("-40", 0, "sh4_s0"), ("40-80", 1, "sh4_s1"), ("80-c0", 0, "sh4_s2"), ("c0-", 1, "sh4_s3")],
}
# sharded tables: name -> (key column, key_type, key_ci)
TABLES = {
    "users": ("id", "int", False),
    "orders": ("user_id", "int", False),
    "accounts": ("email", "string", True),
    "tags": ("tag", "string", False),
    "items": ("item_id", "int", False),
    "ddl_t": ("id", "int", False),  # in the map, created by the tests through the router
    "ddl_p": ("id", "int", False),
}
REFERENCE = ["countries"]
ORACLE = "sh_oracle"  # server 0: every row in one schema


def map_conf():
    out = ["version = %d;" % MAP_VERSION, 'hash = "xxh3";', "keyspaces = ("]
    kss = []
    for ks, shards in KEYSPACES.items():
        tables = []
        for name, (key, ktype, ci) in TABLES.items():
            t = '{ name = "%s"; key = "%s"; key_type = "%s";' % (name, key, ktype)
            if ci:
                t += " key_ci = true;"
            tables.append(t + " }")
        sh = ['{ range = "%s"; primary = "%s:%d"; schema = "%s"; }' % (rng, HOST, port(srv), schema)
              for rng, srv, schema in shards]
        kss.append('  { name = "%s"; sharded = true;\n    tables = ( %s );\n'
                   '    reference_tables = ( %s );\n    shards = ( %s ); }'
                   % (ks, ", ".join(tables), ", ".join('"%s"' % t for t in REFERENCE), ",\n      ".join(sh)))
    out.append(",\n".join(kss))
    out.append(");")
    return "\n".join(out) + "\n"


MAP = map_conf()


def router(**settings):
    return Router(shardmap=MAP, settings=settings or None)


# ---------------------------------------------------------------- schemas

TABLE_DDL = [
    "CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(50), score INT, grp VARCHAR(10))",
    "CREATE TABLE orders (order_id INT, user_id BIGINT, amount DECIMAL(12,2), d DATE,"
    " PRIMARY KEY (order_id, user_id))",
    "CREATE TABLE accounts (email VARCHAR(400) COLLATE utf8mb4_general_ci PRIMARY KEY, note VARCHAR(50))",
    "CREATE TABLE tags (tag VARCHAR(50) COLLATE utf8mb4_bin PRIMARY KEY, n INT)",
    "CREATE TABLE items (item_id INT PRIMARY KEY, owner BIGINT, label VARCHAR(20))",
    "CREATE TABLE countries (code CHAR(2) PRIMARY KEY, name VARCHAR(50))",
]
BASE_TABLES = sorted(["users", "orders", "accounts", "tags", "items", "countries"])


def create_schema(server, schema):
    admin_sql(";\n".join(["DROP DATABASE IF EXISTS %s" % schema, "CREATE DATABASE %s" % schema]
                         + ["USE %s" % schema] + TABLE_DDL), server)


def reset(*keyspaces):
    """Drop and create the shards' schemas (and the oracle) with empty tables."""
    for ks in keyspaces or KEYSPACES:
        for _, srv, schema in KEYSPACES[ks]:
            create_schema(srv, schema)
    create_schema(0, ORACLE)


def on_shards(ks, sql):
    """Run sql directly on every shard of ks (in its schema): one row list per shard."""
    return [list(admin_sql(sql, srv, db=schema)) for _, srv, schema in KEYSPACES[ks]]


def oracle_load(ks, tables=("users", "orders")):
    """Copy every shard's rows of tables (read directly) into the oracle."""
    for t in tables:
        admin_sql("DELETE FROM %s" % t, 0, db=ORACLE)
        rows = [r for rs in on_shards(ks, "SELECT * FROM %s" % t) for r in rs]
        if rows:
            c = admin(0, db=ORACLE)
            c.cursor().executemany("INSERT INTO %s VALUES (%s)" % (t, ",".join(["%s"] * len(rows[0]))), rows)
            c.close()


# ---------------------------------------------------------------- placement, computed here

def parse_bound(h):
    return int(h.ljust(16, "0"), 16)


def parse_range(rng):
    lo, hi = rng.split("-")
    return (parse_bound(lo) if lo else 0), (parse_bound(hi) if hi else 1 << 64)


def ksid(table, value):
    """Keyspace id of a shard-key value of table (xxh3, seed 0)."""
    _, ktype, ci = TABLES[table]
    if ktype == "int":
        return xxhash.xxh3_64_intdigest(struct.pack(">q", int(value)))
    b = value.encode("utf-8")
    if ci:
        b = bytes(c + 32 if 65 <= c <= 90 else c for c in b)
    return xxhash.xxh3_64_intdigest(b)


def shard_of(ks, table, value):
    k = ksid(table, value)
    for i, (rng, _, _) in enumerate(KEYSPACES[ks]):
        lo, hi = parse_range(rng)
        if lo <= k < hi:
            return i
    raise AssertionError("no shard of %s owns ksid %x" % (ks, k))


def ids_on(ks, table, shard, n, start=1):
    """n integer keys owned by that shard."""
    out, v = [], start
    while len(out) < n:
        if shard_of(ks, table, v) == shard:
            out.append(v)
        v += 1
    return out


def assert_placement(ks, table, values, what=""):
    """Every shard of ks holds exactly the keys it owns among values (read directly)."""
    key = TABLES[table][0]
    got = on_shards(ks, "SELECT %s FROM %s" % (key, table))
    for i, rows in enumerate(got):
        have = sorted(r[0] for r in rows)
        want = sorted(v for v in values if shard_of(ks, table, v) == i)
        eq(have, want, "%s %s.%s keys on shard %s (%s)" % (what, ks, table, KEYSPACES[ks][i][0],
                                                           KEYSPACES[ks][i][2]))


# ---------------------------------------------------------------- client helpers

def q(cur, sql, args=None):
    cur.execute(sql, args)
    return list(cur.fetchall())


def expect_error(cur, sql, code, *words):
    try:
        cur.execute(sql)
        rows = cur.fetchall()
    except pymysql.MySQLError as e:
        eq(e.args[0], code, "error code of %s (%s)" % (sql, e.args[1]))
        for w in words:
            assert w in e.args[1], "%s: %r not in the message %r" % (sql, w, e.args[1])
        return e.args[1]
    raise AssertionError("%s: expected error %d, got rows %r" % (sql, code, rows[:5]))


def raw_session(r, db):
    raw = Raw(r.port)
    seq, p = raw.login(db=db)
    assert p[0] == 0, "login to %s: %r" % (db, p)
    return raw


def raw_refused(raw, sql, *words, code=1235, state="42000", version=True):
    pk = raw.query(sql)
    p = pk[0][1]
    assert p[0] == 0xFF, "%s: expected a refusal, got %r" % (sql, pk[:3])
    e = parse_err(p)
    eq((e["code"], e["state"]), (code, state), "%s (%s)" % (sql, e["message"]))
    for w in words:
        assert w in e["message"], "%s: %r not in the message %r" % (sql, w, e["message"])
    if version:
        assert "version %d" % MAP_VERSION in e["message"], e["message"]
    return e["message"]


def raw_rows(raw, sql):
    pk = raw.query(sql)
    assert pk[0][1][0] not in (0x00, 0xFF), "%s: %r" % (sql, pk[0][1][:60])
    return text_rows(pk, raw.caps)


def norm(rows, ci=True):
    """Rows with strings lowered: in a _ci column 'x' and 'X' are one group and
    either may represent it."""
    return [tuple(v.lower() if ci and isinstance(v, str) else v for v in r) for r in rows]


def avg(total, n):
    return (Decimal(total) / Decimal(n)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- data

NAMES = ["alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot", "golf", "Hotel", "india", "Juliet"]
GROUPS = ["x", "X", "y", "Y", "z", None]


def gen_users(seed, n):
    rnd = random.Random(seed)
    ids = set()
    while len(ids) < n:
        ids.add(rnd.randint(-10 ** 12, 10 ** 12))
    return [(i, rnd.choice(NAMES) + str(rnd.randint(0, 9)), rnd.choice([None] + list(range(-50, 100))),
             rnd.choice(GROUPS)) for i in sorted(ids)]


def gen_orders(seed, users, n):
    rnd = random.Random(seed)
    return [(k, rnd.choice(users)[0], Decimal(rnd.randint(-100000, 10000000)) / 100,
             "2024-%02d-%02d" % (rnd.randint(1, 12), rnd.randint(1, 28))) for k in range(n)]


def load(cur, users, orders=()):
    if users:
        cur.execute("INSERT INTO users (id, name, score, grp) VALUES "
                    + ",".join(["(%s,%s,%s,%s)"] * len(users)),
                    [v for r in users for v in r])
        eq(cur.rowcount, len(users), "users inserted")
    if orders:
        cur.execute("INSERT INTO orders (order_id, user_id, amount, d) VALUES "
                    + ",".join(["(%s,%s,%s,%s)"] * len(orders)), [v for r in orders for v in r])
        eq(cur.rowcount, len(orders), "orders inserted")


# ================================================================ placement

@test
def placement_of_inserted_rows():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            ids = []
            # single-row INSERTs at the edges of the 64-bit range
            for v in (INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX):
                cur.execute("INSERT INTO users (id, name) VALUES (%s, %s)", (v, "edge"))
                eq(cur.rowcount, 1, "single-row insert of %d" % v)
                ids.append(v)
            # one multi-row INSERT spread over every shard
            users = gen_users(1, 120)
            load(cur, users)
            ids += [u[0] for u in users]
            for i in range(len(KEYSPACES[ks])):
                assert any(shard_of(ks, "users", v) == i for v in ids), "shard %d got no row" % i
            # integer keys written as strings / decimals: the same ids
            cur.execute("INSERT INTO users (id, name) VALUES ('424242', 's'), ('-434343', 's'), "
                        "(444444.0, 'dec'), (+454545, 'plus')")
            eq(cur.rowcount, 4, "int keys as strings")
            ids += [424242, -434343, 444444, 454545]
            # column list in another order, upper-case key column name, qualified table
            cur.execute("INSERT INTO `%s`.`users` (name, ID) VALUES ('rev', 464646), ('rev', 474747)" % ks)
            ids += [464646, 474747]
            assert_placement(ks, "users", ids, "INSERT")
            # every row exactly once
            total = sum(len(rs) for rs in on_shards(ks, "SELECT id FROM users"))
            eq(total, len(ids), "rows stored over all shards")

            # multi-row REPLACE: existing rows (2 affected each) and new ones (1 each)
            old = [u[0] for u in users[:6]] + [INT64_MIN, INT64_MAX]
            new = [500000 + k for k in range(8)]
            cur.execute("REPLACE INTO users (id, name, score) VALUES "
                        + ",".join("(%d, 'replaced', 7)" % v for v in old + new))
            eq(cur.rowcount, 2 * len(old) + len(new), "REPLACE affected rows")
            ids += new
            assert_placement(ks, "users", ids, "REPLACE")
            for i, rows in enumerate(on_shards(ks, "SELECT id FROM users WHERE name = 'replaced'")):
                eq(sorted(r[0] for r in rows), sorted(v for v in old + new if shard_of(ks, "users", v) == i),
                   "replaced rows on shard %d" % i)

            # orders follow their user (key user_id), whatever their own id
            orders = gen_orders(2, users, 80)
            load(cur, [], orders)
            for i, rows in enumerate(on_shards(ks, "SELECT order_id, user_id FROM orders")):
                eq(sorted(rows), sorted((o[0], o[1]) for o in orders if shard_of(ks, "orders", o[1]) == i),
                   "orders on shard %d" % i)

            # string keys: _ci (ASCII folded before hashing) and case-sensitive
            emails = ["Bob@Example.com", "bob2@example.com", "ALICE@X.ORG", "it's@x.org", "a\\b@x.org",
                      "Zo\u00eb@Example.com", "\u00c9cole@x.fr", "tab\there", "Long" + "AbC" * 100 + "@x.org"]
            cur.execute("INSERT INTO accounts (email, note) VALUES " + ",".join(["(%s, 'n')"] * len(emails)),
                        emails)
            eq(cur.rowcount, len(emails), "accounts inserted")
            assert_placement(ks, "accounts", emails, "string _ci key")
            tags = ["Foo", "foo", "FOO", "bar", "Bar", "b\u00e4r", "x y", ""]
            cur.execute("INSERT INTO tags (tag, n) VALUES " + ",".join(["(%s, 1)"] * len(tags)), tags)
            assert_placement(ks, "tags", tags, "string key")
            c.close()

        # the mariadb CLI: rows written by it land where the map says
        cli_ids = [900000 + k for k in range(12)]
        r.mariadb("-e", "INSERT INTO users (id, name) VALUES %s; INSERT INTO users (id, name) VALUES (912345, 'one')"
                  % ",".join("(%d, 'cli')" % v for v in cli_ids), database="mall")
        for i, rows in enumerate(on_shards("mall", "SELECT id FROM users WHERE name IN ('cli', 'one')")):
            eq(sorted(r[0] for r in rows), sorted(v for v in cli_ids + [912345] if shard_of("mall", "users", v) == i),
               "CLI rows on mall shard %d" % i)


# ================================================================ routing reads

@test
def point_selects_and_key_lists():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            n = len(KEYSPACES[ks])
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            users = gen_users(3, 60)
            load(cur, users)
            byid = {u[0]: u for u in users}
            # Decoys: a copy of some rows, written directly on a shard that
            # does not own the key. A statement pinned by its key never
            # reaches them; one sent to every shard would return them.
            decoy_ids = [u[0] for u in users[:8]]
            for v in decoy_ids:
                s = (shard_of(ks, "users", v) + 1) % n
                _, srv, schema = KEYSPACES[ks][s]
                admin_sql("INSERT INTO users (id, name, score, grp) VALUES (%d, 'DECOY', 0, 'd')" % v, srv, db=schema)
            for v in decoy_ids[:4]:
                want = [byid[v]]
                eq(q(cur, "SELECT id, name, score, grp FROM users WHERE id = %d" % v), want, "point select %d" % v)
                eq(q(cur, "SELECT id, name, score, grp FROM users WHERE id = %s", ("%d" % v,)), want,
                   "point select '%d'" % v)
                eq(q(cur, "SELECT id, name, score, grp FROM `%s`.`users` u WHERE u.ID = %d" % (ks, v)), want,
                   "qualified point select %d" % v)
                eq(q(cur, "SELECT id, name, score, grp FROM users WHERE %d = id AND id IS NOT NULL" % v), want,
                   "point select %d (reversed, with another condition)" % v)
            # IN list spanning the shards: narrowed to each shard's own keys
            inlist = decoy_ids + [u[0] for u in users[20:30]] + [123]  # 123: no such row
            spans = {shard_of(ks, "users", v) for v in inlist}
            eq(len(spans), n, "the IN list spans every shard")
            got = q(cur, "SELECT id, name, score, grp FROM users WHERE id IN (%s)" % ",".join(map(str, inlist)))
            eq(sorted(got), sorted(byid[v] for v in inlist if v in byid), "IN list")
            got = q(cur, "SELECT id, name FROM users WHERE id IN (%s) ORDER BY id DESC LIMIT 5"
                    % ",".join("'%d'" % v for v in inlist))
            eq(got, [(v, byid[v][1]) for v in sorted((v for v in inlist if v in byid), reverse=True)[:5]],
               "IN list of strings, ordered and limited")
            # OR list spanning shards (keys without decoys)
            orl = [u[0] for u in users[30:40]]
            got = q(cur, "SELECT id, name, score, grp FROM users WHERE " + " OR ".join("id = %d" % v for v in orl))
            eq(sorted(got), sorted(byid[v] for v in orl), "OR list")
            got = q(cur, "SELECT COUNT(*), SUM(score) FROM users WHERE id = %d OR id = %d OR id = %d"
                    % tuple(orl[:3]))
            scores = [byid[v][2] for v in orl[:3] if byid[v][2] is not None]
            eq(got, [(3, Decimal(sum(scores)) if scores else None)], "aggregate over an OR list")
            # a pinned key matching nothing
            eq(q(cur, "SELECT * FROM users WHERE id = 77777777777777"), [], "no such key")

            # string keys: the _ci key is found whatever the ASCII case
            emails = ["Bob@Example.com", "carol@EXAMPLE.org", "dave@x.org", "Erin@x.org"]
            cur.execute("INSERT INTO accounts (email, note) VALUES " + ",".join(["(%s, %s)"] * 4),
                        [v for e in emails for v in (e, "n-" + e)])
            for e in emails:
                s = (shard_of(ks, "accounts", e) + 1) % n
                _, srv, schema = KEYSPACES[ks][s]
                admin_sql("INSERT INTO accounts VALUES ('%s', 'DECOY')" % e.swapcase(), srv, db=schema)
            for e in emails:
                eq(q(cur, "SELECT note FROM accounts WHERE email = %s", (e.upper(),)), [("n-" + e,)],
                   "_ci key %s" % e.upper())
            got = q(cur, "SELECT note FROM accounts WHERE email IN (%s)" % ",".join(["%s"] * 4),
                    [e.lower() for e in emails])
            eq(sorted(got), sorted(("n-" + e,) for e in emails), "_ci IN list")
            c.close()


# ================================================================ scatter reads

MERGE_QUERIES = [
    # (statement, ordered, ci-normalize)
    ("SELECT id, name, score FROM users ORDER BY score DESC, id LIMIT 7", True, False),
    ("SELECT id, name, score FROM users ORDER BY score DESC, id LIMIT 10 OFFSET 13", True, False),
    ("SELECT * FROM users ORDER BY name, id LIMIT 12 OFFSET 20", True, False),
    ("SELECT id, name FROM users ORDER BY name DESC, id DESC LIMIT 10 OFFSET 5", True, False),
    ("SELECT name FROM users ORDER BY score, id LIMIT 9", True, False),
    ("SELECT id, score * 2 AS s2 FROM users ORDER BY s2, id LIMIT 10", True, False),
    ("SELECT id, score FROM users ORDER BY 2 DESC, 1 LIMIT 10 OFFSET 3", True, False),
    ("SELECT id FROM users ORDER BY score IS NULL, score, id LIMIT 1000 OFFSET 190", True, False),
    ("SELECT id FROM users ORDER BY id LIMIT 0", True, False),
    ("SELECT COUNT(*), COUNT(score), SUM(score), MIN(score), MAX(score), AVG(score), MIN(name), MAX(name)"
     " FROM users", True, False),
    ("SELECT COUNT(*), SUM(score), MIN(score), AVG(score) FROM users WHERE score > 1000", True, False),
    ("SELECT MIN(grp), MAX(grp), COUNT(grp) FROM users", True, True),
    ("SELECT grp, COUNT(*), SUM(score), AVG(score), MIN(name), MAX(score) FROM users GROUP BY grp", False, True),
    ("SELECT grp, COUNT(*) FROM users GROUP BY grp ORDER BY grp DESC", True, True),
    ("SELECT grp, LEFT(name, 1) AS l, COUNT(*) FROM users GROUP BY grp, l ORDER BY grp, l", True, True),
    ("SELECT grp, AVG(score) FROM users GROUP BY grp ORDER BY grp LIMIT 2 OFFSET 1", True, True),
    ("SELECT DISTINCT grp FROM users ORDER BY grp", True, True),
    ("SELECT DISTINCT grp, LEFT(name, 3) FROM users", False, True),
    ("SELECT DISTINCT LEFT(name, 3) AS p FROM users ORDER BY p LIMIT 5", True, True),
    ("SELECT SUM(amount), AVG(amount), MIN(amount), MAX(amount), MIN(d), MAX(d), COUNT(*) FROM orders", True, False),
    ("SELECT d, COUNT(*), SUM(amount) FROM orders GROUP BY d ORDER BY d", True, False),
    # HAVING on merged groups (grouped without the shard key): applied by the router
    ("SELECT grp, COUNT(*), SUM(score) AS s FROM users GROUP BY grp HAVING COUNT(*) > 1 AND s >= 0 "
     "ORDER BY grp", True, True),
    ("SELECT d, COUNT(*) AS n FROM orders GROUP BY d HAVING n <> 2 ORDER BY d LIMIT 3", True, False),
    # grouped on the shard key: every group lives on one shard, HAVING is exact
    ("SELECT user_id, COUNT(*), SUM(amount) FROM orders GROUP BY user_id HAVING COUNT(*) > 1 ORDER BY user_id",
     True, False),
    # joins of tables sharded on the same key, keys equated
    ("SELECT u.grp, COUNT(*), SUM(o.amount) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.grp",
     False, True),
    ("SELECT u.name, o.order_id, o.amount FROM users u JOIN orders o ON o.user_id = u.id"
     " ORDER BY o.amount DESC, o.order_id LIMIT 10", True, False),
    ("SELECT u.id, COUNT(o.order_id) FROM users u LEFT JOIN orders o ON o.user_id = u.id"
     " GROUP BY u.id ORDER BY u.id LIMIT 25", True, False),
    ("SELECT COUNT(*) FROM users u LEFT JOIN orders o ON u.id = o.user_id WHERE o.order_id IS NULL", True, False),
]


@test
def scatter_selects_merge_like_one_server():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            users = gen_users(5, 200)
            load(cur, users, gen_orders(6, users, 300))
            oracle_load(ks)
            for sql, ordered, ci in MERGE_QUERIES:
                try:
                    got = q(cur, sql)
                except pymysql.MySQLError as e:
                    raise AssertionError("%s: %s: %r" % (ks, sql, e.args))
                desc = [d[:2] for d in cur.description]
                o = admin(0, db=ORACLE)
                ocur = o.cursor()
                want = q(ocur, sql)
                eq(desc, [d[:2] for d in ocur.description], "%s: column names and types of %s" % (ks, sql))
                o.close()
                got, want = norm(got, ci), norm(want, ci)
                if not ordered:
                    got.sort(key=repr)
                    want.sort(key=repr)
                eq(got, want, "%s: %s" % (ks, sql))

            # The same answers from the shards' own answers, combined here.
            per = on_shards(ks, "SELECT COUNT(*), COUNT(score), SUM(score), MIN(score), MAX(score) FROM users")
            per = [p[0] for p in per]
            n, nscore = sum(p[0] for p in per), sum(p[1] for p in per)
            total = sum(p[2] for p in per if p[2] is not None)
            want = (n, nscore, Decimal(total), min(p[3] for p in per if p[3] is not None),
                    max(p[4] for p in per if p[4] is not None), avg(total, nscore))
            eq(q(cur, "SELECT COUNT(*), COUNT(score), SUM(score), MIN(score), MAX(score), AVG(score) FROM users"),
               [want], "%s: aggregates vs the shards' own" % ks)
            groups = Counter()
            for rows in on_shards(ks, "SELECT LOWER(grp), COUNT(*) FROM users GROUP BY LOWER(grp)"):
                for g, k in rows:
                    groups[g] += k
            got = {(g.lower() if g is not None else None): k
                   for g, k in q(cur, "SELECT grp, COUNT(*) FROM users GROUP BY grp")}
            eq(got, dict(groups), "%s: GROUP BY vs the shards' own" % ks)
            distinct = set()
            for rows in on_shards(ks, "SELECT DISTINCT LOWER(grp) FROM users"):
                distinct |= {g for (g,) in rows}
            got = [g for (g,) in q(cur, "SELECT DISTINCT grp FROM users")]
            eq(len(got), len(distinct), "%s: DISTINCT returns each value once: %r" % (ks, got))
            eq({g.lower() if g else g for g in got}, distinct, "%s: DISTINCT vs the shards' own" % ks)
            rows = [r for rs in on_shards(ks, "SELECT id, score FROM users WHERE score IS NOT NULL") for r in rs]
            rows.sort(key=lambda r: (-r[1], r[0]))
            eq(q(cur, "SELECT id, score FROM users WHERE score IS NOT NULL ORDER BY score DESC, id LIMIT 8 OFFSET 11"),
               rows[11:19], "%s: ORDER BY/LIMIT/OFFSET vs the shards' own" % ks)
            c.close()


@test
def large_insert_and_key_in_list():
    """More rows / key values than the classifier tracks per statement
    (1024): still routed (split, or sent to every shard), never refused."""
    reset("shop")
    with router() as r:
        c = r.connect(database="shop", autocommit=True)
        cur = c.cursor()
        ids = [7 * 10 ** 9 + k for k in range(1500)]
        problems = []
        try:
            cur.execute("INSERT INTO users (id, name) VALUES " + ",".join("(%d, 'bulk')" % v for v in ids))
            eq(cur.rowcount, len(ids), "1500-row INSERT affected rows")
        except pymysql.MySQLError as e:
            problems.append("1500-row INSERT -> %s" % (e.args,))
            for k in range(0, len(ids), 500):  # load it anyway, to check the IN list
                cur.execute("INSERT INTO users (id, name) VALUES "
                            + ",".join("(%d, 'bulk')" % v for v in ids[k:k + 500]))
        assert_placement("shop", "users", ids, "bulk INSERT")
        try:
            got = q(cur, "SELECT COUNT(*), MIN(id), MAX(id) FROM users WHERE id IN (%s)"
                    % ",".join(map(str, ids[::-1] + [1, 2, 3])))
            eq(got, [(len(ids), min(ids), max(ids))], "1503-value IN list")
        except pymysql.MySQLError as e:
            problems.append("SELECT with a 1503-value key IN list -> %s" % (e.args,))
        c.close()
        assert not problems, "refused:\n  " + "\n  ".join(problems)


# ================================================================ scatter writes

@test
def scatter_update_delete_affected_rows():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            load(cur, gen_users(7, 150))
            # expected counts from the shards themselves
            per = [rs[0][0] for rs in on_shards(ks, "SELECT COUNT(*) FROM users WHERE score > 40")]
            assert sum(1 for k in per if k) >= 2, "the UPDATE must touch several shards: %r" % per
            cur.execute("UPDATE users SET score = score + 1000 WHERE score > 40")
            eq(cur.rowcount, sum(per), "%s: scatter UPDATE affected rows (per shard %r)" % (ks, per))
            after = [rs[0][0] for rs in on_shards(ks, "SELECT COUNT(*) FROM users WHERE score > 1040")]
            eq(after, per, "%s: rows updated on each shard" % ks)
            # matched vs changed rows: CLIENT_FOUND_ROWS is honoured
            same = [rs[0][0] for rs in on_shards(ks, "SELECT COUNT(*) FROM users WHERE grp = 'x'")]
            cur.execute("UPDATE users SET grp = grp WHERE grp = 'x'")
            eq(cur.rowcount, 0, "%s: UPDATE changing nothing" % ks)
            c2 = r.connect(database=ks, autocommit=True, client_flag=CLIENT.FOUND_ROWS)
            cur2 = c2.cursor()
            cur2.execute("UPDATE users SET grp = grp WHERE grp = 'x'")
            eq(cur2.rowcount, sum(same), "%s: matched rows with CLIENT_FOUND_ROWS" % ks)
            c2.close()
            # IN-list UPDATE spanning shards
            some = [rs[0][0] for rs in on_shards(ks, "SELECT id FROM users ORDER BY id LIMIT 1")]
            cur.execute("UPDATE users SET name = 'inlist' WHERE id IN (%s)" % ",".join(map(str, some)))
            eq(cur.rowcount, len(some), "%s: IN-list UPDATE over every shard" % ks)
            for i, rows in enumerate(on_shards(ks, "SELECT id FROM users WHERE name = 'inlist'")):
                eq([r[0] for r in rows], [some[i]], "%s: IN-list UPDATE on shard %d" % (ks, i))
            # scatter DELETE
            per = [rs[0][0] for rs in on_shards(ks, "SELECT COUNT(*) FROM users WHERE score < 0 OR score IS NULL")]
            cur.execute("DELETE FROM users WHERE score < 0 OR score IS NULL")
            eq(cur.rowcount, sum(per), "%s: scatter DELETE affected rows (per shard %r)" % (ks, per))
            eq([rs[0][0] for rs in on_shards(ks, "SELECT COUNT(*) FROM users WHERE score < 0 OR score IS NULL")],
               [0] * len(per), "%s: deleted on every shard" % ks)
            left = sum(rs[0][0] for rs in on_shards(ks, "SELECT COUNT(*) FROM users"))
            eq(q(cur, "SELECT COUNT(*) FROM users"), [(left,)], "%s: rows left" % ks)
            c.close()


# ================================================================ reference tables

@test
def reference_tables():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            countries = [("fr", "France"), ("de", "Germany"), ("it", "Italy"), ("es", "Spain")]
            cur.execute("INSERT INTO countries (code, name) VALUES " + ",".join(["(%s,%s)"] * 4),
                        [v for cn in countries for v in cn])
            eq(cur.rowcount, 4, "%s: reference INSERT affected rows (one copy)" % ks)
            for i, rows in enumerate(on_shards(ks, "SELECT code, name FROM countries ORDER BY code")):
                eq(rows, sorted(countries), "%s: reference rows on shard %d" % (ks, i))
            eq(sorted(q(cur, "SELECT code, name FROM countries")), sorted(countries), "%s: reference SELECT" % ks)
            eq(q(cur, "SELECT COUNT(*) FROM `%s`.countries" % ks), [(4,)], "%s: reference COUNT once" % ks)
            cur.execute("UPDATE countries SET name = UPPER(name) WHERE code IN ('fr', 'de')")
            eq(cur.rowcount, 2, "%s: reference UPDATE affected rows (one copy)" % ks)
            cur.execute("DELETE FROM countries WHERE code = 'es'")
            eq(cur.rowcount, 1, "%s: reference DELETE affected rows" % ks)
            want = [("de", "GERMANY"), ("fr", "FRANCE"), ("it", "Italy")]
            for i, rows in enumerate(on_shards(ks, "SELECT code, name FROM countries ORDER BY code")):
                eq(rows, want, "%s: reference rows on shard %d after UPDATE/DELETE" % (ks, i))

            # joins with a sharded table: pinned to one shard, and on every shard
            users = [(v, "u%d" % v, v % 7, ["fr", "de", "it", "zz"][v % 4]) for v in range(1, 41)]
            load(cur, users)
            names = dict(want)
            for v in (3, 8, 13):
                eq(q(cur, "SELECT u.id, c.name FROM users u JOIN countries c ON c.code = u.grp WHERE u.id = %d" % v),
                   [(v, names[users[v - 1][3]])] if users[v - 1][3] in names else [], "%s: pinned join %d" % (ks, v))
            got = q(cur, "SELECT u.id, c.name FROM users u JOIN countries c ON c.code = u.grp ORDER BY u.id")
            eq(got, [(u[0], names[u[3]]) for u in users if u[3] in names], "%s: scatter join with reference" % ks)
            got = q(cur, "SELECT c.code, COUNT(*) FROM users u JOIN countries c ON c.code = u.grp GROUP BY c.code")
            eq(sorted(got), sorted(Counter(u[3] for u in users if u[3] in names).items()),
               "%s: grouped join with reference" % ks)
            c.close()


# ================================================================ joins

@test
def joins_on_the_shard_key():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            users = gen_users(9, 40)
            orders = gen_orders(10, users, 120)
            load(cur, users, orders)
            names = {u[0]: u[1] for u in users}
            for uid in [u[0] for u in users[:5]]:
                want = sorted((uid, o[0], o[2]) for o in orders if o[1] == uid)
                got = q(cur, "SELECT u.id, o.order_id, o.amount FROM users u JOIN orders o ON u.id = o.user_id"
                             " WHERE u.id = %d ORDER BY o.order_id" % uid)
                eq(got, want, "%s: pinned join on user %d" % (ks, uid))
                got = q(cur, "SELECT u.name, o.order_id FROM `%s`.users u, `%s`.orders o"
                             " WHERE u.id = %d AND o.user_id = %d ORDER BY o.order_id" % (ks, ks, uid, uid))
                eq(got, [(names[uid], w[1]) for w in want], "%s: comma join pinned on both keys" % ks)
            got = q(cur, "SELECT o.order_id, u.name FROM orders o JOIN users u ON o.user_id = u.id")
            eq(sorted(got), sorted((o[0], names[o[1]]) for o in orders), "%s: scatter join on the keys" % ks)
            # the same from the shards' own answers
            per = on_shards(ks, "SELECT o.order_id, u.name FROM orders o JOIN users u ON o.user_id = u.id")
            eq(sorted(got), sorted(r for rs in per for r in rs), "%s: join vs the shards' own" % ks)
            c.close()


# ================================================================ DDL and metadata

def columns_on(ks, table):
    return [[r[0] for r in rows] for rows in on_shards(
        ks, "SELECT column_name FROM information_schema.COLUMNS WHERE table_schema = DATABASE()"
            " AND table_name = '%s' ORDER BY ordinal_position" % table)]


@test
def ddl_applies_on_every_shard():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            n = len(KEYSPACES[ks])
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            cur.execute("CREATE TABLE `%s`.`ddl_t` (id INT PRIMARY KEY, v INT)" % ks)
            eq(columns_on(ks, "ddl_t"), [["id", "v"]] * n, "%s: CREATE TABLE on every shard" % ks)
            cur.execute("ALTER TABLE ddl_t ADD COLUMN w VARCHAR(10)")
            eq(columns_on(ks, "ddl_t"), [["id", "v", "w"]] * n, "%s: ALTER TABLE on every shard" % ks)
            cur.execute("CREATE INDEX ix_v ON %s.ddl_t (v)" % ks)
            idx = on_shards(ks, "SELECT DISTINCT index_name FROM information_schema.STATISTICS"
                                " WHERE table_schema = DATABASE() AND table_name = 'ddl_t'")
            eq([sorted(r[0] for r in rows) for rows in idx], [["PRIMARY", "ix_v"]] * n,
               "%s: CREATE INDEX on every shard" % ks)
            vals = list(range(1, 41))
            cur.execute("INSERT INTO ddl_t (id, v) VALUES " + ",".join("(%d, %d)" % (v, v) for v in vals))
            assert_placement(ks, "ddl_t", vals, "rows of the new table")
            cur.execute("DROP TABLE ddl_t")
            eq(columns_on(ks, "ddl_t"), [[]] * n, "%s: DROP TABLE on every shard" % ks)
            c.close()
        # DDL through the mariadb CLI too
        r.mariadb("-e", "CREATE TABLE ddl_t (id INT PRIMARY KEY); ALTER TABLE ddl_t ADD COLUMN cli INT", database="mall")
        eq(columns_on("mall", "ddl_t"), [["id", "cli"]] * 4, "CLI DDL on every mall shard")
        r.mariadb("-e", "DROP TABLE ddl_t", database="mall")
        eq(columns_on("mall", "ddl_t"), [[]] * 4, "CLI DROP TABLE")


@test
def metadata_answers_like_one_database():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            first = KEYSPACES[ks][0]
            direct = lambda sql: list(admin_sql(sql, first[1], db=first[2]))
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            eq(sorted(q(cur, "SHOW TABLES")), [(t,) for t in BASE_TABLES], "%s: SHOW TABLES" % ks)
            eq(sorted(q(cur, "SHOW TABLES FROM %s" % ks)), [(t,) for t in BASE_TABLES], "%s: SHOW TABLES FROM" % ks)
            eq(q(cur, "SHOW TABLES LIKE 'us%'"), [("users",)], "%s: SHOW TABLES LIKE" % ks)
            eq(q(cur, "SHOW CREATE TABLE users"), direct("SHOW CREATE TABLE users"), "%s: SHOW CREATE TABLE" % ks)
            eq(q(cur, "SHOW CREATE TABLE `%s`.`orders`" % ks), direct("SHOW CREATE TABLE orders"),
               "%s: SHOW CREATE TABLE qualified" % ks)
            cols = direct("SHOW COLUMNS FROM users")
            eq(len(cols), 4, "users has 4 columns")
            eq(q(cur, "SHOW COLUMNS FROM users"), cols, "%s: SHOW COLUMNS" % ks)
            eq(q(cur, "SHOW COLUMNS FROM %s.users" % ks), cols, "%s: SHOW COLUMNS qualified" % ks)
            eq(q(cur, "DESCRIBE users"), cols, "%s: DESCRIBE" % ks)
            eq(q(cur, "DESC %s.orders" % ks), direct("DESC orders"), "%s: DESC qualified" % ks)
            got = q(cur, "SELECT table_name FROM information_schema.TABLES WHERE table_schema = '%s'"
                         " ORDER BY table_name" % ks)
            eq(got, [(t,) for t in BASE_TABLES], "%s: information_schema.TABLES" % ks)
            got = q(cur, "SELECT table_name, column_name, data_type FROM information_schema.COLUMNS"
                         " WHERE table_schema = '%s' ORDER BY table_name, ordinal_position" % ks)
            want = direct("SELECT table_name, column_name, data_type FROM information_schema.COLUMNS"
                          " WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position")
            assert len(want) > 10, want
            eq(got, want, "%s: information_schema.COLUMNS (one copy)" % ks)
            eq(q(cur, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = '%s'"
                      " AND TABLE_NAME = 'users'" % ks), [(4,)], "%s: COLUMNS count of users" % ks)
            c.close()
        out = r.mariadb("-e", "SHOW TABLES; DESCRIBE users", database="mall").stdout.splitlines()
        for t in BASE_TABLES:
            eq(out.count(t), 1, "CLI SHOW TABLES lists %s once: %r" % (t, out))


@test
def use_and_init_db_select_the_keyspace():
    reset()
    with router() as r:
        # different rows in the two keyspaces: which one answered shows
        for ks, k in (("shop", 3), ("mall", 5)):
            c = r.connect(database=ks, autocommit=True)
            load(c.cursor(), [(v, ks, v, None) for v in range(1, k + 1)])
            c.close()
        c = r.connect(database=None, autocommit=True)
        cur = c.cursor()
        expect_error(cur, "SELECT COUNT(*) FROM users", 1046)
        c.select_db("shop")  # COM_INIT_DB
        eq(q(cur, "SELECT COUNT(*), MIN(name) FROM users"), [(3, "shop")], "after COM_INIT_DB shop")
        eq(q(cur, "SELECT COUNT(*) FROM mall.users"), [(5,)], "mall.users qualified from shop")
        cur.execute("USE mall")  # COM_QUERY USE
        eq(q(cur, "SELECT COUNT(*), MIN(name) FROM users"), [(5, "mall")], "after USE mall")
        eq(q(cur, "SELECT COUNT(*) FROM `shop`.`users`"), [(3,)], "shop.users qualified from mall")
        c.select_db("shop")
        eq(q(cur, "SELECT id FROM users ORDER BY id"), [(1,), (2,), (3,)], "back to shop")
        expect_error(cur, "USE nosuchks", 1049)
        c.close()
        # the CLI's `use` command is COM_INIT_DB
        out = r.mariadb(input="use shop\nSELECT COUNT(*) FROM users;\nuse mall\nSELECT COUNT(*) FROM users;\n",
                        database=None).stdout.split()
        eq(out, ["COUNT(*)", "3", "COUNT(*)", "5"], "CLI use")


# ================================================================ transactions

def shard_place(ks, i):
    _, srv, schema = KEYSPACES[ks][i]
    return "%s:%d/%s" % (HOST, port(srv), schema)


@test
def single_shard_transactions():
    reset()
    with router() as r:
        for ks in KEYSPACES:
            last = len(KEYSPACES[ks]) - 1
            a, b, c3 = ids_on(ks, "users", last, 3)  # the last shard: not the one statements without a key use
            _, srv, schema = KEYSPACES[ks][last]
            on = lambda sql: list(admin_sql(sql, srv, db=schema))
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            cur.execute("BEGIN")
            cur.execute("INSERT INTO users (id, name, score) VALUES (%d, 'tx', 1), (%d, 'tx', 2)" % (a, b))
            cur.execute("UPDATE users SET score = score + 10 WHERE id = %d" % a)
            eq(q(cur, "SELECT id, score FROM users WHERE id IN (%d, %d) ORDER BY id" % (a, b)),
               sorted([(a, 11), (b, 2)]), "%s: the transaction sees its writes" % ks)
            eq(on("SELECT COUNT(*) FROM users"), [(0,)], "%s: nothing visible on the shard before COMMIT" % ks)
            cur.execute("COMMIT")
            eq(on("SELECT id, score FROM users ORDER BY id"), sorted([(a, 11), (b, 2)]), "%s: committed" % ks)
            cur.execute("START TRANSACTION")
            cur.execute("INSERT INTO users (id, name) VALUES (%d, 'rolled back')" % c3)
            cur.execute("DELETE FROM users WHERE id = %d" % a)
            cur.execute("ROLLBACK")
            eq(on("SELECT id FROM users ORDER BY id"), sorted([(a,), (b,)]), "%s: rolled back" % ks)
            eq(sum(rs[0][0] for rs in on_shards(ks, "SELECT COUNT(*) FROM users")), 2, "%s: nowhere else" % ks)
            c.close()
            # PyMySQL's own transactions (autocommit off): commit() / rollback()
            c = r.connect(database=ks, autocommit=False)
            cur = c.cursor()
            cur.execute("UPDATE users SET name = 'pymysql' WHERE id = %d" % b)
            c.rollback()
            eq(on("SELECT name FROM users WHERE id = %d" % b), [("tx",)], "%s: rollback()" % ks)
            cur.execute("UPDATE users SET name = 'pymysql' WHERE id = %d" % b)
            cur.execute("INSERT INTO users (id, name) VALUES (%d, 'pymysql')" % c3)
            c.commit()
            eq(on("SELECT id, name FROM users WHERE name = 'pymysql' ORDER BY id"),
               sorted([(b, "pymysql"), (c3, "pymysql")]), "%s: commit()" % ks)
            c.close()


@test
def cross_shard_transaction_refused():
    reset()
    with router() as r:
        for ks, (s1, s2) in (("shop", (0, 1)), ("mall", (0, 2))):  # mall: two schemas of one server
            a1, a2 = ids_on(ks, "users", s1, 2)
            (b,) = ids_on(ks, "users", s2, 1)
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            cur.execute("BEGIN")
            cur.execute("INSERT INTO users (id, name) VALUES (%d, 'first')" % a1)
            msg = expect_error(cur, "INSERT INTO users (id, name) VALUES (%d, 'other shard')" % b, 1235,
                               shard_place(ks, s1), shard_place(ks, s2))
            expect_error(cur, "SELECT COUNT(*) FROM users", 1235, shard_place(ks, s1))
            expect_error(cur, "UPDATE users SET name = 'x' WHERE id IN (%d, %d)" % (a1, b), 1235)
            # the transaction goes on, on its shard
            cur.execute("INSERT INTO users (id, name) VALUES (%d, 'second')" % a2)
            eq(q(cur, "SELECT name FROM users WHERE id = %d" % a1), [("first",)], "%s: earlier work intact" % ks)
            cur.execute("COMMIT")
            got = on_shards(ks, "SELECT id, name FROM users ORDER BY id")
            eq(got[s1], sorted([(a1, "first"), (a2, "second")]), "%s: committed on its shard (%s)" % (ks, msg))
            eq(sum(len(rs) for rs in got), 2, "%s: the refused row is nowhere" % ks)
            # after COMMIT the other shard is fine again
            cur.execute("INSERT INTO users (id, name) VALUES (%d, 'after')" % b)
            eq(on_shards(ks, "SELECT id FROM users WHERE name = 'after'")[s2], [(b,)], "%s: after COMMIT" % ks)
            c.close()
        # the refusal's SQLSTATE, seen by a protocol client
        r2 = raw_session(r, "shop")
        (a,) = ids_on("shop", "users", 0, 1, start=1000)
        (b,) = ids_on("shop", "users", 1, 1, start=1000)
        eq(r2.query("BEGIN")[0][1][0], 0, "BEGIN")
        eq(r2.query("INSERT INTO users (id) VALUES (%d)" % a)[0][1][0], 0, "first write")
        raw_refused(r2, "INSERT INTO users (id) VALUES (%d)" % b, "span shards", version=False)
        eq(r2.query("ROLLBACK")[0][1][0], 0, "ROLLBACK")
        r2.close()


@test
def transaction_set_and_tableless_statements():
    """A single-shard transaction must be able to run SET, statements naming
    no table and reference-table reads, whichever shard it is on."""
    reset("shop")
    with router() as r:
        a = ids_on("shop", "users", 0, 1)[0]
        b = ids_on("shop", "users", 1, 1)[0]
        admin_sql("INSERT INTO countries VALUES ('fr', 'France')", 0, db="sh_s0")
        admin_sql("INSERT INTO countries VALUES ('fr', 'France')", 1, db="sh_s1")
        problems = []

        def step(cur, sql):
            try:
                cur.execute(sql)
                return cur.fetchall()
            except pymysql.MySQLError as e:
                problems.append("%s -> %s" % (sql, e.args))

        # (1) a replayable SET inside a transaction, in a session that has
        # connections to both shards already
        c = r.connect(database="shop", autocommit=True)
        cur = c.cursor()
        q(cur, "SELECT COUNT(*) FROM users")
        cur.execute("BEGIN")
        cur.execute("INSERT INTO users (id, name) VALUES (%d, 'set')" % a)
        step(cur, "SET @x = 5")
        step(cur, "UPDATE users SET score = 1 WHERE id = %d" % a)
        cur.execute("COMMIT")
        c.close()
        # (2) statements naming no table and reference reads inside a
        # transaction on the shard "80-"
        c = r.connect(database="shop", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        cur.execute("INSERT INTO users (id, name) VALUES (%d, 'tableless')" % b)
        step(cur, "SELECT 1")
        step(cur, "SELECT @@autocommit")
        step(cur, "SELECT name FROM countries WHERE code = 'fr'")
        cur.execute("COMMIT")
        # (3) BEGIN; SELECT 1; then a write on "80-"
        cur.execute("BEGIN")
        step(cur, "SELECT 1")
        step(cur, "UPDATE users SET score = 2 WHERE id = %d" % b)
        cur.execute("COMMIT")
        c.close()
        assert not problems, "refused in a single-shard transaction:\n  " + "\n  ".join(problems)
        eq(admin_sql("SELECT score FROM users WHERE id = %d" % a, 0, db="sh_s0"), ((1,),), "after SET")
        eq(admin_sql("SELECT score FROM users WHERE id = %d" % b, 1, db="sh_s1"), ((2,),), "after SELECT 1")


# ================================================================ refusals

@test
def refusals():
    reset()
    with router() as r:
        c = r.connect(database="mall", autocommit=True)
        load(c.cursor(), gen_users(11, 30))
        c.close()
        raw = raw_session(r, "mall")
        n = raw_rows(raw, "SELECT COUNT(*) FROM users")
        eq(n, [("30",)], "rows")
        x, y = ids_on("mall", "users", 0, 2)
        (z,) = ids_on("mall", "users", 3, 1)
        cases = [
            ("SELECT * FROM nosuch", ["nosuch"]),
            ("SELECT * FROM mall.nosuch WHERE id = 1", ["nosuch"]),
            ("INSERT INTO users VALUES (1, 'a', 1, 'x')", ["without a column list", "users"]),
            ("INSERT INTO users (name, score) VALUES ('a', 1)", ["shard key", "users"]),
            ("INSERT INTO users (id, name) VALUES (1, 'a'), (2 + 0, 'b')", ["shard", "users"]),
            ("UPDATE users SET id = %d WHERE id = %d" % (z, x), ["shard key", "id", "users"]),
            ("UPDATE users SET id = %d WHERE score = 1" % z, ["shard key", "id", "users"]),
            ("INSERT INTO users (id, name) VALUES (%d, 'a') ON DUPLICATE KEY UPDATE id = %d" % (x, z),
             ["shard key", "id", "users"]),
            ("UPDATE users SET id = id + 1", ["shard key", "users"]),
            ("SELECT id, ROW_NUMBER() OVER (ORDER BY id) FROM users", ["window function", "users"]),
            ("SELECT * FROM (SELECT id FROM users ORDER BY id LIMIT 3) t", ["LIMIT", "subquery", "users"]),
            ("SELECT * FROM users u JOIN items i ON u.id = i.owner", ["users", "items"]),
            ("SELECT * FROM users u JOIN orders o ON u.score = o.user_id", ["users", "orders"]),
            ("SELECT grp, COUNT(*) FROM users GROUP BY grp HAVING COUNT(*) > 1 OR COUNT(*) < 0",
             ["HAVING"]),
            ("SELECT COUNT(*) FROM users HAVING COUNT(*) > 1", ["HAVING"]),
            ("SELECT c.code, u.id FROM countries c LEFT JOIN users u ON u.grp = c.code", ["LEFT", "users"]),
            ("SELECT COUNT(DISTINCT grp) FROM users", ["DISTINCT", "users"]),
            ("SELECT 1; SELECT 2", ["one at a time", "mall"]),
            ("SELECT COUNT(*) FROM users; DELETE FROM users", ["one at a time", "mall"]),
            ("CREATE TEMPORARY TABLE tmp (a INT)", ["TEMPORARY", "mall"]),
            ("SELECT GET_LOCK('sh_lock', 1)", ["GET_LOCK", "mall"]),
            ("SELECT @v := id FROM users WHERE id = 1", ["user variables", "mall"]),
            ("UPDATE users SET score = (@s := score) WHERE id = 1", ["user variables", "mall"]),
            ("CREATE TABLE notinmap (a INT)", ["notinmap"]),
            ("INSERT INTO orders (order_id, user_id) SELECT id, id FROM users", ["SELECT", "orders"]),
            ("SELECT grp, SUM(score / 3) FROM users GROUP BY grp", ["division", "SUM(score / 3)"]),
            ("XA START 'sh_x'", ["XA statements", "mall"]),
        ]
        for sql, words in cases:
            raw_refused(raw, sql, *words)
            # nothing ran, and the session goes on
            eq(raw_rows(raw, "SELECT COUNT(*) FROM users"), n, "after %s" % sql)
        # refusals of transaction control that name no map version
        for sql, words in (("SAVEPOINT sp1", ["savepoints", "mall"]),
                           ("BEGIN /* %s */" % ("x" * 200), ["too long"])):
            raw_refused(raw, sql, *words, version=False)
            eq(raw_rows(raw, "SELECT COUNT(*) FROM users"), n, "after %s" % sql[:20])
        raw.close()
        eq(on_shards("mall", "SHOW TABLES LIKE 'notinmap'"), [[]] * 4, "no table created")
        eq(on_shards("mall", "SELECT id FROM users WHERE id IN (1, 2, %d, %d, %d)" % (x, y, z)), [[]] * 4,
           "no row written by a refused statement")
        # a key changed to a literal of the same shard, the old key pinned: the row does not move
        c = r.connect(database="mall", autocommit=True)
        cur = c.cursor()
        cur.execute("INSERT INTO users (id, name) VALUES (%d, 'mv')" % x)
        cur.execute("UPDATE users SET id = %d WHERE id = %d" % (y, x))
        eq(cur.rowcount, 1, "key updated within its shard")
        assert_placement("mall", "users", [u[0] for u in gen_users(11, 30)] + [y], "after a key update")
        c.close()
        # the mariadb CLI shows code and SQLSTATE
        p = r.mariadb("-e", "SELECT * FROM nosuch", database="mall", check=False)
        eq(p.returncode, 1, "CLI exit status")
        assert "ERROR 1235 (42000)" in p.stderr and "nosuch" in p.stderr, p.stderr


@test
def max_scatter_shards_limit():
    reset()
    with router(max_scatter_shards=2) as r:
        c = r.connect(database="mall", autocommit=True)
        cur = c.cursor()
        users = gen_users(12, 40)
        load(cur, users)  # INSERT rows are pinned: not limited
        ids = [u[0] for u in users]
        assert_placement("mall", "users", ids)
        for sql in ("SELECT * FROM users", "SELECT COUNT(*) FROM users",
                    "UPDATE users SET score = 0", "DELETE FROM users WHERE score > 3"):
            expect_error(cur, sql, 1235, "max_scatter_shards = 2", "4 shards", "users")
        eq(sum(rs[0][0] for rs in on_shards("mall", "SELECT COUNT(*) FROM users WHERE score = 0 OR score IS NULL")),
           sum(1 for u in users if u[2] in (0, None)), "refused UPDATE changed nothing")
        eq(sum(rs[0][0] for rs in on_shards("mall", "SELECT COUNT(*) FROM users")), 40, "refused DELETE")
        # pinned IN lists over every shard are not limited
        pick = [ids_on("mall", "users", s, 1, start=10 ** 13)[0] for s in range(4)]
        cur.execute("INSERT INTO users (id, name) VALUES " + ",".join("(%d, 'p')" % v for v in pick))
        eq(sorted(q(cur, "SELECT id FROM users WHERE id IN (%s)" % ",".join(map(str, pick)))),
           [(v,) for v in sorted(pick)], "pinned IN list over 4 shards")
        cur.execute("UPDATE users SET name = 'pinned' WHERE id IN (%s)" % ",".join(map(str, pick)))
        eq(cur.rowcount, 4, "pinned UPDATE over 4 shards")
        # shop has 2 shards: within the limit
        cur.execute("USE shop")
        load(cur, users[:10])
        eq(q(cur, "SELECT COUNT(*) FROM users"), [(10,)], "scatter over 2 shards")
        c.close()
    with router(max_scatter_shards=1) as r:
        c = r.connect(database="shop", autocommit=True)
        cur = c.cursor()
        expect_error(cur, "SELECT id FROM users ORDER BY id", 1235, "max_scatter_shards = 1", "users")
        expect_error(cur, "UPDATE users SET score = 5", 1235, "max_scatter_shards = 1")
        c.close()


@test
def scatter_writes_disabled():
    reset("shop")
    with router(scatter_writes="false") as r:
        c = r.connect(database="shop", autocommit=True)
        cur = c.cursor()
        users = gen_users(13, 30)
        load(cur, users)
        before = on_shards("shop", "SELECT * FROM users ORDER BY id")
        expect_error(cur, "UPDATE users SET score = score + 1", 1235, "scatter writes", "users")
        expect_error(cur, "DELETE FROM users WHERE score > 0", 1235, "scatter writes", "users")
        eq(on_shards("shop", "SELECT * FROM users ORDER BY id"), before, "refused writes changed nothing")
        # pinned writes and scatter reads still work
        a, b = ids_on("shop", "users", 0, 1)[0], ids_on("shop", "users", 1, 1)[0]
        cur.execute("INSERT INTO users (id, name) VALUES (%d, 'a'), (%d, 'b')" % (a, b))
        cur.execute("UPDATE users SET name = 'pinned' WHERE id IN (%d, %d)" % (a, b))
        eq(cur.rowcount, 2, "pinned UPDATE")
        eq(q(cur, "SELECT COUNT(*) FROM users"), [(32,)], "scatter read")
        cur.execute("DELETE FROM users WHERE id = %d" % b)
        eq(cur.rowcount, 1, "pinned DELETE")
        c.close()


# ================================================================ partial failures

@test
def partial_failure_ddl():
    reset()
    with router() as r:
        for ks, bad in (("shop", 1), ("mall", 2)):
            _, srv, schema = KEYSPACES[ks][bad]
            admin_sql("CREATE TABLE ddl_p (id INT PRIMARY KEY)", srv, db=schema)
            c = r.connect(database=ks, autocommit=True)
            cur = c.cursor()
            done = ["%s/%s" % (ks, rng) for i, (rng, _, _) in enumerate(KEYSPACES[ks]) if i != bad]
            msg = expect_error(cur, "CREATE TABLE ddl_p (id INT PRIMARY KEY, v INT)", 1050, "partially applied",
                               "done on shard(s) %s;" % ", ".join(done),
                               "failed on shard(s) %s/%s" % (ks, KEYSPACES[ks][bad][0]), "already exists")
            want = [["id"] if i == bad else ["id", "v"] for i in range(len(KEYSPACES[ks]))]
            eq(columns_on(ks, "ddl_p"), want, "%s: which shards applied it (%s)" % (ks, msg))
            # the session goes on; DROP works everywhere
            cur.execute("DROP TABLE ddl_p")
            eq(columns_on(ks, "ddl_p"), [[]] * len(KEYSPACES[ks]), "%s: dropped" % ks)
            c.close()


@test
def partial_failure_scatter_write():
    reset("shop")
    with router() as r:
        c = r.connect(database="shop", autocommit=True)
        cur = c.cursor()
        a = ids_on("shop", "items", 0, 3)
        b = ids_on("shop", "items", 1, 3)
        cur.execute("INSERT INTO items (item_id, owner) VALUES " + ",".join("(%d, %d)" % (v, k)
                                                                          for k, v in enumerate(a + b)))
        # a unique key on shard 1 only: setting one owner everywhere fails there
        admin_sql("ALTER TABLE items ADD UNIQUE KEY uk_owner (owner)", 1, db="sh_s1")
        expect_error(cur, "UPDATE items SET owner = 7", 1062, "partially applied", "done on shard(s) shop/-80;",
                     "failed on shard(s) shop/80-", "Duplicate entry")
        eq(on_shards("shop", "SELECT item_id, owner FROM items ORDER BY item_id"),
           [sorted((v, 7) for v in a), sorted((v, k + 3) for k, v in enumerate(b))],
           "UPDATE applied on shard 0 only (shard 1 rolled its statement back)")
        # a multi-row INSERT whose part for shard 1 fails
        (a2,), (b2, b3) = ids_on("shop", "items", 0, 1, start=1000), ids_on("shop", "items", 1, 2, start=1000)
        expect_error(cur, "INSERT INTO items (item_id, owner) VALUES (%d, 100), (%d, 101), (%d, 101)" % (a2, b2, b3),
                     1062, "partially applied", "done on shard(s) shop/-80;", "failed on shard(s) shop/80-")
        got = on_shards("shop", "SELECT item_id FROM items WHERE item_id IN (%d, %d, %d)" % (a2, b2, b3))
        eq(got, [[(a2,)], []], "split INSERT: shard 0's row only")
        # a table missing on shard 0: a scatter DELETE applies on shard 1 only
        admin_sql("DROP TABLE tags", 0, db="sh_s0")
        tag = next(t for t in ("t%d" % k for k in range(100)) if shard_of("shop", "tags", t) == 1)
        cur.execute("INSERT INTO tags (tag, n) VALUES ('%s', 1)" % tag)
        expect_error(cur, "DELETE FROM tags", 1146, "partially applied", "done on shard(s) shop/80-;",
                     "failed on shard(s) shop/-80")
        eq(admin_sql("SELECT COUNT(*) FROM tags", 1, db="sh_s1"), ((0,),), "DELETE applied on shard 1")
        # a read failing on one shard names it, and claims nothing applied
        msg = expect_error(cur, "SELECT COUNT(*) FROM tags", 1146, "shop/-80")
        assert "partially" not in msg, msg
        eq(q(cur, "SELECT COUNT(*) FROM items"), [(7,)], "the session goes on")
        c.close()


if __name__ == "__main__":
    main()
