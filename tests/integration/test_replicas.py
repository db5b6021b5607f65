"""Replicas: plain reads outside transactions go to a usable replica,
everything else to the primary (asserted with @@server_id and the servers'
Com_select counters); consistency = eventual shows the replica's real lag
as stale reads, consistency = session (read-your-writes through GTIDs and
MASTER_GTID_WAIT) shows none in 10,000 write-then-read round trips; the
monitor takes a replica whose replication stops or lags (MASTER_DELAY) out
of rotation within two intervals and puts it back; a replica killed with
kill -9 under sysbench oltp_read_only costs no more read errors than the
statements in flight, none after two intervals, and rejoins once restarted.
Keyspace "rp" (schema rp_main) on shard 0's primary and replica; "rs"
sharded over both shards (schemas rs_0, rs_1) for scatter reads."""
import re
import signal
import subprocess
import threading
import time

from lib import *

INTERVAL_MS = 200


def map_text():
    return ('version = 1;\nkeyspaces = (\n'
            '  { name = "rp"; shards = ( { primary = "%s:%d"; replicas = ( "%s:%d" ); schema = "rp_main"; } ); },\n'
            '  { name = "rs"; sharded = true; tables = ( { name = "t"; key = "id"; } );\n'
            '    shards = ( { range = "-80"; primary = "%s:%d"; replicas = ( "%s:%d" ); schema = "rs_0"; },\n'
            '               { range = "80-"; primary = "%s:%d"; replicas = ( "%s:%d" ); schema = "rs_1"; } ); } );\n'
            % (HOST, port(0), HOST, port(0, "replica"), HOST, port(0), HOST, port(0, "replica"),
               HOST, port(1), HOST, port(1, "replica")))


def setup():
    admin_sql("DROP DATABASE IF EXISTS rp_main;\nCREATE DATABASE rp_main;\n"
              "CREATE TABLE rp_main.t (id INT PRIMARY KEY, v INT)")
    for i in (0, 1):
        admin_sql("DROP DATABASE IF EXISTS rs_%d;\nCREATE DATABASE rs_%d;\n"
                  "CREATE TABLE rs_%d.t (id INT PRIMARY KEY, v INT)" % (i, i, i), i)
    for i in (0, 1):
        wait_replica(i)


def server_id(shard, role):
    return int(ENV["SHARD%d_%s_SERVER_ID" % (shard, role.upper())])


def router(**settings):
    st = {"monitor_interval_ms": str(INTERVAL_MS), "consistency": '"eventual"'}
    st.update({k: str(v) for k, v in settings.items()})
    r = Router(shardmap=map_text(), settings=st)
    return r


def in_rotation(r, shard=0, count=1):
    """Wait until the log says the shard's replica is in rotation (count times)."""
    pat = "monitor: replica %s:%d is in rotation" % (HOST, port(shard, "replica"))
    wait_for("replica %d in rotation" % shard, lambda: r.log().count(pat) >= count)




def one(cur, sql):
    cur.execute(sql)
    return cur.fetchone()


def com_select(shard, role):
    return int(admin_sql("SHOW GLOBAL STATUS LIKE 'Com_select'", shard, role)[0][1])


def replica_sql(shard, sql):
    return admin_sql(sql, shard, "replica")


