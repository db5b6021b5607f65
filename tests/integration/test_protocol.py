"""Protocol conformance: the greeting, the login (mysql_native_password and
the switch from caching_sha2_password), both end-of-result flavours
(CLIENT_DEPRECATE_EOF or not), multi-statements and COM_SET_OPTION, session
state tracking, keyspace -> schema mapping, the locally answered commands,
unsupported commands, payloads over 16 MiB in both directions, and the
sequence ids of every response. Driven by the hand-written Raw client, and by
PyMySQL and the mariadb CLI where a real client says more."""
import socket
import struct

from lib import *

SCHEMA = "proto_main"            # physical schema behind keyspace "main"
KSCHEMA = "kproto_phys"          # physical schema behind keyspace "kproto"
KEYSPACES = {"main": (0, SCHEMA), "kproto": (0, KSCHEMA)}
EOF_CAPS = DEFAULT_CAPS                          # classic: EOF packets
DEP_CAPS = DEFAULT_CAPS | CAP_DEPRECATE_EOF      # OK packets (0xfe) instead
FLAVOURS = (("classic", EOF_CAPS), ("deprecate_eof", DEP_CAPS))

_prepared = False


def prepare():
    """The physical schemas the keyspaces point to (once per run)."""
    global _prepared
    if _prepared:
        return
    admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n"
              "DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n"
              "CREATE TABLE %s.fl (id INT PRIMARY KEY, name VARCHAR(10))"
              % (SCHEMA, SCHEMA, KSCHEMA, KSCHEMA, SCHEMA))
    _prepared = True


def router(**kw):
    prepare()
    return Router(dict(KEYSPACES), **kw)


