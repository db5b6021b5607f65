"""sysbench 1.0 (Debian) through the router on a SHARDED keyspace: keyspace
"sbs", tables sbtest1..sbtestN sharded on `id`, two shards on the testbed's
two primaries (physical schemas sbs_s0 on server 0 and sbs_s1 on server 1).
Every run uses --db-ps-mode=disable (prepared statements are not routed).

What is checked, always directly on the shards:
  - prepare through the router puts each row on the shard the map names
    (keyspace id = XXH3-64 of the id as a big-endian 64-bit integer, the
    same function shardctl uses; "-80" holds keyspace ids below 2^63), and
    creates the same tables as a direct prepare;
  - a deterministic single-threaded oltp_read_write and oltp_write_only run
    through the router leaves, over both shards, exactly the rows the same
    run leaves on a single server (schema sbs_plain, run directly): row
    counts and per-row CRC32s by id, and every row still on its own shard;
  - each statement sysbench's OLTP scripts send (point select, BETWEEN
    ranges plain / ORDER BY c / DISTINCT c / SUM(k), UPDATE and DELETE by
    id, INSERT with id) answers through the router what one server holding
    all rows answers (sysbench itself never looks at results);
  - a concurrent run (4 threads) has no errors but deadlocks the servers
    counted, and leaves consistent shards;
  - a deadlock on one shard rolls back the transaction's work on the other
    shards too, as on one server (sysbench retries such a transaction);
  - read-only workloads in autocommit mode work under the default
    cross_shard_transactions = refuse, which refuses sysbench's transactions
    (they touch random ids, so they span shards);
  - cleanup drops the tables on every shard.

sysbench's transactions (BEGIN ... COMMIT over random ids) span shards: the
runs that use them set the keyspace's cross_shard_transactions =
"best_effort" (commit shard by shard).

Determinism (see test_sysbench.py): sysbench 1.0.20 seeds its generator
only for `run`, so two `prepare`s fill k/c/pad differently; a
single-threaded `run` with a fixed seed and a fixed number of events issues
the same statements from the same tables. So the plain schema is prepared
directly, its rows are copied into the shards (each row to its shard,
directly on the shard servers), both starting points are compared, and then
the same run is made on both sides. The tests of runs load the shards
that way (tables created as the direct prepare created them); the routed
prepare has its own test.

Ids: the default --auto_inc=on makes prepare insert rows without `id`
(INSERT INTO sbtestN(k, c, pad) ...) and lets the server number them; a
sharded table cannot place a row without its key (the router has no
sequence to draw ids from, and each shard's AUTO_INCREMENT would hand out
the same ids), so the router refuses those rows (checked below) and every
run here uses --auto_inc=off: sysbench then inserts ids 1..table_size
itself."""
import random
import re
import struct
import threading
import time

import xxhash

from lib import *

APP_USER = ENV["TESTBED_APP_USER"]
APP_PASSWORD = ENV["TESTBED_APP_PASSWORD"]

KS = "sbs"
SHARD_SCHEMAS = ("sbs_s0", "sbs_s1")  # on primaries 0 and 1
PLAIN = "sbs_plain"                   # one server (primary 0), sysbench run directly
NTABLES = 2
TABLES = ["sbtest%d" % i for i in range(1, NTABLES + 1)]
SIZE = 2000


def shard_of(id_):
    """The shard index the map gives an id: "-80" (0) owns keyspace ids < 2^63."""
    return 0 if xxhash.xxh3_64_intdigest(struct.pack(">q", id_)) < 1 << 63 else 1


def sbs_map(cross_shard=None):
    """The shard map of the sharded keyspace; cross_shard: the keyspace's
    cross_shard_transactions value (None: not given, the default refuse)."""
    tables = ", ".join('{ name = "%s"; key = "id"; }' % t for t in TABLES)
    cst = ' cross_shard_transactions = "%s";' % cross_shard if cross_shard else ""
    return """version = 1;
keyspaces = (
  { name = "%s"; sharded = true;%s
    tables = ( %s );
    shards = ( { range = "-80"; primary = "127.0.0.1:%d"; schema = "%s"; },
               { range = "80-"; primary = "127.0.0.1:%d"; schema = "%s"; } ); }
);
""" % (KS, cst, tables, port(0), SHARD_SCHEMAS[0], port(1), SHARD_SCHEMAS[1])


