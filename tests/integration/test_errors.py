"""Bad input and failures: wrong sequence ids, oversized packets, malformed
or missing handshakes, too many clients, empty commands, LOAD DATA LOCAL
INFILE, backends that are down, silent, killed mid-query or killed while
idle, and backend errors that must reach the client unchanged.

Every bad-input case keeps a bystander session (opened before the bad one)
that must still work afterwards, checks the router is still alive, and that
the incident is logged exactly once."""
import os
import signal
import socket
import struct
import tempfile
import threading
import time

import pymysql

from lib import *

SCHEMA = "err_main"     # keyspace "main" on shard 0
KILL_SCHEMA = "err_kill"  # keyspace "victim" on shard 1
KEYSPACES = {"main": (0, SCHEMA)}

_prepared = False


def prepare():
    global _prepared
    if _prepared:
        return
    admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n"
              "CREATE TABLE %s.li (a INT, b VARCHAR(20));\n"
              "CREATE TABLE %s.dup (id INT PRIMARY KEY);\n"
              "INSERT INTO %s.dup VALUES (1);\n"
              "CREATE PROCEDURE %s.boom() SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom', "
              "MYSQL_ERRNO = 1644" % ((SCHEMA,) * 6))
    admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s" % (KILL_SCHEMA, KILL_SCHEMA), shard=1)
    _prepared = True


def router(keyspaces=None, **kw):
    prepare()
    return Router(keyspaces or dict(KEYSPACES), **kw)


def login(r, db="main", caps=DEFAULT_CAPS, **kw):
    c = Raw(r.port)
    seq, p = c.login(db=db, caps=caps, **kw)
    assert p[:1] == b"\x00", "login not OK: %r" % p[:80]
    eq(seq, 2, "sequence id of the login OK")
    return c


def bystander(r, db="main"):
    """A session opened before the bad one; it has a backend connection."""
    c = r.connect(database=db, autocommit=True)
    cur = c.cursor()
    cur.execute("SELECT 1")
    cur.fetchall()
    return c


def still_fine(r, by, what):
    """The router is alive, the bystander works and a new session works."""
    assert r.alive(), "%s: the router died:\n%s" % (what, r.log()[-3000:])
    cur = by.cursor()
    cur.execute("SELECT 'bystander'")
    eq(cur.fetchall(), (("bystander",),), "%s: bystander session" % what)
    c = r.connect(autocommit=True)
    cur = c.cursor()
    cur.execute("SELECT 'newcomer'")
    eq(cur.fetchall(), (("newcomer",),), "%s: new session" % what)
    c.close()


def read_err(c, seq, code, state, *words):
    s, p = c.read()
    e = parse_err(p)
    eq((e["code"], e["state"]), (code, state), "error code and SQLSTATE (%s)" % e["message"])
    eq(s, seq, "sequence id of the ERR")
    for w in words:
        assert w.lower() in e["message"].lower(), "error message %r does not mention %r" % (e["message"], w)
    return e


def logged_once(r, text):
    n = r.log().count(text)
    eq(n, 1, "router log lines containing %r" % text)


def sql_error(fn):
    """Run fn (a callable doing driver work); return the pymysql error's (code, message)."""
    try:
        fn()
    except pymysql.MySQLError as e:
        return e.args[0], (e.args[1] if len(e.args) > 1 else "")
    raise AssertionError("no error raised")


# ---------------------------------------------------------------- sequence ids


@test
def wrong_seq_command():
    with router() as r:
        by = bystander(r)
        c = login(r)
        c.send(5, b"\x03SELECT 1")
        read_err(c, 6, 1156, "08S01", "out of order")
        assert c.closed(), "connection left open after packets out of order"
        logged_once(r, "packet with sequence id 5 where 0 was due")
        still_fine(r, by, "wrong seq on a command")
        by.close()


