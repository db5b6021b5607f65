"""Shard-map versions in a running router (issue 4, the router side):
sessions move to a new version at their next statement outside a
transaction, a transaction keeps its version until it ends, a statement in
flight finishes on its version; a removed keyspace gives a clear error; a
keyspace moved to another server takes the session's connection with it
once the connection holds no session state; reloads under sysbench load;
and the catalog: start from it, poll it, heartbeat, invalid versions,
outages."""
import re
import signal
import threading

from lib import *

APP_USER = ENV["TESTBED_APP_USER"]
APP_PASSWORD = ENV["TESTBED_APP_PASSWORD"]


def setup_ab():
    """Schemas mv_a and mv_b on shard 0 and mv_c on shard 1, each with a
    table w holding one row naming its schema."""
    for shard, schema in ((0, "mv_a"), (0, "mv_b"), (1, "mv_c")):
        admin_sql("CREATE DATABASE IF NOT EXISTS %s;\nCREATE TABLE IF NOT EXISTS %s.w (v VARCHAR(10));\n"
                  "DELETE FROM %s.w;\nINSERT INTO %s.w VALUES ('%s')" % (schema, schema, schema, schema, schema),
                  shard)


def write_map(r, text):
    """Replace the router's map file atomically (the router may read it at any time)."""
    tmp = r.map_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, r.map_path)


def wait_log(r, pattern, timeout=5, count=1):
    """Wait until the router's log matches pattern (a regex) count times."""
    deadline = time.time() + timeout
    while True:
        n = len(re.findall(pattern, r.log()))
        if n >= count:
            return n
        if time.time() > deadline:
            raise AssertionError("no %r (x%d) in the router log within %ss:\n%s"
                                 % (pattern, count, timeout, r.log()[-3000:]))
        time.sleep(0.02)


def reload(r, text, version):
    write_map(r, text)
    r.proc.send_signal(signal.SIGHUP)
    wait_log(r, r"shard map version %d loaded" % version)


def value(conn):
    cur = conn.cursor()
    cur.execute("SELECT v FROM w")
    return cur.fetchone()[0]


@test
def session_moves_at_next_statement():
    setup_ab()
    with Router({"main": (0, "mv_a")}) as r:
        plain = r.connect(autocommit=True)
        eq(value(plain), "mv_a", "version 1")
        tx = r.connect(autocommit=True)
        tx.cursor().execute("BEGIN")
        eq(value(tx), "mv_a", "in the transaction, version 1")
        reload(r, map_text({"main": (0, "mv_b")}, version=2), 2)
        # The next statement outside a transaction runs on version 2, on the
        # same client connection.
        eq(value(plain), "mv_b", "same connection after the reload")
        # The open transaction keeps version 1 until it ends...
        eq(value(tx), "mv_a", "transaction after the reload")
        eq(value(tx), "mv_a", "transaction, again")
        tx.cursor().execute("COMMIT")
        # ...then moves.
        eq(value(tx), "mv_b", "after COMMIT")
        new = r.connect(autocommit=True)
        eq(value(new), "mv_b", "new connection")
        for c in (plain, tx, new):
            c.close()
        log = r.log()
        assert "SIGHUP: shard map version 2 loaded (was 1)" in log, log[-2000:]
        # each worker says once that it now uses version 2
        assert re.search(r"\[w\d\] shard map version 2 in use", log), log[-2000:]
        assert len(re.findall(r"\[w0\] shard map version 2 in use", log)) == 1, log[-2000:]
        assert "shard map version 1 -> 2" in log, log[-2000:]  # debug: per session


