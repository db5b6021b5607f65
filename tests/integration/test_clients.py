"""Real clients through the router: the mariadb CLI (batch and interactive,
in a pseudo-terminal), PyMySQL (transactions, character sets, column types,
multi-results, rowcount flavours, warnings, streaming, session state, USE
between keyspaces), 20 MiB values, and many concurrent clients.

Every test checks what the shard really holds with a direct connection to
its primary (admin_sql), and compares the router's answers with those of a
direct connection wherever the expected answer is the server's own."""
import datetime
import decimal
import hashlib
import json
import os
import pty
import random
import re
import select
import threading
import zlib

import pymysql
import pymysql.cursors
from pymysql.constants import CLIENT

from lib import *

APP_USER = ENV["TESTBED_APP_USER"]
APP_PASSWORD = ENV["TESTBED_APP_PASSWORD"]


# ---------------------------------------------------------------- helpers


def fresh_schema(name, shard=0, *ddl):
    """Drop and recreate a physical schema on a shard's primary, then run ddl in it."""
    admin_sql("DROP DATABASE IF EXISTS `%s`;\nCREATE DATABASE `%s`" % (name, name), shard)
    for stmt in ddl:
        admin_sql(stmt, shard, db=name)


def direct(shard=0, db=None, **kw):
    """A PyMySQL connection straight to a primary as the app user (the user the
    router's backend connections use), to learn what the server itself answers."""
    return pymysql.connect(host=HOST, port=port(shard), user=APP_USER, password=APP_PASSWORD,
                           database=db, **kw)


def cli(port_, *args, input=None, database=None, timeout=120):
    """The mariadb CLI in batch mode against any port; returns CompletedProcess (no check)."""
    cmd = ["mariadb", "-h", HOST, "-P", str(port_), "-u", APP_USER, "-p" + APP_PASSWORD,
           "--protocol=tcp"]
    if database:
        cmd.append(database)
    cmd.extend(args)
    return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)


def same_cli(router, ks, shard, schema, *args, input=None, what=""):
    """Run the CLI through the router (keyspace ks) and directly against another
    primary holding an identically named schema; both must answer identically."""
    a = cli(router.port, *args, input=input, database=ks)
    b = cli(port(shard), *args, input=input, database=schema)
    eq((a.returncode, a.stdout, a.stderr), (b.returncode, b.stdout, b.stderr),
       "CLI %s through the router vs directly on the server" % (what or " ".join(args)))
    return a