@test
def wrong_seq_handshake():
    with router() as r:
        by = bystander(r)
        c = Raw(r.port)
        c.greeting()
        c.handshake_response(db="main", seq=3)
        read_err(c, 4, 1156, "08S01", "out of order")
        assert c.closed(), "connection left open after packets out of order"
        logged_once(r, "packet with sequence id 3 where 1 was due")
        # And in the auth-switch answer (seq 3 due).
        c = Raw(r.port)
        c.greeting()
        c.handshake_response(db="main", plugin="caching_sha2_password")
        seq, p = c.read()
        eq((seq, p[0]), (2, 0xFE), "auth switch request")
        c.send(7, native_token("apppw", c.scramble))
        read_err(c, 8, 1156, "08S01", "out of order")
        assert c.closed(), "connection left open after packets out of order"
        logged_once(r, "packet with sequence id 7 where 3 was due")
        still_fine(r, by, "wrong seq in the handshake")
        by.close()


# ---------------------------------------------------------------- oversized packets


@test
def packet_too_large():
    with router(settings={"max_allowed_packet": "65536"}) as r:
        by = bystander(r)
        # Exactly the limit passes.
        c = login(r)
        pre, post = b"\x03SELECT LENGTH('", b"')"
        n = 65536 - len(pre) - len(post)
        pkts = c.query((pre + b"x" * n + post)[1:].decode())
        check_seqs(pkts)
        eq(text_rows(pkts, c.caps), [(str(n),)], "a command of exactly max_allowed_packet")
        # One byte more does not.
        c.send(0, pre + b"x" * (n + 1) + post)
        read_err(c, 1, 1153, "08S01", "max_allowed_packet")
        assert c.closed(), "connection left open after a packet too large"
        logged_once(r, "packet of 65537 bytes exceeds the limit of 65536")
        # A 100 KB COM_QUERY, sent whole.
        c = login(r)
        try:
            c.send(0, b"\x03SELECT '" + b"y" * 100000 + b"'")
        except (BrokenPipeError, ConnectionResetError):
            pass
        read_err(c, 1, 1153, "08S01", "max_allowed_packet")
        assert c.closed(), "connection left open after a packet too large"
        logged_once(r, "packet of 100010 bytes exceeds the limit of 65536")
        # Only the header announcing 100 KB and 10 bytes: the ERR comes
        # without the router waiting for (or buffering) the rest.
        c = login(r)
        c.send_raw(struct.pack("<I", 100000)[:3] + b"\x00" + b"\x03SELECT 'z")
        c.sock.settimeout(3)
        read_err(c, 1, 1153, "08S01", "max_allowed_packet")
        assert c.closed(), "connection left open after a packet too large"
        logged_once(r, "packet of 100000 bytes exceeds the limit of 65536")
        still_fine(r, by, "packet too large")
        by.close()


# ---------------------------------------------------------------- handshake


def hs_header(caps, user=b"app"):
    return struct.pack("<IIB23s", caps, 1 << 24, 45, b"") + user


