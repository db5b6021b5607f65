"""sysbench 1.0 (Debian) through the router: a deterministic OLTP run whose
resulting tables must equal those of the same run made directly against the
server, a concurrent run whose tables must stay consistent, and the
read-only workloads. Prepared statements are not routed yet, so every run
uses --db-ps-mode=disable.

Note on determinism: sysbench 1.0.20 applies --rand-seed only to `run` (it
prints "Initializing random number generator from seed (1)" there; its
srandom() call sits in the code printing the run mode, which `prepare` never
reaches), so two `prepare`s with --rand-seed=1 fill k/c/pad with different
values (observed: different CHECKSUM TABLE every time). A single-threaded
`run` with a fixed seed is deterministic: from identical tables it issues
identical statements and leaves identical tables. The equality test
therefore prepares both schemas (one directly, one through the router),
copies the direct one's rows over the router's so both runs start from the
same contents (checked), and compares after the two runs."""
import re

from lib import *

APP_USER = ENV["TESTBED_APP_USER"]
APP_PASSWORD = ENV["TESTBED_APP_PASSWORD"]


def fresh_schema(name, shard=0):
    admin_sql("DROP DATABASE IF EXISTS `%s`;\nCREATE DATABASE `%s`" % (name, name), shard)


def sysbench(test, command, port_, db, *opts, timeout=120):
    """Run sysbench; returns (exit status, stdout+stderr)."""
    cmd = ["sysbench", test, "--db-driver=mysql", "--mysql-host=%s" % HOST, "--mysql-port=%d" % port_,
           "--mysql-user=%s" % APP_USER, "--mysql-password=%s" % APP_PASSWORD, "--mysql-db=%s" % db,
           "--db-ps-mode=disable"] + list(opts) + [command]
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


def check_run(rc, out, what, router=None, deadlocks=0):
    """Exit status 0, no fatal or error lines, no reconnects, and no ignored
    errors beyond the deadlocks the server itself counted (deadlocks: the
    increase of the primary's Innodb_deadlocks during the run)."""
    bad = [l for l in out.splitlines() if re.search(r"FATAL|ALERT|error", l, re.I)
           and not re.match(r"\s*ignored errors:", l)]
    if rc != 0 or bad:
        raise AssertionError("%s: sysbench exited %d; %s\n%s%s" % (
            what, rc, "\n".join(bad[:10]), out[-2500:],
            "\nrouter log:\n" + router.log()[-2500:] if router else ""))
    s = stats(out)
    if s["ignored errors"] > deadlocks:
        raise AssertionError("%s: %d ignored errors, of which the server counted %d deadlocks\n%s" % (
            what, s["ignored errors"], deadlocks, out[-2500:]))
    eq(s["reconnects"], 0, "%s: reconnects" % what)
    return s


def innodb_deadlocks():
    return int(admin_sql("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")[0][1])


def checksums(schema, tables):
    rows = admin_sql("CHECKSUM TABLE %s" % ", ".join("`%s`.%s" % (schema, t) for t in tables))
    return [r[1] for r in rows]


def check_prepared(rc, out, what, schema, tables, size):
    if rc != 0 or re.search(r"FATAL|error", out, re.I):
        raise AssertionError("%s: sysbench prepare exited %d:\n%s" % (what, rc, out[-2500:]))
    for t in tables:
        eq(admin_sql("SELECT COUNT(*), MIN(id), MAX(id) FROM `%s`.%s" % (schema, t)), ((size, 1, size),),
           "%s: rows of %s.%s on the shard" % (what, schema, t))


def check_consistent(schema, tables, size, what):
    """Directly on the primary: every id 1..size present once, the secondary
    index agrees with the clustered one, CHECK TABLE is clean."""
    for t in tables:
        q = "SELECT COUNT(*), COUNT(DISTINCT id), MIN(id), MAX(id) FROM `%s`.%s" % (schema, t)
        eq(admin_sql(q), ((size, size, 1, size),), "%s: ids of %s.%s" % (what, schema, t))
        eq(admin_sql("SELECT COUNT(*), SUM(k) FROM `%s`.%s FORCE INDEX (k_%s)" % (schema, t, t[len("sbtest"):])),
           admin_sql("SELECT COUNT(*), SUM(k) FROM `%s`.%s FORCE INDEX (PRIMARY)" % (schema, t)),
           "%s: secondary index of %s.%s vs the primary key" % (what, schema, t))
        for row in admin_sql("CHECK TABLE `%s`.%s" % (schema, t)):
            if row[2] in ("error", "warning") or (row[2] == "status" and row[3] != "OK"):
                raise AssertionError("%s: CHECK TABLE %s.%s: %r" % (what, schema, t, row))


