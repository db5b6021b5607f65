"""The daemon itself: KILL with client-visible ids, the listen port, config
checks (-t), SIGHUP reload of the shard map, SIGTERM drain, default keyspace."""
import os
import signal
import subprocess
import threading
import time

from lib import *


def setup_schema():
    admin_sql("CREATE DATABASE IF NOT EXISTS rt_main")


def processlist_thread(info_prefix, shard=0):
    rows = admin_sql("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'app' AND INFO LIKE '%s%%'"
                     % info_prefix, shard)
    return [r[0] for r in rows]


@test
def kill_query_uses_router_ids():
    setup_schema()
    with Router({"main": (0, "rt_main")}) as r:
        victim = r.connect()
        bystander = r.connect()
        bystander_cur = bystander.cursor()
        bystander_cur.execute("SELECT 1")
        vid = victim.thread_id()  # the id of the router's greeting
        result = {}

        def slow():
            t0 = time.time()
            try:
                victim.cursor().execute("SELECT SLEEP(20)")
                result["rows"] = "ok"
            except pymysql.MySQLError as e:
                result["err"] = e.args
            result["elapsed"] = time.time() - t0

        t = threading.Thread(target=slow)
        t.start()
        deadline = time.time() + 5
        while not processlist_thread("SELECT SLEEP(20)") and time.time() < deadline:
            time.sleep(0.05)
        killer = r.connect()
        killer.cursor().execute("KILL QUERY %d" % vid)
        t.join(10)
        assert not t.is_alive(), "the statement was not interrupted"
        # SLEEP() interrupted by KILL QUERY returns 1 (MariaDB) or raises 1317.
        assert result.get("elapsed", 99) < 10, result
        # The victim's connection survives a KILL QUERY.
        cur = victim.cursor()
        cur.execute("SELECT 42")
        eq(cur.fetchone()[0], 42, "victim after KILL QUERY")
        # The bystander was not touched.
        bystander_cur.execute("SELECT 7")
        eq(bystander_cur.fetchone()[0], 7, "bystander")
        for c in (victim, bystander, killer):
            c.close()


@test
def kill_connection_and_unknown_ids():
    setup_schema()
    with Router({"main": (0, "rt_main")}) as r:
        victim = r.connect()
        victim.cursor().execute("SELECT 1")
        killer = r.connect()
        kc = killer.cursor()
        kc.execute("KILL %d" % victim.thread_id())
        try:
            victim.cursor().execute("SELECT 1")
            raise AssertionError("the killed connection still works")
        except pymysql.MySQLError as e:
            assert e.args[0] in (1927, 1158, 2013, 2006), e.args
        # An id no client has: 1094 as from the server.
        try:
            kc.execute("KILL 999999")
            raise AssertionError("KILL of an unknown id succeeded")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1094, "unknown thread id")
        # Forms the router cannot translate are refused, not passed on.
        for sql in ("KILL USER app", "KILL QUERY ID 5", "SELECT 1; KILL 3"):
            try:
                kc.execute(sql)
                raise AssertionError("%s was accepted" % sql)
            except pymysql.MySQLError as e:
                eq(e.args[0], 1235, sql)
                assert "KILL" in e.args[1], e.args
        kc.execute("SELECT 5")
        eq(kc.fetchone()[0], 5, "killer session goes on")
        killer.close()


@test
def com_process_kill():
    setup_schema()
    with Router({"main": (0, "rt_main")}) as r:
        victim = r.connect()
        victim.cursor().execute("SELECT 1")
        raw = Raw(r.port)
        seq, p = raw.login()
        assert p[0] == 0, p
        raw.command(b"\x0c" + struct.pack("<I", victim.thread_id()))
        seq, p = raw.read()
        eq((seq, p[0]), (1, 0), "COM_PROCESS_KILL answer")
        try:
            victim.cursor().execute("SELECT 1")
            raise AssertionError("the killed connection still works")
        except pymysql.MySQLError:
            pass
        raw.command(b"\x0c" + struct.pack("<I", 4000000000))
        seq, p = raw.read()
        eq(parse_err(p)["code"], 1094, "COM_PROCESS_KILL unknown id")
        raw.close()


@test
def port_already_taken():
    with Router() as r:
        clash = Router(settings={"listen": '"127.0.0.1:%d"' % r.port})
        p = subprocess.run([BIN, "-c", clash.conf_path], capture_output=True, text=True, timeout=10)
        eq(p.returncode, 1, "second router exit status")
        assert "Address already in use" in p.stderr and str(r.port) in p.stderr, p.stderr


@test
def config_test_mode():
    r = Router()
    p = subprocess.run([BIN, "-t", "-c", r.conf_path], capture_output=True, text=True)
    eq(p.returncode, 0, "valid config")
    assert "is valid" in p.stdout and "version 1" in p.stdout, p.stdout
    with open(r.conf_path, "a") as f:
        f.write("wokers = 3;\n")
    p = subprocess.run([BIN, "-t", "-c", r.conf_path], capture_output=True, text=True)
    eq(p.returncode, 1, "misspelled key")
    assert "shardrouter.conf:" in p.stderr and "unknown setting 'wokers'" in p.stderr, p.stderr
    # A shard map error names the map file and its line.
    with open(r.map_path, "a") as f:
        f.write("bogus = 1;\n")
    r2 = Router(shardmap=open(r.map_path).read())
    p = subprocess.run([BIN, "-t", "-c", r2.conf_path], capture_output=True, text=True)
    eq(p.returncode, 1, "bad shard map")
    assert "shardmap.conf:" in p.stderr and "bogus" in p.stderr, p.stderr