@test
def malformed_handshake():
    with router() as r:
        by = bystander(r)
        cases = [
            ("3 bytes", b"\x85\xa2\x0b", 1043, "08S01", ["Bad handshake"],
             "Bad handshake (truncated handshake response)"),
            ("user without NUL", hs_header(DEFAULT_CAPS, b"appuser"), 1043, "08S01",
             ["Bad handshake"], None),
            ("auth data longer than the packet",
             hs_header(DEFAULT_CAPS) + b"\0" + b"\x14" + b"abc", 1043, "08S01", ["Bad handshake"], None),
            ("connection attributes longer than the packet",
             hs_header(DEFAULT_CAPS | CAP_CONNECT_ATTRS) + b"\0" + b"\x00" + b"mysql_native_password\0"
             + b"\xc8\x03_os", 1043, "08S01", ["Bad handshake"], "malformed connection attributes"),
            ("no PROTOCOL_41", hs_header(DEFAULT_CAPS & ~CAP_PROTOCOL_41) + b"\0\0", 1251, "08004",
             ["Client does not support authentication protocol"], None),
            ("SSLRequest", struct.pack("<IIB23s", DEFAULT_CAPS | CAP_SSL, 1 << 24, 45, b""), 1043,
             "08S01", ["TLS"], "the client asked for TLS"),
        ]
        refusals = r.log().count("login refused")
        for what, payload, code, state, words, logtext in cases:
            c = Raw(r.port)
            c.greeting()
            c.send(1, payload)
            try:
                read_err(c, 2, code, state, *words)
            except AssertionError as e:
                raise AssertionError("%s: %s" % (what, e))
            assert c.closed(), "%s: connection left open" % what
            if logtext:
                logged_once(r, logtext)
        eq(r.log().count("login refused") - refusals, len(cases), "login refusals logged")
        # A handshake packet announcing more than a login can need: refused
        # from its header alone.
        c = Raw(r.port)
        c.greeting()
        c.send_raw(struct.pack("<I", 200000)[:3] + b"\x01" + b"\x85\xa2\x0b\x00")
        c.sock.settimeout(3)
        read_err(c, 2, 1043, "08S01", "Bad handshake")
        assert c.closed(), "connection left open after an oversized handshake packet"
        logged_once(r, "packet of 200000 bytes exceeds the limit")
        still_fine(r, by, "malformed handshakes")
        by.close()


@test
def handshake_timeout():
    with router(settings={"handshake_timeout_ms": "500"}) as r:
        by = bystander(r)
        t0 = time.time()
        silent = Raw(r.port)
        silent.greeting()
        half = Raw(r.port)
        half.greeting()
        half.send_raw(struct.pack("<I", 60)[:3] + b"\x01" + b"\x85\xa2\x0b\x00" * 2 + b"\x00\x00")
        switched = Raw(r.port)
        switched.greeting()
        switched.handshake_response(db="main", plugin="caching_sha2_password")
        eq(switched.read()[0], 2, "auth switch request seq")
        for c, seq, what in ((silent, 2, "silent client"), (half, 2, "half a handshake packet"),
                             (switched, 4, "no answer to the auth switch")):
            c.sock.settimeout(3)
            read_err(c, seq, 1159, "08S01", "timeout")
            took = time.time() - t0
            assert 0.4 <= took <= 1.5, "%s: ERR after %.2fs with handshake_timeout_ms=500" % (what, took)
            assert c.closed(), "%s: connection left open after the timeout" % what
        eq(r.log().count("no login within handshake_timeout_ms (500 ms)"), 3, "timeouts logged")
        # The bystander logged in long ago and idles: not subject to the handshake timeout.
        time.sleep(0.6)
        still_fine(r, by, "handshake timeouts")
        by.close()


# ---------------------------------------------------------------- too many clients


def connect_retry(r, deadline=3.0):
    t = time.time() + deadline
    while True:
        try:
            return r.connect(autocommit=True)
        except pymysql.MySQLError:
            if time.time() > t:
                raise
            time.sleep(0.05)


@test
def max_client_connections():
    with router(settings={"max_client_connections": "3"}) as r:
        by = bystander(r)
        others = [login(r), login(r)]
        c = Raw(r.port)
        seq, p = c.read()
        e = parse_err(p)
        eq((seq, e["code"], e["state"]), (0, 1040, "08004"), "first packet of client 4 (%s)" % e["message"])
        assert "Too many connections" in e["message"], e["message"]
        assert c.closed(), "client 4 left open"
        logged_once(r, "max_client_connections reached")
        # A driver sees the same.
        code, msg = sql_error(lambda: r.connect())
        eq(code, 1040, "PyMySQL's error for client 4 (%s)" % msg)
        # The three are untouched.
        for o in others:
            eq(text_rows(o.query("SELECT 1"), o.caps), [("1",)], "existing session")
        cur = by.cursor()
        cur.execute("SELECT 2")
        eq(cur.fetchall(), ((2,),), "bystander")
        # Close one: a new client gets in (once the router has noticed).
        others[0].command(b"\x01")
        others[0].close()
        n = connect_retry(r)
        cur = n.cursor()
        cur.execute("SELECT 3")
        eq(cur.fetchall(), ((3,),), "client after one left")
        # ... and the limit holds again.
        code, msg = sql_error(lambda: r.connect())
        eq(code, 1040, "limit after the replacement (%s)" % msg)
        n.close()
        others[1].close()
        by.close()
        assert r.alive()


