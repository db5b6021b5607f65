"""Differential test of sharded routing.

One dataset is loaded twice: through the router into keyspace "df" (two
shards: schema df_s0 on server 0, df_s1 on server 1; customers and orders
sharded on the customer id, cities a reference table) and directly into
the plain schema df_plain on server 0. A seeded generator then produces
some 10,000 statements (reads of every shape the planner merges, writes);
each runs through the router first and, unless the router refused it, on
df_plain; the answers must be the same:

  - rows as multisets when there is no ORDER BY, in order when the ORDER
    BY determines it (the generator always ends it with a primary key when
    it can tie); every value as the text the server sends (AVG included);
  - a string that stands for several rows equal under the collation
    (DISTINCT, GROUP BY keys, MIN / MAX of strings) is compared by its
    WEIGHT_STRING(): the server may pick any of the equal spellings;
  - writes: the affected-row counts;
  - a refusal (an ERR from the router while df_plain answers) must match a
    refusal documented in man/shardrouter-routing.7 (its REFUSALS section
    is parsed here, so page and test cannot drift); at most ~10% of the
    statements may be refused.

After the statements the tables are compared in full, read back directly
from the shards. Set DF_SEED / DF_STATEMENTS to change the run; a mismatch
prints the seed, the statement number and both answers.
"""
import collections
import json
import os
import random
import re
import subprocess
import time

from lib import *

SEED = int(os.environ.get("DF_SEED", "20240607"))
N_STATEMENTS = int(os.environ.get("DF_STATEMENTS", "10000"))
MAX_REFUSED = 0.10  # share of generated statements the router may refuse
MAN_PAGE = os.path.join(REPO, "man", "shardrouter-routing.7")
CTL = os.path.join(os.path.dirname(BIN), "shardctl")

# Generator kinds whose mismatches are reported (the count and the first
# one) but do not fail the test, each with the router bug it stands for.
# TEMPORARY: it must be empty once these bugs are fixed; the summary says
# when a listed kind had no mismatch.
KNOWN_BUGS = {}

KS = "df"
SHARD_SCHEMAS = ("df_s0", "df_s1")
PLAIN = "df_plain"

DDL = [
    "CREATE TABLE customers (id INT NOT NULL PRIMARY KEY, name VARCHAR(40), city VARCHAR(8),"
    " score INT, created DATE)",
    "CREATE TABLE orders (id INT NOT NULL PRIMARY KEY, customer_id INT NOT NULL,"
    " amount DECIMAL(10,2), status VARCHAR(12), note VARCHAR(60), KEY (customer_id))",
    "CREATE TABLE cities (code VARCHAR(8) NOT NULL PRIMARY KEY, name VARCHAR(40),"
    " country VARCHAR(20))",
    # strings that differ only in trailing spaces or tabs (read by kind pad_space only)
    "CREATE TABLE tags (id INT NOT NULL PRIMARY KEY, customer_id INT NOT NULL, tag VARCHAR(20))",
]
TABLES = {"customers": "id", "orders": "id", "cities": "code", "tags": "id"}


def shard_map():
    return """version = 1;
keyspaces = (
  { name = "%s"; sharded = true;
    tables = ( { name = "customers"; key = "id"; }, { name = "orders"; key = "customer_id"; },
               { name = "tags"; key = "customer_id"; } );
    reference_tables = ( "cities" );
    shards = ( { range = "-80"; primary = "127.0.0.1:%d"; schema = "%s"; },
               { range = "80-"; primary = "127.0.0.1:%d"; schema = "%s"; } ); }
);
""" % (KS, port(0), SHARD_SCHEMAS[0], port(1), SHARD_SCHEMAS[1])


def wait_for_binary(timeout=120):
    """The router binary may be briefly missing while it is rebuilt."""
    deadline = time.time() + timeout
    while not os.access(BIN, os.X_OK) and time.time() < deadline:
        time.sleep(1)


def new_router():
    """A router for the df keyspace (not started: use it in a with block)."""
    wait_for_binary()
    return Router(shardmap=shard_map())


# ---------------------------------------------------------------- SQLSTATE

# PyMySQL drops the SQLSTATE of an ERR packet; keep it on the exception.
_raise_mysql_exception = pymysql.err.raise_mysql_exception


def _raise_with_sqlstate(data):
    try:
        _raise_mysql_exception(data)
    except pymysql.err.MySQLError as e:
        e.sqlstate = data[4:9].decode() if data[3:4] == b"#" else None
        raise


pymysql.err.raise_mysql_exception = _raise_with_sqlstate

# ---------------------------------------------------------------- the man page


def _unroff(s):
    for a, b in (("\\&", ""), ("\\(aq", "'"), ("\\(dq", '"'), ("\\(ga", "`"), ("\\-", "-"),
                 ("\\e", "\\")):
        s = s.replace(a, b)
    return s


class Refusal:
    """One documented message: code, SQLSTATE and the text, where '...'
    stands for a part that varies (a table, a number, an expression)."""

    def __init__(self, code, state, text, section):
        self.code, self.state, self.text, self.section = code, state, text, section
        # '...' may stand for nothing: "window function ... across" also
        # matches "window function across"
        parts = re.split(r" ?\.\.\. ?", text)
        self.regex = re.compile(".*?".join(re.escape(p) for p in parts), re.S)
        self.fixed = sum(len(p) for p in parts)

    def matches(self, code, state, message):
        return code == self.code and (state is None or state == self.state) and \
            self.regex.match(message) is not None

    def __str__(self):
        return "%d/%s %s" % (self.code, self.state, self.text)


def documented_refusals(path=MAN_PAGE):
    """The REFUSALS section of shardrouter-routing(7): every `.It Er CODE Pq
    Li SQLSTATE` entry and the message lines of the literal display under it."""
    out = []
    section = sub = None
    code = state = None
    literal = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(".Sh "):
                section = line[4:].strip()
                continue
            if section != "REFUSALS":
                continue
            if line.startswith(".Ss "):
                sub = line[4:].strip()
            m = re.match(r"\.It Er (\d+) Pq Li ([0-9A-Z]{5})\s*$", line)
            if m:
                code, state = int(m.group(1)), m.group(2)
                continue
            if line.startswith(".Bd -literal"):
                literal = True
                continue
            if line.startswith(".Ed"):
                literal = False
                continue
            if literal and code is not None and line.strip():
                out.append(Refusal(code, state, _unroff(line.strip()), sub))
    return out


def classify_refusal(refusals, code, state, message):
    """The most specific documented refusal the error matches, or None."""
    best = None
    for r in refusals:
        if r.matches(code, state, message) and (best is None or r.fixed > best.fixed):
            best = r
    return best


# ---------------------------------------------------------------- data

NAMES = ["alice", "Alice", "ALICE", "bob", "Bob", "émile", "Émile", "emile", "Zoë",
         "zoe", "ZOË", "chloé", "Chloe", "Núñez", "nunez", "Søren", "soren", "Ölaf", "olaf",
         "Müller", "muller", "O'Brien", "o'brien", "van der Berg", "Łukasz", "日本", "Ωmega",
         "ωmega", "", "x😀", "x😃", "Straße", "strasse", "back\\slash", "50%", "a_b"]
CITY_CODES = ["PAR", "lon", "Ber", "NYC", "tok", "Rom", "mad", "AMS", "vie", "Osl", "Zür",
              "sao", "MEX", "del", "Kyi", "bcn", "Lis", "ath"]
CITY_NAMES = ["Paris", "paris", "London", "Berlin", "BERLIN", "New York", "Tōkyō", "Tokyo",
              "Roma", "Madrid", "Amsterdam", "Wien", "Oslo", "Zürich", "zurich", "São Paulo",
              "Ciudad de México", "Delhi", "Kyiv", "Barcelona", "Lisboa", "Athína"]
COUNTRIES = ["FR", "fr", "GB", "DE", "de", "US", "JP", "IT", "ES", "es", "NL", "AT",
             "Österreich", "NO", "CH", "BR", "MX", "IN", "UA", "PT", "GR", None]
STATUSES = ["new", "NEW", "New", "nëw", "paid", "PAID", "shipped", "Shipped", "cancelled",
            "returned", None]
NOTES = ["gift", "Gift", "GIFT wrap", "rush", "RUSH", "café", "CAFE", "naïve", "Straße",
         "strasse", "", "it's", "50% off", "a_b", "back\\slash", "x" * 60, "Ünïcödé", "unicode",
         "日本語", "emoji 😀", "emoji 😃", "  padded"]
# PAD SPACE: 'vip' = 'vip ' = 'VIP  ', but 'vip\t' < 'vip'
TAGS = ["vip", "VIP", "vip ", "Vip  ", "vip\t", "b", "b ", "B\t", "a", "a ", "a\t", "A", "", " ",
        "new", "nëw", "NEW ", "x y", "x  y", "x\ty", "z\t ", "z"]
STRING_LITERALS = NAMES + CITY_CODES + CITY_NAMES + [c for c in COUNTRIES if c] + \
    [s for s in STATUSES if s] + NOTES + TAGS


def q(s):
    """A SQL string literal (backslash escapes on, as the servers run)."""
    if s is None:
        return "NULL"
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