@test
def deterministic_equality():
    tables = ["sbtest1", "sbtest2"]
    size = 2000
    opts = ["--rand-seed=1", "--threads=1", "--events=1500", "--time=0", "--tables=2", "--table-size=%d" % size]
    fresh_schema("sb_direct")
    fresh_schema("sb_router")
    with Router({"sbr": (0, "sb_router")}) as r:
        rc, out = sysbench("oltp_read_write", "prepare", port(0), "sb_direct", *opts)
        check_prepared(rc, out, "direct", "sb_direct", tables, size)
        rc, out = sysbench("oltp_read_write", "prepare", r.port, "sbr", *opts)
        check_prepared(rc, out, "through the router", "sb_router", tables, size)
        for t in tables:
            eq(admin_sql("SHOW CREATE TABLE sb_router.%s" % t), admin_sql("SHOW CREATE TABLE sb_direct.%s" % t),
               "definition of %s prepared through the router vs directly" % t)
        # same starting point (see the module docstring)
        for t in tables:
            admin_sql("DELETE FROM sb_router.%s;\nINSERT INTO sb_router.%s SELECT * FROM sb_direct.%s" % (t, t, t))
        start = checksums("sb_direct", tables)
        eq(checksums("sb_router", tables), start, "checksums before the runs")

        rc, out = sysbench("oltp_read_write", "run", port(0), "sb_direct", *opts)
        direct = check_run(rc, out, "direct run")
        rc, out = sysbench("oltp_read_write", "run", r.port, "sbr", *opts)
        routed = check_run(rc, out, "run through the router", r)
        assert r.alive(), "router died"
    eq(direct["transactions"], 1500, "transactions of the direct run")
    eq(routed, direct, "SQL statistics through the router vs directly")
    after = checksums("sb_direct", tables)
    eq(checksums("sb_router", tables), after, "CHECKSUM TABLE after the runs (router vs direct)")
    assert after != start, "the runs changed nothing: the comparison would prove nothing"
    check_consistent("sb_router", tables, size, "after the deterministic run")


@test
def concurrent_read_write():
    tables = ["sbtest1", "sbtest2"]
    size = 10000
    opts = ["--tables=2", "--table-size=%d" % size]
    fresh_schema("sb_conc")
    with Router({"sbc": (0, "sb_conc")}, workers=2) as r:
        rc, out = sysbench("oltp_read_write", "prepare", r.port, "sbc", *opts)
        check_prepared(rc, out, "prepare through the router", "sb_conc", tables, size)
        sums = admin_sql("SELECT SUM(k) FROM sb_conc.sbtest1")
        # 8 writers may deadlock now and then (InnoDB, not the router): only
        # 1213 is ignored, any other error is fatal, and every ignored error
        # must be a deadlock the primary counted.
        d0 = innodb_deadlocks()
        rc, out = sysbench("oltp_read_write", "run", r.port, "sbc", "--threads=8", "--time=10",
                           "--mysql-ignore-errors=1213", *opts, timeout=60)
        s = check_run(rc, out, "8 threads through the router", r, deadlocks=innodb_deadlocks() - d0)
        assert s["transactions"] > 0, "no transactions:\n%s" % out
        if s["ignored errors"] == 0:
            eq(s["queries"], s["transactions"] * 20, "queries per transaction (14 reads, 4 writes, BEGIN, COMMIT)")
        else:  # the queries of the transactions a deadlock rolled back count too
            assert s["queries"] >= s["transactions"] * 20, s
        assert r.alive(), "router died"
        c = r.connect(database="sbc")
        cur = c.cursor()
        cur.execute("SELECT COUNT(*) FROM sbtest1")
        eq(cur.fetchone()[0], size, "rows through the router after the run")
        c.close()
    check_consistent("sb_conc", tables, size, "after 8 threads")
    assert admin_sql("SELECT SUM(k) FROM sb_conc.sbtest1") != sums, "the run changed nothing"


@test
def read_only_workloads():
    tables = ["sbtest1", "sbtest2"]
    size = 5000
    opts = ["--tables=2", "--table-size=%d" % size]
    fresh_schema("sb_ro")
    with Router({"sbro": (0, "sb_ro")}, workers=2) as r:
        rc, out = sysbench("oltp_read_only", "prepare", r.port, "sbro", *opts)
        check_prepared(rc, out, "prepare through the router", "sb_ro", tables, size)
        before = checksums("sb_ro", tables)
        rc, out = sysbench("oltp_point_select", "run", r.port, "sbro", "--threads=4", "--time=5", *opts, timeout=60)
        s = check_run(rc, out, "oltp_point_select", r)
        assert s["transactions"] > 0 and s["read"] == s["transactions"], s
        rc, out = sysbench("oltp_read_only", "run", r.port, "sbro", "--threads=4", "--time=5", *opts, timeout=60)
        s = check_run(rc, out, "oltp_read_only", r)
        assert s["transactions"] > 0, s
        eq(s["read"], s["transactions"] * 14, "reads per oltp_read_only transaction")
        eq(s["write"], 0, "writes of oltp_read_only")
        assert r.alive(), "router died"
    eq(checksums("sb_ro", tables), before, "read-only runs left the tables unchanged")


if __name__ == "__main__":
    main()