class Pty:
    """A program in a pseudo-terminal, driven like a person at a keyboard."""

    def __init__(self, argv, env=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvpe(argv[0], argv, env or os.environ)
            finally:
                os._exit(127)
        self.buf = b""
        self.transcript = b""

    def send(self, text):
        os.write(self.fd, text.encode())

    def expect(self, pattern, timeout=15):
        """Read until the regex (bytes) matches; returns the text up to and
        including the match, and keeps what follows for the next expect."""
        deadline = time.time() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.buf)
            if m:
                out = self.buf[:m.end()]
                self.buf = self.buf[m.end():]
                return out.decode(errors="replace")
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; screen so far:\n%s"
                                     % (pattern, self.transcript.decode(errors="replace")[-3000:]))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    d = os.read(self.fd, 65536)
                except OSError:
                    d = b""
                if not d:
                    raise AssertionError("program ended while waiting for %r; screen:\n%s"
                                         % (pattern, self.transcript.decode(errors="replace")[-3000:]))
                self.buf += d
                self.transcript += d

    def wait(self, timeout=15):
        """Exit status (os.waitstatus_to_exitcode), draining output meanwhile."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                os.close(self.fd)
                self.pid = None
                return os.waitstatus_to_exitcode(st)
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                try:
                    self.transcript += os.read(self.fd, 65536)
                except OSError:
                    pass
        self.close()
        raise AssertionError("program did not exit")

    def close(self):
        """Kill the program if it still runs (after a failed expect)."""
        if self.pid is None:
            return
        try:
            if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass
        self.pid = None


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# ---------------------------------------------------------------- mariadb CLI

CLI_SCRIPT = """CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(10,2), note TEXT NULL);
INSERT INTO t VALUES (1, 'alpha', 1.50, NULL), (2, 'beta\\ttab', -2.25, 'line1\\nline2'), (3, 'gamma', 0, '');
INSERT INTO t SELECT id + 10, CONCAT(name, 'x'), amount * 2, note FROM t;
UPDATE t SET amount = amount + 100 WHERE id > 10;
SELECT * FROM t ORDER BY id;
SELECT COUNT(*), SUM(amount), MAX(name) FROM t;
SHOW TABLES;
SHOW CREATE TABLE t;
"""


@test
def cli_batch():
    # Keyspace cb lives in schema cb_phys on shard 0; shard 1 gets a schema of
    # the same name, used directly, so that the server's own output (which
    # may name the schema, e.g. in errors) is the expected output.
    fresh_schema("cb_phys", 0)
    fresh_schema("cb_phys", 1)
    with Router({"cb": (0, "cb_phys")}) as r:
        # statements on stdin (batch mode, tab-separated)
        out = same_cli(r, "cb", 1, "cb_phys", input=CLI_SCRIPT, what="script on stdin").stdout
        assert "1\talpha\t1.50\tNULL\n" in out and "beta\\ttab" in out, out
        # -e with several statements
        same_cli(r, "cb", 1, "cb_phys", "-e",
                 "INSERT INTO t VALUES (20, 'e-insert', 9.99, 'x'); SELECT id, name FROM t WHERE id >= 13 ORDER BY id")
        for args in (("--batch", "-e", "SELECT * FROM t ORDER BY id"),
                     ("-N", "-e", "SELECT id, name, note FROM t ORDER BY id DESC"),
                     ("--batch", "-N", "-e", "SELECT COUNT(*), SUM(amount) FROM t"),
                     ("--table", "-e", "SELECT * FROM t ORDER BY id; SHOW TABLES"),
                     ("-N", "--table", "-e", "SELECT id, amount FROM t ORDER BY id"),
                     ("--vertical", "-e", "SELECT * FROM t WHERE id IN (2, 12) ORDER BY id")):
            same_cli(r, "cb", 1, "cb_phys", *args)
        for args in (("--batch",), ("-N",), ("--table",), ("-N", "--table")):
            same_cli(r, "cb", 1, "cb_phys", *args,
                     input="SELECT * FROM t ORDER BY id;\nSELECT name FROM t WHERE id = 2;\n",
                     what="stdin %s" % " ".join(args))
        # -N output is exactly the rows the shard holds
        out = r.mariadb("-N", "-e", "SELECT id, name FROM t ORDER BY id", database="cb").stdout
        shard_rows = admin_sql("SELECT id, name FROM cb_phys.t ORDER BY id")
        eq(out, "".join("%d\t%s\n" % (i, n.replace("\t", "\\t")) for i, n in shard_rows),
           "-N output vs the rows on shard 0")

        # errors keep their code and SQLSTATE, and stop the script where the server would
        e = same_cli(r, "cb", 1, "cb_phys", "-e", "SELECT * FROM nosuch", what="error -e")
        eq(e.returncode, 1, "exit status after an error")
        assert "ERROR 1146 (42S02) at line 1: Table 'cb_phys.nosuch' doesn't exist" in e.stderr, e.stderr
        e = same_cli(r, "cb", 1, "cb_phys",
                     input="SELECT 1;\nINSERT INTO t VALUES (1, 'dup', 0, NULL);\nSELECT 2;\n",
                     what="error on stdin")
        assert "ERROR 1062 (23000) at line 2: Duplicate entry '1'" in e.stderr, e.stderr
        eq(e.stdout, "1\n1\n", "output of a script that stops at its second statement")
        e = same_cli(r, "cb", 1, "cb_phys", "--force",
                     input="SELECT 1;\nSELEC oops;\nSELECT 2;\n", what="--force")
        assert "ERROR 1064 (42000) at line 2:" in e.stderr, e.stderr
        assert e.stdout.endswith("2\n2\n"), e.stdout
        # -vvv shows the OK packet's info text ("Rows matched") and affected rows
        outs = []
        for p_, db in ((r.port, "cb"), (port(1), "cb_phys")):
            res = cli(p_, "-vvv", "-e", "UPDATE t SET amount = amount WHERE id < 3; UPDATE t SET note = 'n' WHERE id = 3",
                      database=db)
            outs.append(re.sub(r"\(\d+\.\d+ sec\)", "(T sec)", res.stdout))
        eq(outs[0], outs[1], "-vvv output through the router vs directly")
        assert "Rows matched: 2  Changed: 0  Warnings: 0" in outs[0], outs[0]
        # an unknown keyspace is refused at login like an unknown database
        e = cli(r.port, "-e", "SELECT 1", database="cb_phys")
        eq(e.returncode, 1, "exit status, unknown database")
        assert "ERROR 1049 (42000)" in e.stderr and "cb_phys" in e.stderr, e.stderr
    # the two servers now hold the same rows, and shard 0 holds what the router wrote
    q = "SELECT id, name, amount, note FROM cb_phys.t ORDER BY id"
    rows0, rows1 = admin_sql(q, 0), admin_sql(q, 1)
    eq(rows0, rows1, "shard 0 (through the router) vs shard 1 (direct)")
    eq([x[0] for x in rows0], [1, 2, 3, 11, 12, 13, 20], "ids on shard 0")
    eq(admin_sql("SELECT amount FROM cb_phys.t WHERE id = 12", 0)[0][0], decimal.Decimal("95.50"),
       "amount of id 12 on shard 0")


@test
def cli_interactive():
    fresh_schema("ci_phys", 0,
                 "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))",
                 "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
                 "CREATE TABLE other (x INT)")
    fresh_schema("ci2_phys", 0, "CREATE TABLE t2 (y INT)", "INSERT INTO t2 VALUES (42)")
    version = admin_sql("SELECT @@version")[0][0]
    with Router({"ci": (0, "ci_phys"), "ci2": (0, "ci2_phys")}) as r:
        env = dict(os.environ, TERM="dumb", HOME=r.dir, MYSQL_HISTFILE="/dev/null")
        t = Pty(["mariadb", "-h", HOST, "-P", str(r.port), "-u", APP_USER, "-p" + APP_PASSWORD,
                 "--protocol=tcp"], env)
        try:
            interactive_session(t, version)
        finally:
            t.close()
        assert r.alive(), "router died"


def interactive_session(t, version):
    """The keystrokes of cli_interactive, in the CLI running in t."""
    banner = t.expect(rb"MariaDB \[\(none\)\]> ")
    assert "Server version: %s" % version in banner, banner
    conn_id = re.search(r"connection id is (\d+)", banner).group(1)

    t.send("USE ci\n")
    out = t.expect(rb"MariaDB \[ci\]> ")
    assert "Database changed" in out, out

    t.send("SELECT id, v FROM t ORDER BY id;\n")
    out = t.expect(rb"MariaDB \[ci\]> ")
    rows = admin_sql("SELECT id, v FROM ci_phys.t ORDER BY id")
    for i, v in rows:
        assert re.search(r"\|\s+%d \| %s\s+\|" % (i, v), out), (i, v, out)
    assert "%d rows in set" % len(rows) in out, out

    t.send("SHOW TABLES;\n")
    out = t.expect(rb"MariaDB \[ci\]> ")
    tables = [x[0] for x in admin_sql("SHOW TABLES FROM ci_phys")]
    for name in tables:
        assert re.search(r"\| %s\s+\|" % name, out), (name, out)
    assert "%d rows in set" % len(tables) in out, out

    t.send("SELECT * FROM nosuch;\n")
    out = t.expect(rb"MariaDB \[ci\]> ")
    assert "ERROR 1146 (42S02)" in out, out

    t.send("\\s\n")
    out = t.expect(rb"MariaDB \[ci\]> ")
    assert re.search(r"Server version:\s+%s" % re.escape(version), out), out
    assert re.search(r"Connection id:\s+%s\r?\n" % conn_id, out), out
    assert re.search(r"Uptime:\s+\d+ sec", out), out
    m = re.search(r"Threads: (\d+)  Questions: (\d+)", out)
    assert m and int(m.group(1)) >= 1 and int(m.group(2)) >= 4, out

    t.send("USE ci2\n")
    t.expect(rb"Database changed\r?\nMariaDB \[ci2\]> ")
    t.send("SELECT y * 2 AS doubled FROM t2;\n")
    out = t.expect(rb"MariaDB \[ci2\]> ")
    assert re.search(r"\|\s+84 \|", out), out

    t.send("quit\n")
    t.expect(rb"Bye")
    eq(t.wait(), 0, "exit status of the interactive CLI")


@test
def cli_interactive_ctrl_c():
    """Ctrl-C in the interactive CLI interrupts the running statement: the CLI
    opens a second connection and sends KILL QUERY <the connection id of its
    greeting>. The same keystrokes directly against the server are the
    reference (ERROR 1317 within a second or so)."""
    fresh_schema("cx_phys", 0)
    with Router({"cx": (0, "cx_phys")}) as r:
        env = dict(os.environ, TERM="dumb", HOME=r.dir, MYSQL_HISTFILE="/dev/null")
        results = {}
        for where, p_, db in (("direct", port(0), "cx_phys"), ("router", r.port, "cx")):
            t = Pty(["mariadb", "-h", HOST, "-P", str(p_), "-u", APP_USER, "-p" + APP_PASSWORD,
                     "--protocol=tcp", db], env)
            try:
                t.expect(rb"\]> ")
                t.send("SELECT SLEEP(8) AS slept;\n")
                t.expect(rb"SLEEP\(8\) AS slept;\r?\n")
                time.sleep(1)
                t0 = time.time()
                os.write(t.fd, b"\x03")
                try:
                    out = t.expect(rb"\]> ", timeout=30)
                except AssertionError as e:
                    out = str(e)
                results[where] = (time.time() - t0, out)
                t.send("quit\n")
                t.expect(rb"Bye")
                eq(t.wait(), 0, "exit status (%s)" % where)
            finally:
                t.close()
        assert r.alive(), "router died"
    took, out = results["direct"]
    assert "ERROR 1317 (70100)" in out and took < 4, "reference run directly: %.1fs %r" % (took, out)
    took, out = results["router"]
    assert "ERROR 1317 (70100)" in out and took < 4, (
        "Ctrl-C through the router did not interrupt the statement (%.1fs later):\n%s" % (took, out))


# ---------------------------------------------------------------- PyMySQL


@test
def pymysql_transactions():
    fresh_schema("tx_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB")
    on_shard = lambda: [x[0] for x in admin_sql("SELECT id FROM tx_phys.t ORDER BY id")]
    with Router({"tx": (0, "tx_phys")}) as r:
        # autocommit off: nothing reaches the shard before COMMIT
        c = r.connect(database="tx", autocommit=False)
        cur = c.cursor()
        cur.execute("SELECT @@autocommit")
        eq(cur.fetchone()[0], 0, "@@autocommit with autocommit=False")
        cur.execute("INSERT INTO t VALUES (1, 'rolled back')")
        eq(on_shard(), [], "shard before ROLLBACK")
        c.rollback()
        eq(on_shard(), [], "shard after ROLLBACK")
        cur.execute("SELECT COUNT(*) FROM t")
        eq(cur.fetchone()[0], 0, "rows seen by the session after ROLLBACK")
        cur.execute("INSERT INTO t VALUES (2, 'committed')")
        cur.execute("INSERT INTO t VALUES (3, 'committed')")
        eq(on_shard(), [], "shard before COMMIT")
        c.commit()
        eq(on_shard(), [2, 3], "shard after COMMIT")
        # autocommit on again: each statement persists at once
        c.autocommit(True)
        cur.execute("SELECT @@autocommit")
        eq(cur.fetchone()[0], 1, "@@autocommit after autocommit(True)")
        cur.execute("INSERT INTO t VALUES (4, 'autocommitted')")
        eq(on_shard(), [2, 3, 4], "shard after an autocommitted INSERT")
        # explicit BEGIN ... ROLLBACK / COMMIT with autocommit on
        cur.execute("BEGIN")
        cur.execute("DELETE FROM t WHERE id = 2")
        cur.execute("INSERT INTO t VALUES (5, 'in txn')")
        eq(c.get_autocommit(), True, "autocommit flag")
        assert c.server_status & 1, "SERVER_STATUS_IN_TRANS not reported inside BEGIN"
        eq(on_shard(), [2, 3, 4], "shard inside BEGIN")
        cur.execute("ROLLBACK")
        assert not c.server_status & 1, "SERVER_STATUS_IN_TRANS still set after ROLLBACK"
        eq(on_shard(), [2, 3, 4], "shard after BEGIN ... ROLLBACK")
        cur.execute("START TRANSACTION")
        cur.execute("UPDATE t SET v = 'updated' WHERE id = 3")
        cur.execute("INSERT INTO t VALUES (6, 'in txn')")
        cur.execute("COMMIT")
        eq(admin_sql("SELECT id, v FROM tx_phys.t ORDER BY id"),
           ((2, "committed"), (3, "updated"), (4, "autocommitted"), (6, "in txn")),
           "shard after BEGIN ... COMMIT")
        # a transaction left open by a client that disconnects is rolled back
        # (its backend connection goes, so the server rolls back and frees the row lock)
        c2 = r.connect(database="tx", autocommit=False)
        cur2 = c2.cursor()
        cur2.execute("SELECT CONNECTION_ID()")
        backend_id = cur2.fetchone()[0]
        cur2.execute("INSERT INTO t VALUES (7, 'abandoned')")
        q = "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = %d" % backend_id
        eq(admin_sql(q), ((1,),), "open transaction of the client on the shard")
        c2.close()
        c.close()
        deadline = time.time() + 5
        while admin_sql(q) != ((0,),) and time.time() < deadline:
            time.sleep(0.3)  # INNODB_TRX is a cache refreshed only after 0.1 s without readers
        eq(admin_sql(q), ((0,),), "transactions of the departed client on the shard")
        admin_sql("SET SESSION innodb_lock_wait_timeout = 2;\nINSERT INTO tx_phys.t VALUES (7, 'direct')")
        eq(on_shard(), [2, 3, 4, 6, 7], "shard after a client left an open transaction")


@test
def pymysql_executemany():
    fresh_schema("em_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40), score DOUBLE)")
    rng = random.Random(7)
    rows = [(i, "name-%d-%s" % (i, "x" * rng.randrange(30)), rng.random() * 1000) for i in range(1, 2001)]
    with Router({"em": (0, "em_phys")}) as r:
        c = r.connect(database="em", autocommit=True)
        cur = c.cursor()
        n = cur.executemany("INSERT INTO t (id, name, score) VALUES (%s, %s, %s)", rows)
        eq(n, len(rows), "executemany INSERT rowcount")
        # non-INSERT statements run one by one; rowcount is the sum
        n = cur.executemany("UPDATE t SET score = score + 1 WHERE id = %s", [(i,) for i in range(1, 101)])
        eq(n, 100, "executemany UPDATE rowcount")
        cur.execute("SELECT COUNT(*) FROM t")
        eq(cur.fetchone()[0], len(rows), "COUNT(*) through the router")
        c.close()
    expect = [(i, nm, s + 1 if i <= 100 else s) for i, nm, s in rows]
    eq(list(admin_sql("SELECT id, name, score FROM em_phys.t ORDER BY id")), expect, "rows on the shard")


UNICODE_SAMPLES = [
    "plain ascii",
    "emoji 😀🎉👩‍👩‍👧 and 𝄞",
    "CJK 漢字 かな カナ 한국어 中文",
    "accents café naïve Ærøskøbing ß",
    "mixed: Ω≈ç√ ∑ € “quotes” 'apostrophe' back\\slash",
]


@test
def pymysql_unicode_utf8mb4():
    fresh_schema("uc_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(100) CHARACTER SET utf8mb4) "
                               "DEFAULT CHARSET=utf8mb4")
    with Router({"uc": (0, "uc_phys")}) as r:
        c = r.connect(database="uc", autocommit=True, charset="utf8mb4")
        cur = c.cursor()
        cur.execute("SELECT @@character_set_client, @@character_set_connection, @@character_set_results")
        eq(cur.fetchone(), ("utf8mb4",) * 3, "session character sets")
        # client -> shard
        for i, s in enumerate(UNICODE_SAMPLES, 1):
            cur.execute("INSERT INTO t VALUES (%s, %s)", (i, s))
        for i, s in enumerate(UNICODE_SAMPLES, 1):
            eq(admin_sql("SELECT HEX(s) FROM uc_phys.t WHERE id = %d" % i)[0][0], s.encode("utf-8").hex().upper(),
               "bytes on the shard of sample %d" % i)
        cur.execute("SELECT id, s, CHAR_LENGTH(s) FROM t ORDER BY id")
        eq(cur.fetchall(), tuple((i, s, len(s)) for i, s in enumerate(UNICODE_SAMPLES, 1)),
           "samples read back through the router")
        # shard -> client: written directly, read through the router
        a = admin(db="uc_phys", charset="utf8mb4")
        a.cursor().execute("INSERT INTO t VALUES (100, %s)", ("direct 🚀 写入 ✓",))
        a.close()
        cur.execute("SELECT s FROM t WHERE id = 100")
        eq(cur.fetchone()[0], "direct 🚀 写入 ✓", "row written directly, read through the router")
        # literals and column names in the statement text
        cur.execute("SELECT '😀' AS `列`, LENGTH('😀'), CHAR_LENGTH('漢字'), '😀' AS `é`")
        eq(cur.fetchone(), ("😀", 4, 2, "😀"), "literals")
        names = [d[0] for d in cur.description]
        d = direct(charset="utf8mb4")
        dc = d.cursor()
        dc.execute("SELECT '😀' AS `列`, LENGTH('😀'), CHAR_LENGTH('漢字'), '😀' AS `é`")
        eq(names, [x[0] for x in dc.description], "column names through the router vs directly")
        d.close()
        eq([names[0], names[2], names[3]], ["列", "CHAR_LENGTH('漢字')", "é"], "column names")
        cur.execute("SELECT id FROM t WHERE s = %s", (UNICODE_SAMPLES[2],))
        eq(cur.fetchall(), ((3,),), "lookup by a CJK value")
        c.close()


@test
def pymysql_unicode_latin1():
    fresh_schema("l1_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, l VARCHAR(100) CHARACTER SET latin1, "
                               "u VARCHAR(100) CHARACTER SET utf8mb4)")
    # latin1 in MariaDB is cp1252 (0x80 is the euro sign); PyMySQL encodes it so.
    samples = ["café naïve", "Ærøskøbing ß ÿ", "¡¿ £ © ® ° ± µ ¶", "euro € and ‰ and „quotes“", "ascii only"]
    with Router({"l1": (0, "l1_phys")}) as r:
        c = r.connect(database="l1", autocommit=True, charset="latin1")
        cur = c.cursor()
        cur.execute("SELECT @@character_set_client, @@character_set_connection, @@character_set_results")
        eq(cur.fetchone(), ("latin1",) * 3, "session character sets")
        for i, s in enumerate(samples, 1):
            cur.execute("INSERT INTO t VALUES (%s, %s, %s)", (i, s, s))
        for i, s in enumerate(samples, 1):
            eq(admin_sql("SELECT HEX(l), HEX(u) FROM l1_phys.t WHERE id = %d" % i)[0],
               (s.encode("cp1252").hex().upper(), s.encode("utf-8").hex().upper()),
               "bytes on the shard (latin1 column, utf8mb4 column) of sample %d" % i)
        cur.execute("SELECT id, l, u FROM t ORDER BY id")
        eq(cur.fetchall(), tuple((i, s, s) for i, s in enumerate(samples, 1)), "read back through the router")
        # written directly in utf8mb4, read through the latin1 connection
        a = admin(db="l1_phys", charset="utf8mb4")
        a.cursor().execute("INSERT INTO t VALUES (100, %s, %s)", ("Größe €5", "Größe €5"))
        a.close()
        cur.execute("SELECT l, u, HEX(l) FROM t WHERE id = 100")
        eq(cur.fetchone(), ("Größe €5", "Größe €5", "Größe €5".encode("cp1252").hex().upper()),
           "row written directly, read through a latin1 connection")
        c.close()


def _typed_rows():
    blob = bytes(range(256)) * 3 + bytes(reversed(range(256)))
    doc = json.dumps({"a": [1, 2.5, {"b": None}], "ü": "😀", "s": "quote\" back\\"}, ensure_ascii=False)
    return [
        (1, -2147483648, 18446744073709551615, decimal.Decimal("12345678901234567890.0123456789"),
         1 / 3, datetime.date(2024, 2, 29), datetime.datetime(2024, 12, 31, 23, 59, 59, 999999),
         datetime.timedelta(hours=838, minutes=59, seconds=59), blob, doc, "medium"),
        (2, 2147483647, 0, decimal.Decimal("-99999999999999999999.9999999999"),
         -1.7976931348623157e308, datetime.date(1000, 1, 1), datetime.datetime(1970, 1, 1, 0, 0, 0, 1),
         "-838:59:59", b"", "[]", "small"),
        (3, 0, 9223372036854775808, decimal.Decimal("0.0000000001"), 5e-324, datetime.date(9999, 12, 31),
         datetime.datetime(9999, 12, 31, 23, 59, 59, 0), datetime.timedelta(0), b"\x00", '"x"', "large"),
        (4, None, None, None, None, None, None, None, None, None, None),
    ]


@test
def pymysql_types_and_nulls():
    ddl = ("CREATE TABLE t (id INT PRIMARY KEY, i INT, bu BIGINT UNSIGNED, d DECIMAL(30,10), f DOUBLE, "
           "dt DATE, ts DATETIME(6), tm TIME, b BLOB, j JSON, e ENUM('small','medium','large'))")
    fresh_schema("ty_phys", 0, ddl)
    rows = _typed_rows()
    cols = "id, i, bu, d, f, dt, ts, tm, b, j, e"
    with Router({"ty": (0, "ty_phys")}) as r:
        c = r.connect(database="ty", autocommit=True)
        cur = c.cursor()
        for row in rows:
            cur.execute("INSERT INTO t (%s) VALUES (%s)" % (cols, ", ".join(["%s"] * len(row))), row)
        cur.execute("SELECT %s FROM t ORDER BY id" % cols)
        got = cur.fetchall()
        desc = [d[:2] for d in cur.description]
        for want, have in zip(rows, got):
            for k, name in enumerate(cols.split(", ")):
                if want[k] == "-838:59:59":  # written as text: PyMySQL mis-escapes negative timedeltas
                    want = want[:k] + (-datetime.timedelta(hours=838, minutes=59, seconds=59),) + want[k + 1:]
                eq(have[k], want[k], "column %s of row %d through the router" % (name, want[0]))
        eq(len(got), len(rows), "rows through the router")
        c.close()
    # what the shard holds, read directly, is what was written
    d = direct(db="ty_phys")
    cur = d.cursor()
    cur.execute("SELECT %s FROM t ORDER BY id" % cols)
    eq(cur.fetchall(), got, "rows read directly from the shard vs through the router")
    eq([x[:2] for x in cur.description], desc, "column types directly vs through the router")
    d.close()
    eq(admin_sql("SELECT HEX(b), LENGTH(b) FROM ty_phys.t WHERE id = 1")[0],
       (rows[0][8].hex().upper(), len(rows[0][8])), "BLOB bytes on the shard")
    eq(admin_sql("SELECT CAST(bu AS CHAR), CAST(d AS CHAR) FROM ty_phys.t WHERE id = 1")[0],
       ("18446744073709551615", "12345678901234567890.0123456789"), "BIGINT UNSIGNED / DECIMAL on the shard")
    eq(admin_sql("SELECT COUNT(*) FROM ty_phys.t WHERE id = 4 AND COALESCE(i, bu, d, f, dt, ts, tm, b, j, e) IS NULL"),
       ((1,),), "all-NULL row on the shard")
    eq(json.loads(admin_sql("SELECT j FROM ty_phys.t WHERE id = 1")[0][0]), json.loads(rows[0][9]), "JSON on the shard")


@test
def pymysql_stored_procedure_nextset():
    fresh_schema("sp_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))",
                 "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    fresh_schema("sp_direct", 0, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))",
                 "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    proc = ("CREATE PROCEDURE p(IN n INT)\nBEGIN\n  SELECT n AS first, n * 2 AS second;\n"
            "  INSERT INTO t VALUES (n + 100, 'proc');\n"
            "  SELECT id, v FROM t WHERE id <= n OR id > 100 ORDER BY id;\nEND")

    def run(c):
        cur = c.cursor()
        cur.execute("DROP PROCEDURE IF EXISTS p")
        cur.execute(proc)
        sets = []
        cur.execute("CALL p(2)")
        while True:
            sets.append((cur.description and [x[0] for x in cur.description], cur.fetchall(), cur.rowcount))
            if not cur.nextset():
                break
        cur.execute("SELECT COUNT(*) FROM t")
        after = cur.fetchone()
        # callproc: same results through the DB-API entry point
        cur.callproc("p", (3,))
        first = cur.fetchall()
        cur.nextset()
        second = cur.fetchall()
        while cur.nextset():
            pass
        # a procedure that fails after its first result set
        cur.execute("DROP PROCEDURE IF EXISTS perr")
        cur.execute("CREATE PROCEDURE perr()\nBEGIN\n  SELECT 'before' AS s;\n"
                    "  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'custom failure', MYSQL_ERRNO = 1644;\nEND")
        failed = []
        try:
            cur.execute("CALL perr()")
            failed.append(cur.fetchall())
            while cur.nextset():
                failed.append(cur.fetchall())
        except pymysql.MySQLError as e:
            failed.append(e.args)
        cur.execute("SELECT 'still in sync'")
        return sets, after, first, second, failed, cur.fetchone()

    with Router({"sp": (0, "sp_phys")}) as r:
        c = r.connect(database="sp", autocommit=True)
        got = run(c)
        c.close()
    d = direct(db="sp_direct", autocommit=True)
    want = run(d)
    d.close()
    eq(got, want, "CALL results through the router vs directly")
    sets = got[0]
    eq(len(sets), 3, "result sets of CALL (two SELECTs and the final OK)")
    eq(sets[0][1], ((2, 4),), "first result set")
    eq(sets[1][1], ((1, "a"), (2, "b"), (102, "proc")), "second result set")
    eq(got[4], [(("before",),), (1644, "custom failure")], "a procedure failing after a result set")
    eq(admin_sql("SELECT id FROM sp_phys.t WHERE id > 100 ORDER BY id"), ((102,), (103,)),
       "rows the procedure inserted on the shard")


@test
def pymysql_multi_statements():
    setup = ("CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 10), (2, 20)")
    fresh_schema("ms_phys", 0, *setup)
    fresh_schema("ms_direct", 0, *setup)
    batch = ("INSERT INTO t VALUES (3, 30); SELECT id, v FROM t ORDER BY id; "
             "UPDATE t SET v = v + 1 WHERE id >= 2; SELECT SUM(v) AS total FROM t; DELETE FROM t WHERE id = 1")

    def run(c):
        cur = c.cursor()
        cur.execute(batch)
        res = []
        while True:
            res.append((cur.rowcount, cur.fetchall()))
            if not cur.nextset():
                break
        cur.execute("SELECT 'after'")
        res.append(cur.fetchone())
        # an error in the middle ends the batch; the connection stays usable
        cur.execute("SELECT 1 AS a")
        partial = [cur.fetchall()]
        try:
            cur.execute("SELECT 'x'; SELECT * FROM nosuch; SELECT 'never'")
            partial.append(cur.fetchall())
            while cur.nextset():
                partial.append(cur.fetchall())
        except pymysql.MySQLError as e:
            partial.append(e.args[0])
        cur.execute("SELECT 'after error'")
        partial.append(cur.fetchall())
        res.append(partial)
        return res

    def refused(c):
        try:
            c.cursor().execute("SELECT 1; SELECT 2")
        except pymysql.MySQLError as e:
            return e.args[0]
        return None

    with Router({"ms": (0, "ms_phys")}) as r:
        c = r.connect(database="ms", autocommit=True, client_flag=CLIENT.MULTI_STATEMENTS)
        got = run(c)
        c.close()
        c = r.connect(database="ms", autocommit=True)
        got_refused = refused(c)
        c.close()
    d = direct(db="ms_direct", autocommit=True, client_flag=CLIENT.MULTI_STATEMENTS)
    want = run(d)
    d.close()
    d = direct(db="ms_direct", autocommit=True)
    want_refused = refused(d)
    d.close()
    eq(got, want, "multi-statement results through the router vs directly")
    eq(len(got), 7, "results (5 statements, the next query, the batch with an error)")
    eq(got[6], [((1,),), (("x",),), 1146, (("after error",),)], "a batch with an error in the middle")
    eq(got[3], (1, ((decimal.Decimal(10 + 21 + 31),),)), "SUM after the UPDATE")
    eq(got_refused, want_refused, "error code without CLIENT_MULTI_STATEMENTS")
    eq(got_refused, 1064, "error code without CLIENT_MULTI_STATEMENTS")
    eq(admin_sql("SELECT id, v FROM ms_phys.t ORDER BY id"), ((2, 21), (3, 31)), "rows on the shard")


@test
def pymysql_rowcount_found_rows():
    setup = ("CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1), (2, 1), (3, 2)")
    ops = ["UPDATE t SET v = 1 WHERE id <= 3",           # matched 3, changed 1
           "UPDATE t SET v = 1 WHERE id <= 3",           # matched 3, changed 0
           "UPDATE t SET v = 5 WHERE id = 99",           # matched 0
           "INSERT INTO t VALUES (1, 7) ON DUPLICATE KEY UPDATE v = VALUES(v)",  # 2 (updated)
           "INSERT INTO t VALUES (1, 7) ON DUPLICATE KEY UPDATE v = VALUES(v)",  # 0 or 1 (unchanged)
           "DELETE FROM t WHERE v = 1"]

    def run(c):
        cur = c.cursor()
        out = []
        for op in ops:
            cur.execute(op)
            out.append((cur.rowcount, c._result.message, c._result.insert_id, c._result.warning_count))
        cur.execute("SELECT ROW_COUNT()")
        out.append(cur.fetchone())
        return out

    results = {}
    with Router({"rc": (0, "rc_phys")}) as r:
        for flag in (0, CLIENT.FOUND_ROWS):
            fresh_schema("rc_phys", 0, *setup)
            c = r.connect(database="rc", autocommit=True, client_flag=flag)
            results[("router", flag)] = run(c)
            c.close()
            results[("router shard", flag)] = admin_sql("SELECT id, v FROM rc_phys.t ORDER BY id")
    for flag in (0, CLIENT.FOUND_ROWS):
        fresh_schema("rc_direct", 0, *setup)
        d = direct(db="rc_direct", autocommit=True, client_flag=flag)
        results[("direct", flag)] = run(d)
        d.close()
        results[("direct shard", flag)] = admin_sql("SELECT id, v FROM rc_direct.t ORDER BY id")
    counts = lambda res: [x[:1] + x[2:] if len(x) > 1 else x for x in res]
    for flag in (0, CLIENT.FOUND_ROWS):
        eq(counts(results[("router", flag)]), counts(results[("direct", flag)]),
           "rowcount/insert id/warnings with client_flag=%d through the router vs directly" % flag)
        eq(results[("router shard", flag)], results[("direct shard", flag)], "rows on the shard")
    changed, matched = results[("direct", 0)], results[("direct", CLIENT.FOUND_ROWS)]
    assert changed[1][0] != matched[1][0], "the test cannot tell the flavours apart: %r" % results
    eq([x[0] for x in results[("router", 0)][:3]], [1, 0, 0], "changed rows without CLIENT_FOUND_ROWS")
    eq([x[0] for x in results[("router", CLIENT.FOUND_ROWS)][:3]], [3, 3, 0], "matched rows with CLIENT_FOUND_ROWS")


@test
def ok_info_without_session_track():
    """The OK packet's info text ("Rows matched: ...") for a client without
    CLIENT_SESSION_TRACK (PyMySQL, or a raw client): MariaDB sends it
    length-encoded whatever the client's capabilities, and libmariadb,
    libmysqlclient and PyMySQL's OKPacketWrapper read what follows the
    warnings that way; the router must send the same bytes."""
    setup = ("CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1), (2, 1), (3, 2)")
    stmts = ["UPDATE t SET v = 1", "INSERT INTO t VALUES (4, 4), (5, 5)", "UPDATE t SET v = 9 WHERE id = 99"]
    got = {}
    with Router({"oi": (0, "oi_phys")}) as r:
        for where, p_, db in (("router", r.port, "oi"), ("direct", port(0), "oi_direct")):
            fresh_schema(db if where == "direct" else "oi_phys", 0, *setup)
            c = Raw(p_)
            seq, pkt = c.login(db=db, caps=DEFAULT_CAPS)
            eq(pkt[0], 0, "login answer")
            assert not c.caps & CAP_SESSION_TRACK
            got[where] = [c.query(q)[0][1] for q in stmts]
            c.close()
            # PyMySQL's view of the same
            pc = pymysql.connect(host=HOST, port=p_, user=APP_USER, password=APP_PASSWORD, database=db,
                                 autocommit=True)
            pc.cursor().execute("UPDATE t SET v = 7 WHERE id <= 2")
            got[where].append(pc._result.message)
            pc.close()
    eq(got["router"], got["direct"], "OK packets (payloads) through the router vs directly")


@test
def pymysql_lastrowid():
    fresh_schema("ai_phys", 0, "CREATE TABLE t (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v INT) "
                               "AUTO_INCREMENT=1000")
    with Router({"ai": (0, "ai_phys")}) as r:
        c = r.connect(database="ai", autocommit=True)
        cur = c.cursor()
        cur.execute("INSERT INTO t (v) VALUES (1)")
        first = cur.lastrowid
        eq(first, admin_sql("SELECT MAX(id) FROM ai_phys.t")[0][0], "lastrowid vs the shard's id")
        eq(first, 1000, "lastrowid of the first row")
        cur.execute("SELECT LAST_INSERT_ID()")
        eq(cur.fetchone()[0], first, "LAST_INSERT_ID()")
        cur.execute("INSERT INTO t (v) VALUES (2), (3), (4)")
        eq(cur.lastrowid, admin_sql("SELECT MIN(id) FROM ai_phys.t WHERE v >= 2")[0][0],
           "lastrowid of a multi-row INSERT (its first id)")
        # an id beyond 32 bits (8-byte length-encoded insert id)
        admin_sql("ALTER TABLE ai_phys.t AUTO_INCREMENT = 5000000000")
        cur.execute("INSERT INTO t (v) VALUES (5)")
        eq(cur.lastrowid, admin_sql("SELECT id FROM ai_phys.t WHERE v = 5")[0][0], "lastrowid > 2^32")
        eq(cur.lastrowid, 5000000000, "lastrowid > 2^32")
        cur.execute("SELECT LAST_INSERT_ID()")
        eq(cur.fetchone()[0], 5000000000, "LAST_INSERT_ID() > 2^32")
        c.close()


@test
def pymysql_warnings():
    fresh_schema("wn_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(5))")
    fresh_schema("wn_direct", 0, "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(5))")

    def run(c):
        cur = c.cursor()
        out = []
        cur.execute("SET SESSION sql_mode = ''")
        cur.execute("INSERT INTO t VALUES (1, 'much too long')")
        out.append(("insert", cur.rowcount, c._result.warning_count))
        cur.execute("SHOW WARNINGS")
        out.append(cur.fetchall())
        cur.execute("SELECT 1/0, CAST('12abc' AS INT)")
        out.append(("select", cur.fetchall(), c._result.warning_count))
        cur.execute("SHOW WARNINGS")
        out.append(cur.fetchall())
        cur.execute("SELECT 'no warnings'")
        out.append(("clean", cur.fetchall(), c._result.warning_count))
        cur.execute("SELECT @@warning_count")
        out.append(cur.fetchall())
        cur.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES'")
        try:
            cur.execute("INSERT INTO t VALUES (2, 'much too long')")
            out.append("no error")
        except pymysql.MySQLError as e:
            out.append(e.args)
        return out

    with Router({"wn": (0, "wn_phys")}) as r:
        c = r.connect(database="wn", autocommit=True)
        got = run(c)
        c.close()
    d = direct(db="wn_direct", autocommit=True)
    want = run(d)
    d.close()
    eq(got, want, "warnings through the router vs directly")
    eq(got[0], ("insert", 1, 1), "INSERT of a too-long string: rowcount and warning count")
    eq([w[:2] for w in got[1]], [("Warning", 1265)], "SHOW WARNINGS after the INSERT")
    eq(got[2][2], len(got[3]), "warning count of a SELECT vs its SHOW WARNINGS")
    assert got[2][2] >= 1, got
    eq(got[4], ("clean", (("no warnings",),), 0), "warning count of a SELECT without warnings")
    eq(got[-1][0], 1406, "strict mode: Data too long")
    eq(admin_sql("SELECT id, s FROM wn_phys.t"), ((1, "much "),), "rows on the shard")


@test
def pymysql_sscursor_200k():
    n = 200000
    fresh_schema("ss_phys", 0, "CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(200))",
                 "INSERT INTO big SELECT seq, CONCAT(seq, ':', REPEAT(MD5(seq), 3)) FROM seq_1_to_%d" % n)
    want_count, want_sum = admin_sql("SELECT COUNT(*), SUM(CRC32(CONCAT(id, '|', v))) FROM ss_phys.big")[0]
    eq(want_count, n, "rows created on the shard")
    with Router({"ss": (0, "ss_phys")}) as r:
        c = r.connect(database="ss", cursorclass=pymysql.cursors.SSCursor)
        cur = c.cursor()
        rss0 = rss_kb(r.proc.pid)
        cur.execute("SELECT id, v FROM big ORDER BY id")
        count = 0
        total = 0
        peak = 0
        for i, (id_, v) in enumerate(cur):
            count += 1
            total += zlib.crc32(("%d|%s" % (id_, v)).encode())
            if i == 100:
                time.sleep(0.5)  # a slow reader: the router must not buffer the rest
            if i % 20000 == 100:
                peak = max(peak, rss_kb(r.proc.pid))
        cur.close()
        cur = c.cursor()
        cur.execute("SELECT COUNT(*) FROM big")
        eq(list(cur.fetchall()), [(n,)], "a query after the streamed result")
        cur.close()
        c.close()
        eq(count, want_count, "rows streamed")
        eq(total, int(want_sum), "checksum of the rows streamed")
        # the result is ~25 MB; the router relays it with bounded buffers
        assert peak - rss0 < 12 * 1024, "router RSS grew from %d kB to %d kB while streaming" % (rss0, peak)


@test
def session_state_persists():
    fresh_schema("st_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY)")
    d = direct(db="st_phys", autocommit=True)
    dc = d.cursor()
    dc.execute("SET @@session.sql_mode = 'ANSI_QUOTES,NO_ZERO_DATE,ONLY_FULL_GROUP_BY'")
    dc.execute("SELECT @@session.sql_mode")
    want_mode = dc.fetchone()[0]
    d.close()
    with Router({"st": (0, "st_phys")}) as r:
        c = r.connect(database="st", autocommit=True)
        cur = c.cursor()
        cur.execute("SELECT CONNECTION_ID()")
        cid = cur.fetchone()[0]
        cur.execute("SET @@session.sql_mode = 'ANSI_QUOTES,NO_ZERO_DATE,ONLY_FULL_GROUP_BY'")
        cur.execute("SET @@session.time_zone = '+05:30', @u := 42")
        cur.execute("SET @v = 'user var'")
        cur.execute("CREATE TEMPORARY TABLE tmp (k INT, s VARCHAR(10))")
        cur.execute("INSERT INTO tmp VALUES (1, 'x'), (2, 'y')")
        cur.execute("INSERT INTO t VALUES (1)")
        cur.execute("SELECT @@session.sql_mode, @@session.time_zone, @u, @v")
        eq(cur.fetchone(), (want_mode, "+05:30", 42, "user var"), "session variables")
        cur.execute('SELECT "id" FROM t')  # ANSI_QUOTES: an identifier
        eq(cur.fetchall(), ((1,),), "ANSI_QUOTES in effect")
        cur.execute("INSERT INTO tmp SELECT k + 10, CONCAT(s, s) FROM tmp")
        cur.execute("SELECT k, s FROM tmp ORDER BY k")
        eq(cur.fetchall(), ((1, "x"), (2, "y"), (11, "xx"), (12, "yy")), "temporary table")
        cur.execute("SELECT CONNECTION_ID()")
        eq(cur.fetchone()[0], cid, "the session kept its server connection")
        # another session sees neither the variables nor the temporary table
        c2 = r.connect(database="st", autocommit=True)
        cur2 = c2.cursor()
        cur2.execute("SELECT @u, @@session.time_zone = '+05:30'")
        eq(cur2.fetchone(), (None, 0), "another session's variables")
        try:
            cur2.execute("SELECT * FROM tmp")
            raise AssertionError("another session sees the temporary table")
        except pymysql.err.ProgrammingError as e:
            eq(e.args[0], 1146, "error code for another session's temporary table")
        c2.close()
        # nor does the shard's schema hold a table named tmp
        eq(admin_sql("SHOW TABLES FROM st_phys"), (("t",),), "tables on the shard")
        c.close()


@test
def use_same_server():
    fresh_schema("ua_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, src VARCHAR(10))",
                 "INSERT INTO t VALUES (1, 'ua')")
    fresh_schema("ub_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, src VARCHAR(10))",
                 "INSERT INTO t VALUES (1, 'ub')", "CREATE TABLE only_b (x INT)")
    with Router({"ua": (0, "ua_phys"), "ub": (0, "ub_phys")}) as r:
        c = r.connect(database="ua", autocommit=True)
        cur = c.cursor()
        cur.execute("SET @keep = 'kept'")  # state: the same server connection must be kept
        cur.execute("SELECT src FROM t")
        eq(cur.fetchall(), (("ua",),), "t in ua")
        cur.execute("USE ub")
        cur.execute("SELECT src FROM t")
        eq(cur.fetchall(), (("ub",),), "t after USE ub")
        cur.execute("INSERT INTO t VALUES (2, 'via-ub')")
        cur.execute("SELECT COUNT(*) FROM only_b")
        eq(cur.fetchone()[0], 0, "a table only ub has")
        c.select_db("ua")  # COM_INIT_DB
        cur.execute("SELECT src FROM t ORDER BY id")
        eq(cur.fetchall(), (("ua",),), "t after COM_INIT_DB ua")
        cur.execute("INSERT INTO t VALUES (3, 'via-ua')")
        cur.execute("USE `ub`")
        cur.execute("SELECT src, @keep FROM t ORDER BY id")
        eq(cur.fetchall(), (("ub", "kept"), ("via-ub", "kept")), "after USE `ub`, with the variable kept")
        # only keyspace names are databases: the physical schema is not one
        for stmt in ("USE ua_phys", "USE nosuch"):
            try:
                cur.execute(stmt)
                raise AssertionError("%s succeeded" % stmt)
            except pymysql.MySQLError as e:
                eq(e.args[0], 1049, "error code of %s" % stmt)
        cur.execute("SELECT src FROM t WHERE id = 1")
        eq(cur.fetchall(), (("ub",),), "still in ub after a refused USE")
        c.close()
    eq(admin_sql("SELECT id, src FROM ua_phys.t ORDER BY id"), ((1, "ua"), (3, "via-ua")), "ua_phys on the shard")
    eq(admin_sql("SELECT id, src FROM ub_phys.t ORDER BY id"), ((1, "ub"), (2, "via-ub")), "ub_phys on the shard")


@test
def use_other_server():
    fresh_schema("x0_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, src VARCHAR(10))",
                 "INSERT INTO t VALUES (1, 'shard0')")
    fresh_schema("x1_phys", 1, "CREATE TABLE t (id INT PRIMARY KEY, src VARCHAR(10))",
                 "INSERT INTO t VALUES (1, 'shard1')")
    p0, p1 = "%s:%d" % (HOST, port(0)), "%s:%d" % (HOST, port(1))
    with Router({"x0": (0, "x0_phys"), "x1": (1, "x1_phys")}) as r:
        # a session that only read: it may move to the other server and back
        c = r.connect(database="x0", autocommit=True)
        cur = c.cursor()
        cur.execute("SELECT src, @@port FROM t")
        eq(cur.fetchall(), (("shard0", port(0)),), "t in x0")
        cur.execute("USE x1")
        cur.execute("SELECT src, @@port FROM t")
        eq(cur.fetchall(), (("shard1", port(1)),), "t after USE x1")
        c.select_db("x0")
        cur.execute("SELECT src, @@port FROM t ORDER BY id")
        eq(cur.fetchall(), (("shard0", port(0)),), "t after COM_INIT_DB x0")
        c.close()
        # a fresh session that has done nothing yet; its writes land on shard 1
        c = r.connect(database="x0", autocommit=True)
        cur = c.cursor()
        cur.execute("USE x1")
        cur.execute("INSERT INTO t VALUES (2, 'via-x1')")
        c.close()
        # replayable SETs (user variables with constant values, system
        # variables) follow the session to the other server
        c = r.connect(database="x0", autocommit=True)
        cur = c.cursor()
        cur.execute("SET @x = 1")
        cur.execute("SET @@session.sql_mode = 'ANSI_QUOTES'")
        cur.execute("USE x1")
        cur.execute("SELECT src, @x, @@sql_mode, @@port FROM t WHERE id = 1")
        eq(cur.fetchall(), (("shard1", 1, "ANSI_QUOTES", port(1)),), "SETs replayed after USE x1")
        c.close()
        # state that cannot be replayed pins the session: the switch is
        # refused (fail-closed), and it stays where it was
        for setup in ("SELECT @y := 7", "CREATE TEMPORARY TABLE tmp_x (a INT)"):
            c = r.connect(database="x0", autocommit=True)
            cur = c.cursor()
            cur.execute(setup)
            try:
                cur.execute("USE x1")
                raise AssertionError("USE x1 succeeded after %s" % setup)
            except pymysql.MySQLError as e:
                code, msg = e.args
                eq(code, 1235, "error code of USE x1 after %s" % setup)
                assert "'x1'" in msg and p0 in msg and p1 in msg, msg
            try:
                c.select_db("x1")
                raise AssertionError("COM_INIT_DB x1 succeeded after %s" % setup)
            except pymysql.MySQLError as e:
                eq(e.args[0], 1235, "error code of COM_INIT_DB x1 after %s" % setup)
            cur.execute("SELECT src, @y, @@port FROM t")
            eq(cur.fetchall(), (("shard0", 7 if setup.startswith("SELECT @y") else None, port(0)),),
               "the session after the refused switch")
            c.close()
        # an open transaction: refused too
        c = r.connect(database="x0", autocommit=False)
        cur = c.cursor()
        cur.execute("SELECT src FROM t")
        try:
            c.select_db("x1")
            raise AssertionError("COM_INIT_DB x1 succeeded inside a transaction")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1235, "error code of COM_INIT_DB x1 inside a transaction")
        c.close()
    eq(admin_sql("SELECT id, src FROM x1_phys.t ORDER BY id", 1), ((1, "shard1"), (2, "via-x1")), "x1_phys on shard 1")
    eq(admin_sql("SELECT id, src FROM x0_phys.t ORDER BY id", 0), ((1, "shard0"),), "x0_phys on shard 0")


# ---------------------------------------------------------------- 20 MiB values

MiB20 = 20 * 1024 * 1024


def short(text, n=600):
    return text if len(text) <= n else text[:n // 2] + " ...[%d chars]... " % len(text) + text[-n // 2:]


def cli_ok(res, what):
    if res.returncode != 0:
        raise AssertionError("mariadb CLI %s failed (%d): %s" % (what, res.returncode, short(res.stderr)))
    return res.stdout


@test
def blob_20mib_read_pymysql():
    """A 20 MiB BLOB written directly on the shard, read through the router."""
    fresh_schema("br_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, b LONGBLOB)")
    data = os.urandom(MiB20)
    digest = hashlib.sha256(data).hexdigest()
    a = admin(db="br_phys", max_allowed_packet=64 * 1024 * 1024)
    a.cursor().execute("INSERT INTO t VALUES (1, %s)", (data,))
    a.close()
    eq(admin_sql("SELECT LENGTH(b), SHA2(b, 256) FROM br_phys.t"), ((MiB20, digest),), "the row on the shard")
    with Router({"br": (0, "br_phys")}) as r:
        c = r.connect(database="br", autocommit=True, max_allowed_packet=64 * 1024 * 1024)
        cur = c.cursor()
        cur.execute("SELECT b, LENGTH(b), SHA2(b, 256) FROM t WHERE id = 1")
        b, n, sha = cur.fetchone()
        eq((n, sha), (MiB20, digest), "LENGTH and SHA2 through the router")
        eq(len(b), MiB20, "length of the value read through the router")
        eq(hashlib.sha256(b).hexdigest(), digest, "sha256 of the value read through the router")
        cur.execute("SELECT 'next'")
        eq(cur.fetchone()[0], "next", "the connection after 20 MiB")
        c.close()


@test
def blob_20mib_pymysql():
    """A 20 MiB BLOB written through the router (a command of two packets)."""
    fresh_schema("bb_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, b LONGBLOB)")
    data = os.urandom(MiB20)
    digest = hashlib.sha256(data).hexdigest()
    with Router({"bb": (0, "bb_phys")}) as r:
        c = r.connect(database="bb", autocommit=True, max_allowed_packet=64 * 1024 * 1024)
        cur = c.cursor()
        try:
            cur.execute("INSERT INTO t VALUES (1, %s)", (data,))
        except Exception as e:
            raise AssertionError("INSERT of 20 MiB through the router: %s\nrouter log:\n%s"
                                 % (short(repr(e)), r.log()[-1500:]))
        eq(cur.rowcount, 1, "affected rows")
        cur.execute("SELECT b, LENGTH(b) FROM t WHERE id = 1")
        b, n = cur.fetchone()
        eq(n, MiB20, "LENGTH(b) through the router")
        eq(hashlib.sha256(b).hexdigest(), digest, "sha256 read back through the router")
        cur.execute("SELECT 'next'")
        eq(cur.fetchone()[0], "next", "the connection after 20 MiB")
        c.close()
    eq(admin_sql("SELECT LENGTH(b), SHA2(b, 256) FROM bb_phys.t WHERE id = 1"), ((MiB20, digest),),
       "length and sha256 computed by the shard")


@test
def cli_20mib():
    fresh_schema("bc_phys", 0, "CREATE TABLE t (id INT PRIMARY KEY, v LONGTEXT)")
    rng = random.Random(20)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    value = "".join(rng.choices(alphabet, k=MiB20))
    digest = hashlib.sha256(value.encode()).hexdigest()
    admin_sql("INSERT INTO bc_phys.t VALUES (2, REPEAT('0123456789abcdef', %d))" % (MiB20 // 16))
    with Router({"bc": (0, "bc_phys")}) as r:
        run = lambda *args, **kw: cli(r.port, "--max-allowed-packet=64M", *args, database="bc", **kw)
        # 20 MiB results: computed, and stored (written directly on the shard)
        out = cli_ok(run("-N", "-e", "SELECT LENGTH(REPEAT('x', %d))" % MiB20), "LENGTH(REPEAT)")
        eq(out, "%d\n" % MiB20, "LENGTH(REPEAT(...))")
        out = cli_ok(run("-N", "-e", "SELECT REPEAT('ab', %d)" % (MiB20 // 2)), "SELECT REPEAT")
        eq(out == "ab" * (MiB20 // 2) + "\n", True, "a computed 20 MiB value (%d chars)" % len(out))
        out = cli_ok(run("-N", "--batch", "-e", "SELECT v FROM t WHERE id = 2"), "SELECT v")
        eq(out == "0123456789abcdef" * (MiB20 // 16) + "\n", True, "a stored 20 MiB value (%d chars)" % len(out))
        # a 20 MiB statement from a SQL file on stdin, then read back
        sql = "INSERT INTO t VALUES (1, '%s');\nSELECT LENGTH(v), SHA2(v, 256) FROM t WHERE id = 1;\n" % value
        res = run("-N", input=sql)
        eq(admin_sql("SELECT LENGTH(v), SHA2(v, 256) FROM bc_phys.t WHERE id = 1"), ((MiB20, digest),),
           "length and sha256 computed by the shard (CLI exit %d: %s)" % (res.returncode, short(res.stderr)))
        eq(cli_ok(res, "INSERT of 20 MiB"), "%d\t%s\n" % (MiB20, digest), "length and sha256 through the router")
        out = cli_ok(run("-N", "--batch", "-e", "SELECT v FROM t WHERE id = 1"), "SELECT v")
        eq(len(out), MiB20 + 1, "length of the CLI output")
        eq(hashlib.sha256(out[:-1].encode()).hexdigest(), digest, "sha256 of the value the CLI read back")


# ---------------------------------------------------------------- concurrency


@test
def concurrent_clients():
    nthreads, nqueries = 50, 200
    fresh_schema("cc_phys", 0, "CREATE TABLE t (thread INT, k INT, v VARCHAR(64), PRIMARY KEY (thread, k))")
    errors = []
    with Router({"cc": (0, "cc_phys")}, workers=2) as r:
        barrier = threading.Barrier(nthreads)

        def worker(tid):
            try:
                c = r.connect(database="cc", autocommit=True)
                cur = c.cursor()
                barrier.wait(30)
                rng = random.Random(tid)
                for k in range(nqueries):
                    op = k % 4
                    if op == 0:
                        cur.execute("INSERT INTO t VALUES (%s, %s, %s)", (tid, k, "t%d-k%d" % (tid, k)))
                        if cur.rowcount != 1:
                            raise AssertionError("insert rowcount %r" % cur.rowcount)
                    elif op == 1:
                        a, b = rng.randrange(1 << 30), rng.randrange(1 << 30)
                        cur.execute("SELECT %s + %s, CONNECTION_ID() > 0, REPEAT(%s, 10)", (a, b, str(tid)))
                        got = cur.fetchone()
                        if got != (a + b, 1, str(tid) * 10):
                            raise AssertionError("thread %d: %r" % (tid, got))
                    elif op == 2:
                        cur.execute("SELECT COUNT(*), MAX(k) FROM t WHERE thread = %s", (tid,))
                        got = cur.fetchone()
                        if got != (k // 4 + 1, k - 2):
                            raise AssertionError("thread %d at %d: %r" % (tid, k, got))
                    else:
                        cur.execute("SELECT v FROM t WHERE thread = %s AND k = %s", (tid, k - 3))
                        got = cur.fetchall()
                        if got != (("t%d-k%d" % (tid, k - 3),),):
                            raise AssertionError("thread %d at %d: %r" % (tid, k, got))
                c.close()
            except Exception as e:  # reported below
                errors.append("thread %d: %r" % (tid, e))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads), "threads still running"
        assert not errors, "\n".join(errors[:10])
        assert r.alive(), "router died"
        c = r.connect(database="cc")
        cur = c.cursor()
        cur.execute("SELECT 1")
        eq(cur.fetchone()[0], 1, "a query after the load")
        c.close()
    rows = admin_sql("SELECT thread, COUNT(*), SUM(k) FROM cc_phys.t GROUP BY thread ORDER BY thread")
    ks = [k for k in range(nqueries) if k % 4 == 0]
    eq(rows, tuple((tid, len(ks), decimal.Decimal(sum(ks))) for tid in range(nthreads)), "rows on the shard")


if __name__ == "__main__":
    main()