@test
def statement_in_flight_keeps_its_version():
    setup_ab()
    with Router({"main": (0, "mv_a")}) as r:
        c = r.connect(autocommit=True)
        eq(value(c), "mv_a", "version 1")
        result = {}

        # (BENCHMARK, not SLEEP: the classifier counts SLEEP among the
        # functions that may leave state, which would pin the connection.)
        sql = "SELECT BENCHMARK(4000000, MD5('in flight')), v FROM w"

        def slow():
            cur = c.cursor()
            cur.execute(sql)
            result["v"] = cur.fetchone()[1]

        t = threading.Thread(target=slow)
        t.start()
        deadline = time.time() + 5
        while not admin_sql("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = '%s'"
                            % sql.replace("'", "''")) and time.time() < deadline:
            time.sleep(0.02)
        reload(r, map_text({"main": (0, "mv_b")}, version=2), 2)
        assert t.is_alive(), "the statement ended before the reload: nothing was tested"
        t.join(20)
        eq(result.get("v"), "mv_a", "the statement running during the reload")
        eq(value(c), "mv_b", "the next statement")
        c.close()


@test
def keyspace_moves_to_another_server():
    """Version 2 puts keyspace main on shard 1: a session whose connection
    holds no state but replayable SETs follows at its next statement (the
    SETs replayed); one with a user variable assigned inside a statement
    (state on its server connection) stays on the old server until it resets
    the connection, then follows."""
    setup_ab()
    with Router({"main": (0, "mv_a")}) as r:
        clean = r.connect(autocommit=True)
        clean.cursor().execute("SET @z = 5")  # replayable: the session still moves
        eq(value(clean), "mv_a", "clean session, version 1")
        raw = Raw(r.port)
        seq, p = raw.login(db="main")
        assert p[0] == 0, p
        raw.query("SELECT @x := 42")  # state set inside a statement: not replayable
        eq(text_rows(raw.query("SELECT v FROM w"), raw.caps), [("mv_a",)], "dirty session, version 1")
        reload(r, map_text({"main": (1, "mv_c")}, version=2), 2)
        eq(value(clean), "mv_c", "clean session after the move")
        cur = clean.cursor()
        cur.execute("SELECT @z")
        eq(cur.fetchone()[0], 5, "clean session's SET @z replayed after the move")
        # The dirty session keeps its connection (and @x) on the old server.
        eq(text_rows(raw.query("SELECT v, @x FROM w"), raw.caps), [("mv_a", "42")], "dirty session")
        # COM_RESET_CONNECTION clears the state; the next statement follows.
        raw.command(b"\x1f")
        seq, p = raw.read()
        eq(p[0], 0, "COM_RESET_CONNECTION")
        eq(text_rows(raw.query("SELECT v, @x FROM w"), raw.caps), [("mv_c", None)], "after the reset")
        raw.close()
        clean.close()


@test
def removed_keyspace_gives_a_clear_error():
    setup_ab()
    with Router({"main": (0, "mv_a"), "other": (0, "mv_b")}) as r:
        c = r.connect(autocommit=True)
        eq(value(c), "mv_a", "version 1")
        back = r.connect(autocommit=True)
        eq(value(back), "mv_a", "second session, version 1")
        reload(r, map_text({"other": (0, "mv_b")}, version=2), 2)
        for what in ("first statement", "second statement"):
            try:
                value(c)
                raise AssertionError("a statement in a removed keyspace ran (%s)" % what)
            except pymysql.MySQLError as e:
                eq(e.args[0], 1049, "error code, %s" % what)
                assert "'main'" in e.args[1] and "version 2" in e.args[1], e.args
        # USE of another keyspace: the session works again.
        c.select_db("other")
        eq(value(c), "mv_b", "after USE other")
        try:
            value(back)
            raise AssertionError("a statement in a removed keyspace ran")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1049, "error code, second session")
        # A newer version brings main back: the session that lost it has it
        # again at its next statement.
        reload(r, map_text({"main": (0, "mv_a"), "other": (0, "mv_b")}, version=3), 3)
        eq(value(back), "mv_a", "main is back in version 3")
        assert r.alive()
        c.close()
        back.close()