@test
def max_client_connections_after_resets():
    """Clients that reset their connection before the router got to them
    must not free more than their own slot."""
    with router(settings={"max_client_connections": "3"}) as r:
        r.proc.send_signal(signal.SIGSTOP)
        try:
            for _ in range(8):
                s = socket.create_connection((HOST, r.port), timeout=5)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()  # RST
        finally:
            r.proc.send_signal(signal.SIGCONT)
        time.sleep(0.3)
        assert r.alive(), "router died:\n" + r.log()[-3000:]
        held = [connect_retry(r) for _ in range(3)]
        code, msg = sql_error(lambda: r.connect())
        eq(code, 1040, "client 4 after 8 reset clients (%s)" % msg)
        for h in held:
            cur = h.cursor()
            cur.execute("SELECT 1")
            h.close()
        assert r.alive()


# ---------------------------------------------------------------- empty command


@test
def empty_command():
    with router() as r:
        by = bystander(r)
        c = login(r)
        c.send(0, b"")
        read_err(c, 1, 1835, "HY000", "Malformed")
        eq(text_rows(c.query("SELECT 'after'"), c.caps), [("after",)], "session after an empty command")
        logged_once(r, "empty command packet")
        c.close()
        still_fine(r, by, "empty command")
        by.close()


# ---------------------------------------------------------------- LOAD DATA LOCAL INFILE


def infile(rows):
    f = tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False)
    for a, b in rows:
        f.write("%d\t%s\n" % (a, b))
    f.close()
    return f.name


def shard_rows(tag):
    return admin_sql("SELECT a, b FROM %s.li WHERE b LIKE '%s%%' ORDER BY a" % (SCHEMA, tag))


@test
def local_infile_refused_by_default():
    path = infile([(1, "refused-1"), (2, "refused-2")])
    try:
        with router() as r:
            by = bystander(r)
            c = r.connect(autocommit=True, local_infile=True)
            cur = c.cursor()
            code, msg = sql_error(lambda: cur.execute(
                "LOAD DATA LOCAL INFILE '%s' INTO TABLE li (a, b)" % path))
            eq(code, 1148, "PyMySQL LOAD DATA LOCAL (%s)" % msg)
            assert "allow_local_infile" in msg, msg
            cur.execute("SELECT 'still'")
            eq(cur.fetchall(), (("still",),), "session after the refusal")
            c.close()
            out = r.mariadb("--local-infile=1", "-e",
                            "LOAD DATA LOCAL INFILE '%s' INTO TABLE li (a, b)" % path, check=False)
            assert out.returncode != 0 and "1148" in out.stderr and "allow_local_infile" in out.stderr, \
                "CLI: rc %d, %r" % (out.returncode, out.stderr)
            # Hidden behind a comment or a second statement: still no file leaves the client.
            c = login(r, caps=DEFAULT_CAPS | CAP_LOCAL_FILES)
            for sql in ("/* hi */ LOAD DATA LOCAL INFILE '%s' INTO TABLE li" % path,
                        "DO 1; LOAD DATA LOCAL INFILE '%s' INTO TABLE li" % path):
                pkts = c.query(sql)
                check_seqs(pkts)
                assert all(p[0] != 0xFB for _, p in pkts), "%s: the client was asked for a file" % sql
                e = parse_err(pkts[-1][1])
                assert e["code"] in (1148, 4166), "%s: %r" % (sql, e)
            eq(text_rows(c.query("SELECT 'x'"), c.caps), [("x",)], "raw session after refusals")
            c.close()
            eq(shard_rows("refused"), (), "rows on the shard")
            still_fine(r, by, "LOAD DATA LOCAL refused")
            by.close()
    finally:
        os.unlink(path)