class BigRaw(Raw):
    """Raw with a buffer that stays linear for multi-megabyte responses."""

    def __init__(self, port, timeout=15):
        Raw.__init__(self, port, timeout)
        self.buf = bytearray()

    def _need(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(1 << 22)
            if not d:
                raise EOFError("connection closed by the router")
            self.buf += d

    def read(self):
        self._need(4)
        n = self.buf[0] | self.buf[1] << 8 | self.buf[2] << 16
        seq = self.buf[3]
        self._need(4 + n)
        p = bytes(self.buf[4:4 + n])
        del self.buf[:4 + n]
        return seq, p

    def send_message(self, payload, seq=0):
        """A payload of any size, split into 0xffffff-byte packets; a payload
        that is a multiple of 0xffffff ends with an empty packet."""
        out = []
        i = 0
        while True:
            part = payload[i:i + 0xFFFFFF]
            out.append(struct.pack("<I", len(part))[:3] + bytes([seq & 0xFF]) + part)
            seq += 1
            i += len(part)
            if len(part) < 0xFFFFFF:
                break
        self.sock.sendall(b"".join(out))
        return seq


def login(r, db="main", caps=EOF_CAPS, cls=Raw, **kw):
    """A Raw client logged in; asserts the OK and its sequence id."""
    c = cls(r.port)
    seq, p = c.login(db=db, caps=caps, **kw)
    assert p[:1] == b"\x00", "login not OK: %r" % p[:80]
    eq(seq, 2, "sequence id of the login OK")
    return c


def expect_err(pkts, code, state, *words, seq=1):
    """The response is exactly one ERR with this code/state whose message names words."""
    eq(len(pkts), 1, "number of packets in an error response (%r)" % [p[:40] for _, p in pkts])
    s, p = pkts[0]
    e = parse_err(p)
    eq((e["code"], e["state"]), (code, state), "error code and SQLSTATE (%s)" % e["message"])
    eq(s, seq, "sequence id of the ERR")
    for w in words:
        assert w in e["message"], "error message %r does not name %r" % (e["message"], w)
    return e


def rows_of(c, sql):
    pkts = c.query(sql)
    check_seqs(pkts)
    assert pkts[0][1][0] not in (0x00, 0xFF), "%s: no result set: %r" % (sql, pkts[0][1][:80])
    return text_rows(pkts, c.caps)


def ok_of(c, payload, seq=1):
    """Send a command, expect one OK packet; returns it parsed."""
    c.command(payload)
    s, p = c.read()
    assert p[:1] == b"\x00", "expected OK for %r, got %r" % (payload[:30], p[:80])
    eq(s, seq, "sequence id of the OK")
    return parse_ok(p, c.caps)


def coldef_name(p):
    i = 0
    vals = []
    for _ in range(6):
        n, i = read_lenenc(p, i)
        vals.append(p[i:i + n])
        i += n
    return vals[4].decode()


def split_results(pkts, caps):
    """Split a multi-result response into one list of packets per result."""
    deprecate = caps & CAP_DEPRECATE_EOF
    out = []
    i = 0
    while i < len(pkts):
        p = pkts[i][1]
        if p[0] in (0x00, 0xFF):
            out.append(pkts[i:i + 1])
            i += 1
            continue
        ncols, _ = read_lenenc(p, 0)
        j = i + 1 + ncols + (0 if deprecate else 1)
        while not (pkts[j][1][0] in (0xFE, 0xFF) and len(pkts[j][1]) < 0xFFFFFF):
            j += 1
        out.append(pkts[i:j + 1])
        i = j + 1
    return out


def end_status(p, caps):
    """Status flags of an end-of-rows marker in the client's flavour."""
    eq(p[0], 0xFE, "end marker header")
    if caps & CAP_DEPRECATE_EOF:
        assert len(p) >= 7, "OK-as-EOF too short: %r" % p
        return parse_ok(p, caps)["status"]
    eq(len(p), 5, "classic EOF length (%r)" % p)
    return struct.unpack_from("<H", p, 3)[0]


# ---------------------------------------------------------------- greeting


@test
def greeting_fields():
    backend_version = admin_sql("SELECT VERSION()")[0][0]
    with router() as r:
        c = Raw(r.port)
        seq, g = c.read()
        eq(seq, 0, "greeting sequence id")
        eq(g[0], 10, "protocol version")
        i = g.index(b"\0", 1)
        version = g[1:i].decode()
        assert version, "empty server version"
        assert backend_version in version, "greeting version %r does not contain the backend's %r" % (
            version, backend_version)
        if "MariaDB" in backend_version:
            eq(version, "5.5.5-" + backend_version, "greeting version")
        i += 1
        conn_id = struct.unpack_from("<I", g, i)[0]
        assert conn_id > 0, "connection id 0"
        i += 4
        part1 = g[i:i + 8]
        i += 8
        eq(g[i], 0, "filler after the first 8 scramble bytes")
        i += 1
        caps = struct.unpack_from("<H", g, i)[0]
        i += 2
        i += 1  # charset
        status = struct.unpack_from("<H", g, i)[0]
        i += 2
        caps |= struct.unpack_from("<H", g, i)[0] << 16
        i += 2
        alen = g[i]
        eq(alen, 21, "auth-plugin-data length (20 bytes + NUL)")
        i += 1
        eq(g[i:i + 10], b"\0" * 10, "reserved bytes")
        i += 10
        part2 = g[i:i + 13]
        eq(part2[12], 0, "NUL after the scramble")
        i += 13
        scramble = part1 + part2[:12]
        eq(len(scramble), 20, "scramble length")
        assert b"\0" not in scramble, "scramble contains a NUL: %r" % scramble
        plugin = g[i:g.index(b"\0", i)].decode()
        eq(plugin, "mysql_native_password", "auth plugin in the greeting")
        eq(g.index(b"\0", i), len(g) - 1, "plugin name is the last field")
        assert status & 0x0002, "status without SERVER_STATUS_AUTOCOMMIT: 0x%x" % status
        for bit, name in ((CAP_PROTOCOL_41, "PROTOCOL_41"), (CAP_SECURE_CONNECTION, "SECURE_CONNECTION"),
                          (CAP_PLUGIN_AUTH, "PLUGIN_AUTH"), (CAP_DEPRECATE_EOF, "DEPRECATE_EOF"),
                          (CAP_SESSION_TRACK, "SESSION_TRACK"), (CAP_MULTI_STATEMENTS, "MULTI_STATEMENTS"),
                          (CAP_MULTI_RESULTS, "MULTI_RESULTS"), (CAP_PS_MULTI_RESULTS, "PS_MULTI_RESULTS"),
                          (CAP_CONNECT_WITH_DB, "CONNECT_WITH_DB"), (CAP_PLUGIN_AUTH_LENENC, "PLUGIN_AUTH_LENENC")):
            assert caps & bit, "greeting capabilities 0x%08x lack %s" % (caps, name)
        assert not caps & CAP_SSL, "greeting offers SSL (0x%08x) but the router has no TLS" % caps
        assert not caps & CAP_LOCAL_FILES, "LOCAL_FILES offered with allow_local_infile off"
        # Every connection gets its own id and scramble, never with a NUL.
        ids, scrambles = {conn_id}, {scramble}
        for _ in range(40):
            c2 = Raw(r.port)
            seq, g2 = c2.read()
            c2.close()
            cid = struct.unpack_from("<I", g2, g2.index(b"\0", 1) + 1)[0]
            j = g2.index(b"\0", 1) + 5
            s2 = g2[j:j + 8] + g2[j + 27:j + 39]
            assert b"\0" not in s2, "scramble with a NUL: %r" % s2
            eq(g2[j + 39], 0, "NUL after the scramble")
            ids.add(cid)
            scrambles.add(s2)
        eq((len(ids), len(scrambles)), (41, 41), "distinct connection ids and scrambles")
        c.close()
        # What the backend itself reports passes through unchanged.
        c = login(r)
        eq(rows_of(c, "SELECT VERSION()"), [(backend_version,)], "SELECT VERSION() through the router")
        c.close()


# ---------------------------------------------------------------- login


@test
def login_ok_and_failures():
    with router() as r:
        c = Raw(r.port)
        seq, p = c.login()
        eq(seq, 2, "login OK seq")
        ok = parse_ok(p, c.caps)
        eq((ok["affected"], ok["insert_id"]), (0, 0), "login OK counters")
        assert ok["status"] & 2, "login OK without autocommit status"
        eq(rows_of(c, "SELECT 1"), [("1",)], "SELECT 1 after login")
        c.close()

        cases = [
            ("wrong password", dict(user="app", password="nope"), 1045, "28000",
             ["'app'", "using password: YES"]),
            ("unknown user", dict(user="nosuchuser", password="apppw"), 1045, "28000",
             ["'nosuchuser'", "using password: YES"]),
            ("empty password", dict(user="app", password=""), 1045, "28000",
             ["'app'", "using password: NO"]),
            ("unknown login database", dict(db="no_such_keyspace"), 1049, "42000",
             ["no_such_keyspace"]),
            # The physical schema is not a keyspace name.
            ("physical schema as login database", dict(db=SCHEMA), 1049, "42000", [SCHEMA]),
        ]
        for what, kw, code, state, words in cases:
            c = Raw(r.port)
            seq, p = c.login(**kw)
            e = expect_err([(seq, p)], code, state, *words, seq=2)
            assert c.closed(), "%s: connection left open after %s" % (what, e)
            c.close()
        log = r.log()
        eq(log.count("login refused: Access denied for user 'nosuchuser'"), 1,
           "log lines for the unknown user")
        eq(log.count("using password: NO"), 1, "log lines for the empty password")
        assert r.alive()


@test
def login_without_database():
    with router() as r:
        c = Raw(r.port)
        seq, p = c.login(db=None)
        eq((seq, p[0]), (2, 0), "login without a database")
        # Statements go to the default (first) keyspace.
        eq(rows_of(c, "SELECT 1"), [("1",)], "SELECT 1 without a database")
        eq(rows_of(c, "SELECT DATABASE()"), [(None,)], "no database selected on the backend")
        ok_of(c, b"\x02main")
        eq(rows_of(c, "SELECT DATABASE()"), [(SCHEMA,)], "after COM_INIT_DB main")
        c.close()
        # A real driver too.
        conn = r.connect(database=None, autocommit=True)
        cur = conn.cursor()
        cur.execute("SELECT 1")
        eq(cur.fetchall(), ((1,),), "PyMySQL without a database")
        conn.close()


@test
def caching_sha2_switch():
    with router() as r:
        for good in (True, False):
            c = Raw(r.port)
            g = c.greeting()
            c.handshake_response(plugin="caching_sha2_password", db="main")
            seq, p = c.read()
            eq(seq, 2, "AuthSwitchRequest seq")
            eq(p[0], 0xFE, "AuthSwitchRequest header")
            i = p.index(b"\0", 1)
            eq(p[1:i], b"mysql_native_password", "plugin asked for")
            data = p[i + 1:]
            eq(len(data), 21, "switch data length (scramble + NUL): %r" % data)
            eq(data[20], 0, "NUL after the scramble")
            scramble = data[:20]
            eq(scramble, g["scramble"], "switch scramble equals the greeting's")
            token = native_token("apppw" if good else "wrong", scramble)
            c.send(3, token)
            seq, p = c.read()
            if good:
                eq((seq, p[0]), (4, 0), "OK after the switch (%r)" % p[:60])
                eq(rows_of(c, "SELECT 1"), [("1",)], "SELECT 1 after the switch")
            else:
                expect_err([(seq, p)], 1045, "28000", "'app'", "using password: YES", seq=4)
                assert c.closed(), "connection left open after a failed switch"
            c.close()
        eq(r.log().count("started with caching_sha2_password; switching"), 2, "switch log lines")


@test
def caching_sha2_cli():
    with router() as r:
        out = r.mariadb("--default-auth=caching_sha2_password", "-N", "-e",
                        "SELECT CONCAT('via-', 'cli')").stdout
        eq(out.strip(), "via-cli", "CLI output")
        assert "started with caching_sha2_password" in r.log(), \
            "the CLI did not start with caching_sha2_password:\n" + r.log()[-2000:]
        r2 = r.mariadb("--default-auth=caching_sha2_password", "-e", "SELECT 1", password="bad", check=False)
        assert r2.returncode != 0 and "1045" in r2.stderr, "bad password via CLI: %r" % r2.stderr


# ---------------------------------------------------------------- result flavours


@test
def column_count_packet():
    """The column-count packet is a bare length-encoded integer: MariaDB's
    "metadata follows" byte (MARIADB_CLIENT_CACHE_METADATA, negotiated on the
    backend connection only) must not reach a client that never asked for it."""
    with router() as r:
        for name, caps in FLAVOURS:
            c = login(r, caps=caps)
            pkts = c.query("SELECT 1, 2")
            check_seqs(pkts)
            eq(pkts[0][1], b"\x02", "%s: column-count packet" % name)
            c.close()


SELECT_TWO = "SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL"


@test
def deprecate_eof_flavours():
    with router() as r:
        results = {}
        for name, caps in FLAVOURS:
            c = login(r, caps=caps)
            pkts = c.query(SELECT_TWO)
            check_seqs(pkts)
            eq(read_lenenc(pkts[0][1], 0)[0], 2, "column count")
            eq([coldef_name(p) for _, p in pkts[1:3]], ["a", "b"], "column names")
            if caps & CAP_DEPRECATE_EOF:
                eq(len(pkts), 1 + 2 + 2 + 1, "packets (count, 2 columns, 2 rows, OK)")
                assert pkts[3][1][0] != 0xFE, "EOF after the columns for a DEPRECATE_EOF client"
                last = pkts[-1][1]
                eq(last[0], 0xFE, "OK-as-EOF header")
                ok = parse_ok(last, caps)
                assert ok["status"] & 2 and not ok["status"] & 8, "final status 0x%x" % ok["status"]
            else:
                eq(len(pkts), 1 + 2 + 1 + 2 + 1, "packets (count, 2 columns, EOF, 2 rows, EOF)")
                eq(pkts[3][1][:1] + pkts[3][1][3:5], b"\xfe\x02\x00", "EOF after the columns")
                eq(len(pkts[3][1]), 5, "EOF length")
                eq(end_status(pkts[-1][1], caps), 2, "final EOF status")
            results[name] = text_rows(pkts, caps)
            # An error in the middle of nothing, and an OK response, in the same flavour.
            pkts = c.query("DO 1")
            check_seqs(pkts)
            eq((len(pkts), pkts[0][1][0]), (1, 0), "DO 1 -> one OK")
            c.close()
        eq(results["classic"], [("1", "x"), ("2", None)], "rows (classic)")
        eq(results["deprecate_eof"], results["classic"], "rows (deprecate_eof)")


@test
def multi_statements():
    with router() as r:
        for name, caps in FLAVOURS:
            c = login(r, caps=caps)
            pkts = c.query("SELECT 1; SELECT 2, 3; DO 1")
            check_seqs(pkts)
            res = split_results(pkts, caps)
            eq(len(res), 3, "%s: number of results" % name)
            eq(text_rows(res[0], caps), [("1",)], "first result")
            eq(text_rows(res[1], caps), [("2", "3")], "second result")
            assert end_status(res[0][-1][1], caps) & 8, "%s: first result without MORE_RESULTS" % name
            assert end_status(res[1][-1][1], caps) & 8, "%s: second result without MORE_RESULTS" % name
            eq(res[2][0][1][0], 0, "third result is an OK")
            assert not parse_ok(res[2][0][1], caps)["status"] & 8, "last result with MORE_RESULTS"
            # An error in the middle stops the batch: the ERR is the last packet.
            pkts = c.query("SELECT 1; SELECT * FROM no_such_table_ms; SELECT 3")
            check_seqs(pkts)
            e = parse_err(pkts[-1][1])
            eq((e["code"], e["state"]), (1146, "42S02"), "error in a batch")
            eq(rows_of(c, "SELECT 4"), [("4",)], "after the failed batch")
            c.close()


@test
def no_multi_statements_and_set_option():
    with router() as r:
        for name, caps in FLAVOURS:
            caps &= ~CAP_MULTI_STATEMENTS

            def toggle(c, on, before):
                c.command(b"\x1b\x00\x00" if on else b"\x1b\x01\x00")
                seq, p = c.read()
                eq(seq, 1, "%s: COM_SET_OPTION answer seq" % name)
                assert p[0] == 0xFE, "%s: COM_SET_OPTION %s (%s the backend) answered %r" % (
                    name, on, before, p[:40])
                end_status(p, caps)

            def batch(c):
                return c.query("SELECT 1; SELECT 2")

            def works(c, what):
                pkts = batch(c)
                check_seqs(pkts)
                res = split_results(pkts, caps)
                eq([text_rows(x, caps) for x in res], [[("1",)], [("2",)]], "%s: %s" % (name, what))

            def refused(c, what):
                pkts = batch(c)
                expect_err(pkts, 1064, "42000", "SELECT 2")
                eq(rows_of(c, "SELECT 5"), [("5",)], "%s: single statement after %s" % (name, what))

            # Without MULTI_STATEMENTS: the server's syntax error.
            c = login(r, caps=caps)
            refused(c, "no multi-statements")
            c.close()
            # Toggle before any backend connection exists, then with one.
            c = login(r, caps=caps)
            toggle(c, True, "before")
            works(c, "switched on before the backend existed")
            toggle(c, False, "with")
            refused(c, "switched off with a backend")
            toggle(c, True, "with")
            works(c, "switched on again with a backend")
            toggle(c, True, "with")  # no change: still an end marker
            works(c, "switched on twice")
            c.close()
            # A client that has it, turns it off before the backend exists.
            c = login(r, caps=caps | CAP_MULTI_STATEMENTS)
            toggle(c, False, "before")
            refused(c, "switched off before the backend existed")
            # An unknown option: ERR, session goes on.
            c.command(b"\x1b\x02\x00")
            seq, p = c.read()
            e = parse_err(p)
            eq((seq, e["code"]), (1, 1047), "unknown COM_SET_OPTION value")
            eq(rows_of(c, "SELECT 6"), [("6",)], "after a bad COM_SET_OPTION")
            c.close()


# ---------------------------------------------------------------- session state


def state_items(state):
    """Session state (from an OK) as a list of (type, data)."""
    out = []
    i = 0
    while i < len(state):
        t = state[i]
        n, i = read_lenenc(state, i + 1)
        out.append((t, state[i:i + n]))
        i += n
    return out


def tracked_schema(ok):
    assert ok["status"] & 0x4000, "OK without SERVER_SESSION_STATE_CHANGED (0x%x)" % ok["status"]
    items = [d for t, d in state_items(ok["state"]) if t == 1]
    eq(len(items), 1, "schema entries in the session state %r" % ok["state"])
    n, i = read_lenenc(items[0], 0)
    return items[0][i:i + n].decode()


@test
def session_track():
    with router() as r:
        caps = DEP_CAPS | CAP_SESSION_TRACK
        c = login(r, caps=caps)
        # No backend yet: answered by the router.
        eq(tracked_schema(ok_of(c, b"\x02kproto")), "kproto", "COM_INIT_DB kproto (no backend)")
        eq(rows_of(c, "SELECT DATABASE()"), [(KSCHEMA,)], "backend's schema")
        # Backend exists: forwarded, the state still names the keyspace.
        eq(tracked_schema(ok_of(c, b"\x03USE main")), "main", "USE main")
        eq(tracked_schema(ok_of(c, b"\x03USE `kproto`")), "kproto", "USE `kproto`")
        eq(tracked_schema(ok_of(c, b"\x02main")), "main", "COM_INIT_DB main")
        eq(rows_of(c, "SELECT DATABASE()"), [(SCHEMA,)], "backend's schema after COM_INIT_DB main")
        ok = ok_of(c, b"\x03SET autocommit=0")
        assert not ok["status"] & 2, "autocommit still on in the status: 0x%x" % ok["status"]
        assert ok["status"] & 0x4000, "SET autocommit=0 without SESSION_STATE_CHANGED"
        sysvars = [d for t, d in state_items(ok["state"]) if t == 0]
        assert sysvars and b"autocommit" in sysvars[0] and b"OFF" in sysvars[0], \
            "SET autocommit=0 state %r" % ok["state"]
        ok = ok_of(c, b"\x03SET autocommit=1")
        assert ok["status"] & 2, "autocommit off after SET autocommit=1"
        c.close()
        # Without SESSION_TRACK: the classic OK layout, nothing after the warnings.
        for name, caps in FLAVOURS:
            c = login(r, caps=caps)
            for payload in (b"\x02kproto", b"\x03SELECT 1", b"\x03USE main", b"\x02kproto",
                            b"\x03SET autocommit=0"):
                c.command(payload)
                if payload == b"\x03SELECT 1":
                    check_seqs(c.read_response())
                    continue
                seq, p = c.read()
                eq(seq, 1, "seq")
                eq(len(p), 7, "%s: classic OK for %r is 7 bytes: %r" % (name, payload, p))
                eq(p[:3], b"\x00\x00\x00", "OK header and counters")
            c.close()


@test
def keyspace_schema_mapping():
    with router() as r:
        admin_sql("DROP TABLE IF EXISTS %s.kt;\nDROP TABLE IF EXISTS %s.kt2" % (KSCHEMA, KSCHEMA))
        c = login(r)
        eq(rows_of(c, "SELECT 1"), [("1",)], "backend first")
        ok_of(c, b"\x02kproto")
        pkts = c.query("CREATE TABLE kt (id INT PRIMARY KEY)")
        eq((len(pkts), pkts[0][1][0]), (1, 0), "CREATE TABLE through the router: %r" % pkts)
        pkts = c.query("INSERT INTO kt VALUES (7)")
        eq(parse_ok(pkts[0][1], c.caps)["affected"], 1, "insert")
        eq(admin_sql("SELECT id FROM %s.kt" % KSCHEMA), ((7,),), "row on the shard's schema")
        eq(admin_sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'kt' "
                     "AND table_schema <> '%s'" % KSCHEMA), ((0,),), "kt elsewhere")
        # Errors: unknown keyspace, empty name, physical name; the session stays in kproto.
        c.command(b"\x02no_such_ks")
        expect_err([c.read()], 1049, "42000", "no_such_ks")
        c.command(b"\x02")
        expect_err([c.read()], 1046, "3D000")
        c.command(b"\x02" + KSCHEMA.encode())
        expect_err([c.read()], 1049, "42000", KSCHEMA)
        expect_err(c.query("USE no_such_ks2"), 1049, "42000", "no_such_ks2")
        eq(rows_of(c, "SELECT id FROM kt"), [("7",)], "still in kproto after failed switches")
        ok_of(c, b"\x03USE `main`")
        expect_err(c.query("SELECT id FROM kt"), 1146, "42S02", "kt")
        ok_of(c, b"\x03use `kproto`")
        eq(rows_of(c, "SELECT id FROM kt"), [("7",)], "after USE with backticks")
        c.close()
        # Logging in to kproto directly.
        c = login(r, db="kproto")
        pkts = c.query("CREATE TABLE kt2 (id INT)")
        eq(pkts[0][1][0], 0, "CREATE TABLE kt2: %r" % pkts)
        c.close()
        eq(admin_sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '%s' "
                     "AND table_name = 'kt2'" % KSCHEMA), ((1,),), "kt2 in the physical schema")
        # A driver: PyMySQL's select_db is COM_INIT_DB.
        conn = r.connect(autocommit=True)
        conn.select_db("kproto")
        cur = conn.cursor()
        cur.execute("SELECT id FROM kt")
        eq(cur.fetchall(), ((7,),), "PyMySQL select_db")
        conn.close()


