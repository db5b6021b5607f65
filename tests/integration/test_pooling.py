"""Backend connection pooling: client sessions give their backend
connections back between transactions, share a few of them, and keep their
own session state (SET statements replayed where a connection lacks them;
state that cannot be replayed pins the session); pool_max, the wait line
and its timeout; idle connections closed; COM_CHANGE_USER (MySQLdb, on
libmariadb) and COM_RESET_CONNECTION (libmariadb's mysql_reset_connection
through ctypes) reset what they must. Keyspace "main" on shard 0's primary
(schema pl_main); what the server holds is read from its processlist."""
import ctypes
import ctypes.util
import threading
import time

import MySQLdb

from lib import *

SCHEMA = "pl_main"


def setup():
    admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n"
              "CREATE TABLE %s.t (id INT AUTO_INCREMENT PRIMARY KEY, s VARCHAR(40)) "
              "CHARACTER SET utf8mb4" % (SCHEMA, SCHEMA, SCHEMA))


def router(workers=2, users=None, **settings):
    setup()
    return Router({"main": (0, SCHEMA)}, settings={k: str(v) for k, v in settings.items()},
                  workers=workers, users=users)


def backend_conns():
    """The server connections of the router's pool to our schema."""
    return admin_sql("SELECT COUNT(*) FROM information_schema.processlist WHERE user = '%s' "
                     "AND db = '%s'" % (ENV["TESTBED_APP_USER"], SCHEMA))[0][0]


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()


@test
def idle_clients_hold_no_connection():
    """200 clients, each after a statement and a write: the server sees only
    the few connections that served them."""
    with router() as r:
        clients = []
        for i in range(200):
            c = r.connect(autocommit=True)
            cur = c.cursor()
            cur.execute("INSERT INTO t (s) VALUES ('c%d')" % i)
            eq(one(cur, "SELECT COUNT(*) FROM t WHERE s = 'c%d'" % i)[0], 1, "client %d" % i)
            clients.append(c)
        n = backend_conns()
        assert n <= 4, "%d server connections for 200 idle clients" % n
        print("# idle_clients_hold_no_connection: 200 idle clients, %d server connections" % n, flush=True)
        for c in clients:
            c.close()


@test
def replayed_state_on_shared_connections():
    """pool_max = 2 (one connection per worker): 8 sessions with different
    character sets, time zones, SQL modes, isolation levels and user
    variables take turns on the same connections; each sees only its own
    state, statement after statement."""
    with router(pool_max=2) as r:
        tzs = ["+00:00", "+05:00", "-03:30", "+09:00"]
        modes = ["ANSI_QUOTES", "", "PIPES_AS_CONCAT", "NO_BACKSLASH_ESCAPES"]
        isos = ["READ-COMMITTED", "SERIALIZABLE", "REPEATABLE-READ", "READ-UNCOMMITTED"]
        sessions = []
        for i in range(8):
            charset = "latin1" if i % 2 else "utf8mb4"
            c = r.connect(autocommit=True, charset=charset)
            cur = c.cursor()
            cur.execute("SET time_zone = '%s'" % tzs[i % 4])
            cur.execute("SET sql_mode = '%s'" % modes[i % 4])
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL %s" % isos[i % 4].replace("-", " "))
            cur.execute("SET @who = %d" % i)
            sessions.append((c, cur, charset))
        text = {"utf8mb4": "Grüße 日本 ✓", "latin1": "Grüße été"}
        for rnd in range(15):
            for i, (c, cur, charset) in enumerate(sessions):
                row = one(cur, "SELECT @who, @@time_zone, @@sql_mode, @@tx_isolation, @@character_set_client, "
                               "TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())")
                want_off = {"+00:00": 0, "+05:00": 300, "-03:30": -210, "+09:00": 540}[tzs[i % 4]]
                eq(row[:5], (i, tzs[i % 4], modes[i % 4], isos[i % 4], charset), "session %d round %d" % (i, rnd))
                assert abs(row[5] - want_off) <= 1, "session %d: NOW() is %s min from UTC" % (i, row[5])
                if rnd == 0:
                    cur.execute("INSERT INTO t (s) VALUES (%s)", (text[charset] + " %d" % i,))
                    got = one(cur, "SELECT s FROM t WHERE s LIKE %s", ("%% %d" % i,))[0]
                    eq(got, text[charset] + " %d" % i, "charset round trip, session %d" % i)
        n = backend_conns()
        assert n <= 2, "%d server connections with pool_max = 2" % n
        # and the stored bytes are right whatever the client's charset
        stored = admin_sql("SELECT s FROM %s.t ORDER BY id" % SCHEMA)
        eq(sorted(x[0] for x in stored), sorted(text["latin1" if i % 2 else "utf8mb4"] + " %d" % i for i in range(8)),
           "text as stored")
        for c, _, _ in sessions:
            c.close()