@test
def older_and_invalid_versions_are_refused():
    setup_ab()
    with Router({"main": (0, "mv_a")}, ) as r:
        c = r.connect(autocommit=True)
        reload(r, map_text({"main": (0, "mv_b")}, version=5), 5)
        eq(value(c), "mv_b", "version 5")
        write_map(r, map_text({"main": (0, "mv_a")}, version=4))
        r.proc.send_signal(signal.SIGHUP)
        wait_log(r, "has version 4, older than the running 5; not loaded")
        write_map(r, "version = 6; keyspaces = ( { name = \"main\"; } );\n")
        r.proc.send_signal(signal.SIGHUP)
        wait_log(r, "not reloaded, keeping version 5")
        eq(value(c), "mv_b", "still version 5")
        c.close()


# ---------------------------------------------------------------- under load


def sysbench(test, command, port_, db, *opts, timeout=120):
    cmd = ["sysbench", test, "--db-driver=mysql", "--mysql-host=%s" % HOST, "--mysql-port=%d" % port_,
           "--mysql-user=%s" % APP_USER, "--mysql-password=%s" % APP_PASSWORD, "--mysql-db=%s" % db,
           "--db-ps-mode=disable"] + list(opts) + [command]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def sb_stats(out):
    def num(label):
        m = re.search(r"^\s*%s:\s+(\d+)" % re.escape(label), out, re.M)
        if m is None:
            raise AssertionError("no %r line in sysbench output:\n%s" % (label, out[-3000:]))
        return int(m.group(1))
    return {k: num(k) for k in ("transactions", "queries", "ignored errors", "reconnects")}


def sb_check(p, what, r, deadlocks=None):
    """deadlocks: called once sysbench has ended, the deadlocks the server
    counted during the run (ignored errors must not exceed them)."""
    out, _ = p.communicate(timeout=120)
    bad = [l for l in out.splitlines() if re.search(r"FATAL|ALERT|error", l, re.I)
           and not re.match(r"\s*ignored errors:", l)]
    if p.returncode != 0 or bad:
        raise AssertionError("%s: sysbench exited %d; %s\n%s\nrouter log:\n%s" % (
            what, p.returncode, "\n".join(bad[:10]), out[-2500:], r.log()[-2500:]))
    s = sb_stats(out)
    counted = deadlocks() if deadlocks is not None else 0
    if s["ignored errors"] > counted:
        raise AssertionError("%s: %d ignored errors, of which the server counted %d deadlocks\n%s"
                             % (what, s["ignored errors"], counted, out[-2500:]))
    eq(s["reconnects"], 0, "%s: reconnects" % what)
    assert s["transactions"] > 0, out
    return s


def com_select_replica():
    return int(admin_sql("SHOW GLOBAL STATUS LIKE 'Com_select'", 0, "replica")[0][1])


def innodb_deadlocks():
    return int(admin_sql("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")[0][1])


def load_map(version, ro_role):
    """Keyspace sbrw on shard 0's primary; keyspace sbro (read-only) on
    shard 0's primary or on its replica, which holds the same rows."""
    return map_text({"sbrw": (0, "mv_sbrw"),
                     "sbro": ("%s:%d" % (HOST, port(0, ro_role)), "mv_sbro")}, version=version)


RUN_SECS = 25  # sysbench's runs in reload_under_load