@test
def default_keyspace_must_be_unsharded():
    sharded = """version = 1;
keyspaces = (
  { name = "app"; sharded = true; tables = ( { name = "t"; key = "id"; } );
    shards = ( { range = "-80"; primary = "127.0.0.1:%d"; schema = "rt_a"; },
               { range = "80-"; primary = "127.0.0.1:%d"; schema = "rt_a"; } ); }
);
""" % (port(0), port(1))
    r = Router(shardmap=sharded, settings={"default_keyspace": "app"})
    p = subprocess.run([BIN, "-t", "-c", r.conf_path], capture_output=True, text=True)
    eq(p.returncode, 1, "sharded default keyspace")
    assert "sharded keyspace" in p.stderr, p.stderr
    # Without an unsharded keyspace, statements without a database are refused
    # (never sent to one shard of a sharded keyspace).
    with Router(shardmap=sharded) as r:
        raw = Raw(r.port)
        seq, p = raw.login(db=None)
        assert p[0] == 0, p
        pk = raw.query("SELECT 1")
        e = parse_err(pk[0][1])
        eq((e["code"], e["state"]), (1046, "3D000"), "no database")
        # a sharded keyspace serves once selected; a table it does not
        # know is refused by name
        pk = raw.query("USE app")
        eq(pk[0][1][0], 0, "USE app")
        e = parse_err(raw.query("SELECT * FROM nosuch")[0][1])
        eq(e["code"], 1235, "table not in the map")
        assert "nosuch" in e["message"] and "version 1" in e["message"], e
        raw.close()


@test
def sighup_reloads_the_map():
    admin_sql("CREATE DATABASE IF NOT EXISTS rt_v1;\nCREATE DATABASE IF NOT EXISTS rt_v2;\n"
              "CREATE TABLE IF NOT EXISTS rt_v1.w (v INT);\nCREATE TABLE IF NOT EXISTS rt_v2.w (v INT);\n"
              "DELETE FROM rt_v1.w;\nDELETE FROM rt_v2.w;\n"
              "INSERT INTO rt_v1.w VALUES (1);\nINSERT INTO rt_v2.w VALUES (2)")
    with Router({"main": (0, "rt_v1")}) as r:
        old = r.connect()
        cur = old.cursor()
        cur.execute("SELECT v FROM w")
        eq(cur.fetchone()[0], 1, "version 1")
        # An invalid new map is rejected and logged; the old one keeps serving.
        with open(r.map_path, "w") as f:
            f.write("version = 2; keyspaces = ( { name = \"main\"; } );\n")
        r.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert "not reloaded, keeping version 1" in r.log(), r.log()[-2000:]
        c = r.connect()
        c.cursor().execute("SELECT 1")
        c.close()
        # A valid version 2 points main elsewhere; sessions started after use it.
        # (`old` runs with PyMySQL's default autocommit=0: its SELECT left a
        # transaction open, so it stays on version 1 until that ends; then it
        # moves, its SET autocommit=0 replayed on the new connection.)
        with open(r.map_path, "w") as f:
            f.write(map_text({"main": (0, "rt_v2")}, version=2))
        r.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert "version 2 loaded" in r.log(), r.log()[-2000:]
        new = r.connect()
        nc = new.cursor()
        nc.execute("SELECT v FROM w")
        eq(nc.fetchone()[0], 2, "new session on version 2")
        cur.execute("SELECT v FROM w")
        eq(cur.fetchone()[0], 1, "old session, in its transaction, stays on its version")
        old.commit()
        cur.execute("SELECT v FROM w")
        eq(cur.fetchone()[0], 2, "old session after COMMIT: on version 2")
        cur.execute("SELECT @@autocommit")
        eq(cur.fetchone()[0], 0, "old session's autocommit=0 replayed on its new connection")
        # Never back to an older version.
        with open(r.map_path, "w") as f:
            f.write(map_text({"main": (0, "rt_v1")}, version=1))
        r.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert "older than the running 2" in r.log(), r.log()[-2000:]
        old.close()
        new.close()


@test
def sigterm_drains():
    setup_schema()
    r = Router({"main": (0, "rt_main")}).start()
    idle = r.connect()
    idle.cursor().execute("SELECT 1")
    busy = r.connect()
    result = {}

    def slow():
        try:
            c = busy.cursor()
            c.execute("SELECT SLEEP(1), 'done'")
            result["row"] = c.fetchone()
        except Exception as e:
            result["err"] = repr(e)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    t0 = time.time()
    r.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    # No new connections once draining.
    try:
        socket.create_connection((HOST, r.port), timeout=1).recv(10)
        refused = False
    except OSError:
        refused = True
    t.join(5)
    eq(result.get("row", (None, None))[1], "done", "statement in flight finished (%r)" % result)
    rc = r.proc.wait(10)
    eq(rc, 0, "exit status after SIGTERM")
    assert time.time() - t0 < 5, "drain took too long"
    assert refused, "a new connection was accepted while draining"
    r.stop()


if __name__ == "__main__":
    main()