# ---------------------------------------------------------------- local commands


@test
def ping_statistics_quit():
    with router() as r:
        for with_backend in (False, True):
            c = login(r)
            if with_backend:
                rows_of(c, "SELECT 1")
            ok = ok_of(c, b"\x0e")
            assert ok["status"] & 2, "PING status"
            c.command(b"\x09")
            seq, p = c.read()
            eq(seq, 1, "COM_STATISTICS seq")
            assert p.startswith(b"Uptime: "), "COM_STATISTICS payload %r" % p[:80]
            for word in (b"Threads: ", b"Questions: ", b"Queries per second avg: "):
                assert word in p, "COM_STATISTICS lacks %r: %r" % (word, p)
            eq(rows_of(c, "SELECT 2"), [("2",)], "after PING/STATISTICS")
            c.command(b"\x01")
            c.sock.settimeout(5)
            eq(c.sock.recv(100), b"", "COM_QUIT: connection closed without an answer")
            c.close()
        conn = r.connect(autocommit=True)
        conn.ping(reconnect=False)
        conn.close()
        assert r.alive()


@test
def field_list():
    with router() as r:
        for name, caps in FLAVOURS:
            c = login(r, caps=caps)
            c.command(b"\x04fl\x00")
            pkts = c.read_response(field_list=True)
            check_seqs(pkts)
            eq([coldef_name(p) for _, p in pkts[:-1]], ["id", "name"], "%s: fields" % name)
            end_status(pkts[-1][1], caps)
            # Wildcard, then an unknown table (the server's error), then a query.
            c.command(b"\x04fl\x00na%")
            pkts = c.read_response(field_list=True)
            check_seqs(pkts)
            eq([coldef_name(p) for _, p in pkts[:-1]], ["name"], "%s: wildcard fields" % name)
            c.command(b"\x04no_such_fl\x00")
            expect_err([c.read()], 1146, "42S02", "no_such_fl")
            eq(rows_of(c, "SELECT 3"), [("3",)], "after COM_FIELD_LIST")
            c.close()