@test
def reload_under_load():
    """sysbench oltp_read_write (4 threads) and oltp_read_only (2 threads)
    through the router for ~25 s while the map is reloaded 100 times (about
    17 s of reloads: the runs outlast them on a busy machine too),
    alternating two valid versions with increasing numbers (the read-only
    keyspace alternates between shard 0's primary and its replica: the same
    rows, but a new server connection each time), with an invalid map
    before every tenth: zero errors, zero reconnects, the router alive,
    the final version in the log."""
    for db in ("mv_sbrw", "mv_sbro"):
        admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s" % (db, db))
    opts = ["--tables=2", "--table-size=5000"]
    with Router(shardmap=load_map(1, "primary"), workers=2) as r:
        for db, test_ in (("sbrw", "oltp_read_write"), ("sbro", "oltp_read_only")):
            p = sysbench(test_, "prepare", r.port, db, *opts)
            out, _ = p.communicate(timeout=120)
            eq(p.returncode, 0, "prepare %s: %s" % (db, out[-2000:]))
        wait_replica(0)
        d0 = innodb_deadlocks()
        sel0 = com_select_replica()
        rw = sysbench("oltp_read_write", "run", r.port, "sbrw", "--threads=4", "--time=%d" % RUN_SECS,
                      "--mysql-ignore-errors=1213", *opts)
        ro = sysbench("oltp_read_only", "run", r.port, "sbro", "--threads=2", "--time=%d" % RUN_SECS, *opts)
        time.sleep(1)
        invalid = 0
        t0 = time.time()
        for v in range(2, 102):
            if v % 10 == 0:
                # an invalid map first: rejected, the running version stays
                write_map(r, "version = %d; keyspaces = ( { name = \"sbrw\"; sharded = false; } );\n" % v)
                r.proc.send_signal(signal.SIGHUP)
                invalid += 1
                wait_log(r, r"SIGHUP: shard map not reloaded", count=invalid)
            write_map(r, load_map(v, "replica" if v % 2 else "primary"))
            r.proc.send_signal(signal.SIGHUP)
            wait_log(r, r"shard map version %d loaded" % v)
            time.sleep(max(0, t0 + (v - 1) * 0.17 - time.time()))
        reload_secs = time.time() - t0
        srw = sb_check(rw, "oltp_read_write", r, deadlocks=lambda: innodb_deadlocks() - d0)
        sro = sb_check(ro, "oltp_read_only", r)
        assert r.alive(), "router died"
        # the runs started 1 s before the first reload
        assert reload_secs < RUN_SECS - 1, "the reloads took %.1f s, longer than the runs" % reload_secs
        log = r.log()
        assert "SIGHUP: shard map version 101 loaded (was 100)" in log, log[-2000:]
        eq(len(re.findall(r"SIGHUP: shard map version \d+ loaded", log)), 100, "reloads logged")
        eq(len(re.findall(r"SIGHUP: shard map not reloaded", log)), invalid, "invalid maps logged")
        # the read-only sessions really moved between the two servers
        # the read-only sessions really read from both servers (their
        # connections come from the pool for whichever server the version
        # names; connections a session held are logged when dropped)
        on_replica = com_select_replica() - sel0
        moves = len(re.findall(r"no longer uses \S+ \(schema 'mv_sbro'\)", log))
        assert on_replica >= 1000, "only %d selects reached the replica" % on_replica
        # and the router still serves
        c = r.connect(database="sbrw", autocommit=True)
        cur = c.cursor()
        cur.execute("SELECT COUNT(*) FROM sbtest1")
        eq(cur.fetchone()[0], 5000, "rows after the run")
        c.close()
        print("# reload_under_load: %d read-write transactions (%d ignored deadlocks), %d read-only "
              "transactions; 100 reloads and %d invalid maps in %.1f s; %d selects on the replica, "
              "%d held connections moved"
              % (srw["transactions"], srw["ignored errors"], sro["transactions"], invalid,
                 reload_secs, on_replica, moves), flush=True)


# ---------------------------------------------------------------- catalog

CATALOG_DB = "mv_catalog"
CATALOG_SHARD = 1


def catalog_reset():
    """An empty catalog schema on shard 1's primary, with the tables of
    include/catalog.h (the router would create them too)."""
    admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n"
              "CREATE TABLE %s.shardmap_versions (version BIGINT UNSIGNED PRIMARY KEY, "
              "body MEDIUMTEXT NOT NULL, created_at TIMESTAMP(6) NOT NULL, "
              "comment VARCHAR(1024) NOT NULL);\n"
              "CREATE TABLE %s.shardmap_routers (router_id VARCHAR(128) PRIMARY KEY, "
              "host VARCHAR(255) NOT NULL, pid INT NOT NULL, version BIGINT UNSIGNED NOT NULL, "
              "started_at TIMESTAMP(6) NOT NULL, heartbeat_at TIMESTAMP(6) NOT NULL)"
              % ((CATALOG_DB,) * 4), CATALOG_SHARD)