class Data:
    """The rows loaded at the start, and what the generator keeps in mind
    afterwards (ids in use, each order's customer)."""

    def __init__(self, rng):
        self.rng = rng
        r = rng
        self.cities = []
        for i, code in enumerate(CITY_CODES):
            self.cities.append((code, CITY_NAMES[i % len(CITY_NAMES)] if r.random() < 0.9 else None,
                                r.choice(COUNTRIES)))
        ids = r.sample(range(-3000, 120000), 1500)
        self.customers = []
        for cid in ids:
            self.customers.append((cid, self.maybe(r.choice(NAMES), 0.05), self.city_ref(),
                                   self.maybe(r.randint(-1000, 1000), 0.1), self.maybe(self.date(), 0.1)))
        self.cids = ids[:]
        self.orders = []
        self.order_cust = {}
        oids = r.sample(range(1, 1000000), 3000)
        for oid in oids:
            cid = r.choice(ids) if r.random() < 0.92 else r.randint(-5000, 150000)
            self.orders.append((oid, cid, self.maybe(self.amount(), 0.05), r.choice(STATUSES),
                                self.maybe(r.choice(NOTES), 0.15)))
            self.order_cust[oid] = cid
        self.oids = oids[:]
        self.tags = [(tid, r.choice(ids), r.choice(TAGS)) for tid in r.sample(range(1, 100000), 400)]
        self.next_cid = 200000
        self.next_neg_cid = -10000
        self.next_oid = 2000000
        self.next_city = 0

    def maybe(self, v, p_null):
        return None if self.rng.random() < p_null else v

    def city_ref(self):
        r = self.rng
        x = r.random()
        if x < 0.1:
            return None
        if x < 0.15:
            return r.choice(["XXX", "nowhere", ""])
        code = r.choice(CITY_CODES)
        return r.choice([code, code.lower(), code.upper(), code.capitalize()])

    def date(self):
        return "%04d-%02d-%02d" % (self.rng.randint(2015, 2025), self.rng.randint(1, 12),
                                   self.rng.randint(1, 28))

    def amount(self):
        r = self.rng
        x = r.random()
        if x < 0.6:
            v = r.randint(-2000, 20000)
        elif x < 0.9:
            v = r.randint(-100000, 1000000)
        else:
            v = r.choice([0, 1, -1, 50, -50, 999999999, -999999999])
        return "%s%d.%02d" % ("-" if v < 0 else "", abs(v) // 100, abs(v) % 100)

    def new_cid(self):
        if self.rng.random() < 0.2:
            self.next_neg_cid -= 1
            v = self.next_neg_cid
        else:
            self.next_cid += self.rng.randint(1, 3)
            v = self.next_cid
        self.cids.append(v)
        return v

    def new_oid(self, cid):
        self.next_oid += self.rng.randint(1, 3)
        self.order_cust[self.next_oid] = cid
        self.oids.append(self.next_oid)
        return self.next_oid

    def new_city(self):
        self.next_city += 1
        return "%s%03d" % (self.rng.choice(["n", "N", "z", "Z"]), self.next_city)


def row_sql(row):
    out = []
    for v in row:
        if v is None:
            out.append("NULL")
        elif isinstance(v, int):
            out.append(str(v))
        else:
            out.append(q(v))
    return "(" + ", ".join(out) + ")"


def load_statements(data):
    """Multi-row INSERTs that load the dataset (the same text on both sides)."""
    out = []
    for table, cols, rows in (("cities", "code, name, country", data.cities),
                              ("customers", "id, name, city, score, created", data.customers),
                              ("orders", "id, customer_id, amount, status, note", data.orders),
                              ("tags", "id, customer_id, tag", data.tags)):
        for i in range(0, len(rows), 100):
            chunk = rows[i:i + 100]
            # amounts are decimal text: unquoted
            vals = []
            for row in chunk:
                if table == "orders":
                    vals.append("(%d, %d, %s, %s, %s)" % (row[0], row[1], row[2] or "NULL", q(row[3]),
                                                          q(row[4])))
                else:
                    vals.append(row_sql(row))
            out.append("INSERT INTO %s (%s) VALUES %s" % (table, cols, ", ".join(vals)))
    return out


# ---------------------------------------------------------------- statements

Stmt = collections.namedtuple("Stmt", "kind sql mode ci plain names", defaults=(frozenset(), None, None))
# mode: "rows" (multiset), "ordered" (the ORDER BY decides), "write" (affected rows)
# ci: indexes of result columns compared by the collation's weight
# plain: the text for df_plain when it differs (keyspace-qualified names);
#   then the column names are compared with names, when given

Script = collections.namedtuple("Script", "kind stmts cleanup")
# statements run in order on one session; when the router refuses one (a
# documented refusal), the rest is skipped and cleanup runs on both sides

CCOLS = ["id", "name", "city", "score", "created"]
OCOLS = ["id", "customer_id", "amount", "status", "note"]
STRING_COLS = {"name", "city", "status", "note", "code", "country", "tag"}


def colname(expr):
    return expr.split(".")[-1]


class Gen:
    def __init__(self, rng, data):
        self.r = rng
        self.d = data

    # ---- pieces

    def cid(self):
        r = self.r
        return r.choice(self.d.cids) if r.random() < 0.85 else r.randint(-5000, 150000)

    def key_lit(self, k):
        """The key as a literal the router must pin like the server matches it."""
        r = self.r
        x = r.random()
        if x < 0.75:
            return str(k)
        if x < 0.85:
            return "'%d'" % k
        if x < 0.92:
            return "%d.0" % k if k >= 0 else "-%d.00" % -k
        if x < 0.96 and k >= 0:
            return "'00%d'" % k
        return "- %d" % -k if k < 0 else "+%d" % k

    def key_list(self, n=None):
        r = self.r
        n = n or r.randint(2, 14)
        vals = [self.key_lit(self.cid()) for _ in range(n)]
        if r.random() < 0.15:
            vals.append(r.choice(vals))  # a duplicate
        if r.random() < 0.1:
            vals.insert(r.randrange(len(vals) + 1), "NULL")
        return ", ".join(vals)

    def cols(self, cols, prefix=""):
        r = self.r
        if r.random() < 0.15 and not prefix:
            return "*"
        k = r.randint(1, len(cols))
        return ", ".join(prefix + c for c in r.sample(cols, k))

    def num(self, lo, hi):
        return self.r.randint(lo, hi)

    def dec(self):
        return self.d.amount()

    def cust_pred(self, p=""):
        r = self.r
        x = r.randrange(10)
        if x == 0:
            a = self.num(-1000, 900)
            return "%sscore BETWEEN %d AND %d" % (p, a, a + self.num(0, 300))
        if x == 1:
            return "%sscore %s %d" % (p, r.choice(["<", ">", "<=", ">=", "=", "<>"]), self.num(-1000, 1000))
        if x == 2:
            return "%sname = %s" % (p, q(r.choice(NAMES)))
        if x == 3:
            return "%sname LIKE %s" % (p, q(r.choice(["a%", "É%", "%e", "_o%", "%ü%", "%"])))
        if x == 4:
            return "%scity IS %sNULL" % (p, r.choice(["", "NOT "]))
        if x == 5:
            return "%scity IN (%s)" % (p, ", ".join(q(r.choice(CITY_CODES).lower()) for _ in range(3)))
        if x == 6:
            return "%screated BETWEEN '%s' AND '%s'" % ((p,) + tuple(sorted([self.d.date(), self.d.date()])))
        if x == 7:
            return "%sname BETWEEN %s AND %s" % ((p,) + tuple(q(s) for s in sorted(
                [r.choice(NAMES), r.choice(NAMES)], key=lambda s: s.lower())))
        if x == 8:
            return "%sscore IS NULL" % p
        return "(%sscore > %d OR %screated < '%s')" % (p, self.num(0, 1000), p, self.d.date())

    def order_pred(self, p=""):
        r = self.r
        x = r.randrange(8)
        if x == 0:
            a = self.num(-2000, 20000)
            return "%samount BETWEEN %d AND %d" % (p, a, a + self.num(0, 5000))
        if x == 1:
            return "%samount %s %s" % (p, r.choice(["<", ">", "<=", ">="]), self.dec())
        if x == 2:
            return "%sstatus = %s" % (p, q(r.choice([s for s in STATUSES if s])))
        if x == 3:
            return "%sstatus IN (%s)" % (p, ", ".join(q(r.choice(STATUSES[:-1])) for _ in range(2)))
        if x == 4:
            return "%snote LIKE %s" % (p, q(r.choice(["%caf%", "g%", "%😀%", "%\\_%", "%e"])))
        if x == 5:
            return "%snote IS NULL" % p
        if x == 6:
            return "%samount IS NULL" % p
        return "%sid %s %d" % (p, r.choice(["<", ">"]), self.num(1, 1000000))

    def cust_where(self, p="", allow_none=True):
        """A WHERE clause on customers (columns prefixed with p): pinned,
        listed or not pinned."""
        r = self.r
        x = r.randrange(10)
        if x == 0 and allow_none:
            return ""
        if x <= 2:
            return " WHERE %sid = %s" % (p, self.key_lit(self.cid())) + \
                (" AND " + self.cust_pred(p) if r.random() < 0.3 else "")
        if x == 3:
            return " WHERE %sid IN (%s)" % (p, self.key_list())
        return " WHERE " + self.cust_pred(p)

    def order_where(self, p="", allow_none=True):
        r = self.r
        x = r.randrange(10)
        if x == 0 and allow_none:
            return ""
        if x <= 2:
            return " WHERE %scustomer_id = %s" % (p, self.key_lit(self.cid())) + \
                (" AND " + self.order_pred(p) if r.random() < 0.3 else "")
        if x == 3:
            return " WHERE %scustomer_id IN (%s)" % (p, self.key_list())
        return " WHERE " + self.order_pred(p)

    def limit(self):
        r = self.r
        n, o = r.choice([r.randint(1, 30), r.randint(1, 30), 0]), r.choice([0, 0, 1, 3, 10, 50, 5000])
        form = r.randrange(3)
        if o == 0 and form == 0:
            return " LIMIT %d" % n
        if form == 1:
            return " LIMIT %d, %d" % (o, n)
        return " LIMIT %d OFFSET %d" % (n, o)

    def aggs(self, table, prefix=""):
        """(items, ci) for aggregates over table's columns."""
        r = self.r
        nums = ["score", "id"] if table == "customers" else ["amount", "id", "customer_id"]
        anys = CCOLS if table == "customers" else OCOLS
        exprs = ["SUM(%sscore * 2)", "AVG(%sscore + 0.5)", "MIN(UPPER(%sname))", "MAX(YEAR(%screated))"] \
            if table == "customers" else \
            ["SUM(%samount * 1.5)", "AVG(-%samount)", "MAX(LENGTH(%snote))", "MIN(LOWER(%sstatus))"]
        items = []
        for _ in range(r.randint(1, 4)):
            x = r.randrange(7)
            if x == 6:
                items.append(r.choice(exprs) % prefix)
                continue
            if x == 0:
                items.append("COUNT(*)")
            elif x == 1:
                items.append("COUNT(%s%s)" % (prefix, r.choice(anys)))
            elif x == 2:
                items.append("SUM(%s%s)" % (prefix, r.choice(nums)))
            elif x == 3:
                items.append("AVG(%s%s)" % (prefix, r.choice(nums)))
            else:
                items.append("%s(%s%s)" % (r.choice(["MIN", "MAX"]), prefix, r.choice(anys)))
        return items

    @staticmethod
    def ci_of(items):
        """Result columns to compare by weight: strings that stand for
        several equal ones (group keys, DISTINCT items, MIN / MAX)."""
        def string_expr(e):
            return colname(e) in STRING_COLS or e.startswith(("UPPER(", "LOWER(", "CONCAT("))
        ci = set()
        for i, it in enumerate(items):
            e = it.split(" AS ")[0]
            m = re.match(r"(?:MIN|MAX)\((.*)\)$", e)
            if string_expr(m.group(1) if m else e):
                ci.add(i)
        return ci

    # ---- reads

    def k_point(self):
        r = self.r
        if r.random() < 0.5:
            sql = "SELECT %s FROM customers WHERE id = %s" % (self.cols(CCOLS), self.key_lit(self.cid()))
            if r.random() < 0.2:
                sql += " AND " + self.cust_pred()
        else:
            sql = "SELECT %s FROM orders WHERE customer_id = %s" % (self.cols(OCOLS), self.key_lit(self.cid()))
            if r.random() < 0.3:
                sql += " AND " + self.order_pred()
            if r.random() < 0.3:
                return Stmt("point", sql + " ORDER BY id" + (" DESC" if r.random() < 0.5 else ""),
                            "ordered", set())
        return Stmt("point", sql, "rows", set())

    def k_in_list(self):
        r = self.r
        if r.random() < 0.5:
            t, key, cols, pk = "customers", "id", CCOLS, "id"
        else:
            t, key, cols, pk = "orders", "customer_id", OCOLS, "id"
        sql = "SELECT %s FROM %s WHERE %s IN (%s)" % (self.cols(cols), t, key, self.key_list(
            r.randint(50, 300) if r.random() < 0.05 else None))
        if r.random() < 0.2:
            sql += " AND " + (self.cust_pred() if t == "customers" else self.order_pred())
        if r.random() < 0.3:
            return Stmt("in_list", sql + " ORDER BY %s%s%s" % (
                pk, r.choice(["", " DESC"]), self.limit() if r.random() < 0.5 else ""), "ordered", set())
        return Stmt("in_list", sql, "rows", set())

    def k_or_list(self):
        r = self.r
        if r.random() < 0.5:
            t, key, cols, pred = "customers", "id", CCOLS, self.cust_pred
        else:
            t, key, cols, pred = "orders", "customer_id", OCOLS, self.order_pred
        ks = [self.key_lit(self.cid()) for _ in range(r.randint(2, 5))]
        x = r.randrange(5)
        if x <= 1:
            w = " OR ".join("%s = %s" % (key, k) for k in ks)
        elif x == 2:
            w = "(%s) AND %s" % (" OR ".join("%s = %s" % (key, k) for k in ks), pred())
        elif x == 3:
            w = "%s = %s OR %s IN (%s)" % (key, ks[0], key, ", ".join(ks[1:]))
        else:
            w = "%s = %s OR %s" % (key, ks[0], pred())  # not pinned
        return Stmt("or_list", "SELECT %s FROM %s WHERE %s" % (self.cols(cols), t, w), "rows", set())

    def k_range(self):
        r = self.r
        if r.random() < 0.5:
            if r.random() < 0.5:
                a = self.num(-3000, 120000)
                w = "id BETWEEN %d AND %d" % (a, a + self.num(0, 3000))
            else:
                w = self.cust_pred()
            return Stmt("range", "SELECT %s FROM customers WHERE %s" % (self.cols(CCOLS), w), "rows", set())
        if r.random() < 0.5:
            a = self.num(-3000, 120000)
            w = "customer_id %s %d" % (r.choice(["<", ">", "<=", ">="]), a) if r.random() < 0.3 else \
                "customer_id BETWEEN %d AND %d" % (a, a + self.num(0, 2000))
        else:
            w = self.order_pred()
        return Stmt("range", "SELECT %s FROM orders WHERE %s" % (self.cols(OCOLS), w), "rows", set())

    def k_order_limit(self):
        r = self.r
        if r.random() < 0.5:
            t, cols, where = "customers", CCOLS, self.cust_where()
        else:
            t, cols, where = "orders", OCOLS, self.order_where()
        keys = r.sample([c for c in cols if c != "id"], r.randint(0, 2))
        order = ["%s%s" % (k, r.choice(["", " ASC", " DESC"])) for k in keys]
        order.append("id" + r.choice(["", " DESC"]))
        sql = "SELECT %s FROM %s%s ORDER BY %s" % (self.cols(cols), t, where, ", ".join(order))
        if r.random() < 0.8:
            sql += self.limit()
        return Stmt("order_limit", sql, "ordered", set())

    def k_order_expr(self):
        r = self.r
        if r.random() < 0.5:
            e = r.choice(["score * -1", "ABS(score)", "COALESCE(score, 0)", "-score", "YEAR(created)",
                          "LOWER(name)", "score DESC", "CHAR_LENGTH(name)", "score / 7", "score + 0.5 DESC",
                          "CONCAT(city, name)"])
            sql = "SELECT id, name, score FROM customers%s ORDER BY %s, id" % (self.cust_where(), e)
        else:
            e = r.choice(["ABS(amount)", "-amount", "amount * 2 DESC", "COALESCE(note, '')",
                          "customer_id DESC", "status DESC", "amount * 1.5", "amount / 3 DESC"])
            sql = "SELECT id, amount FROM orders%s ORDER BY %s, id" % (self.order_where(), e)
        if r.random() < 0.6:
            sql += self.limit()
        return Stmt("order_expr", sql, "ordered", set())

    def k_agg(self):
        r = self.r
        if r.random() < 0.5:
            items = self.aggs("customers")
            sql = "SELECT %s FROM customers%s" % (", ".join(items), self.cust_where())
        else:
            items = self.aggs("orders")
            sql = "SELECT %s FROM orders%s" % (", ".join(items), self.order_where())
        if r.random() < 0.2:
            items = ["%s AS a%d" % (it, i) for i, it in enumerate(items)]
            sql = "SELECT %s FROM %s" % (", ".join(items), sql.split(" FROM ", 1)[1])
        return Stmt("agg", sql, "rows", self.ci_of(items))

    def k_group(self):
        r = self.r
        if r.random() < 0.5:
            t, where = "customers", self.cust_where()
            keys = r.sample(["city", "name", "created", "YEAR(created)", "score"], r.choice([1, 1, 2]))
        else:
            t, where = "orders", self.order_where()
            keys = r.sample(["status", "note", "amount"], r.choice([1, 1, 2]))
        aggs = self.aggs(t)
        items = keys + aggs
        order = ""
        group = ", ".join(keys)
        refs = keys
        if len(keys) == 1 and r.random() < 0.3:
            items[0] += " AS g"
            group = r.choice(["g", "1", keys[0]])
            refs = [r.choice(["g", "1"])]
        mode = "rows"
        if r.random() < 0.6:
            order = " ORDER BY " + ", ".join(k + r.choice(["", " DESC"]) for k in refs)
            mode = "ordered"
            if r.random() < 0.4:
                order += self.limit()
        having = ""
        numeric = [a for a in aggs if a.startswith(("COUNT(", "SUM(", "AVG("))]
        if numeric and r.random() < 0.35:
            # HAVING on merged groups: the router filters the combined groups
            conds = []
            for a in r.sample(numeric, min(len(numeric), r.choice([1, 1, 2]))):
                conds.append("%s %s %s" % (a, r.choice([">", ">=", "<", "<=", "=", "<>"]),
                                           r.choice(["0", "1", "2", "-3", "10.5", "100"])))
            having = " HAVING " + " AND ".join(conds)
        sql = "SELECT %s FROM %s%s GROUP BY %s%s%s" % (", ".join(items), t, where, group, having, order)
        return Stmt("group", sql, mode, self.ci_of(items))

    def k_group_key(self):
        """GROUP BY the shard key: every group lives on one shard."""
        r = self.r
        x = r.randrange(3)
        if x == 0:
            aggs = self.aggs("orders") + r.sample(["COUNT(DISTINCT status)", "GROUP_CONCAT(id ORDER BY id)",
                                                   "SUM(DISTINCT amount)"], r.randint(0, 2))
            items = ["customer_id"] + aggs
            sql = "SELECT %s FROM orders%s GROUP BY customer_id" % (", ".join(items), self.order_where())
            key = "customer_id"
        elif x == 1:
            aggs = self.aggs("orders", "o.")
            items = ["c.id", "c.name"] + aggs
            sql = "SELECT %s FROM customers c JOIN orders o ON o.customer_id = c.id%s GROUP BY c.id" % (
                ", ".join(items), self.cust_where("c."))
            key = "c.id"
        else:
            aggs = self.aggs("customers")
            items = ["id"] + aggs
            sql = "SELECT %s FROM customers%s GROUP BY id" % (", ".join(items), self.cust_where())
            key = "id"
        if r.random() < 0.4:
            sql += " HAVING " + r.choice(["COUNT(*) > 1", "COUNT(*) >= 1", "SUM(%s) > 0" % (
                "amount" if "orders" in sql else "score"), "MAX(%s) IS NOT NULL" % key])
        mode = "rows"
        if r.random() < 0.5:
            mode = "ordered"
            x = r.randrange(3)
            if x == 0:
                sql += " ORDER BY %s%s" % (key, r.choice(["", " DESC"]))
            elif x == 1:
                sql += " ORDER BY COUNT(*)%s, %s" % (r.choice(["", " DESC"]), key)
            else:
                sql = sql.replace(" FROM ", ", COUNT(*) AS n FROM ", 1)
                items.append("COUNT(*) AS n")
                sql += " ORDER BY n%s, %s" % (r.choice(["", " DESC"]), key)
            if r.random() < 0.5:
                sql += self.limit()
        return Stmt("group_key", sql, mode, self.ci_of(items))

    def k_distinct(self):
        r = self.r
        if r.random() < 0.5:
            t, where, pool = "customers", self.cust_where(), ["name", "city", "score", "created"]
        else:
            t, where, pool = "orders", self.order_where(), ["status", "note", "customer_id", "amount"]
        items = r.sample(pool, r.randint(1, 2))
        sql = "SELECT DISTINCT %s FROM %s%s" % (", ".join(items), t, where)
        mode = "rows"
        if r.random() < 0.5:
            mode = "ordered"
            order = r.sample(items, len(items))
            sql += " ORDER BY " + ", ".join(o + r.choice(["", " DESC"]) for o in order)
            if r.random() < 0.5:
                sql += self.limit()
        return Stmt("distinct", sql, mode, self.ci_of(items))

    def join_where(self):
        """(WHERE clause of a customers c / orders o join, pinned?)"""
        r = self.r
        x = r.randrange(6)
        if x == 0:
            return "", False
        if x == 1:
            return " WHERE c.id = %s" % self.key_lit(self.cid()), True
        if x == 2:
            return " WHERE o.customer_id IN (%s)" % self.key_list(), True
        if x == 3:
            return " WHERE " + self.cust_pred("c."), False
        if x == 4:
            return " WHERE " + self.order_pred("o."), False
        if x == 5 and r.random() < 0.5:
            return " WHERE c.id IN (%s) AND o.customer_id IN (%s)" % (self.key_list(), self.key_list()), True
        return " WHERE %s AND %s" % (self.cust_pred("c."), self.order_pred("o.")), False

    def k_join(self):
        r = self.r
        if r.random() < 0.15:  # two tables sharded on customer_id
            where = r.choice(["", " WHERE o.customer_id = %s" % self.key_lit(self.cid()),
                              " WHERE t.customer_id IN (%s)" % self.key_list(), " WHERE " + self.order_pred("o.")])
            sql = "SELECT o.id, t.id, o.amount FROM orders o JOIN tags t ON t.customer_id = o.customer_id" + where
            kind = "join_pinned" if "customer_id" in where else "join_scatter"
            if r.random() < 0.5:
                return Stmt(kind, sql + " ORDER BY o.id, t.id DESC" + self.limit(), "ordered")
            return Stmt(kind, sql, "rows")
        items = r.sample(["c.id", "c.name", "c.score", "o.id", "o.amount", "o.status", "c.created"],
                         r.randint(1, 4))
        where, pinned = self.join_where()
        if r.random() < 0.3:
            frm = "customers c, orders o"
            where = (where + " AND " if where else " WHERE ") + "c.id = o.customer_id"
        else:
            frm = r.choice(["customers c JOIN orders o ON o.customer_id = c.id",
                            "orders o JOIN customers c ON c.id = o.customer_id",
                            "customers c INNER JOIN orders o ON c.id = o.customer_id",
                            "customers c STRAIGHT_JOIN orders o ON c.id = o.customer_id",
                            "customers AS c RIGHT JOIN orders AS o ON c.id = o.customer_id"])
        kind = "join_pinned" if pinned else "join_scatter"
        sql = "SELECT %s FROM %s%s" % (", ".join(items), frm, where)
        if r.random() < 0.4:
            keys = [k + r.choice(["", " DESC"]) for k in r.sample(items, r.randint(0, len(items)))]
            sql += " ORDER BY " + ", ".join(keys + ["o.id" + r.choice(["", " DESC"])])
            if r.random() < 0.6:
                sql += self.limit()
            return Stmt(kind, sql, "ordered", set())
        return Stmt(kind, sql, "rows", set())

    def k_join_agg(self):
        r = self.r
        aggs = self.aggs("orders", "o.") + r.sample(["AVG(c.score)", "MIN(c.name)", "COUNT(c.city)"],
                                                    r.randint(0, 2))
        frm = "customers c JOIN orders o ON o.customer_id = c.id"
        if r.random() < 0.5:
            sql = "SELECT %s FROM %s%s" % (", ".join(aggs), frm, self.join_where()[0])
            return Stmt("join_agg", sql, "rows", self.ci_of(aggs))
        key = r.choice(["c.city", "o.status", "YEAR(c.created)"])
        items = [key] + aggs
        sql = "SELECT %s FROM %s%s GROUP BY %s ORDER BY %s" % (", ".join(items), frm, self.join_where()[0],
                                                              key, key)
        return Stmt("join_agg", sql, "ordered", self.ci_of(items))

    def k_left_join(self):
        r = self.r
        on = "o.customer_id = c.id" + (" AND " + self.order_pred("o.") if r.random() < 0.3 else "")
        sql = "SELECT c.id, c.name, o.id, o.amount FROM customers c LEFT JOIN orders o ON %s%s" % (
            on, self.join_where()[0] if r.random() < 0.7 else " WHERE " + self.cust_pred("c."))
        if r.random() < 0.15:
            sql = "SELECT c.id, c.score FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL"
        if r.random() < 0.4:
            return Stmt("left_join", sql + " ORDER BY c.id, o.id" + self.limit(), "ordered", set())
        return Stmt("left_join", sql, "rows", set())

    def k_join_ref(self):
        r = self.r
        x = r.randrange(4)
        if x == 0:
            sql = "SELECT c.id, c.city, ci.name, ci.country FROM customers c JOIN cities ci ON ci.code = c.city" + \
                self.cust_where("c.")
            return Stmt("join_ref", sql, "rows", set())
        if x == 1:
            sql = "SELECT c.id, ci.name FROM customers c LEFT JOIN cities ci ON ci.code = c.city WHERE %s" % (
                self.cust_pred("c."))
            return Stmt("join_ref", sql, "rows", set())
        if x == 2:
            sql = ("SELECT o.id, o.amount, ci.country FROM orders o JOIN customers c ON c.id = o.customer_id"
                   " JOIN cities ci ON ci.code = c.city WHERE ci.country = %s" % q(r.choice(COUNTRIES[:-1])))
            if r.random() < 0.5:
                return Stmt("join_ref", sql + " ORDER BY o.id" + self.limit(), "ordered", set())
            return Stmt("join_ref", sql, "rows", set())
        items = ["ci.country", "COUNT(*)", "SUM(c.score)", "AVG(c.score)", "MAX(c.name)"]
        sql = "SELECT %s FROM customers c JOIN cities ci ON ci.code = c.city GROUP BY ci.country ORDER BY ci.country" % (
            ", ".join(items))
        return Stmt("join_ref", sql, "ordered", self.ci_of(items))

    def k_ref_read(self):
        r = self.r
        x = r.randrange(4)
        if x == 0:
            return Stmt("ref_read", "SELECT * FROM cities WHERE country = %s" % q(r.choice(COUNTRIES[:-1])),
                        "rows", set())
        if x == 1:
            return Stmt("ref_read", "SELECT code, name FROM cities ORDER BY name, code" + self.limit(),
                        "ordered", set())
        if x == 2:
            return Stmt("ref_read", "SELECT country, COUNT(*) FROM cities GROUP BY country", "rows", {0})
        return Stmt("ref_read", "SELECT DISTINCT country FROM cities", "rows", {0})

    def k_subq_ref(self):
        r = self.r
        country = q(r.choice(COUNTRIES[:-1]))
        x = r.randrange(5)
        if x == 0:
            return Stmt("subq_ref", "SELECT c.id, x.code FROM customers c JOIN (SELECT code FROM cities WHERE "
                        "country = %s) x ON x.code = c.city" % country, "rows")
        if x == 1:
            return Stmt("subq_ref", "WITH sel AS (SELECT code, name FROM cities WHERE country = %s) "
                        "SELECT c.id, sel.name FROM customers c JOIN sel ON sel.code = c.city" % country, "rows")
        if x == 2:
            return Stmt("subq_ref", "SELECT c.id, (SELECT ci.name FROM cities ci WHERE ci.code = c.city) "
                        "FROM customers c%s" % self.cust_where("c."), "rows")
        if r.random() < 0.5:
            sql = "SELECT id, name FROM customers WHERE city IN (SELECT code FROM cities WHERE country = %s)" % (
                q(r.choice(COUNTRIES[:-1])))
        else:
            sql = ("SELECT COUNT(*), SUM(score) FROM customers c WHERE EXISTS "
                   "(SELECT 1 FROM cities ci WHERE ci.code = c.city AND ci.country = %s)" % q(r.choice(COUNTRIES[:-1])))
        return Stmt("subq_ref", sql, "rows", set())

    def k_empty(self):
        r = self.r
        w = r.choice(["id = NULL", "id IN (NULL)", "id IN (NULL, NULL)",
                      "id = %d AND id = %d" % (self.cid(), self.cid())])
        if r.random() < 0.5:
            items = self.aggs("customers")
            return Stmt("empty", "SELECT %s FROM customers WHERE %s" % (", ".join(items), w), "rows",
                        self.ci_of(items))
        return Stmt("empty", "SELECT * FROM customers WHERE %s" % w, "rows", set())

    # ---- writes

    def cust_row(self, cid):
        d, r = self.d, self.r
        return "(%s, %s, %s, %s, %s)" % (self.key_lit(cid) if r.random() < 0.3 else cid,
                                         q(d.maybe(r.choice(NAMES), 0.05)), q(d.city_ref()),
                                         "NULL" if r.random() < 0.1 else self.num(-1000, 1000),
                                         q(d.maybe(d.date(), 0.1)))

    def order_row(self, cid):
        d, r = self.d, self.r
        oid = d.new_oid(cid)
        return "(%d, %s, %s, %s, %s)" % (oid, cid, d.maybe(d.amount(), 0.05) or "NULL",
                                         q(r.choice(STATUSES)), q(d.maybe(r.choice(NOTES), 0.15)))

    def k_insert(self):
        r = self.r
        x = r.random()
        if x < 0.08:
            d = self.d
            return Stmt("insert_one", "INSERT INTO customers SET id = %d, name = %s, score = %d" % (
                d.new_cid(), q(r.choice(NAMES)), self.num(-1000, 1000)), "write", None)
        if x < 0.16:
            ids = [r.choice(self.d.cids) for _ in range(r.randint(1, 3))] + \
                [self.d.new_cid() for _ in range(r.randint(1, 3))]
            ids = list(dict.fromkeys(ids))
            r.shuffle(ids)
            return Stmt("insert_multi", "INSERT IGNORE INTO customers (id, name) VALUES " + ", ".join(
                "(%d, %s)" % (i, q(r.choice(NAMES))) for i in ids), "write", None)
        n = 1 if r.random() < 0.5 else r.randint(2, 12)
        kind = "insert_one" if n == 1 else "insert_multi"
        if r.random() < 0.5:
            rows = [self.cust_row(self.d.new_cid()) for _ in range(n)]
            return Stmt(kind, "INSERT INTO customers (id, name, city, score, created) VALUES " + ", ".join(rows),
                        "write", None)
        rows = [self.order_row(self.cid()) for _ in range(n)]
        if r.random() < 0.3:  # another column order
            rows = [re.sub(r"^\((\d+), (-?\d+), ", r"(\2, \1, ", x) for x in rows]
            return Stmt(kind, "INSERT INTO orders (customer_id, id, amount, status, note) VALUES " + ", ".join(rows),
                        "write", None)
        return Stmt(kind, "INSERT INTO orders (id, customer_id, amount, status, note) VALUES " + ", ".join(rows),
                    "write", None)

    def k_upsert(self):
        r = self.r
        if r.random() < 0.5:
            ids = [r.choice(self.d.cids) for _ in range(r.randint(1, 5))]
            ids = list(dict.fromkeys(ids))
            rows = ", ".join("(%d, %s, %d)" % (i, q(r.choice(NAMES)), self.num(-50, 50)) for i in ids)
            if r.random() < 0.5:
                return Stmt("upsert", "INSERT INTO customers (id, name, score) VALUES %s "
                            "ON DUPLICATE KEY UPDATE score = score + VALUES(score), name = VALUES(name)" % rows,
                            "write", None)
            return Stmt("upsert", "REPLACE INTO customers (id, name, score) VALUES " + rows, "write", None)
        # an order keeps its customer: its id is unique on its customer's shard only
        oids = list(dict.fromkeys(r.choice(self.d.oids) for _ in range(r.randint(1, 4))))
        rows = ", ".join("(%d, %d, %s, %s)" % (o, self.d.order_cust[o], self.dec(), q(r.choice(STATUSES)))
                         for o in oids)
        if r.random() < 0.5:
            return Stmt("upsert", "INSERT INTO orders (id, customer_id, amount, status) VALUES %s "
                        "ON DUPLICATE KEY UPDATE amount = VALUES(amount), status = VALUES(status)" % rows,
                        "write", None)
        return Stmt("upsert", "REPLACE INTO orders (id, customer_id, amount, status) VALUES " + rows,
                    "write", None)

    def k_update(self):
        r = self.r
        x = r.randrange(9)
        if x == 0:
            return Stmt("update_key", "UPDATE customers SET score = score + %d, name = %s WHERE id = %s" % (
                self.num(-20, 20), q(r.choice(NAMES)), self.key_lit(self.cid())), "write", None)
        if x == 1:
            return Stmt("update_key", "UPDATE orders SET status = %s WHERE customer_id = %s%s" % (
                q(r.choice(STATUSES)), self.key_lit(self.cid()),
                " AND " + self.order_pred() if r.random() < 0.5 else ""), "write", None)
        if x == 2:
            return Stmt("update_key", "UPDATE orders SET note = %s WHERE customer_id = %s ORDER BY id LIMIT 1" % (
                q(r.choice(NOTES)), self.key_lit(self.cid())), "write", None)
        if x == 3:
            return Stmt("update_in", "UPDATE customers SET city = %s WHERE id IN (%s)" % (
                q(self.d.city_ref()), self.key_list()), "write", None)
        if x == 4:
            return Stmt("update_in", "UPDATE orders SET amount = amount + 1 WHERE customer_id IN (%s)" % (
                self.key_list()), "write", None)
        if x == 5:
            return Stmt("update_noop", "UPDATE customers SET score = score WHERE %s" % (
                r.choice(["id IN (%s)" % self.key_list(), self.cust_pred()])), "write", None)
        if x == 6:
            return Stmt("update_scatter", "UPDATE orders SET note = %s WHERE %s" % (
                q(r.choice(NOTES)), self.order_pred()), "write", None)
        if x == 7:
            return Stmt("update_scatter", "UPDATE customers SET score = COALESCE(score, 0) - 1 WHERE %s" % (
                self.cust_pred()), "write", None)
        # the shard key: allowed only to a literal of the same shard
        old = r.choice(self.d.cids)
        return Stmt("update_shard_key", "UPDATE customers SET id = %d WHERE id = %d" % (self.d.new_cid(), old),
                    "write", None)

    def k_delete(self):
        r = self.r
        x = r.randrange(5)
        if x == 0:
            return Stmt("delete_key", "DELETE FROM customers WHERE id = %s" % self.key_lit(self.cid()), "write", None)
        if x == 1:
            return Stmt("delete_key", "DELETE FROM orders WHERE customer_id = %s AND %s" % (
                self.key_lit(self.cid()), self.order_pred()), "write", None)
        if x == 2:
            if r.random() < 0.3:
                return Stmt("delete_key", "DELETE FROM orders WHERE customer_id = %s ORDER BY amount, id LIMIT 1" % (
                    self.key_lit(self.cid())), "write", None)
            return Stmt("delete_key", "DELETE FROM orders WHERE customer_id IN (%s) AND status = %s" % (
                self.key_list(), q(r.choice(STATUSES[:-1]))), "write", None)
        if x == 3:
            a = self.num(-2000, 20000)
            return Stmt("delete_scatter", "DELETE FROM orders WHERE amount BETWEEN %d AND %d" % (a, a + 20),
                        "write", None)
        return Stmt("delete_scatter", "DELETE FROM customers WHERE score = %d AND name = %s" % (
            self.num(-1000, 1000), q(r.choice(NAMES))), "write", None)

    def k_ref_write(self):
        r = self.r
        x = r.randrange(4)
        if x == 0 or not self.d.next_city:
            rows = ", ".join("(%s, %s, %s)" % (q(self.d.new_city()), q(r.choice(CITY_NAMES)), q(r.choice(COUNTRIES)))
                             for _ in range(r.randint(1, 3)))
            return Stmt("ref_write", "INSERT INTO cities (code, name, country) VALUES " + rows, "write", None)
        if x == 1:
            return Stmt("ref_write", "UPDATE cities SET name = %s WHERE code = %s" % (
                q(r.choice(CITY_NAMES)), q(r.choice(CITY_CODES).lower())), "write", None)
        if x == 2:
            return Stmt("ref_write", "UPDATE cities SET country = %s WHERE country = %s" % (
                q(r.choice(COUNTRIES[:-1])), q(r.choice(COUNTRIES[:-1]))), "write", None)
        return Stmt("ref_write", "DELETE FROM cities WHERE code = %s" % q(
            "%s%03d" % (r.choice("nz"), r.randint(1, self.d.next_city))), "write", None)

    def k_pad_space(self):
        """Strings equal under PAD SPACE but not byte for byte (tags only)."""
        r = self.r
        where = r.choice(["", "", " WHERE id > %d" % self.num(1, 90000),
                          " WHERE customer_id IN (%s)" % self.key_list(12)])
        x = r.randrange(5)
        if x == 0:
            sql = "SELECT DISTINCT tag FROM tags" + where
            if r.random() < 0.5:
                return Stmt("pad_space", sql + " ORDER BY tag" + r.choice(["", " DESC"]), "ordered", {0})
            return Stmt("pad_space", sql, "rows", {0})
        if x == 1:
            sql = "SELECT tag, COUNT(*) FROM tags%s GROUP BY tag" % where
            if r.random() < 0.5:
                return Stmt("pad_space", sql + " ORDER BY tag" + r.choice(["", " DESC"]), "ordered", {0})
            return Stmt("pad_space", sql, "rows", {0})
        if x == 2:
            return Stmt("pad_space", "SELECT MIN(tag), MAX(tag), COUNT(tag) FROM tags" + where, "rows", {0, 1})
        if x == 3:
            return Stmt("pad_space", "SELECT id, tag FROM tags%s ORDER BY tag%s, id%s" % (
                where, r.choice(["", " DESC"]), self.limit() if r.random() < 0.5 else ""), "ordered", set())
        return Stmt("pad_space", "SELECT customer_id, MIN(tag), MAX(tag) FROM tags%s GROUP BY customer_id" % where,
                    "rows", {1, 2})

    def k_agg_div(self):
        """SUM / AVG of a division: the server divides with more digits than
        the quotient's scale shows."""
        r = self.r
        if r.random() < 0.5:
            items = r.sample(["AVG(amount / 3)", "SUM(amount / 3)", "AVG(amount / 7)", "SUM(amount / 7)",
                              "COUNT(*)"], r.randint(1, 3))
            t, where, key = "orders", self.order_where(), "status"
        else:
            items = r.sample(["AVG(score / 7)", "SUM(score / 7)", "AVG(score / 3)", "COUNT(*)"], r.randint(1, 3))
            t, where, key = "customers", self.cust_where(), "city"
        if r.random() < 0.3:
            return Stmt("agg_div", "SELECT %s, %s FROM %s%s GROUP BY %s ORDER BY %s" % (
                key, ", ".join(items), t, where, key, key), "ordered", {0})
        return Stmt("agg_div", "SELECT %s FROM %s%s" % (", ".join(items), t, where), "rows")

    def k_txn(self):
        """A transaction: on one shard it runs; reaching a second shard is
        refused (cross_shard_transactions = refuse) and it is rolled back."""
        r = self.r
        keys = [self.cid()] * r.randint(1, 3) if r.random() < 0.6 else [self.cid() for _ in range(r.randint(2, 3))]
        stmts = [Stmt("txn", r.choice(["BEGIN", "START TRANSACTION", "BEGIN WORK"]), "write")]
        for k in keys:
            x = r.randrange(4)
            if x == 0:
                stmts.append(Stmt("txn", "SELECT id, name, score FROM customers WHERE id = %s" % self.key_lit(k),
                                  "rows", set()))
            elif x == 1:
                stmts.append(Stmt("txn", "UPDATE customers SET score = COALESCE(score, 0) + 1 WHERE id = %s" % (
                    self.key_lit(k)), "write"))
            elif x == 2:
                stmts.append(Stmt("txn", "SELECT COUNT(*), SUM(amount) FROM orders WHERE customer_id = %s" % (
                    self.key_lit(k)), "rows", set()))
            else:
                stmts.append(Stmt("txn", "INSERT INTO orders (id, customer_id, amount, status) VALUES "
                                  "(%d, %d, %s, 'txn')" % (self.d.new_oid(k), k, self.dec()), "write"))
        if r.random() < 0.15:
            stmts.append(Stmt("txn", "SELECT COUNT(*) FROM customers", "rows", set()))  # a scatter
        stmts.append(Stmt("txn", r.choice(["COMMIT", "COMMIT", "ROLLBACK"]), "write"))
        return Script("txn", stmts, ["ROLLBACK"])

    def k_session_avg(self):
        """AVG across shards under another div_precision_increment."""
        r = self.r
        n = r.choice([0, 1, 2, 6, 9, 12])
        items = r.sample(["AVG(score)", "AVG(id)", "AVG(score + 0.5)", "COUNT(*)"], r.randint(1, 3))
        if "AVG(score)" not in items:
            items.append("AVG(score)")
        read = r.choice([
            Stmt("session_avg", "SELECT %s FROM customers%s" % (", ".join(items), self.cust_where()), "rows", set()),
            Stmt("session_avg", "SELECT status, AVG(amount) FROM orders GROUP BY status ORDER BY status",
                 "ordered", {0}),
            Stmt("session_avg", "SELECT AVG(amount), SUM(amount) FROM orders%s" % self.order_where(), "rows", set()),
        ])
        return Script("session_avg", [Stmt("session_avg", "SET div_precision_increment = %d" % n, "write"), read,
                                      Stmt("session_avg", "SET div_precision_increment = 4", "write")],
                      ["SET div_precision_increment = 4"])

    def k_qualified(self):
        """Keyspace names in places the router must (tables) and must not
        (string literals) rewrite."""
        r = self.r
        k = self.key_lit(self.cid())
        if r.random() < 0.5:
            lit = "CONCAT(%s, c.id)" % q(r.choice(["df.customers:", "df_s0.", "`df`.x"]))
            sql = "SELECT c.id, %s FROM %%s.customers c WHERE c.id IN (%s, %s)" % (lit, k, self.key_lit(self.cid()))
            return Stmt("qualified", sql % KS, "rows", plain=sql % PLAIN, names=["id", lit])
        item = r.choice(["(SELECT COUNT(*) FROM %s.cities)",
                         "(SELECT ci.name FROM %s.cities ci WHERE ci.code = c.city)"])
        sql = "SELECT c.id, %s FROM %%s.customers c WHERE c.id = %s" % (item, k)
        return Stmt("qualified_item", sql % (KS, KS), "rows", plain=sql % (PLAIN, PLAIN), names=["id", item % KS])

    # ---- statements the router is expected to refuse (documented)

    def k_refused(self):
        r = self.r
        n = self.num(-500, 500)
        sql = r.choice([
            "SELECT COUNT(DISTINCT status) FROM orders",
            "SELECT GROUP_CONCAT(name) FROM customers WHERE score > %d" % n,
            "SELECT id, RANK() OVER (ORDER BY score) FROM customers",
            "SELECT id FROM customers UNION SELECT customer_id FROM orders",
            "SELECT COUNT(*) FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE amount > %d)" % n,
            "SELECT status, COUNT(*) FROM orders GROUP BY status HAVING COUNT(*) > %d OR COUNT(*) = 0" % abs(n),
            "SELECT SUM(amount) / COUNT(*) FROM orders",
            "DELETE FROM orders WHERE amount < %d LIMIT 1" % n,
            "SELECT DISTINCT name FROM customers ORDER BY score",
            "UPDATE customers SET id = id + 1000000 WHERE score = %d" % n,
            "SELECT c.id FROM customers c JOIN orders o ON o.id = c.id",
            "SELECT ci.code, c.id FROM cities ci LEFT JOIN customers c ON c.city = ci.code",
            "SELECT name, COUNT(*) FROM customers GROUP BY name ORDER BY COUNT(*) DESC",
            "SELECT * FROM (SELECT id FROM customers ORDER BY id LIMIT 5) x",
            "SELECT city, COUNT(*) FROM customers GROUP BY city WITH ROLLUP",
            "INSERT INTO customers VALUES (%d, 'x', NULL, NULL, NULL)" % self.d.new_cid(),
            "INSERT INTO orders (id, amount) VALUES (%d, 1.00)" % (self.d.next_oid + 1),
            "SELECT id, @v FROM customers WHERE score = %d" % n,
        ])
        return Stmt("refused", sql, "rows", set())

    KINDS = [  # (weight, method)
        (9, k_point), (7, k_in_list), (4, k_or_list), (6, k_range), (8, k_order_limit), (3, k_order_expr),
        (8, k_agg), (7, k_group), (5, k_group_key), (5, k_distinct), (8, k_join), (3, k_join_agg),
        (2, k_left_join), (4, k_join_ref), (2, k_ref_read), (2, k_subq_ref), (1, k_empty),
        (5, k_insert), (2, k_upsert), (7, k_update), (3, k_delete), (2, k_ref_write), (2, k_refused),
        (2, k_pad_space), (2, k_txn), (1, k_session_avg), (1, k_agg_div), (1, k_qualified),
    ]

    def next(self):
        """A Stmt or a Script."""
        total = sum(w for w, _ in self.KINDS)
        x = self.r.uniform(0, total)
        for w, fn in self.KINDS:
            x -= w
            if x <= 0:
                break
        st = fn(self)
        return self.decorate(st) if isinstance(st, Stmt) else st

    def decorate(self, st):
        """Now and then: names qualified with the keyspace (df_plain for the
        plain side), a comment in front."""
        r = self.r
        x = r.random()
        if st.plain is not None:
            return st
        if x < 0.08:
            pat = r"\b(FROM|JOIN|INTO|UPDATE)\s+(customers|orders|cities|tags)\b"
            q = r.choice(["%s.%s", "`%s`.`%s`"])
            return st._replace(sql=re.sub(pat, lambda m: "%s %s" % (m.group(1), q % (KS, m.group(2))), st.sql),
                               plain=re.sub(pat, lambda m: "%s %s.%s" % (m.group(1), PLAIN, m.group(2)), st.sql))
        if x < 0.12:
            return st._replace(sql=r.choice(["/* df */ ", "-- df\n", "# df\n", "/* a; b */\n"]) + st.sql)
        if x < 0.16:
            sql = st.sql
            for kw in ("SELECT ", " FROM ", " WHERE ", " GROUP BY ", " ORDER BY ", " LIMIT ", " IN (", " AND ",
                       " JOIN ", " ON ", " DESC"):
                sql = sql.replace(kw, r.choice([kw.lower(), kw, kw.replace(" ", "\n  ", 1)]))
            return st._replace(sql=sql)
        return st


# ---------------------------------------------------------------- comparing


class Weights:
    """WEIGHT_STRING() of strings under the tables' collation, from the server
    (cached: the generator's strings are few)."""

    def __init__(self, conn):
        self.cur = conn.cursor()
        self.cache = {}

    def prime(self, strings):
        todo = [s for s in dict.fromkeys(strings) if s not in self.cache]
        for i in range(0, len(todo), 200):
            chunk = todo[i:i + 200]
            self.cur.execute("SELECT " + ", ".join(
                "HEX(WEIGHT_STRING(CONVERT(%s USING utf8mb4) COLLATE utf8mb4_general_ci))" % q(s)
                for s in chunk))
            # (called with strings already stripped of trailing spaces)
            for s, w in zip(chunk, self.cur.fetchone()):
                self.cache[s] = w

    def __call__(self, s):
        # PAD SPACE: trailing spaces do not count (the weight keeps them)
        s = s.rstrip(" ")
        if s not in self.cache:
            self.prime([s])
        return self.cache[s]


NUMERIC_TYPES = {0, 1, 2, 3, 4, 5, 8, 9, 246}  # DECIMAL, TINY, SHORT, LONG, FLOAT, DOUBLE, ...


def normalize(rows, ci, weight):
    if not ci:
        return [tuple(r) for r in rows]
    return [tuple(("w", weight(v)) if i in ci and isinstance(v, str) else v for i, v in enumerate(r))
            for r in rows]


def execute(cur, sql):
    """(ok, rows or affected, error, columns) of one statement; columns:
    name, type and decimals of each result column."""
    try:
        n = cur.execute(sql)
        if cur.description is None:
            return True, n, None, None
        return True, list(cur.fetchall()), None, [(d[0], d[1], d[5]) for d in cur.description]
    except pymysql.err.MySQLError as e:
        return False, None, (e.args[0], getattr(e, "sqlstate", None), str(e.args[1]) if len(e.args) > 1 else ""), \
            None


def show(res, limit=12):
    ok, val, err, _ = res
    if not ok:
        return "ERROR %r" % (err,)
    if isinstance(val, int):
        return "%d affected" % val
    head = "\n#       ".join(repr(r) for r in val[:limit])
    return "%d rows%s%s" % (len(val), ":\n#       " + head if val else "",
                           "\n#       ..." if len(val) > limit else "")


def compare(st, a, b, weight):
    """None when the router's answer a equals df_plain's answer b, else why not."""
    ok_a, va, ea, cols_a = a
    ok_b, vb, eb, cols_b = b
    if not ok_a or not ok_b:
        if not ok_a and not ok_b and ea[0] == eb[0]:
            return None  # the same error from the server through the router
        return "one side failed"
    if st.mode == "write" or isinstance(va, int) or isinstance(vb, int):
        return None if va == vb else "affected rows differ"
    if cols_a is not None and cols_b is not None:
        # decimals of string columns vary with the server's plan: not compared
        strip = [(n, t, d if t in NUMERIC_TYPES else None) for n, t, d in cols_a], \
            [(n, t, d if t in NUMERIC_TYPES else None) for n, t, d in cols_b]
        names = st.names if st.names is not None else None if st.plain else [c[0] for c in strip[1]]
        if [c[1:] for c in strip[0]] != [c[1:] for c in strip[1]] or \
                (names is not None and [c[0] for c in strip[0]] != names):
            return "columns differ (name, type, decimals): %r / %r" % (cols_a, cols_b)
    na, nb = normalize(va, st.ci, weight), normalize(vb, st.ci, weight)
    if st.mode == "ordered":
        if na == nb:
            return None
        if collections.Counter(na) == collections.Counter(nb):
            return "same rows, different order"
        return "rows differ"
    if collections.Counter(na) == collections.Counter(nb):
        return None
    return "rows differ"


def multiset_diff(a, b):
    ca, cb = collections.Counter(a), collections.Counter(b)
    return list((ca - cb).elements()), list((cb - ca).elements())


class Runner:
    """Runs statements on both sides and keeps the score."""

    def __init__(self, rcur, pcur, weight, refusals):
        self.rcur, self.pcur, self.weight, self.refusals = rcur, pcur, weight, refusals
        self.count = 0
        self.kinds = collections.Counter()
        self.refused = collections.Counter()        # documented text -> count
        self.refused_kinds = collections.Counter()  # generator kind -> count
        self.refused_first = {}                     # documented text -> a statement
        self.same_error = collections.Counter()
        self.known = collections.Counter()
        self.known_first = {}
        self.mismatches = []
        self.t_router = self.t_plain = 0.0

    def statement(self, st):
        """Run st through the router, then (unless refused) on df_plain, and
        compare. Returns False when the router refused it."""
        self.count += 1
        self.kinds[st.kind] += 1
        ts = time.time()
        a = execute(self.rcur, st.sql)
        self.t_router += time.time() - ts
        if not a[0]:
            code, state, msg = a[2]
            doc = classify_refusal(self.refusals, code, state, msg)
            if doc is not None and code in (1235, 1105):
                self.refused[doc.text] += 1
                self.refused_kinds[st.kind] += 1
                self.refused_first.setdefault(doc.text, st.sql)
                return False
        ts = time.time()
        b = execute(self.pcur, st.plain or st.sql)
        self.t_plain += time.time() - ts
        why = compare(st, a, b, self.weight)
        if why is None:
            if not a[0]:
                self.same_error[a[2][0]] += 1
            return True
        detail = ""
        if a[0] and b[0] and not isinstance(a[1], int) and not isinstance(b[1], int):
            only_r, only_p = multiset_diff(normalize(a[1], st.ci, self.weight), normalize(b[1], st.ci, self.weight))
            detail = "\n#     only from the router: %r\n#     only from df_plain: %r" % (only_r[:5], only_p[:5])
        text = "seed %d, statement %d (%s): %s\n#     %s\n#     router:   %s\n#     df_plain: %s%s" % (
            SEED, self.count, st.kind, why, st.sql.replace("\n", "\\n"), show(a), show(b), detail)
        if st.kind in KNOWN_BUGS:
            self.known[st.kind] += 1
            self.known_first.setdefault(st.kind, text)
        else:
            self.mismatches.append(text)
        return True

    def summary(self, elapsed):
        n_refused = sum(self.refused.values())
        print("# %d statements in %.1fs (router %.1fs, df_plain %.1fs); %d refused (%.1f%%), %d mismatches" % (
            self.count, elapsed, self.t_router, self.t_plain, n_refused, 100.0 * n_refused / self.count,
            len(self.mismatches)))
        print("# kinds: " + ", ".join("%s %d" % kv for kv in sorted(self.kinds.items())))
        for text, n in self.refused.most_common():
            print("# refused %5d x %s\n#         e.g. %s" % (n, text, " ".join(self.refused_first[text].split())[:150]))
        if self.refused_kinds:
            print("# refused by kind: " + ", ".join("%s %d" % kv for kv in sorted(self.refused_kinds.items())))
        if self.same_error:
            print("# the same server error on both sides: " + ", ".join(
                "%d x %d" % kv for kv in sorted(self.same_error.items())))
        for kind, bug in KNOWN_BUGS.items():
            if self.known[kind]:
                print("# KNOWN BUG, not counted: %d mismatches of kind %s (%s); the first:\n#   %s" % (
                    self.known[kind], kind, bug, self.known_first[kind]))
            else:
                print("# KNOWN_BUGS lists %s, which had no mismatch: remove it if the bug is fixed" % kind)


# ---------------------------------------------------------------- tests

STATE = {}


def connect_both(r):
    rc = r.connect(database=KS, autocommit=True, conv={}, charset="utf8mb4")
    pc = admin(0, db=PLAIN, conv={}, charset="utf8mb4")
    return rc, pc


@test
def man_page_lists_refusals():
    refs = documented_refusals()
    assert len(refs) >= 40, "only %d refusals parsed from %s" % (len(refs), MAN_PAGE)
    codes = collections.Counter(r.code for r in refs)
    assert codes[1235] >= 30, codes
    for r in refs:
        assert re.match(r"^[0-9A-Z]{5}$", r.state), r
        assert r.fixed >= 8, "refusal text too vague to match: %s" % r
    print("# %d documented refusals (%s)" % (len(refs), ", ".join("%d: %d" % kv for kv in sorted(codes.items()))))


@test
def differential_random_statements():
    t0 = time.time()
    refusals = documented_refusals()
    for sh, db in ((0, SHARD_SCHEMAS[0]), (1, SHARD_SCHEMAS[1]), (0, PLAIN)):
        admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s CHARACTER SET utf8mb4 "
                  "COLLATE utf8mb4_general_ci" % (db, db), sh)
    data_rng, stmt_rng = random.Random(SEED), random.Random(SEED * 7919 + 1)
    data = Data(data_rng)
    with new_router() as r:
        rc, pc = connect_both(r)
        rcur, pcur = rc.cursor(), pc.cursor()
        wconn = admin(0, conv={}, charset="utf8mb4")
        weight = Weights(wconn)
        weight.prime(s.rstrip(" ") for s in STRING_LITERALS)
        # schema and data: DDL through the router goes to every shard
        for sql in DDL + load_statements(data):
            a, b = execute(rcur, sql), execute(pcur, sql)
            assert a[0] and b[0] and a[1] == b[1], "loading: %s\n#   router: %s\n#   plain: %s" % (
                sql[:200], show(a), show(b))
        STATE["loaded"] = True
        print("# seed %d: loaded %d cities, %d customers, %d orders (%.1fs)" % (
            SEED, len(data.cities), len(data.customers), len(data.orders), time.time() - t0), flush=True)

        gen = Gen(stmt_rng, data)
        run = Runner(rcur, pcur, weight, refusals)
        t1 = time.time()
        while run.count < N_STATEMENTS:
            item = gen.next()
            if isinstance(item, Stmt):
                run.statement(item)
                continue
            for st in item.stmts:
                if not run.statement(st):
                    for sql in item.cleanup:  # the router refused: undo on both sides
                        execute(rcur, sql)
                        execute(pcur, sql)
                    break
        elapsed = time.time() - t1
        for c in (rc, pc, wconn):
            c.close()
    run.summary(elapsed)
    if run.mismatches:
        raise AssertionError("%d mismatches (seed %d); the first ones:\n#   %s" % (
            len(run.mismatches), SEED, "\n#   ".join(run.mismatches[:int(os.environ.get("DF_SHOW", "8"))])))
    n_refused = sum(run.refused.values())
    assert n_refused <= MAX_REFUSED * run.count, "%d of %d statements refused" % (n_refused, run.count)