@test
def reset_connection():
    with router() as r:
        c = login(r)
        ok_of(c, b"\x1f")  # before any backend
        ok_of(c, b"\x03SET @x = 5")
        eq(rows_of(c, "SELECT @x"), [("5",)], "variable set")
        ok_of(c, b"\x1f")
        eq(rows_of(c, "SELECT @x"), [(None,)], "variable after COM_RESET_CONNECTION")
        eq(rows_of(c, "SELECT DATABASE()"), [(SCHEMA,)], "database kept by COM_RESET_CONNECTION")
        c.close()


@test
def unsupported_commands():
    with router() as r:
        c = login(r)
        # (COM_CHANGE_USER is supported: test_pooling.py)
        for payload, name in ((b"\x16SELECT 1", "COM_STMT_PREPARE"), (b"\x7f", "0x7f")):
            c.command(payload)
            expect_err([c.read()], 1047, "08S01", name)
            eq(rows_of(c, "SELECT 1"), [("1",)], "SELECT 1 after %s" % name)
        # No answer at all for COM_STMT_CLOSE / COM_STMT_SEND_LONG_DATA.
        c.command(b"\x19\x01\x00\x00\x00")
        c.command(b"\x18\x01\x00\x00\x00\x00\x00abc")
        eq(rows_of(c, "SELECT 9"), [("9",)], "the next answer is the query's")
        c.close()
        # A driver's prepared statement is refused, cleanly.
        log = r.log()
        eq(log.count("unsupported command 0x16"), 1, "log lines for COM_STMT_PREPARE")