def publish(version, body, comment="test"):
    """Publish a version the way any publisher does: a row in the catalog."""
    c = admin(CATALOG_SHARD, db=CATALOG_DB)
    try:
        c.cursor().execute("INSERT INTO shardmap_versions (version, body, created_at, comment) "
                           "VALUES (%s, %s, UTC_TIMESTAMP(6), %s)", (version, body, comment))
    finally:
        c.close()


def heartbeat(router_id):
    """(version, pid, seconds since the heartbeat) of a router, or None."""
    rows = admin_sql("SELECT version, pid, TIMESTAMPDIFF(MICROSECOND, heartbeat_at, UTC_TIMESTAMP(6)) / 1e6 "
                     "FROM %s.shardmap_routers WHERE router_id = '%s'" % (CATALOG_DB, router_id),
                     CATALOG_SHARD)
    return (int(rows[0][0]), int(rows[0][1]), float(rows[0][2])) if rows else None


def dsn(port_):
    return "mysql://%s:%s@%s:%d/%s" % (APP_USER, APP_PASSWORD, HOST, port_, CATALOG_DB)


def catalog_router(port_=None, poll_ms=200, router_id="mv-test", shardmap=None, **kw):
    return Router(shardmap=shardmap or map_text({"main": (0, "mv_a")}, version=1),
                  settings={"catalog": dsn(port_ or port(CATALOG_SHARD)), "catalog_poll_ms": str(poll_ms),
                            "router_id": router_id}, **kw)


def wait_value(conn, want, timeout):
    """Poll SELECT v FROM w until it gives want; returns the seconds it took."""
    t0 = time.time()
    while True:
        v = value(conn)
        if v == want:
            return time.time() - t0
        if time.time() - t0 > timeout:
            raise AssertionError("still %r after %.1fs, expected %r" % (v, timeout, want))
        time.sleep(0.01)