@test
def reads_on_replicas_writes_on_primary():
    setup()
    prim, repl = server_id(0, "primary"), server_id(0, "replica")
    with router() as r:
        in_rotation(r)
        c = r.connect(database="rp", autocommit=True)
        cur = c.cursor()
        eq(one(cur, "SELECT @@server_id")[0], repl, "a plain read")
        cur.execute("INSERT INTO t VALUES (1, 10)")
        eq(admin_sql("SELECT v FROM rp_main.t WHERE id = 1"), ((10,),), "the write is on the primary")
        eq(one(cur, "SELECT /* shardrouter:primary */ @@server_id")[0], prim, "the hint")
        eq(one(cur, "SELECT @@server_id FROM t WHERE id = 1 FOR UPDATE")[0], prim, "a locking read")
        eq(one(cur, "SELECT @@server_id, LAST_INSERT_ID()")[0], prim, "reads what a write left")
        cur.execute("BEGIN")
        eq(one(cur, "SELECT @@server_id")[0], prim, "inside a transaction")
        cur.execute("COMMIT")
        cur.execute("START TRANSACTION READ ONLY")
        eq(one(cur, "SELECT @@server_id, COUNT(*) FROM t")[0], repl, "READ ONLY transaction")
        eq(one(cur, "SELECT @@server_id")[0], repl, "READ ONLY transaction, second read")
        cur.execute("COMMIT")
        eq(one(cur, "SELECT @@server_id")[0], repl, "after the READ ONLY transaction")
        cur.execute("SET @k = 1")  # replayed on every connection, replicas too
        eq(one(cur, "SELECT @@server_id, @k")[0:2], (repl, 1), "user variable set with SET")
        # per session: the router's own variable
        cur.execute("SET shardrouter_consistency = 'primary'")
        eq(one(cur, "SELECT @@server_id")[0], prim, "consistency primary")
        cur.execute("SET SESSION shardrouter_consistency = EVENTUAL")
        eq(one(cur, "SELECT @@server_id")[0], repl, "consistency eventual again")
        for bad in ("SET shardrouter_consistency = 'strong'", "SET GLOBAL shardrouter_consistency = 'primary'",
                    "SET shardrouter_consistency = 'primary', autocommit = 1"):
            try:
                cur.execute(bad)
                raise AssertionError("%s accepted" % bad)
            except pymysql.MySQLError as e:
                eq(e.args[0], 1231, bad)
        # state a replica would not have pins reads to the primary
        cur.execute("CREATE TEMPORARY TABLE tmp (x INT)")
        cur.execute("INSERT INTO tmp VALUES (7)")
        eq(one(cur, "SELECT x, @@server_id FROM tmp"), (7, prim), "temporary table")
        c.close()
        # autocommit off: every statement is in a transaction
        c = r.connect(database="rp")
        eq(one(c.cursor(), "SELECT @@server_id")[0], prim, "autocommit = 0")
        c.close()
    # per user: consistency in the users list overrides the default
    conf_user = Router(shardmap=map_text(), settings={"monitor_interval_ms": str(INTERVAL_MS),
                                                      "consistency": '"primary"'})
    with open(conf_user.conf_path) as f:
        text = f.read()
    text = text.replace('{ name = "app"; password = "apppw"; }',
                        '{ name = "app"; password = "apppw"; consistency = "eventual"; }, '
                        '{ name = "boss"; password = "bosspw"; }')
    with open(conf_user.conf_path, "w") as f:
        f.write(text)
    with conf_user as r3:
        in_rotation(r3)
        a = r3.connect(database="rp", autocommit=True)
        b = r3.connect(user="boss", password="bosspw", database="rp", autocommit=True)
        eq(one(a.cursor(), "SELECT @@server_id")[0], repl, "user app: consistency eventual")
        eq(one(b.cursor(), "SELECT @@server_id")[0], prim, "user boss: the default, primary")
        a.close()
        b.close()


@test
def scatter_reads_on_each_shards_replica():
    setup()
    with router() as r:
        in_rotation(r, 0)
        in_rotation(r, 1)
        c = r.connect(database="rs", autocommit=True)
        cur = c.cursor()
        cur.execute("INSERT INTO t (id, v) VALUES %s" % ", ".join("(%d, %d)" % (i, i) for i in range(1, 41)))
        for i in (0, 1):
            wait_replica(i)
        before = [com_select(i, "replica") for i in (0, 1)]
        before_p = [com_select(i, "primary") for i in (0, 1)]
        for _ in range(20):
            eq(one(cur, "SELECT COUNT(*), SUM(v) FROM t"), (40, 820), "scatter read")
        after = [com_select(i, "replica") for i in (0, 1)]
        after_p = [com_select(i, "primary") for i in (0, 1)]
        for i in (0, 1):
            assert after[i] - before[i] >= 20, "replica %d ran %d selects" % (i, after[i] - before[i])
            # the monitor asks each primary once per interval
            assert after_p[i] - before_p[i] < 20, "primary %d ran %d selects" % (i, after_p[i] - before_p[i])
        c.close()


def round_trips(cur, n, start, repl):
    """n INSERT-then-SELECT round trips: (stale reads, reads the replica served)."""
    stale = on_replica = 0
    for i in range(start, start + n):
        cur.execute("INSERT INTO t VALUES (%d, %d)" % (i, i))
        row = one(cur, "SELECT v, @@server_id FROM t WHERE id = %d" % i)
        if row is None:
            stale += 1
        elif row[1] == repl:
            on_replica += 1
    return stale, on_replica