@test
def local_infile_allowed():
    path = infile([(1, "allowed-1"), (2, "allowed-2"), (3, "allowed-3")])
    cli_path = infile([(10, "allowedcli-10")])
    try:
        with router(settings={"allow_local_infile": "true"}) as r:
            by = bystander(r)
            c = r.connect(autocommit=True, local_infile=True)
            cur = c.cursor()
            cur.execute("LOAD DATA LOCAL INFILE '%s' INTO TABLE li (a, b)" % path)
            eq(cur.rowcount, 3, "rows loaded")
            cur.execute("SELECT 'still'")
            eq(cur.fetchall(), (("still",),), "session after the load")
            c.close()
            eq(shard_rows("allowed-"), ((1, "allowed-1"), (2, "allowed-2"), (3, "allowed-3")),
               "rows on the shard")
            r.mariadb("--local-infile=1", "-e", "LOAD DATA LOCAL INFILE '%s' INTO TABLE li (a, b)" % cli_path)
            eq(shard_rows("allowedcli"), ((10, "allowedcli-10"),), "CLI rows on the shard")
            # By hand: the request, the file in two packets, the empty end packet.
            c = login(r, caps=DEFAULT_CAPS | CAP_LOCAL_FILES)
            c.command(b"\x03LOAD DATA LOCAL INFILE 'whatever.tsv' INTO TABLE li (a, b)")
            seq, p = c.read()
            eq((seq, p), (1, b"\xfbwhatever.tsv"), "LOCAL INFILE request")
            c.send(2, b"20\traw-20\n")
            c.send(3, b"21\traw-21\n")
            c.send(4, b"")
            seq, p = c.read()
            eq(seq, 5, "OK seq after the file")
            eq(parse_ok(p, c.caps)["affected"], 2, "rows loaded by hand")
            eq(shard_rows("raw-"), ((20, "raw-20"), (21, "raw-21")), "hand-loaded rows on the shard")
            c.close()
            still_fine(r, by, "LOAD DATA LOCAL allowed")
            by.close()
            # A client that did not announce CLIENT_LOCAL_FILES: the server's
            # error, as MariaDB gives it to such a client (4166 "... disabled
            # the local infile capability"), and the session goes on.
            c = login(r, caps=DEFAULT_CAPS)
            pkts = c.query("LOAD DATA LOCAL INFILE '%s' INTO TABLE li (a, b)" % path)
            check_seqs(pkts)
            eq(len(pkts), 1, "one packet")
            eq(text_rows(c.query("SELECT 'y'"), c.caps), [("y",)], "session after the refusal")
            c.close()
            eq(len(shard_rows("allowed-")), 3, "no rows added by the refused load")
            assert pkts[0][1][0] == 0xFF, \
                "LOAD DATA LOCAL from a client without CLIENT_LOCAL_FILES answered %r, not an error" % pkts
            e = parse_err(pkts[0][1])
            assert e["code"] in (1148, 4166), e
    finally:
        os.unlink(path)
        os.unlink(cli_path)


# ---------------------------------------------------------------- backends down or slow