@test
def catalog_versions_are_polled():
    setup_ab()
    catalog_reset()
    publish(1, map_text({"main": (0, "mv_a")}, version=1))
    publish(2, map_text({"main": (0, "mv_b")}, version=2))
    with catalog_router(poll_ms=200, router_id="mv-poll") as r:
        # Started from the catalog's latest version, not from the file (version 1).
        c = r.connect(autocommit=True)
        eq(value(c), "mv_b", "started on the catalog's version 2")
        assert "shard map version 2 from the catalog; catalog app@" in r.log(), r.log()[-2000:]
        # The heartbeat: this router, its version, fresh.
        deadline = time.time() + 3
        while heartbeat("mv-poll") is None and time.time() < deadline:
            time.sleep(0.05)
        v, pid, age = heartbeat("mv-poll")
        eq((v, pid), (2, r.proc.pid), "heartbeat row (version, pid)")
        assert age < 1.0, "heartbeat %.2f s old with a 200 ms poll" % age
        # A higher version is picked up within ~2 poll intervals.
        publish(3, map_text({"main": (1, "mv_c")}, version=3))
        took = wait_value(c, "mv_c", 3)
        assert took < 0.6, "version 3 took %.2f s to arrive with a 200 ms poll" % took
        wait_log(r, r"\[catalog\] catalog \S+: shard map version 3 loaded \(was 2\)")
        time.sleep(0.5)
        v, pid, age = heartbeat("mv-poll")
        eq(v, 3, "heartbeat version after version 3")
        assert age < 1.0, age
        # An invalid version is logged once and ignored; the router keeps 3.
        publish(4, "version = 4; keyspaces = ( { name = \"main\"; sharded = false; } );\n")
        wait_log(r, r"shard map version 4 is not valid and is ignored")
        time.sleep(1.5)  # ~7 more polls
        eq(len(re.findall(r"version 4 is not valid", r.log())), 1, "log lines about version 4")
        eq(value(c), "mv_c", "still version 3")
        eq(heartbeat("mv-poll")[0], 3, "heartbeat version with an invalid version 4 published")
        # A later valid version is taken again.
        publish(5, map_text({"main": (0, "mv_a")}, version=5))
        wait_value(c, "mv_a", 3)
        # SIGHUP polls at once and does not read the file.
        with open(r.map_path, "w") as f:
            f.write("this is not a map")
        publish(6, map_text({"main": (0, "mv_b")}, version=6))
        r.proc.send_signal(signal.SIGHUP)
        wait_log(r, r"SIGHUP: polling the catalog now")
        wait_value(c, "mv_b", 3)
        assert "SIGHUP: shard map not reloaded" not in r.log(), r.log()[-2000:]
        # The DBA's path: shardctl publishes, and waits until every live
        # router reports the version (from the heartbeats).
        ctl = os.path.join(REPO, "build", "shardctl")
        help_ = subprocess.run([ctl, "--help"], capture_output=True, text=True).stdout
        if "map publish" in help_ and "routers" in help_:
            path = os.path.join(r.dir, "v7.conf")
            with open(path, "w") as f:
                f.write(map_text({"main": (1, "mv_c")}, version=7))
            p = subprocess.run([ctl, "map", "publish", path, "--catalog", dsn(port(CATALOG_SHARD)),
                                "--comment", "test_mapversions"], capture_output=True, text=True, timeout=30)
            eq(p.returncode, 0, "shardctl map publish: %s%s" % (p.stdout, p.stderr))
            p = subprocess.run([ctl, "routers", "--catalog", dsn(port(CATALOG_SHARD)), "--wait-version", "7",
                                "--timeout", "5"], capture_output=True, text=True, timeout=30)
            eq(p.returncode, 0, "shardctl routers --wait-version 7: %s%s" % (p.stdout, p.stderr))
            p = subprocess.run([ctl, "routers", "--catalog", dsn(port(CATALOG_SHARD))],
                               capture_output=True, text=True, timeout=30)
            line = [l for l in p.stdout.splitlines() if "mv-poll" in l]
            assert line, p.stdout
            eq(line[0].split()[3], "7", "version of mv-poll in shardctl routers")
            eq(value(c), "mv_c", "version 7 published with shardctl")
        c.close()
        print("# catalog_versions_are_polled: version 3 reached a session %.0f ms after it was "
              "published (poll 200 ms)" % (took * 1000), flush=True)
    assert r.alive() is False


@test
def catalog_unreachable_at_start():
    setup_ab()
    closed = free_port()
    # With a shard map file: starts from it and says so.
    r = catalog_router(port_=closed, poll_ms=200, router_id="mv-unreach",
                       shardmap=map_text({"main": (0, "mv_a")}, version=7))
    with r:
        c = r.connect(autocommit=True)
        eq(value(c), "mv_a", "served from the file")
        log = r.log()
        assert re.search(r"catalog \S+ is unreachable: .*starting from the shard map file \S+ "
                         r"\(version 7\) instead", log), log[-2000:]
        time.sleep(1.0)  # several reconnect attempts: no new line about it
        eq(len(re.findall(r"is unreachable", r.log())), 1, "lines about the unreachable catalog")
        c.close()
        t0 = time.time()
    stopped = time.time() - t0
    assert stopped < 2.5, "shutdown took %.1f s with the catalog thread reconnecting" % stopped
    # A catalog server that accepts connections and never answers: the
    # start waits for it (bounded by the catalog timeout, 2 s here), and
    # SIGTERM does not wait more than about a second for the catalog thread
    # stuck in the same wait.
    silent = socket.socket()
    silent.bind((HOST, 0))
    silent.listen(64)  # never accept()ed: connects complete, nothing is read or sent
    try:
        r = catalog_router(port_=silent.getsockname()[1], poll_ms=200, router_id="mv-silent",
                           shardmap=map_text({"main": (0, "mv_a")}, version=8))
        t0 = time.time()
        with r:
            started = time.time() - t0
            c = r.connect(autocommit=True)
            eq(value(c), "mv_a", "served from the file")
            c.close()
            assert re.search(r"is unreachable: .*starting from the shard map file", r.log()), r.log()[-2000:]
            time.sleep(0.5)  # the catalog thread is inside its own wait now
            t0 = time.time()
        stopped = time.time() - t0
        assert started < 6, "start took %.1f s with a silent catalog" % started
        assert stopped < 2.0, "shutdown took %.1f s with the catalog thread waiting" % stopped
        assert "the catalog thread is still waiting" in r.log() or stopped < 1.2, r.log()[-2000:]
    finally:
        silent.close()
    # Without a file: refuses to start, saying why.
    r = Router(settings={"catalog": dsn(closed), "shardmap": '""'})
    p = subprocess.run([BIN, "-c", r.conf_path], capture_output=True, text=True, timeout=30)
    eq(p.returncode, 1, "exit status without a catalog and without a file")
    assert "no shard map to start with" in p.stderr and "is unreachable" in p.stderr and \
        "no 'shardmap' file is configured" in p.stderr, p.stderr
    assert APP_PASSWORD not in p.stderr, "the catalog password in a message: " + p.stderr
    # -t does not contact the catalog.
    p = subprocess.run([BIN, "-t", "-c", r.conf_path], capture_output=True, text=True, timeout=30)
    eq(p.returncode, 0, "-t with a catalog only: %s" % p.stderr)
    assert "not contacted" in p.stdout, p.stdout