@test
def pipelined_commands():
    """Several commands in one write are answered in order, none lost."""
    with router() as r:
        for name, caps in FLAVOURS:
            c = login(r, caps=caps)
            c.send_raw(b"".join(struct.pack("<I", len(p))[:3] + b"\x00" + p for p in (
                b"\x0e", b"\x03SELECT 'p1'", b"\x02kproto", b"\x03SELECT DATABASE()",
                b"\x7f", b"\x03SELECT 'p2'")))
            seq, p = c.read()
            eq((seq, p[:1]), (1, b"\x00"), "%s: PING" % name)
            pkts = c.read_response()
            check_seqs(pkts)
            eq(text_rows(pkts, caps), [("p1",)], "%s: first query" % name)
            seq, p = c.read()
            eq((seq, p[:1]), (1, b"\x00"), "%s: COM_INIT_DB" % name)
            pkts = c.read_response()
            check_seqs(pkts)
            eq(text_rows(pkts, caps), [(KSCHEMA,)], "%s: database after COM_INIT_DB" % name)
            expect_err([c.read()], 1047, "08S01")
            pkts = c.read_response()
            check_seqs(pkts)
            eq(text_rows(pkts, caps), [("p2",)], "%s: last query" % name)
            c.close()


# ---------------------------------------------------------------- > 16 MiB