@test
def read_your_writes():
    """The replica's real replication lag: eventual reads right after a
    write are sometimes stale; session reads never are (10,000 round trips)
    and most are still served by the replica."""
    setup()
    repl = server_id(0, "replica")
    with router(consistency='"session"', max_replica_lag_ms=60000) as r:
        in_rotation(r)
        c = r.connect(database="rp", autocommit=True)
        cur = c.cursor()
        cur.execute("SET shardrouter_consistency = 'eventual'")
        stale_e, _ = round_trips(cur, 2000, 1, repl)
        assert stale_e > 0, "eventual: no stale read in 2,000 round trips (the replica shows no lag)"
        cur.execute("SET shardrouter_consistency = 'session'")
        t0 = time.time()
        stale_s, on_replica = round_trips(cur, 10000, 100000, repl)
        secs = time.time() - t0
        eq(stale_s, 0, "session: stale reads")
        assert on_replica > 5000, "session: only %d of 10,000 reads on the replica" % on_replica
        print("# read_your_writes: eventual %d stale of 2,000; session 0 stale of 10,000 (%d on the "
              "replica) in %.1f s" % (stale_e, on_replica, secs), flush=True)
        c.close()


def _usable_in(r):
    """The replica serves a read (in rotation) through a fresh session."""
    c = r.connect(database="rp", autocommit=True)
    try:
        return one(c.cursor(), "SELECT @@server_id")[0] == server_id(0, "replica")
    finally:
        c.close()


def set_delay(seconds):
    replica_sql(0, "STOP SLAVE;\nCHANGE MASTER TO MASTER_DELAY = %d;\nSTART SLAVE" % seconds)


@test
def lagging_replica_leaves_rotation():
    """MASTER_DELAY = 3: the replica falls behind by seconds. With
    max_replica_lag_ms = 1000 it leaves rotation within two intervals of
    the lag passing the limit, and comes back once caught up; with a limit
    above the delay, eventual reads are stale and session reads wait, time
    out and read the primary (never stale)."""
    setup()
    prim, repl = server_id(0, "primary"), server_id(0, "replica")
    set_delay(3)
    try:
        with router(max_replica_lag_ms=60000, consistency_wait_ms=200) as r:
            in_rotation(r)
            c = r.connect(database="rp", autocommit=True)
            cur = c.cursor()
            stale, _ = round_trips(cur, 5, 1, repl)
            eq(stale, 5, "eventual on a replica 3 s behind: every read right after its write is stale")
            cur.execute("SET shardrouter_consistency = 'session'")
            stale, on_replica = round_trips(cur, 5, 10, repl)
            eq((stale, on_replica), (0, 0), "session: the waits time out, the primary answers")
            assert "has not applied" in r.log() and "timed out" in r.log(), r.log()[-1500:]
            c.close()
        with router(max_replica_lag_ms=60000, consistency_wait_ms=0, log_level='"warning"') as r:
            # 10,000 write-then-read round trips on the replica 3 s behind:
            # none stale (with no wait at all, each read after its write is
            # served by the primary)
            in_rotation_quiet = time.time()
            wait_for("the replica in rotation", lambda: _usable_in(r), timeout=10)
            c = r.connect(database="rp", autocommit=True)
            cur = c.cursor()
            cur.execute("SET shardrouter_consistency = 'session'")
            t0 = time.time()
            stale, on_replica = round_trips(cur, 10000, 1000, repl)
            eq((stale, on_replica), (0, 0), "session, 10,000 round trips on the delayed replica")
            print("# lagging_replica_leaves_rotation: 10,000 session round trips on a replica 3 s "
                  "behind: 0 stale, in %.1f s (replica in rotation after %.1f s)"
                  % (time.time() - t0, t0 - in_rotation_quiet), flush=True)
            c.close()
        wait_replica(0)  # those writes applied: the lag below comes from one write only
        with router(max_replica_lag_ms=1000) as r:
            c = r.connect(database="rp", autocommit=True)
            cur = c.cursor()
            in_rotation(r)
            cur.execute("INSERT INTO t VALUES (100, 1)")
            t_write = time.time()
            pat = "monitor: replica %s:%d is out of rotation: lagging" % (HOST, port(0, "replica"))
            wait_for("the lagging replica out of rotation", lambda: pat in r.log(), timeout=10)
            took = time.time() - t_write
            # lag passes 1000 ms one second after the write; two intervals more at most
            assert took < 1.0 + 2 * INTERVAL_MS / 1000.0 + 0.5, "left rotation %.2f s after the write" % took
            eq(one(cur, "SELECT @@server_id")[0], prim, "reads go to the primary meanwhile")
            set_delay(0)
            in_rotation(r, count=2)
            eq(one(cur, "SELECT @@server_id")[0], repl, "back in rotation")
            c.close()
    finally:
        set_delay(0)
        wait_replica(0)