class Forwarder:
    """A TCP forwarder to a server, which can be taken down (port closed,
    connections cut) and brought back on the same port."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = free_port()
        self.conns = []
        self.lsock = None
        self.lock = threading.Lock()
        self.up()

    def up(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, self.port))
        s.listen(16)
        self.lsock = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, ls):
        while True:
            try:
                a, _ = ls.accept()
            except OSError:
                return
            try:
                b = socket.create_connection((HOST, self.target))
            except OSError:
                a.close()
                continue
            with self.lock:
                self.conns += [a, b]
            for x, y in ((a, b), (b, a)):
                threading.Thread(target=self._pump, args=(x, y), daemon=True).start()

    @staticmethod
    def _pump(x, y):
        try:
            while True:
                d = x.recv(65536)
                if not d:
                    break
                y.sendall(d)
        except OSError:
            pass
        for s in (x, y):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def down(self):
        # shutdown() wakes the thread blocked in accept(); close() alone
        # would leave the socket listening until that accept returns.
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.lsock.close()
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.conns = []


@test
def catalog_outage_while_running():
    setup_ab()
    catalog_reset()
    publish(1, map_text({"main": (0, "mv_a")}, version=1))
    fw = Forwarder(port(CATALOG_SHARD))
    try:
        with catalog_router(port_=fw.port, poll_ms=200, router_id="mv-outage") as r:
            c = r.connect(autocommit=True)
            eq(value(c), "mv_a", "version 1 from the catalog")
            fw.down()
            wait_log(r, r"catalog \S+ is unreachable: .*still serving shard map version 1", timeout=10)
            # The router keeps serving with the map it has.
            publish(2, map_text({"main": (0, "mv_b")}, version=2))  # (not seen while down)
            for _ in range(5):
                eq(value(c), "mv_a", "served during the outage")
                time.sleep(0.3)
            new = r.connect(autocommit=True)
            eq(value(new), "mv_a", "new session during the outage")
            new.close()
            eq(len(re.findall(r"is unreachable", r.log())), 1, "lines about the outage")
            # Back: said once, and the version published meanwhile arrives.
            fw.up()
            wait_log(r, r"catalog \S+ is reachable again", timeout=15)
            wait_value(c, "mv_b", 5)
            eq(len(re.findall(r"is reachable again", r.log())), 1, "lines about the return")
            # SIGTERM during an outage stops promptly.
            fw.down()
            wait_log(r, r"is unreachable", count=2, timeout=5)
            c.close()
            t0 = time.time()
        assert time.time() - t0 < 2.5, "shutdown took %.1f s during a catalog outage" % (time.time() - t0)
    finally:
        fw.down()


if __name__ == "__main__":
    main()