def big_response(c, r, what):
    """Read the response to a multi-packet command: it continues the
    client's sequence (the client sent seq 0 and 1, the answer starts at 2,
    as MariaDB itself answers and as drivers check)."""
    pkts = c.read_response()
    assert pkts[0][1][0] != 0xFF, "%s refused: %r\nrouter log:\n%s" % (
        what, parse_err(pkts[0][1]), r.log()[-1500:])
    check_seqs(pkts, first=2)
    return pkts


@test
def big_query_payload():
    with router() as r:
        c = login(r, cls=BigRaw)
        n = 17 * 1024 * 1024
        payload = b"\x03SELECT LENGTH('" + b"x" * n + b"')"
        assert len(payload) > 0xFFFFFF
        nxt = c.send_message(payload)
        eq(nxt, 2, "split into two packets")
        pkts = big_response(c, r, "a 17 MiB COM_QUERY")
        eq(text_rows(pkts, c.caps), [(str(n),)], "LENGTH of a 17 MiB literal")
        eq(rows_of(c, "SELECT 1"), [("1",)], "after the big query")
        c.close()
        # A real driver (PyMySQL checks sequence ids).
        conn = r.connect(autocommit=True)
        cur = conn.cursor()
        cur.execute("SELECT LENGTH(%s)", ("q" * n,))
        eq(cur.fetchone(), (n,), "PyMySQL 17 MiB query")
        conn.close()
        assert r.alive()


