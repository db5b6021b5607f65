"""Integration-test harness: the testbed, routers, real clients, TAP output.

Tests are plain functions decorated with @test; main() runs them in order
and prints one TAP line each ("ok - file: name" / "not ok - ..."), with the
traceback as "# " comment lines. Run a file alone with
    TESTBED_ENV=build/testbed-check/testbed.env python3 tests/integration/test_x.py [name...]
after `tests/testbed.sh start --dir build/testbed-check`.
"""

import hashlib
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

import pymysql

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("SHARDROUTER_BIN", os.path.join(REPO, "build", "shardrouter"))
HOST = "127.0.0.1"

# ---------------------------------------------------------------- testbed


def _load_env():
    path = os.environ.get("TESTBED_ENV", os.path.join(REPO, "build", "testbed-check", "testbed.env"))
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
    return env


ENV = _load_env()
SHARDS = int(ENV["TESTBED_SHARDS"])


def port(shard=0, role="primary"):
    """TCP port of a testbed server (role: primary | replica)."""
    return int(ENV["SHARD%d_%s_PORT" % (shard, role.upper())])


def admin(shard=0, role="primary", db=None, **kw):
    """A PyMySQL connection to a testbed server as the admin user (bypasses the router)."""
    return pymysql.connect(host=HOST, port=port(shard, role), user=ENV["TESTBED_ADMIN_USER"],
                           password=ENV["TESTBED_ADMIN_PASSWORD"], database=db, autocommit=True, **kw)


def admin_sql(sql, shard=0, role="primary", db=None):
    """Run statements directly on a testbed server; returns the last result's rows."""
    c = admin(shard, role, db)
    try:
        cur = c.cursor()
        rows = None
        for stmt in [s for s in sql.split(";\n") if s.strip()]:
            cur.execute(stmt)
            rows = cur.fetchall()
        return rows
    finally:
        c.close()


def wait_replica(shard=0, timeout=20):
    """Wait until the shard's replica has applied everything its primary has."""
    p = admin(shard, "primary")
    cur = p.cursor()
    cur.execute("SELECT @@gtid_binlog_pos")
    pos = cur.fetchone()[0]
    p.close()
    r = admin(shard, "replica")
    cur = r.cursor()
    cur.execute("SELECT MASTER_GTID_WAIT(%s, %s)", (pos, timeout))
    res = cur.fetchone()[0]
    r.close()
    if res != 0:
        raise AssertionError("replica of shard %d did not reach %s" % (shard, pos))


def shard_of2(v):
    """Shard (0 or 1) of integer key v in a keyspace of two halves ("-80",
    "80-"): xxh3 of its 8-byte big-endian value, computed here
    independently of the router."""
    import xxhash
    return 0 if xxhash.xxh3_64_intdigest(struct.pack(">q", v)) < 1 << 63 else 1


def keys_on_two_shards(n):
    """{0: [...], 1: [...]}: the first n (at least) small keys of each half."""
    out = {0: [], 1: []}
    v = 1
    while min(len(out[0]), len(out[1])) < n:
        out[shard_of2(v)].append(v)
        v += 1
    return out