@test
def stopped_replication_and_fallback():
    """The replica's SQL thread stops: out of rotation within two intervals,
    reads on the primary (replica_fallback = primary) or refused with 1429
    (fail); it comes back when replication runs again."""
    setup()
    prim, repl = server_id(0, "primary"), server_id(0, "replica")
    try:
        for fallback in ("primary", "fail"):
            with router(replica_fallback='"%s"' % fallback) as r:
                in_rotation(r)
                c = r.connect(database="rp", autocommit=True)
                cur = c.cursor()
                eq(one(cur, "SELECT @@server_id")[0], repl, "in rotation")
                replica_sql(0, "STOP SLAVE SQL_THREAD")
                t0 = time.time()
                pat = "out of rotation: replication is not running"
                wait_for("out of rotation", lambda: pat in r.log(), timeout=5)
                assert time.time() - t0 < 2 * INTERVAL_MS / 1000.0 + 0.3, "took %.2f s" % (time.time() - t0)
                if fallback == "primary":
                    eq(one(cur, "SELECT @@server_id")[0], prim, "fallback to the primary")
                else:
                    try:
                        cur.execute("SELECT @@server_id")
                        raise AssertionError("read served with replica_fallback = fail")
                    except pymysql.MySQLError as e:
                        eq(e.args[0], 1429, "no usable replica")
                        assert "no replica of shard rp/- is usable" in e.args[1], e
                    cur.execute("INSERT INTO t VALUES (1, 1)")  # writes are not affected
                replica_sql(0, "START SLAVE SQL_THREAD")
                in_rotation(r, count=2)
                eq(one(cur, "SELECT @@server_id")[0], repl, "back in rotation")
                c.close()
    finally:
        replica_sql(0, "START SLAVE")