@test
def exact_ffffff_query():
    with router() as r:
        c = login(r, cls=BigRaw)
        # Exactly 0xffffff: the payload is followed by an empty packet, and
        # the router waits for it.
        pre, post = b"\x03SELECT LENGTH('", b"')"
        m = 0xFFFFFF - len(pre) - len(post)
        payload = pre + b"y" * m + post
        eq(len(payload), 0xFFFFFF, "payload size")
        c.send_raw(b"\xff\xff\xff\x00" + payload)
        c.sock.settimeout(0.5)
        try:
            d = c.sock.recv(100)
            raise AssertionError("the router answered before the terminating empty packet: %r" % d)
        except socket.timeout:
            pass
        c.sock.settimeout(30)
        c.send(1, b"")
        pkts = big_response(c, r, "an exactly-0xffffff COM_QUERY")
        eq(text_rows(pkts, c.caps), [(str(m),)], "LENGTH of an exactly-0xffffff COM_QUERY")
        eq(rows_of(c, "SELECT 1"), [("1",)], "after the big query")
        c.close()


@test
def big_unsupported_command():
    """An answer the router makes itself to a multi-packet command continues
    the client's sequence too."""
    with router() as r:
        c = login(r, cls=BigRaw)
        nxt = c.send_message(b"\x7f" + b"u" * (0xFFFFFF + 100))
        eq(nxt, 2, "split into two packets")
        seq, p = c.read()
        expect_err([(seq, p)], 1047, "08S01", "0x7f", seq=2)
        eq(rows_of(c, "SELECT 1"), [("1",)], "after the big unknown command")
        c.close()