def wait_for(what, fn, timeout=15):
    """Poll fn until it returns something true (returned), or fail naming what."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(0.05)


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---------------------------------------------------------------- router


def map_text(keyspaces, version=1):
    """A shard map: keyspaces = {name: (shard_index, schema)} (unsharded),
    or {name: ("127.0.0.1:port", schema)} for an arbitrary primary."""
    out = ["version = %d;" % version, "keyspaces = ("]
    items = []
    for name, (where, schema) in keyspaces.items():
        if isinstance(where, int):
            primary = "%s:%d" % (HOST, port(where, "primary"))
        else:
            primary = where
        items.append('  { name = "%s"; sharded = false; shards = ( { primary = "%s"; schema = "%s"; } ); }'
                     % (name, primary, schema))
    out.append(",\n".join(items))
    out.append(");")
    return "\n".join(out) + "\n"


class Router:
    """A shardrouter process on a free port with a config written for it.

    conf: extra libconfig lines (override defaults by giving the key again is
    not allowed by libconfig, so pass the keys you want in `settings`).
    """

    def __init__(self, keyspaces=None, settings=None, users=None, shardmap=None, workers=2):
        # run.sh points SHARDROUTER_TEST_TMP at build/test-tmp and wipes it
        # before each run; alone, a file uses the system's temp directory.
        self.dir = tempfile.mkdtemp(prefix="shardrouter-test-", dir=os.environ.get("SHARDROUTER_TEST_TMP"))
        self.port = free_port()
        self.keyspaces = keyspaces or {"main": (0, "main")}
        self.map_path = os.path.join(self.dir, "shardmap.conf")
        with open(self.map_path, "w") as f:
            f.write(shardmap if shardmap is not None else map_text(self.keyspaces))
        st = {
            "listen": '"%s:%d"' % (HOST, self.port),
            "workers": str(workers),
            "shardmap": '"shardmap.conf"',
            "log_level": '"debug"',
        }
        for k, v in (settings or {}).items():
            st[k] = v if not isinstance(v, str) or v.startswith('"') or v in ("true", "false") or v.lstrip("-").isdigit() else '"%s"' % v
        users = users or [("app", "apppw")]
        lines = ["%s = %s;" % (k, v) for k, v in st.items() if not k.startswith("backend.")]
        lines.append("users = ( %s );" % ", ".join('{ name = "%s"; password = "%s"; }' % u for u in users))
        be = {"user": '"%s"' % ENV["TESTBED_APP_USER"], "password": '"%s"' % ENV["TESTBED_APP_PASSWORD"]}
        for k, v in st.items():
            if k.startswith("backend."):
                be[k[8:]] = v
        lines.append("backend = { %s };" % " ".join("%s = %s;" % kv for kv in be.items()))
        self.conf_path = os.path.join(self.dir, "shardrouter.conf")
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log_path = os.path.join(self.dir, "router.log")
        self.proc = None
        self.env = None  # the router's environment (None: the test's)

    def start(self, wait=True):
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen([BIN, "-c", self.conf_path], stdout=self.logf, stderr=subprocess.STDOUT,
                                     env=self.env)
        if wait:
            deadline = time.time() + 10
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError("router exited with %s:\n%s" % (self.proc.returncode, self.log()))
                try:
                    socket.create_connection((HOST, self.port), timeout=0.2).close()
                    return self
                except OSError:
                    time.sleep(0.02)
            raise AssertionError("router did not listen on %d:\n%s" % (self.port, self.log()))
        return self

    def stop(self, timeout=15):
        """SIGTERM and wait; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("router did not stop within %ss after SIGTERM" % timeout)
        self.logf.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        rc = self.stop()
        if exc[0] is None and rc not in (0, None):
            raise AssertionError("router exited with status %s:\n%s" % (rc, self.log()[-3000:]))

    def connect(self, user="app", password="apppw", database="main", **kw):
        """A PyMySQL connection through the router."""
        return pymysql.connect(host=HOST, port=self.port, user=user, password=password,
                               database=database, **kw)

    def mariadb(self, *args, input=None, user="app", password="apppw", database="main", check=True, timeout=60):
        """Run the `mariadb` CLI against the router in batch mode; returns CompletedProcess."""
        cmd = ["mariadb", "-h", HOST, "-P", str(self.port), "-u", user, "-p" + password, "--protocol=tcp"]
        if database:
            cmd.append(database)
        cmd.extend(args)
        r = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("mariadb %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
        return r


# ---------------------------------------------------------------- raw protocol

CAP_LONG_PASSWORD = 1
CAP_FOUND_ROWS = 2
CAP_CONNECT_WITH_DB = 8
CAP_LOCAL_FILES = 0x80
CAP_PROTOCOL_41 = 0x200
CAP_SSL = 0x800
CAP_TRANSACTIONS = 0x2000
CAP_SECURE_CONNECTION = 0x8000
CAP_MULTI_STATEMENTS = 1 << 16
CAP_MULTI_RESULTS = 1 << 17
CAP_PS_MULTI_RESULTS = 1 << 18
CAP_PLUGIN_AUTH = 1 << 19
CAP_CONNECT_ATTRS = 1 << 20
CAP_PLUGIN_AUTH_LENENC = 1 << 21
CAP_SESSION_TRACK = 1 << 23
CAP_DEPRECATE_EOF = 1 << 24
DEFAULT_CAPS = (CAP_LONG_PASSWORD | CAP_PROTOCOL_41 | CAP_TRANSACTIONS | CAP_SECURE_CONNECTION
                | CAP_MULTI_STATEMENTS | CAP_MULTI_RESULTS | CAP_PLUGIN_AUTH | CAP_PLUGIN_AUTH_LENENC)


def native_token(password, scramble):
    if not password:
        return b""
    s1 = hashlib.sha1(password.encode()).digest()
    s2 = hashlib.sha1(s1).digest()
    mix = hashlib.sha1(scramble + s2).digest()
    return bytes(a ^ b for a, b in zip(s1, mix))


def lenenc(n):
    if n < 0xFB:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfc" + struct.pack("<H", n)
    if n <= 0xFFFFFF:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def read_lenenc(b, i):
    c = b[i]
    if c < 0xFB:
        return c, i + 1
    if c == 0xFC:
        return struct.unpack_from("<H", b, i + 1)[0], i + 3
    if c == 0xFD:
        return struct.unpack_from("<I", b[i + 1:i + 4] + b"\0")[0], i + 4
    if c == 0xFE:
        return struct.unpack_from("<Q", b, i + 1)[0], i + 9
    raise ValueError("bad lenenc 0x%x" % c)


class Raw:
    """A hand-written protocol client, for what drivers will not send."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _need(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(1 << 20)
            if not d:
                raise EOFError("connection closed by the router")
            self.buf += d

    def read(self):
        """One packet: (seq, payload)."""
        self._need(4)
        n = self.buf[0] | self.buf[1] << 8 | self.buf[2] << 16
        seq = self.buf[3]
        self._need(4 + n)
        p = self.buf[4:4 + n]
        self.buf = self.buf[4 + n:]
        return seq, p

    def send(self, seq, payload):
        self.sock.sendall(struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload)

    def send_raw(self, data):
        self.sock.sendall(data)

    def closed(self, timeout=5):
        """True if the router closes the connection within timeout (after any pending data)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def greeting(self):
        seq, g = self.read()
        assert seq == 0, "greeting seq %d" % seq
        if g[0] == 0xFF:
            return {"err": parse_err(g)}
        assert g[0] == 10, "protocol version %d" % g[0]
        i = g.index(b"\0", 1)
        version = g[1:i].decode()
        i += 1
        conn_id = struct.unpack_from("<I", g, i)[0]
        i += 4
        scramble = g[i:i + 8]
        i += 9
        caps = struct.unpack_from("<H", g, i)[0]
        i += 2
        charset = g[i]
        i += 1
        status = struct.unpack_from("<H", g, i)[0]
        i += 2
        caps |= struct.unpack_from("<H", g, i)[0] << 16
        i += 2
        alen = g[i]
        i += 11
        n = max(13, alen - 8)
        scramble += g[i:i + n].rstrip(b"\0")
        i += n
        plugin = g[i:g.index(b"\0", i)].decode()
        self.scramble = scramble
        self.server_caps = caps
        return {"version": version, "conn_id": conn_id, "scramble": scramble, "caps": caps,
                "charset": charset, "status": status, "plugin": plugin}

    def handshake_response(self, user="app", password="apppw", db=None, caps=DEFAULT_CAPS,
                           plugin="mysql_native_password", auth=None, charset=45, seq=1):
        if db:
            caps |= CAP_CONNECT_WITH_DB
        self.caps = caps
        if auth is None:
            auth = native_token(password, self.scramble) if plugin == "mysql_native_password" else \
                hashlib.sha256(password.encode()).digest()
        p = struct.pack("<IIB23s", caps, 1 << 24, charset, b"") + user.encode() + b"\0"
        if caps & CAP_PLUGIN_AUTH_LENENC:
            p += lenenc(len(auth)) + auth
        else:
            p += bytes([len(auth)]) + auth
        if db:
            p += db.encode() + b"\0"
        if caps & CAP_PLUGIN_AUTH:
            p += plugin.encode() + b"\0"
        self.send(seq, p)

    def login(self, user="app", password="apppw", db="main", caps=DEFAULT_CAPS, **kw):
        """Greeting + response; returns (seq, payload) of the router's answer."""
        self.greeting()
        self.handshake_response(user, password, db, caps, **kw)
        return self.read()

    def command(self, payload):
        self.send(0, payload)

    def query(self, sql):
        """COM_QUERY; returns the list of (seq, payload) of the whole response
        (all result sets), following the negotiated EOF flavour."""
        self.command(b"\x03" + sql.encode())
        return self.read_response()

    def read_response(self, field_list=False):
        deprecate = bool(self.caps & CAP_DEPRECATE_EOF)
        pkts = []
        while True:
            seq, p = self.read()
            pkts.append((seq, p))
            if p[0] == 0xFF:
                return pkts
            if p[0] == 0x00 and not field_list:
                status = parse_ok(p, self.caps)["status"]
                if status & 8:
                    continue
                return pkts
            if p[0] == 0xFB:
                return pkts
            # result set (or field list)
            if not field_list:
                ncols, _ = read_lenenc(p, 0)
                for _ in range(ncols):
                    pkts.append(self.read())
                if not deprecate:
                    seq, p = self.read()
                    pkts.append((seq, p))
                    assert p[0] == 0xFE and len(p) < 9, "expected EOF after columns, got %r" % p[:10]
            while True:
                seq, p = self.read()
                pkts.append((seq, p))
                if p[0] == 0xFF:
                    return pkts
                if p[0] == 0xFE and len(p) < (0xFFFFFF if deprecate else 9):
                    break
            if deprecate:
                status = parse_ok(p, self.caps)["status"]
            else:
                status = struct.unpack_from("<H", p, 3)[0]
            if not (status & 8) or field_list:
                return pkts


def parse_err(p):
    assert p[0] == 0xFF, "not an ERR packet: %r" % p[:20]
    code = struct.unpack_from("<H", p, 1)[0]
    if p[3:4] == b"#":
        return {"code": code, "state": p[4:9].decode(), "message": p[9:].decode(errors="replace")}
    return {"code": code, "state": None, "message": p[3:].decode(errors="replace")}


def parse_ok(p, caps):
    assert p[0] in (0x00, 0xFE), "not an OK packet: %r" % p[:20]
    i = 1
    affected, i = read_lenenc(p, i)
    insert_id, i = read_lenenc(p, i)
    status, warnings = struct.unpack_from("<HH", p, i)
    i += 4
    info = b""
    state = b""
    if caps & CAP_SESSION_TRACK:
        if i < len(p):
            n, i = read_lenenc(p, i)
            info = p[i:i + n]
            i += n
            if status & 0x4000 and i < len(p):
                n, i = read_lenenc(p, i)
                state = p[i:i + n]
    else:
        info = p[i:]
    return {"affected": affected, "insert_id": insert_id, "status": status, "warnings": warnings,
            "info": info, "state": state}


def text_rows(pkts, caps):
    """Decode the rows of the first result set of a read_response() list."""
    ncols, _ = read_lenenc(pkts[0][1], 0)
    i = 1 + ncols + (0 if caps & CAP_DEPRECATE_EOF else 1)
    rows = []
    for seq, p in pkts[i:]:
        if p[0] in (0xFE, 0xFF) and len(p) < 0xFFFFFF:
            break
        j = 0
        row = []
        for _ in range(ncols):
            if p[j] == 0xFB:
                row.append(None)
                j += 1
            else:
                n, j = read_lenenc(p, j)
                row.append(p[j:j + n].decode())
                j += n
        rows.append(tuple(row))
    return rows


def check_seqs(pkts, first=1):
    """Sequence ids must run first, first+1, ... without a gap."""
    for k, (seq, _) in enumerate(pkts):
        assert seq == (first + k) & 0xFF, "packet %d has seq %d, expected %d" % (k, seq, (first + k) & 0xFF)


# ---------------------------------------------------------------- TAP

_TESTS = []


def test(fn):
    _TESTS.append(fn)
    return fn


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: expected %r, got %r" % (what or "value", b, a))


def main():
    name = os.path.basename(sys.argv[0])
    only = set(sys.argv[1:])
    for fn in _TESTS:
        if only and fn.__name__ not in only:
            continue
        t0 = time.time()
        try:
            fn()
            print("ok - %s: %s (%.1fs)" % (name, fn.__name__, time.time() - t0), flush=True)
        except Exception:
            print("not ok - %s: %s" % (name, fn.__name__), flush=True)
            for line in traceback.format_exc().splitlines():
                print("#   " + line, flush=True)