@test
def state_that_pins():
    """Temporary tables, variables assigned inside statements, GET_LOCK and
    LAST_INSERT_ID()/FOUND_ROWS() after their statement stay right while
    other sessions churn through the pool; pinning is logged with its
    reason."""
    with router(workers=1) as r:
        churn_stop = threading.Event()

        def churn():
            cs = [r.connect(autocommit=True) for _ in range(4)]
            while not churn_stop.is_set():
                for c in cs:
                    c.cursor().execute("SELECT COUNT(*) FROM t")
            for c in cs:
                c.close()
        th = threading.Thread(target=churn)
        th.start()
        try:
            a = r.connect(autocommit=True)
            ca = a.cursor()
            ca.execute("CREATE TEMPORARY TABLE tmp (x INT)")
            for i in range(20):
                ca.execute("INSERT INTO tmp VALUES (%d)" % i)
                eq(one(ca, "SELECT COUNT(*) FROM tmp")[0], i + 1, "temporary table")
            b = r.connect(autocommit=True)
            cb = b.cursor()
            eq(one(cb, "SELECT @n := 7")[0], 7, "assigned inside a statement")
            for _ in range(20):
                eq(one(cb, "SELECT @n")[0], 7, "variable assigned inside a statement")
            eq(one(cb, "SELECT GET_LOCK('pl_lock', 0)")[0], 1, "GET_LOCK")
            eq(one(cb, "SELECT IS_USED_LOCK('pl_lock') = CONNECTION_ID()")[0], 1, "lock held by its connection")
            eq(one(cb, "SELECT RELEASE_LOCK('pl_lock')")[0], 1, "RELEASE_LOCK on the same connection")
            d = r.connect(autocommit=True)
            cd = d.cursor()
            for i in range(20):
                cd.execute("INSERT INTO t (s) VALUES ('lid %d')" % i)
                lid = one(cd, "SELECT LAST_INSERT_ID()")[0]
                eq(lid, one(cd, "SELECT id FROM t WHERE s = 'lid %d'" % i)[0], "LAST_INSERT_ID() after its INSERT")
            for i in range(20):
                n = admin_sql("SELECT COUNT(*) FROM %s.t WHERE s LIKE 'lid %d%%'" % (SCHEMA, i))[0][0]
                cd.execute("UPDATE t SET s = CONCAT(s, '!') WHERE s LIKE 'lid %d%%'" % i)
                eq(one(cd, "SELECT ROW_COUNT()")[0], n, "ROW_COUNT() after its UPDATE")
            eq(one(cd, "SELECT SQL_CALC_FOUND_ROWS id FROM t LIMIT 1") is not None, True, "calc")
            total = admin_sql("SELECT COUNT(*) FROM %s.t" % SCHEMA)[0][0]
            eq(one(cd, "SELECT FOUND_ROWS()")[0], total, "FOUND_ROWS() after SQL_CALC_FOUND_ROWS")
            log = r.log()
            assert "pinned to its backend connections" in log and "a temporary table" in log, log[-2000:]
            assert "a user variable assigned inside a statement" in log, log[-2000:]
            for c in (a, b, d):
                c.close()
        finally:
            churn_stop.set()
            th.join(10)


@test
def pool_max_wait_and_timeout():
    """One worker, pool_max = 1: a session inside a transaction holds the
    only connection; another session's statement waits for it and runs when
    the transaction ends, or gets 1040 after pool_wait_timeout_ms."""
    with router(workers=1, pool_max=1, pool_wait_timeout_ms=400) as r:
        a = r.connect(autocommit=True)
        ca = a.cursor()
        b = r.connect(autocommit=True)
        cb = b.cursor()
        ca.execute("BEGIN")
        ca.execute("INSERT INTO t (s) VALUES ('held')")
        t0 = time.time()
        try:
            cb.execute("SELECT 1")
            raise AssertionError("a second connection was opened beyond pool_max")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1040, "pool wait timed out")
            assert "pool_wait_timeout_ms" in e.args[1] and "pool_max 1" in e.args[1], e
        waited = time.time() - t0
        assert 0.35 <= waited < 2.0, "waited %.2f s" % waited
        # served when the transaction ends
        done = []

        def waiter():
            done.append(one(b.cursor(), "SELECT COUNT(*) FROM t WHERE s = 'held'")[0])
        th = threading.Thread(target=waiter)
        th.start()
        time.sleep(0.15)
        assert not done, "the statement ran while the only connection was taken"
        ca.execute("COMMIT")
        th.join(5)
        eq(done, [1], "the waiting statement ran after COMMIT and sees the row")
        eq(backend_conns(), 1, "server connections")
        a.close()
        b.close()