def fresh_schema(name, shard=0):
    admin_sql("DROP DATABASE IF EXISTS `%s`;\nCREATE DATABASE `%s`" % (name, name), shard)


def sysbench(test, command, port_, db, *opts, timeout=120):
    """Run sysbench; returns (exit status, stdout+stderr)."""
    cmd = ["sysbench", test, "--db-driver=mysql", "--mysql-host=%s" % HOST, "--mysql-port=%d" % port_,
           "--mysql-user=%s" % APP_USER, "--mysql-password=%s" % APP_PASSWORD, "--mysql-db=%s" % db,
           "--db-ps-mode=disable", "--auto_inc=off", "--tables=%d" % NTABLES] + list(opts) + [command]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def stats(out):
    """The SQL statistics of a sysbench run."""
    def num(label):
        m = re.search(r"^\s*%s:\s+(\d+)" % re.escape(label), out, re.M)
        if m is None:
            raise AssertionError("no %r line in sysbench output:\n%s" % (label, out[-3000:]))
        return int(m.group(1))
    return {k: num(k) for k in ("read", "write", "other", "total", "transactions", "queries",
                                "ignored errors", "reconnects")}


def clip(text, n=400):
    """sysbench quotes whole statements (a bulk INSERT is ~500 KB): keep
    messages readable."""
    return text if len(text) <= n else text[:n // 2] + " [...] " + text[-n // 2:]


def check_ok(rc, out, what, router=None):
    """Exit status 0 and no fatal or error lines (prepare, cleanup, run)."""
    bad = [l for l in out.splitlines() if re.search(r"FATAL|ALERT|error", l, re.I)
           and not re.match(r"\s*ignored errors:", l)]
    if rc != 0 or bad:
        raise AssertionError("%s: sysbench exited %d; %s\n%s%s" % (
            what, rc, "\n".join(clip(l) for l in bad[:10]), clip(out, 2500),
            "\nrouter log:\n" + router.log()[-2500:] if router else ""))


def check_run(rc, out, what, router=None, deadlocks=0):
    """check_ok, no reconnects, and no ignored errors beyond the deadlocks
    the servers themselves counted."""
    check_ok(rc, out, what, router)
    s = stats(out)
    if s["ignored errors"] > deadlocks:
        raise AssertionError("%s: %d ignored errors, of which the servers counted %d deadlocks\n%s" % (
            what, s["ignored errors"], deadlocks, clip(out, 2500)))
    eq(s["reconnects"], 0, "%s: reconnects" % what)
    return s


def innodb_deadlocks():
    """Deadlocks counted by both primaries."""
    return sum(int(admin_sql("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'", i)[0][1]) for i in (0, 1))


# ---------------------------------------------------------------- data, read directly


def row_sums(schema, table, shard=0):
    """[(id, CRC32 of the row)] ordered by id, read directly on a server."""
    return list(admin_sql("SELECT id, CRC32(CONCAT_WS('#', id, k, c, pad)) FROM `%s`.%s ORDER BY id"
                          % (schema, table), shard))


def sharded_sums(table, what):
    """The rows of both shards, ordered by id; checks that each row is on
    the shard the map gives its id and that no id is on both."""
    rows = []
    for i, schema in enumerate(SHARD_SCHEMAS):
        part = row_sums(schema, table, i)
        wrong = [r[0] for r in part if shard_of(r[0]) != i]
        if wrong:
            raise AssertionError("%s: %d rows of %s on shard %d (%s) belong to the other shard, e.g. ids %r"
                                 % (what, len(wrong), table, i, schema, wrong[:10]))
        rows.extend(part)
    rows.sort()
    ids = [r[0] for r in rows]
    if len(set(ids)) != len(ids):
        raise AssertionError("%s: ids of %s on both shards" % (what, table))
    return rows


def compare_with_plain(what):
    """Each table: the union of the shards' rows equals the plain schema's
    rows (ids and per-row CRC32s). Returns the plain rows."""
    out = {}
    for t in TABLES:
        plain = row_sums(PLAIN, t)
        got = sharded_sums(t, what)
        if got != plain:
            pi, gi = dict(plain), dict(got)
            diff = sorted(set(pi) ^ set(gi)) + sorted(i for i in set(pi) & set(gi) if pi[i] != gi[i])
            raise AssertionError("%s: %s over the shards has %d rows, the plain schema %d; %d ids differ, "
                                 "e.g. %r" % (what, t, len(got), len(plain), len(diff), diff[:10]))
        out[t] = plain
    return out


def copy_plain_to_shards():
    """Replace the shards' rows by the plain schema's rows, each row written
    directly to the shard its id belongs to."""
    for t in TABLES:
        rows = admin_sql("SELECT id, k, c, pad FROM `%s`.%s ORDER BY id" % (PLAIN, t))
        for i, schema in enumerate(SHARD_SCHEMAS):
            c = admin(i, db=schema)
            try:
                cur = c.cursor()
                cur.execute("DELETE FROM %s" % t)
                mine = [r for r in rows if shard_of(r[0]) == i]
                cur.executemany("INSERT INTO %s (id, k, c, pad) VALUES (%%s, %%s, %%s, %%s)" % t, mine)
            finally:
                c.close()


def check_prepared(what, size):
    """Directly on the shards after a routed prepare: the tables are defined
    as the direct prepare of PLAIN defines them, ids 1..size are all there
    once, each on its own shard, and both shards got some."""
    for t in TABLES:
        plain_def = admin_sql("SHOW CREATE TABLE `%s`.%s" % (PLAIN, t))
        for i, schema in enumerate(SHARD_SCHEMAS):
            eq(admin_sql("SHOW CREATE TABLE `%s`.%s" % (schema, t), i), plain_def,
               "%s: definition of %s on shard %d vs the direct prepare" % (what, t, i))
        rows = sharded_sums(t, what)
        eq([r[0] for r in rows], list(range(1, size + 1)), "%s: ids of %s over both shards" % (what, t))
        for i, schema in enumerate(SHARD_SCHEMAS):
            n = admin_sql("SELECT COUNT(*) FROM `%s`.%s" % (schema, t), i)[0][0]
            assert 0 < n < size, "%s: shard %d holds %d of %d rows of %s" % (what, i, n, size, t)


def check_consistent(what, size=SIZE):
    """Directly on each shard: only its own ids, ids 1..size present once
    over both, the secondary index agrees with the clustered one, CHECK
    TABLE is clean."""
    for t in TABLES:
        rows = sharded_sums(t, what)
        eq([r[0] for r in rows], list(range(1, size + 1)), "%s: ids of %s over both shards" % (what, t))
        for i, schema in enumerate(SHARD_SCHEMAS):
            eq(admin_sql("SELECT COUNT(*), SUM(k) FROM `%s`.%s FORCE INDEX (k_%s)" % (schema, t, t[6:]), i),
               admin_sql("SELECT COUNT(*), SUM(k) FROM `%s`.%s FORCE INDEX (PRIMARY)" % (schema, t), i),
               "%s: secondary index of %s on shard %d vs the primary key" % (what, t, i))
            for row in admin_sql("CHECK TABLE `%s`.%s" % (schema, t), i):
                if row[2] in ("error", "warning") or (row[2] == "status" and row[3] != "OK"):
                    raise AssertionError("%s: CHECK TABLE %s.%s on shard %d: %r" % (what, schema, t, i, row))


def prepare_plain(size):
    """A fresh PLAIN schema, prepared by sysbench directly on server 0."""
    fresh_schema(PLAIN, 0)
    rc, out = sysbench("oltp_read_write", "prepare", port(0), PLAIN, "--table-size=%d" % size)
    check_ok(rc, out, "direct prepare")


def shards_from_plain(what):
    """Fresh shard schemas holding PLAIN's tables (same definitions) and its
    rows, each row on its own shard, written directly on the shard servers:
    the same starting point on both sides (see the module docstring). The
    routed prepare has its own test, prepare_and_cleanup_through_the_router."""
    for i, schema in enumerate(SHARD_SCHEMAS):
        fresh_schema(schema, i)
        for t in TABLES:
            admin_sql(admin_sql("SHOW CREATE TABLE `%s`.%s" % (PLAIN, t))[0][1], i, db=schema)
    copy_plain_to_shards()
    return compare_with_plain("%s: before the runs" % what)


def tables_left(what):
    for i, schema in enumerate(SHARD_SCHEMAS):
        eq(admin_sql("SELECT table_name FROM information_schema.tables WHERE table_schema = '%s'" % schema, i),
           (), "%s: tables left on shard %d" % (what, i))


# ---------------------------------------------------------------- tests


@test
def prepare_and_cleanup_through_the_router():
    """sysbench prepare through the router puts every row on its shard and
    creates the tables a direct prepare creates; cleanup drops them on every
    shard."""
    prepare_plain(SIZE)
    for i, schema in enumerate(SHARD_SCHEMAS):
        fresh_schema(schema, i)
    with Router(shardmap=sbs_map()) as r:
        rc, out = sysbench("oltp_read_write", "prepare", r.port, KS, "--table-size=%d" % SIZE)
        check_ok(rc, out, "prepare through the router", r)
        check_prepared("after the routed prepare", SIZE)
        rc, out = sysbench("oltp_read_write", "cleanup", r.port, KS)
        check_ok(rc, out, "cleanup through the router", r)
        tables_left("after cleanup")
        assert r.alive(), "router died"


@test
def prepare_without_ids_is_refused():
    """--auto_inc=on: prepare sends INSERT INTO sbtest1(k, c, pad) VALUES
    ..., rows without the shard key: refused (1235), no row placed."""
    for i, schema in enumerate(SHARD_SCHEMAS):
        fresh_schema(schema, i)
    with Router(shardmap=sbs_map()) as r:
        rc, out = sysbench("oltp_read_write", "prepare", r.port, KS, "--table-size=10", "--auto_inc=on")
        assert rc != 0 and "1235" in out, "prepare --auto_inc=on on a sharded keyspace: exit %d\n%s" % (
            rc, clip(out, 2000))
        for i, schema in enumerate(SHARD_SCHEMAS):
            eq(admin_sql("SELECT COUNT(*) FROM `%s`.sbtest1" % schema, i), ((0,),),
               "rows on shard %d after the refused prepare" % i)
        rc, out = sysbench("oltp_read_write", "cleanup", r.port, KS)
        check_ok(rc, out, "cleanup through the router", r)
        tables_left("after cleanup")
        assert r.alive(), "router died"


@test
def deterministic_equality():
    """oltp_read_write, then oltp_write_only, single-threaded with a fixed
    seed: through the router on two shards vs directly on one server."""
    prepare_plain(SIZE)
    start = shards_from_plain("deterministic")
    with Router(shardmap=sbs_map("best_effort")) as r:
        for test_, events, per_trx in (("oltp_read_write", 1000, 20), ("oltp_write_only", 1500, 6)):
            opts = ["--rand-seed=%d" % (events + per_trx), "--threads=1", "--events=%d" % events, "--time=0",
                    "--table-size=%d" % SIZE]
            rc, out = sysbench(test_, "run", port(0), PLAIN, *opts)
            direct = check_run(rc, out, "%s directly" % test_)
            rc, out = sysbench(test_, "run", r.port, KS, *opts)
            routed = check_run(rc, out, "%s through the router" % test_, r)
            assert r.alive(), "router died"
            eq(direct["transactions"], events, "transactions of the direct %s run" % test_)
            eq(direct["queries"], events * per_trx, "queries of the direct %s run" % test_)
            eq(routed, direct, "SQL statistics of %s through the router vs directly" % test_)
            compare_with_plain("after %s" % test_)
        assert compare_with_plain("after the runs") != start, "the runs changed nothing: they would prove nothing"
        check_consistent("after the deterministic runs")
        rc, out = sysbench("oltp_read_write", "cleanup", r.port, KS)
        check_ok(rc, out, "cleanup through the router", r)
        tables_left("after cleanup")


def _fetch(cur, sql):
    cur.execute(sql)
    return cur.fetchall(), cur.rowcount


def oltp_statements(r, rnd, trx, failures):
    """Send sysbench's OLTP statements through router r and directly to the
    plain schema; record in failures each one answered differently. trx:
    each id's statements in one BEGIN ... COMMIT, like sysbench's events
    (the reads and writes of different ids then span shards); else
    autocommit."""
    routed = r.connect(database=KS, autocommit=True)
    direct = admin(0, db=PLAIN)
    rcur, dcur = routed.cursor(), direct.cursor()

    def same(sql, ordered=True):
        try:
            got, gn = _fetch(rcur, sql)
        except pymysql.MySQLError as e:
            failures.append("%s\n    router: %r" % (clip(sql, 200), e.args))
            return
        gd = rcur.description
        want, wn = _fetch(dcur, sql)
        if not ordered:
            got, want = sorted(got), sorted(want)
        if (got, gn) != (want, wn):
            failures.append("%s\n    router: %r rows %r...\n    server: %r rows %r..."
                            % (clip(sql, 200), gn, clip(repr(list(got)[:3])), wn, clip(repr(list(want)[:3]))))
        elif gd != dcur.description:
            failures.append("%s\n    router's columns: %r\n    server's columns: %r"
                            % (clip(sql, 200), gd, dcur.description))

    # random ids plus the edges: ranges running past the last id, ids that
    # do not exist (0, negative, beyond the table)
    ids = [rnd.randint(1, SIZE) for _ in range(40)] + [1, 2, SIZE - 50, SIZE, 0, -3, SIZE + 5]
    try:
        for n, id_ in enumerate(ids):
            t = TABLES[n % NTABLES]
            hi = id_ + 99  # the default --range_size=100
            if trx:
                same("BEGIN")
            same("SELECT c FROM %s WHERE id=%d" % (t, id_))
            same("SELECT c FROM %s WHERE id=%d" % (t, ids[n - 1]))
            same("SELECT c FROM %s WHERE id BETWEEN %d AND %d" % (t, id_, hi), ordered=False)
            same("SELECT SUM(k) FROM %s WHERE id BETWEEN %d AND %d" % (t, id_, hi))
            same("SELECT c FROM %s WHERE id BETWEEN %d AND %d ORDER BY c" % (t, id_, hi))
            same("SELECT DISTINCT c FROM %s WHERE id BETWEEN %d AND %d ORDER BY c" % (t, id_, hi))
            # sysbench's two updates, then its DELETE + INSERT of one id
            k = rnd.randint(1, SIZE)
            c = "-".join("%011d" % rnd.randrange(10 ** 11) for _ in range(10))
            pad = "-".join("%011d" % rnd.randrange(10 ** 11) for _ in range(5))
            same("UPDATE %s SET k=k+1 WHERE id=%d" % (t, ids[n - 2]))
            same("UPDATE %s SET c='%s' WHERE id=%d" % (t, c, ids[n - 3]))
            same("DELETE FROM %s WHERE id=%d" % (t, id_))
            same("INSERT INTO %s (id, k, c, pad) VALUES (%d, %d, '%s', '%s')" % (t, id_, k, c, pad))
            if trx:
                same("COMMIT")
    finally:
        routed.close()
        direct.close()


@test
def oltp_statements_match_one_server():
    """Every statement kind of oltp_common.lua, as --db-ps-mode=disable sends
    it, through the router vs on the plain schema directly: same result rows
    (in order where the statement orders them), column definitions and
    affected rows;
    the tables equal afterwards. First in autocommit mode (default map),
    then in cross-shard transactions (best_effort). sysbench itself never
    looks at what its statements return."""
    rnd = random.Random(7)
    prepare_plain(SIZE)
    shards_from_plain("statements")
    for cross_shard, trx in ((None, False), ("best_effort", True)):
        what = "in transactions" if trx else "in autocommit mode"
        failures = []
        with Router(shardmap=sbs_map(cross_shard)) as r:
            oltp_statements(r, rnd, trx, failures)
            assert r.alive(), "router died"
        if failures:
            raise AssertionError("%d statements %s answered differently through the router:\n%s"
                                 % (len(failures), what, "\n".join(failures[:12])))
        compare_with_plain("after the statements %s" % what)


@test
def concurrent_read_write():
    """4 threads of oltp_read_write for ~5 s through the router: no errors
    but deadlocks the servers counted, and consistent shards afterwards."""
    size = 10000
    opts = ["--table-size=%d" % size]
    prepare_plain(size)
    before = shards_from_plain("concurrent")
    with Router(shardmap=sbs_map("best_effort"), workers=2) as r:
        # Writers may deadlock now and then on one server (InnoDB, not the
        # router): only 1213 is ignored, any other error is fatal, and every
        # ignored error must be a deadlock one of the primaries counted.
        # Uniform ids: with cross-shard transactions, a lock cycle through
        # both shards is seen by neither server's deadlock detector and ends
        # only at innodb_lock_wait_timeout (50 s) with 1205; sysbench's
        # default "special" distribution (75% of the ids in 1% of the table)
        # makes such cycles likely within seconds (best_effort has no
        # cross-shard deadlock detection; see deadlock_rolls_back_every_shard
        # for what the router must do with a deadlock one server sees).
        d0 = innodb_deadlocks()
        rc, out = sysbench("oltp_read_write", "run", r.port, KS, "--threads=4", "--time=5", "--rand-type=uniform",
                           "--mysql-ignore-errors=1213", *opts, timeout=90)
        s = check_run(rc, out, "4 threads through the router", r, deadlocks=innodb_deadlocks() - d0)
        assert s["transactions"] > 0, "no transactions:\n%s" % out
        if s["ignored errors"] == 0:
            eq(s["queries"], s["transactions"] * 20, "queries per transaction (14 reads, 4 writes, BEGIN, COMMIT)")
        else:  # the queries of the transactions a deadlock rolled back count too
            assert s["queries"] >= s["transactions"] * 20, s
        assert r.alive(), "router died"
        c = r.connect(database=KS)
        cur = c.cursor()
        for t in TABLES:
            cur.execute("SELECT COUNT(*) FROM %s" % t)
            eq(cur.fetchone()[0], size, "rows of %s through the router after the run" % t)
        c.close()
        check_consistent("after 4 threads", size)
        assert {t: sharded_sums(t, "after the run") for t in TABLES} != before, "the run changed nothing"
        rc, out = sysbench("oltp_read_write", "cleanup", r.port, KS)
        check_ok(rc, out, "cleanup through the router", r)


def _wait_lock_wait(schema, sql, timeout=10):
    """Wait until a statement sql of schema waits for a row lock on primary 0."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        n = admin_sql("SELECT COUNT(*) FROM information_schema.processlist WHERE db = '%s' AND info LIKE '%%%s%%'"
                      % (schema, sql))[0][0]
        if n:
            time.sleep(0.2)  # from sent to waiting in InnoDB
            return
        time.sleep(0.02)
    raise AssertionError("%r never started on shard 0" % sql)


@test
def deadlock_rolls_back_every_shard():
    """What the concurrent run's --mysql-ignore-errors=1213 relies on: a
    deadlock (1213) rolls the whole transaction back, so sysbench restarts
    the event (BEGIN, the same statements again) and an application retries
    it. Under best_effort, a transaction that wrote on shard 1 and then is
    chosen as a deadlock victim on shard 0 must not leave its shard-1 write
    to be committed by the next BEGIN (implicit commit) or by COMMIT: the
    retry would apply it twice."""
    ddl = "CREATE TABLE sbtest1 (id INT NOT NULL, k INT NOT NULL DEFAULT 0, PRIMARY KEY (id)) ENGINE=InnoDB"
    ids = {0: [], 1: []}
    for i in range(1, 200):
        ids[shard_of(i)].append(i)
    for i, schema in enumerate(SHARD_SCHEMAS):
        fresh_schema(schema, i)
        admin_sql(ddl, i, db=schema)
        admin_sql("INSERT INTO sbtest1 VALUES " + ",".join("(%d, 0)" % x for x in ids[i]), i, db=schema)
    a, b, heavy, c = ids[0][0], ids[0][1], ids[0][2:12], ids[1][0]
    failures = []
    for ending in ("BEGIN", "COMMIT"):
        with Router(shardmap=sbs_map("best_effort")) as r:
            winner = r.connect(database=KS, autocommit=True)
            victim = r.connect(database=KS, autocommit=True)
            wc, vc = winner.cursor(), victim.cursor()
            vc.execute("BEGIN")
            vc.execute("UPDATE sbtest1 SET k=k+1 WHERE id=%d" % c)  # shard 1
            vc.execute("UPDATE sbtest1 SET k=k+1 WHERE id=%d" % b)  # shard 0
            wc.execute("BEGIN")
            for x in heavy:  # InnoDB picks the transaction with less to undo as the victim
                wc.execute("UPDATE sbtest1 SET k=k+1 WHERE id=%d" % x)
            wc.execute("UPDATE sbtest1 SET k=k+1 WHERE id=%d" % a)
            blocked = "UPDATE sbtest1 SET k=k+1 WHERE id=%d" % b
            res = {}

            def wait_for_b():
                try:
                    wc.execute(blocked)
                    res["winner"] = "ok"
                except pymysql.MySQLError as e:
                    res["winner"] = e.args
            th = threading.Thread(target=wait_for_b)
            th.start()
            try:
                _wait_lock_wait(SHARD_SCHEMAS[0], blocked)
                try:
                    vc.execute("UPDATE sbtest1 SET k=k+1 WHERE id=%d" % a)
                    err = None
                except pymysql.MySQLError as e:
                    err = e.args
            finally:
                th.join(60)
            eq(err and err[0], 1213, "the victim's statement (%r)" % (err,))
            eq(res.get("winner"), "ok", "the winner's blocked UPDATE")
            wc.execute("COMMIT")
            try:
                vc.execute(ending)
                if ending == "BEGIN":
                    vc.execute("ROLLBACK")
                ended = "ok"
            except pymysql.MySQLError as e:
                ended = e.args
            winner.close()
            victim.close()
            assert r.alive(), "router died"
        # one server: the deadlock rolled back the victim's whole transaction
        k = admin_sql("SELECT k FROM `%s`.sbtest1 WHERE id=%d" % (SHARD_SCHEMAS[1], c), 1)[0][0]
        if k != 0:
            failures.append("%s after the deadlock (answered %r): the victim's UPDATE of id %d on shard 1 "
                            "was committed (k = %d, expected 0)" % (ending, ended, c, k))
        admin_sql("UPDATE sbtest1 SET k=0", 0, db=SHARD_SCHEMAS[0])
        admin_sql("UPDATE sbtest1 SET k=0", 1, db=SHARD_SCHEMAS[1])
    if failures:
        raise AssertionError("a transaction a deadlock rolled back on shard 0 was committed on shard 1:\n  "
                             + "\n  ".join(failures))


@test
def autocommit_workloads_under_refuse():
    """With the default cross_shard_transactions = refuse: read-only
    workloads in autocommit mode (oltp_point_select, oltp_read_only
    --skip_trx=on) run without errors and change nothing; sysbench's
    transactions (random ids: they span shards) are refused with 1235."""
    size = 5000
    opts = ["--table-size=%d" % size]
    prepare_plain(size)
    before = shards_from_plain("read-only")
    with Router(shardmap=sbs_map(), workers=2) as r:
        rc, out = sysbench("oltp_point_select", "run", r.port, KS, "--threads=4", "--time=3", *opts, timeout=60)
        s = check_run(rc, out, "oltp_point_select", r)
        assert s["transactions"] > 0 and s["read"] == s["transactions"], s
        rc, out = sysbench("oltp_read_only", "run", r.port, KS, "--threads=4", "--time=3", "--skip_trx=on",
                           *opts, timeout=60)
        s = check_run(rc, out, "oltp_read_only --skip_trx=on", r)
        assert s["transactions"] > 0, s
        eq(s["read"], s["transactions"] * 14, "reads per oltp_read_only transaction")
        eq((s["write"], s["other"]), (0, 0), "writes and BEGIN/COMMIT of oltp_read_only --skip_trx=on")
        eq(compare_with_plain("after the read-only runs"), before, "read-only runs left the tables unchanged")

        rc, out = sysbench("oltp_read_write", "run", r.port, KS, "--threads=1", "--events=3", "--time=0",
                           "--rand-seed=1", *opts)
        assert rc != 0 and "1235" in out and "span shards" in out, \
            "oltp_read_write under cross_shard_transactions = refuse: exit %d\n%s" % (rc, clip(out, 2000))
        assert r.alive(), "router died"
    eq(compare_with_plain("after the refused transaction"), before, "the refused transaction changed nothing")


if __name__ == "__main__":
    main()