def read_big_row(c, sql):
    """Send sql, read its one-column one-row result; returns (row payload, parts)."""
    c.command(b"\x03" + sql.encode())
    pkts = [c.read()]
    eq(read_lenenc(pkts[0][1], 0)[0], 1, "column count")
    pkts.append(c.read())
    if not c.caps & CAP_DEPRECATE_EOF:
        pkts.append(c.read())
        eq(pkts[-1][1][0], 0xFE, "EOF after the column")
    parts = []
    while True:
        seq, p = c.read()
        pkts.append((seq, p))
        parts.append(p)
        if len(p) < 0xFFFFFF:
            break
    end = c.read()
    pkts.append(end)
    eq(end[1][0], 0xFE, "end marker after the row")
    check_seqs(pkts)
    return b"".join(parts), [len(p) for p in parts]


@test
def big_result_row():
    with router() as r:
        for name, caps in FLAVOURS:
            c = login(r, caps=caps, cls=BigRaw)
            n = 17000000
            row, sizes = read_big_row(c, "SELECT REPEAT('a', %d)" % n)
            eq(sizes, [0xFFFFFF, n + len(lenenc(n)) - 0xFFFFFF], "%s: packet sizes of a 17 MB row" % name)
            ln, i = read_lenenc(row, 0)
            eq((ln, len(row) - i), (n, n), "length of the joined row")
            assert row[i:] == b"a" * n, "row content"
            # A row of exactly 0xffffff bytes: a full packet plus an empty one.
            n = 0xFFFFFF - 4
            row, sizes = read_big_row(c, "SELECT REPEAT('b', %d)" % n)
            eq(sizes, [0xFFFFFF, 0], "%s: packet sizes of an exactly-0xffffff row" % name)
            eq(row, b"\xfd" + struct.pack("<I", n)[:3] + b"b" * n, "row content")
            eq(rows_of(c, "SELECT 1"), [("1",)], "after the big rows")
            c.close()
        # PyMySQL joins split packets too.
        conn = r.connect(autocommit=True)
        cur = conn.cursor()
        cur.execute("SELECT LENGTH(REPEAT('z', 17000000)), REPEAT('z', 17000000)")
        ln, s = cur.fetchone()
        eq((ln, len(s)), (17000000, 17000000), "PyMySQL big row")
        conn.close()


if __name__ == "__main__":
    main()