@test
def idle_connections_expire():
    with router(pool_idle_timeout_ms=300) as r:
        cs = [r.connect(autocommit=True) for _ in range(3)]
        for c in cs:
            c.cursor().execute("SELECT 1")
        assert backend_conns() >= 1
        wait_for("idle connections to close", lambda: backend_conns() == 0, timeout=5)
        eq(one(cs[0].cursor(), "SELECT 2")[0], 2, "a new connection after they expired")
        for c in cs:
            c.close()


def libmariadb():
    lib = ctypes.CDLL(ctypes.util.find_library("mariadb") or "libmariadb.so.3")
    lib.mysql_init.restype = ctypes.c_void_p
    lib.mysql_init.argtypes = [ctypes.c_void_p]
    lib.mysql_real_connect.restype = ctypes.c_void_p
    lib.mysql_real_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.c_char_p, ctypes.c_uint, ctypes.c_char_p, ctypes.c_ulong]
    lib.mysql_reset_connection.argtypes = [ctypes.c_void_p]
    lib.mysql_query.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.mysql_store_result.restype = ctypes.c_void_p
    lib.mysql_store_result.argtypes = [ctypes.c_void_p]
    lib.mysql_fetch_row.restype = ctypes.POINTER(ctypes.c_char_p)
    lib.mysql_fetch_row.argtypes = [ctypes.c_void_p]
    lib.mysql_free_result.argtypes = [ctypes.c_void_p]
    lib.mysql_error.restype = ctypes.c_char_p
    lib.mysql_error.argtypes = [ctypes.c_void_p]
    lib.mysql_close.argtypes = [ctypes.c_void_p]
    return lib


def c_value(lib, my, sql):
    if lib.mysql_query(my, sql.encode()) != 0:
        raise AssertionError("%s: %s" % (sql, lib.mysql_error(my).decode()))
    res = lib.mysql_store_result(my)
    row = lib.mysql_fetch_row(res)
    v = row[0].decode() if row and row[0] is not None else None
    lib.mysql_free_result(res)
    return v


@test
def change_user_and_reset_connection():
    """COM_CHANGE_USER (MySQLdb's change_user) and COM_RESET_CONNECTION
    (mysql_reset_connection): the account changes (a wrong password is
    refused), and the session's state goes: variables, temporary tables,
    the pin, SET shardrouter_consistency."""
    with router(users=[("app", "apppw"), ("boss", "bosspw")]) as r:
        c = MySQLdb.connect(host=HOST, port=r.port, user="app", passwd="apppw", db="main")
        cur = c.cursor()
        cur.execute("SET @v = 42")
        cur.execute("CREATE TEMPORARY TABLE tmp (x INT)")
        c.change_user("boss", "bosspw", "main")
        cur = c.cursor()
        cur.execute("SELECT @v")
        eq(cur.fetchall(), ((None,),), "user variable after change_user")
        try:
            cur.execute("SELECT * FROM tmp")
            raise AssertionError("the temporary table survived change_user")
        except MySQLdb.MySQLError as e:
            eq(e.args[0], 1146, "no temporary table")
        assert "logged in as 'boss'" in r.log(), r.log()[-1500:]
        try:
            c.change_user("boss", "wrong", "main")
            raise AssertionError("a wrong password was accepted")
        except MySQLdb.MySQLError as e:
            eq(e.args[0], 1045, "access denied")
        c.close()

        # a COM_CHANGE_USER the router cannot read: 1835, and the connection ends
        raw = Raw(r.port)
        eq(raw.login()[1][0], 0, "raw login")
        raw.command(b"\x11app")  # the user name has no terminating NUL
        seq, p = raw.read()
        e = parse_err(p)
        eq((seq, e["code"], e["state"]), (1, 1835, "HY000"), "malformed COM_CHANGE_USER")
        assert "Malformed COM_CHANGE_USER packet (user name)" in e["message"], e
        try:
            raw.read()
            raise AssertionError("the connection stayed open")
        except (EOFError, OSError):
            pass
        raw.close()

        lib = libmariadb()
        my = lib.mysql_init(None)
        assert lib.mysql_real_connect(my, HOST.encode(), b"app", b"apppw", b"main", r.port, None, 0), \
            lib.mysql_error(my)
        c_value(lib, my, "SELECT @x := 5")  # pins the session
        eq(c_value(lib, my, "SELECT @x"), "5", "before the reset")
        lib.mysql_query(my, b"SET shardrouter_consistency = 'primary'")
        eq(lib.mysql_reset_connection(my), 0, "mysql_reset_connection")
        eq(c_value(lib, my, "SELECT @x"), None, "user variable after the reset")
        eq(c_value(lib, my, "SELECT 1"), "1", "the session goes on")
        lib.mysql_close(my)
        assert "pinned to its backend connections" in r.log()


if __name__ == "__main__":
    main()