@test
def backend_down():
    dead = free_port()
    ks = dict(KEYSPACES)
    ks["down"] = ("%s:%d" % (HOST, dead), "x")
    ks["ghost"] = (0, "no_such_schema_ghost")
    with router(ks) as r:
        by = bystander(r)
        c = login(r, db="down")
        for i in range(2):
            pkts = c.query("SELECT 1")
            eq(len(pkts), 1, "one packet")
            e = parse_err(pkts[0][1])
            eq((pkts[0][0], e["code"], e["state"]), (1, 1429, "HY000"), "statement %d (%s)" % (i, e["message"]))
            assert "down/-" in e["message"] and "%s:%d" % (HOST, dead) in e["message"], e["message"]
        eq(r.log().count("cannot connect to shard down/- at %s:%d" % (HOST, dead)), 2,
           "connect failures logged")
        c.command(b"\x0e")
        seq, p = c.read()
        eq((seq, p[0]), (1, 0), "COM_PING after the failures")
        # The session can still go to a keyspace that works.
        pkts = c.query("USE main")
        eq(pkts[0][1][0], 0, "USE main")
        eq(text_rows(c.query("SELECT 'up'"), c.caps), [("up",)], "after switching keyspace")
        c.close()
        # A keyspace whose schema does not exist on its server: the server's
        # own refusal, naming the shard; the session stays usable.
        c = login(r, db="ghost")
        for i in range(2):
            pkts = c.query("SELECT 1")
            eq(len(pkts), 1, "one packet")
            e = parse_err(pkts[0][1])
            eq((pkts[0][0], e["code"], e["state"]), (1, 1049, "42000"), "ghost schema (%s)" % e["message"])
            assert "ghost/-" in e["message"] and "no_such_schema_ghost" in e["message"], e["message"]
        c.command(b"\x0e")
        eq(c.read()[1][0], 0, "COM_PING")
        c.close()
        still_fine(r, by, "backend down")
        by.close()


@test
def backend_connect_timeout():
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((HOST, 0))
    lsock.listen(16)
    silent = "%s:%d" % (HOST, lsock.getsockname()[1])
    held = []
    stop = threading.Event()

    def acceptor():
        lsock.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(lsock.accept()[0])  # never says a word
            except socket.timeout:
                pass
            except OSError:
                return

    t = threading.Thread(target=acceptor, daemon=True)
    t.start()
    ks = dict(KEYSPACES)
    ks["slow"] = (silent, "x")
    try:
        with router(ks, settings={"backend.connect_timeout_ms": "300"}) as r:
            by = bystander(r)
            c = login(r, db="slow")
            t0 = time.time()
            pkts = c.query("SELECT 1")
            took = time.time() - t0
            e = parse_err(pkts[0][1])
            eq((len(pkts), pkts[0][0], e["code"]), (1, 1, 1429), "ERR (%s)" % e["message"])
            assert "timed out" in e["message"] and "slow/-" in e["message"] and silent in e["message"], \
                e["message"]
            assert 0.25 <= took <= 1.0, "ERR after %.2fs with connect_timeout_ms=300" % took
            assert held, "the router never connected to the silent listener"
            logged_once(r, "cannot connect to shard slow/- at %s: connect timed out" % silent)
            c.command(b"\x0e")
            eq(c.read(), (1, b"\x00\x00\x00\x02\x00\x00\x00"), "COM_PING after the timeout")
            c.close()
            still_fine(r, by, "backend connect timeout")
            by.close()
            eq(e["state"], "HY000", "SQLSTATE of the connect-timeout ERR (%s)" % e["message"])
    finally:
        stop.set()
        t.join()
        lsock.close()
        for s in held:
            s.close()


# ---------------------------------------------------------------- backends killed


def backend_ids(shard, like):
    return [row[0] for row in admin_sql(
        "SELECT id FROM information_schema.processlist WHERE user = 'app' AND info LIKE '%s'" % like,
        shard=shard)]