@test
def kill_query_on_a_replica():
    """KILL QUERY of a statement that reads on a replica stops it there
    (the killer's KILL goes to that replica), and the victim goes on."""
    setup()
    with router() as r:
        in_rotation(r)
        victim = r.connect(database="rp", autocommit=True)
        vid = victim.thread_id()
        done = []

        def sleeper():
            t0 = time.time()
            try:
                row = one(victim.cursor(), "SELECT SLEEP(5), @@server_id")
                done.append((row, time.time() - t0))
            except pymysql.MySQLError as e:
                done.append((e.args[0], time.time() - t0))
        th = threading.Thread(target=sleeper)
        th.start()
        wait_for("the sleep on the replica", lambda: replica_sql(
            0, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(5)%'")[0][0])
        killer = r.connect(database="rp", autocommit=True)
        killer.cursor().execute("KILL QUERY %d" % vid)
        th.join(10)
        eq(len(done), 1, "the victim's statement ended")
        assert done[0][1] < 3, "it ran %.1f s: not killed" % done[0][1]
        assert done[0][0] in (1317,) or done[0][0][0] == 1, done
        eq(one(victim.cursor(), "SELECT 7")[0], 7, "the victim goes on")
        victim.close()
        killer.close()


@test
def replica_weights():
    """Weights share the reads: a keyspace whose replicas are shard 0's
    replica with weight 3 and shard 1's replica (weight 1; it holds other
    data, but @@server_id is all these reads ask): one client's 400 reads
    go 3 to 1. The map is printed back with its weights by shardctl."""
    setup()
    admin_sql("CREATE DATABASE IF NOT EXISTS rp_main", 1)  # the schema, on shard 1's servers too
    wait_replica(1)
    m = ('version = 1;\nkeyspaces = ( { name = "wt"; shards = ( { primary = "%s:%d"; replicas = ( '
         '{ address = "%s:%d"; weight = 3; }, "%s:%d" ); schema = "rp_main"; } ); } );\n'
         % (HOST, port(0), HOST, port(0, "replica"), HOST, port(1, "replica")))
    r = Router(shardmap=m, settings={"monitor_interval_ms": str(INTERVAL_MS), "consistency": '"eventual"',
                                     "max_replica_lag_ms": "600000"})
    with r:
        in_rotation(r, 0)
        in_rotation(r, 1)
        c = r.connect(database="wt", autocommit=True)
        cur = c.cursor()
        seen = {}
        for _ in range(400):
            sid = one(cur, "SELECT @@server_id")[0]
            seen[sid] = seen.get(sid, 0) + 1
        c.close()
    eq(seen, {server_id(0, "replica"): 300, server_id(1, "replica"): 100}, "reads per replica")
    out = subprocess.run([os.path.join(REPO, "build", "shardctl"), "-m", r.map_path, "map", "show"],
                         capture_output=True, text=True)
    assert "%s:%d (weight 3), %s:%d" % (HOST, port(0, "replica"), HOST, port(1, "replica")) in out.stdout, \
        out.stdout + out.stderr


@test
def writes_follow_read_only_flags():
    """A failover the shard map does not show yet: the primary becomes
    read-only and the replica writable. Within two monitor intervals the
    statements bound for the primary go to the replica; when the flags are
    back, to the primary again."""
    setup()
    prim, repl = server_id(0, "primary"), server_id(0, "replica")
    hinted = "SELECT /* shardrouter:primary */ @@server_id"
    try:
        with router() as r:
            in_rotation(r)
            c = r.connect(database="rp", autocommit=True)
            cur = c.cursor()
            eq(one(cur, hinted)[0], prim, "before")
            admin_sql("SET GLOBAL read_only = 1", 0)
            replica_sql(0, "SET GLOBAL read_only = 0")
            t0 = time.time()
            wait_for("writes to move", lambda: "is read-only and replica %s:%d is writable" % (HOST, port(0, "replica"))
                     in r.log(), timeout=5)
            assert time.time() - t0 < 2 * INTERVAL_MS / 1000.0 + 0.3, "took %.2f s" % (time.time() - t0)
            eq(one(cur, hinted)[0], repl, "the writable replica takes the primary's statements")
            admin_sql("SET GLOBAL read_only = 0", 0)
            replica_sql(0, "SET GLOBAL read_only = 1")
            wait_for("writes to come back", lambda: "writes go to its primary" in r.log(), timeout=5)
            eq(one(cur, hinted)[0], prim, "back on the primary")
            c.close()
    finally:
        admin_sql("SET GLOBAL read_only = 0", 0)
        replica_sql(0, "SET GLOBAL read_only = 1")


def replica_cmdline(shard):
    pid = int(ENV["SHARD%d_REPLICA_PID" % shard])
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return pid, [a.decode() for a in f.read().split(b"\0") if a]
    except OSError:
        # restarted by an earlier run of this test: find it by its port
        out = subprocess.run(["pgrep", "-f", "port=%d" % port(shard, "replica")], capture_output=True,
                             text=True).stdout.split()
        pid = int(out[0])
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return pid, [a.decode() for a in f.read().split(b"\0") if a]


def sysbench(r, secs, *extra):
    cmd = ["sysbench", "oltp_read_only", "--db-driver=mysql", "--mysql-host=%s" % HOST,
           "--mysql-port=%d" % r.port, "--mysql-user=app", "--mysql-password=apppw", "--mysql-db=rp",
           "--db-ps-mode=disable", "--tables=2", "--table-size=2000", "--skip_trx=on",
           "--threads=4", "--time=%d" % secs, "--mysql-ignore-errors=1158,2013", "--report-interval=1"] + list(extra)
    return cmd + ["run"]


def sb_errors(out):
    m = re.search(r"ignored errors:\s+(\d+)", out)
    assert m, out[-2000:]
    return int(m.group(1))


@test
def replica_killed_under_load():
    setup()
    repl = server_id(0, "replica")
    with router() as r:
        in_rotation(r)
        prep = subprocess.run(sysbench(r, 1)[:-5] + ["prepare"], capture_output=True, text=True)
        eq(prep.returncode, 0, prep.stdout[-1500:] + prep.stderr[-1500:])
        wait_replica(0)
        pid, cmd = replica_cmdline(0)
        before = com_select(0, "replica")
        p = subprocess.Popen(sysbench(r, 6), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(2)
        assert com_select(0, "replica") - before > 100, "the load did not reach the replica"
        os.kill(pid, signal.SIGKILL)
        t_kill = time.time()
        out, _ = p.communicate(60)
        eq(p.returncode, 0, out[-2000:])
        errors = sb_errors(out)
        assert errors <= 4, "%d read errors; at most the 4 statements in flight were allowed\n%s" % (errors, out[-2000:])
        # after two intervals: no error at all
        time.sleep(max(0, t_kill + 2 * INTERVAL_MS / 1000.0 - time.time()))
        p2 = subprocess.run(sysbench(r, 2), capture_output=True, text=True, timeout=60)
        eq(p2.returncode, 0, p2.stdout[-2000:])
        eq(sb_errors(p2.stdout), 0, "errors two intervals after the kill")
        # restart it: it rejoins rotation by itself
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        wait_for("the replica to listen", lambda: _answers(0), timeout=30)
        in_rotation(r, count=2)
        c = r.connect(database="rp", autocommit=True)
        eq(one(c.cursor(), "SELECT @@server_id")[0], repl, "back in rotation after the restart")
        c.close()
        print("# replica_killed_under_load: %d read errors at the kill (4 threads)" % errors, flush=True)
    wait_replica(0)


def _answers(shard):
    try:
        replica_sql(shard, "SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - not up yet
        return False


if __name__ == "__main__":
    main()