def table_rows(conn, table):
    cur = conn.cursor()
    cur.execute("SELECT * FROM %s ORDER BY %s" % (table, TABLES[table]))
    return list(cur.fetchall())


def shard_of(map_path, table, key):
    out = subprocess.run([CTL, "--json", "-m", map_path, "lookup", KS, table, str(key)],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["shard"]["schema"]


@test
def final_contents_match():
    assert STATE.get("loaded"), "the differential test did not load the data"
    t0 = time.time()
    plain = admin(0, db=PLAIN, conv={}, charset="utf8mb4")
    shards = [admin(i, db=db, conv={}, charset="utf8mb4") for i, db in enumerate(SHARD_SCHEMAS)]
    where = {}
    for table in TABLES:
        want = table_rows(plain, table)
        per_shard = [table_rows(c, table) for c in shards]
        if table == "cities":
            for i, got in enumerate(per_shard):
                eq(got, want, "reference table cities on %s" % SHARD_SCHEMAS[i])
            continue
        got = sorted(per_shard[0] + per_shard[1], key=lambda row: int(row[0]))
        if got != want:
            only_s, only_p = multiset_diff(got, want)
            raise AssertionError("%s: shards and df_plain differ\n#   only on the shards: %r\n#   only in df_plain: %r"
                                 % (table, only_s[:10], only_p[:10]))
        for i, rows in enumerate(per_shard):
            for row in rows:
                key = row[0] if table == "customers" else row[1]
                where.setdefault(table, {})[row[0]] = (i, key)
    # every order and tag lives with its customer
    cust_shard = {k: s for k, (s, _) in where["customers"].items()}
    for table in ("orders", "tags"):
        for rid, (s, cid) in where[table].items():
            if cid in cust_shard:
                assert cust_shard[cid] == s, "%s %s on shard %d, its customer %s on shard %d" % (
                    table, rid, s, cid, cust_shard[cid])
    with new_router() as r:
        # and a sample of rows sits where the map puts its key
        if os.access(CTL, os.X_OK):
            sample = random.Random(SEED).sample(sorted(where["customers"].items()), 12)
            for k, (s, _) in sample:
                eq(shard_of(r.map_path, "customers", k), SHARD_SCHEMAS[s], "shard of customer %s" % k)
        else:
            print("# %s is not built: the placement of rows by the map is not checked" % CTL)
        # the router reads the same back
        rc = r.connect(database=KS, autocommit=True, conv={}, charset="utf8mb4")
        for table in TABLES:
            eq(table_rows(rc, table), table_rows(plain, table), "%s read through the router" % table)
        rc.close()
    for c in shards + [plain]:
        c.close()
    print("# %d customers, %d orders compared (%.1fs)" % (len(where["customers"]), len(where["orders"]),
                                                         time.time() - t0))


# Statements each refused with a documented message: (statement, code,
# a word the documented text that matches must contain).
REFUSED = [
    ("SELECT COUNT(DISTINCT name) FROM customers", 1235, "DISTINCT aggregate"),
    ("SELECT id, ROW_NUMBER() OVER (ORDER BY id) FROM customers", 1235, "window function"),
    ("SELECT GROUP_CONCAT(name) FROM customers", 1235, "aggregate other than"),
    ("SELECT SUM(score) + 1 FROM customers", 1235, "aggregate inside an expression"),
    ("SELECT id FROM customers UNION SELECT customer_id FROM orders", 1235, "UNION of sharded tables"),
    ("SELECT COUNT(*) FROM customers WHERE id IN (SELECT customer_id FROM orders)", 1235, "subquery on a sharded"),
    ("SELECT c.id FROM customers c JOIN orders o ON o.id = c.id", 1235, "not on their shard keys"),
    ("SELECT ci.code FROM cities ci LEFT JOIN customers c ON c.city = ci.code", 1235, "outer join"),
    ("SELECT name, COUNT(*) FROM customers GROUP BY name HAVING COUNT(*) > 1 OR COUNT(*) = 0", 1235, "HAVING across shards"),
    ("SELECT COUNT(*) FROM customers HAVING COUNT(*) > 1", 1235, "HAVING across shards"),
    ("SELECT DISTINCT name, score FROM customers ORDER BY name", 1235, "does not cover every select item"),
    ("SELECT DISTINCT name FROM customers ORDER BY score", 1235, "which is not a select item"),
    ("SELECT DISTINCT * FROM customers", 1235, "with a * item"),
    ("SELECT COUNT(*), c.* FROM customers c", 1235, "with a * item"),
    ("SELECT name, COUNT(*) FROM customers GROUP BY name ORDER BY COUNT(*)", 1235, "ORDER BY other than"),
    ("SELECT DISTINCT name, COUNT(*) FROM customers GROUP BY name", 1235, "DISTINCT with GROUP BY"),
    ("SELECT id FROM customers ORDER BY 5", 1235, "is not in the select list"),
    ("SELECT * FROM customers ORDER BY 1", 1235, "names a * item"),
    ("SELECT id INTO @x FROM customers LIMIT 1", 1235, "INTO"),
    ("SELECT id, @v FROM customers", 1235, "user variables"),
    ("SELECT SQL_CALC_FOUND_ROWS id FROM customers", 1235, "FOUND_ROWS"),
    ("SELECT SLEEP(0), id FROM customers", 1235, "side effects"),
    ("SELECT name, COUNT(*) FROM customers GROUP BY name WITH ROLLUP", 1235, "ROLLUP"),
    ("SELECT * FROM (SELECT id FROM customers LIMIT 2) x", 1235, "LIMIT in a subquery"),
    ("SELECT id FROM customers LIMIT 1+1", 1235, "not fully understood"),
    ("SELECT * FROM nosuch", 1235, "is not in shard map version"),
    ("SELECT * FROM nosuchdb.t", 1049, "not a keyspace"),
    ("UPDATE customers SET id = id + 1 WHERE score > 0", 1235, "UPDATE of the shard key"),
    ("UPDATE customers SET score = 1 LIMIT 1", 1235, "LIMIT on"),
    ("DELETE FROM orders WHERE id > 0 RETURNING id", 1235, "RETURNING on"),
    ("INSERT INTO customers VALUES (5, 'x', 'y', 1, NULL)", 1235, "without a column list"),
    ("INSERT INTO customers (name) VALUES ('x')", 1235, "rows need the shard key"),
    ("INSERT INTO customers (id, name) VALUES (NULL, 'x')", 1235, "cannot compute the shard"),
    ("INSERT INTO customers (id, name) SELECT 99, 'x'", 1235, "SELECT into sharded table"),
    ("INSERT INTO customers (id, name) VALUES (7, 'x') ON DUPLICATE KEY UPDATE id = 8", 1235,
     "ON DUPLICATE KEY UPDATE"),
    ("INSERT INTO customers (id, name) VALUES (1, 'x'), (2, 'y'), (3, 'z'), (4, 'w') RETURNING id", 1235,
     "RETURNING into"),
    ("INSERT INTO cities (code) SELECT name FROM customers", 1235, "a write to reference table"),
    ("CREATE TABLE nosuch2 (a INT)", 1235, "is not in shard map version"),
    ("CREATE VIEW v AS SELECT 1", 1235, "in sharded keyspace"),
    ("CREATE TEMPORARY TABLE customers2 (a INT)", 1235, "TEMPORARY TABLE"),
    ("LOCK TABLES customers READ", 1235, "in sharded keyspace"),
    ("LOAD DATA INFILE '/nonexistent' INTO TABLE customers", 1235, "LOAD DATA"),
    ("SET @x = (SELECT id FROM customers LIMIT 1)", 1235, "SET reading tables"),
    ("DO (SELECT COUNT(*) FROM customers)", 1235, "DO reading"),
    ("SELECT GET_LOCK('df', 1)", 1235, "cannot be used in sharded keyspace"),
    ("SELECT 1; SELECT 2", 1235, "one at a time"),
    ("XA START 'x'", 1235, "XA statements"),
    ("SAVEPOINT s1", 1235, "savepoints"),
    ("KILL USER app", 1235, "KILL"),
]


@test
def documented_refusals_match():
    """Statements the planner refuses: each message is one the page documents."""
    assert STATE.get("loaded"), "the differential test did not create the tables"
    refusals = documented_refusals()
    with new_router() as r:
        c = r.connect(database=KS, autocommit=True, client_flag=CAP_MULTI_STATEMENTS)
        cur = c.cursor()
        for sql, code, word in REFUSED:
            ok, _, err, _ = execute(cur, sql)
            assert not ok, "not refused: %s" % sql
            eq(err[0], code, "error code of %s (%s)" % (sql, err[2]))
            doc = classify_refusal(refusals, *err)
            assert doc is not None, "undocumented refusal of %s: %r" % (sql, err)
            assert word in doc.text, "%s: refused as %r, documented as %r, not as one mentioning %r" % (
                sql, err[2], doc.text, word)
        # a transaction stays on one shard (cross_shard_transactions = refuse)
        cur.execute("SELECT id FROM customers ORDER BY id")
        ids = [row[0] for row in cur.fetchall()]
        cur.execute("BEGIN")
        cur.execute("UPDATE customers SET score = score WHERE id = %d" % ids[0])
        err = None
        for k in ids[1:40]:
            ok, _, err, _ = execute(cur, "UPDATE customers SET score = score WHERE id = %d" % k)
            if not ok:
                break
        cur.execute("ROLLBACK")
        assert err is not None, "40 customers all on one shard?"
        doc = classify_refusal(refusals, *err)
        assert doc is not None and "span shards" in doc.text, err
        c.close()


if __name__ == "__main__":
    main()