@test
def backend_killed_mid_query():
    ks = dict(KEYSPACES)
    ks["victim"] = (1, KILL_SCHEMA)
    with router(ks) as r:
        by = bystander(r)
        c = r.connect(database="victim", autocommit=True)
        result = {}

        def run():
            try:
                cur = c.cursor()
                cur.execute("SELECT SLEEP(5)")
                result["rows"] = cur.fetchall()
            except pymysql.MySQLError as e:
                result["error"] = e.args

        t0 = time.time()
        th = threading.Thread(target=run)
        th.start()
        ids = []
        while not ids and time.time() - t0 < 3:
            ids = backend_ids(1, "SELECT SLEEP%")
            time.sleep(0.05)
        eq(len(ids), 1, "backend connections running SELECT SLEEP")
        admin_sql("KILL %d" % ids[0], shard=1)
        th.join(10)
        assert not th.is_alive(), "client still waiting after its backend was killed"
        assert time.time() - t0 < 4, "the client waited for the whole SLEEP"
        assert "error" in result, "SELECT SLEEP(5) on a killed backend returned %r" % result
        code, msg = result["error"][0], result["error"][1]
        print("# killed mid-query: the client got %r" % (result["error"],))
        assert (code == 1927 and "killed" in msg) or (code == 1158 and "victim/-" in msg), \
            "error for the killed query: %r" % (result["error"],)
        # The client's connection is gone now.
        code, msg = sql_error(lambda: c.cursor().execute("SELECT 1"))
        assert code in (2006, 2013, 1158), "next statement on the killed session: %r" % ((code, msg),)
        c.close()
        log = r.log()
        eq(log.count("lost shard victim/-") + log.count("closed an idle connection"), 1,
           "incident logged once:\n" + log[-2000:])
        still_fine(r, by, "backend killed mid-query")
        by.close()


@test
def backend_killed_idle():
    """The server closes an idle connection. One in the pool (the session
    held nothing on it) is dropped and the client does not notice; one a
    pinned session holds (a temporary table) takes the client connection
    with it, since its state is gone."""
    ks = dict(KEYSPACES)
    ks["victim"] = (1, KILL_SCHEMA)
    with router(ks) as r:
        by = bystander(r)
        c = r.connect(database="victim", autocommit=True)
        cur = c.cursor()
        cur.execute("SELECT CONNECTION_ID()")
        pooled = cur.fetchone()[0]
        admin_sql("KILL %d" % pooled, shard=1)
        time.sleep(0.2)
        cur.execute("SELECT CONNECTION_ID()")
        assert cur.fetchone()[0] != pooled, "the killed pooled connection was used again"
        cur.execute("CREATE TEMPORARY TABLE pin_me (x INT)")
        cur.execute("SELECT CONNECTION_ID()")
        cid = cur.fetchone()[0]
        admin_sql("KILL %d" % cid, shard=1)
        deadline = time.time() + 3
        while "closed an idle connection" not in r.log() and time.time() < deadline:
            time.sleep(0.05)
        code, msg = sql_error(lambda: c.cursor().execute("SELECT 1"))
        assert code in (2006, 2013), "statement after the idle backend was killed: %r" % ((code, msg),)
        c.close()
        logged_once(r, "shard victim/- at 127.0.0.1:%d closed an idle connection" % port(1))
        c = r.connect(database="victim", autocommit=True)
        cur = c.cursor()
        cur.execute("SELECT CONNECTION_ID()")
        assert cur.fetchone()[0] != cid, "reconnect got the killed connection id"
        c.close()
        still_fine(r, by, "idle backend killed")
        by.close()


@test
def slow_statement_does_not_stall_others():
    """One worker: while one session waits for a slow statement, another
    session on the same worker is served at once (whether the slow statement
    is the first on its backend connection or not)."""
    with router(workers=1) as r:
        by = bystander(r)
        cur = by.cursor()
        took = {}
        for case in ("first statement", "later statement"):
            c = login(r)
            if case == "later statement":
                eq(text_rows(c.query("SELECT 0"), c.caps), [("0",)], "warm-up")
            c.command(b"\x03SELECT SLEEP(1)")
            time.sleep(0.1)
            t0 = time.time()
            cur.execute("SELECT 'meanwhile'")
            eq(cur.fetchall(), (("meanwhile",),), "bystander")
            took[case] = time.time() - t0
            pkts = c.read_response()
            check_seqs(pkts)
            eq(text_rows(pkts, c.caps), [("0",)], "SLEEP result")
            c.close()
        slow = {k: round(v, 2) for k, v in took.items() if v > 0.3}
        assert not slow, ("the bystander waited for another session's slow statement (seconds): %r\n%s"
                          % (slow, r.log()[-1500:]))


@test
def client_gone_mid_query():
    """A client that disconnects while its statement runs: the router stays
    up, and the backend connection ends up closed or idle in the pool (it
    was read to the end of its answer), never busy or stuck."""
    with router() as r:
        by = bystander(r)
        c = login(r)
        c.command(b"\x03SELECT SLEEP(0.8) AS gone_mid_query")
        deadline = time.time() + 3
        while not backend_ids(0, "%gone_mid_query%") and time.time() < deadline:
            time.sleep(0.05)
        gone = backend_ids(0, "%gone_mid_query%")
        assert gone, "the statement never reached the shard"
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        time.sleep(0.2)
        still_fine(r, by, "client gone mid-query")
        # Once the statement ends, its backend connection is closed or idle.
        deadline = time.time() + 4
        busy = None
        while time.time() < deadline:
            busy = [r for r in admin_sql("SELECT id, command, info FROM information_schema.processlist "
                                         "WHERE user = 'app'") if r[0] in gone and r[1] != "Sleep"]
            if not busy:
                break
            time.sleep(0.1)
        eq(busy, [], "the gone client's backend connection, still busy")
        still_fine(r, by, "after the statement ended")
        by.close()


# ---------------------------------------------------------------- backend errors


@test
def backend_errors_unchanged():
    with router() as r:
        by = bystander(r)
        for name, caps in (("classic", DEFAULT_CAPS), ("deprecate_eof", DEFAULT_CAPS | CAP_DEPRECATE_EOF)):
            c = login(r, caps=caps)
            cases = [
                ("SELECT * FROM no_such_table", 1146, "42S02",
                 "Table '%s.no_such_table' doesn't exist" % SCHEMA),
                ("INSERT INTO dup VALUES (1)", 1062, "23000", "Duplicate entry '1' for key 'PRIMARY'"),
                ("SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom', MYSQL_ERRNO = 1644", 1644, "45000", "boom"),
                ("CALL boom()", 1644, "45000", "boom"),
                ("SELEC 1", 1064, "42000", "You have an error in your SQL syntax"),
            ]
            for sql, code, state, msg in cases:
                pkts = c.query(sql)
                eq(len(pkts), 1, "%s: packets" % sql)
                e = parse_err(pkts[0][1])
                eq((pkts[0][0], e["code"], e["state"]), (1, code, state), "%s (%s)" % (sql, e["message"]))
                if code == 1064:
                    assert e["message"].startswith(msg), e["message"]
                else:
                    eq(e["message"], msg, "%s: message" % sql)
            eq(text_rows(c.query("SELECT 'ok'"), caps), [("ok",)], "%s: session after errors" % name)
            c.close()
        # A driver sees the same numbers.
        cur = by.cursor()
        code, msg = sql_error(lambda: cur.execute("SELECT * FROM no_such_table"))
        eq(code, 1146, "PyMySQL: %s" % msg)
        code, msg = sql_error(lambda: cur.execute("SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT='boom', MYSQL_ERRNO=1644"))
        eq((code, msg), (1644, "boom"), "PyMySQL SIGNAL")
        # An error in the middle of a result set (after rows were sent).
        c = login(r)
        pkts = c.query("SELECT 1 UNION ALL SELECT (SELECT 1 UNION SELECT 2)")
        check_seqs(pkts)
        e = parse_err(pkts[-1][1])
        eq((e["code"], e["state"]), (1242, "21000"), "error after rows (%s)" % e["message"])
        eq(text_rows(c.query("SELECT 'ok'"), c.caps), [("ok",)], "session after a mid-result error")
        c.close()
        still_fine(r, by, "backend errors")
        by.close()


if __name__ == "__main__":
    main()
