"""Transactions in a sharded keyspace (cross_shard_transactions = refuse and
best_effort), a COMMIT that fails on one shard after succeeding on another,
and EXPLAIN ROUTE through the router and `shardctl explain`, on a 2-shard
keyspace whose shards sit on the testbed's two primaries (schemas tx_s0 and
tx_s1, keyspace names "txr" and "txb")."""
import struct
import subprocess
import threading
import time

import xxhash

from lib import *

SCHEMAS = ("tx_s0", "tx_s1")
SHARDCTL = os.path.join(REPO, "build", "shardctl")


K = keys_on_two_shards(2)


def map_text(mode):
    lines = ["version = 1;", "keyspaces = ("]
    ks = []
    for name, xs in (("txr", None), ("txb", "best_effort")):
        ks.append('  { name = "%s"; sharded = true;%s\n'
                  '    tables = ( { name = "acct"; key = "id"; } );\n'
                  '    shards = ( { range = "-80"; primary = "%s:%d"; schema = "%s"; },\n'
                  '               { range = "80-"; primary = "%s:%d"; schema = "%s"; } ); }'
                  % (name, ' cross_shard_transactions = "%s";' % xs if xs else "",
                     HOST, port(0), SCHEMAS[0], HOST, port(1), SCHEMAS[1]))
    lines.append(",\n".join(ks))
    lines.append(");")
    return "\n".join(lines) + "\n"


def setup():
    for i, sch in enumerate(SCHEMAS):
        admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n"
                  "CREATE TABLE %s.acct (id INT PRIMARY KEY, bal INT) ENGINE=InnoDB" % (sch, sch, sch), i)


def on_shard(i):
    return [tuple(r) for r in admin_sql("SELECT id, bal FROM %s.acct ORDER BY id" % SCHEMAS[i], i)]


def router():
    setup()
    return Router(shardmap=map_text(None))


@test
def refuse_keeps_the_transaction():
    a, b = K[0][0], K[1][0]
    with router() as r:
        c = r.connect(database="txr", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 10)" % a)
        try:
            cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 20)" % b)
            raise AssertionError("a second shard was allowed in the transaction")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1235, "error code")
            assert "span shards" in e.args[1] and SCHEMAS[0] in e.args[1] and SCHEMAS[1] in e.args[1], e
        assert c.server_status & 1, "the transaction is still open"
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 11)" % K[0][1])
        eq(on_shard(0), [], "nothing visible before COMMIT")
        cur.execute("COMMIT")
        eq(on_shard(0), sorted([(a, 10), (K[0][1], 11)]), "shard 0 after COMMIT")
        eq(on_shard(1), [], "shard 1 untouched")
        c.close()


@test
def error_inside_a_transaction_keeps_it():
    """A statement that fails inside a transaction (duplicate key) leaves
    the transaction open on its shard: the next statement on another shard
    is still refused, and COMMIT commits the earlier work."""
    a, b = K[0][0], K[1][0]
    with router() as r:
        c = r.connect(database="txr", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 1)" % a)
        try:
            cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 2)" % a)
            raise AssertionError("duplicate key accepted")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1062, "duplicate key")
        try:
            cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 3)" % b)
            raise AssertionError("the transaction moved to a second shard after an error")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1235, "still one shard")
        eq(on_shard(0), [], "not committed yet")
        cur.execute("COMMIT")
        eq((on_shard(0), on_shard(1)), ([(a, 1)], []), "COMMIT after the error")
        c.close()


@test
def autocommit_off_is_a_transaction():
    """With autocommit off every statement runs in a transaction, so under
    refuse a statement for two shards is refused like inside BEGIN."""
    a, b = K[0][0], K[1][0]
    with router() as r:
        c = r.connect(database="txr", autocommit=False)
        cur = c.cursor()
        try:
            cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 1), (%d, 2)" % (a, b))
            raise AssertionError("a two-shard INSERT ran with autocommit off")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1235, "error code")
            assert "autocommit is off" in e.args[1], e
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 1)" % a)
        try:
            cur.execute("UPDATE acct SET bal = 5")
            raise AssertionError("a scatter UPDATE ran in an implicit transaction")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1235, "scatter in the implicit transaction")
        c.commit()
        eq((on_shard(0), on_shard(1)), ([(a, 1)], []), "only the single-shard INSERT")
        c.autocommit(True)
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 2)" % b)
        cur.execute("UPDATE acct SET bal = 5")
        eq(cur.rowcount, 2, "scatter UPDATE with autocommit on")
        c.close()


@test
def best_effort_commit_and_rollback():
    a, b = K[0][0], K[1][0]
    with router() as r:
        c = r.connect(database="txb", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 1), (%d, 2)" % (a, b))
        cur.execute("SELECT COUNT(*) FROM acct")
        eq(cur.fetchone()[0], 2, "the transaction sees its rows on both shards")
        eq((on_shard(0), on_shard(1)), ([], []), "nothing visible before COMMIT")
        cur.execute("ROLLBACK")
        eq((on_shard(0), on_shard(1)), ([], []), "ROLLBACK on both shards")
        cur.execute("START TRANSACTION")
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 5)" % a)
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 6)" % b)
        cur.execute("UPDATE acct SET bal = bal + 1")
        eq(cur.rowcount, 2, "scatter UPDATE inside the transaction")
        cur.execute("COMMIT")
        assert not c.server_status & 1, "no transaction after COMMIT"
        eq((on_shard(0), on_shard(1)), ([(a, 6)], [(b, 7)]), "COMMIT on both shards")
        c.close()


def backend_thread(shard, schema):
    """Server thread id of the router's connection using schema on shard."""
    rows = admin_sql("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '%s' AND USER = '%s'"
                     % (schema, ENV["TESTBED_APP_USER"]), shard)
    eq(len(rows), 1, "router connections to %s" % schema)
    return rows[0][0]


@test
def best_effort_commit_fails_on_one_shard():
    """The connection to shard 1 is killed before COMMIT: shard 0 commits,
    shard 1 cannot; the client's error names both, then its connection
    closes (the state of the lost connection is gone). The kill happens
    while the session runs a statement on shard 0, so the router notices
    the lost connection only when the COMMIT needs it (a connection that
    dies while its session is idle closes the client at once)."""
    a, b = K[0][0], K[1][0]
    with router() as r:
        c = r.connect(database="txb", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 100)" % a)
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 200)" % b)
        victim = backend_thread(1, SCHEMAS[1])
        killer = threading.Timer(0.3, lambda: admin_sql("KILL %d" % victim, 1))
        killer.start()
        cur.execute("SELECT SLEEP(1), bal FROM acct WHERE id = %d" % a)
        killer.join()
        try:
            cur.execute("COMMIT")
            raise AssertionError("COMMIT succeeded with a shard's connection gone")
        except pymysql.MySQLError as e:
            msg = e.args[1]
            eq(e.args[0], 1158, "error code: %s" % msg)
            assert "partially applied" in msg, msg
            done, failed = msg.split("failed on", 1)
            assert "txb/-80" in done and "txb/80-" in failed, msg
        eq(on_shard(0), [(a, 100)], "shard 0 committed")
        eq(on_shard(1), [], "shard 1 rolled back with its connection")
        try:
            cur.execute("SELECT 1")
            raise AssertionError("the session went on after losing a connection")
        except pymysql.MySQLError:
            pass
        assert r.alive()
        # a new session works at once
        c2 = r.connect(database="txb", autocommit=True)
        cur2 = c2.cursor()
        cur2.execute("SELECT id FROM acct ORDER BY id")
        eq([x[0] for x in cur2.fetchall()], [a], "rows through a new session")
        c2.close()


def explain(cur, sql):
    cur.execute("EXPLAIN ROUTE " + sql)
    eq([d[0] for d in cur.description], ["property", "value"], "columns")
    return cur.fetchall()


@test
def explain_route():
    a, b = K[0][0], K[1][0]
    with router() as r:
        c = r.connect(database="txr", autocommit=True)
        cur = c.cursor()
        rows = explain(cur, "SELECT bal FROM acct WHERE id = %d" % b)
        d = dict(rows)
        eq(d["statement"], "SELECT", "kind")
        eq(d["map_version"], "1", "version")
        assert d["keyspace"].startswith("txr (sharded, 2 shards)"), d
        eq(d["keyspace_ids"], "%016x" % xxhash.xxh3_64_intdigest(struct.pack(">q", b)), "keyspace id")
        eq([k for k, _ in rows if k.startswith("target")], ["target 1"], "one target")
        assert "txr/80-" in d["target 1"] and SCHEMAS[1] in d["target 1"], d
        rows = explain(cur, "SELECT id FROM acct WHERE id IN (%d, %d) ORDER BY bal DESC LIMIT 3" % (a, b))
        d = dict(rows)
        assert "k-way merge" in d["merge"] and "LIMIT 3" in d["merge"], d
        eq(sorted(k for k, _ in rows if k.startswith("target")), ["target 1", "target 2"], "targets")
        assert "IN (%d)" % a in d["target 1"] and "IN (%d)" % b in d["target 2"], d
        d = dict(explain(cur, "SELECT COUNT(*) FROM acct"))
        assert d["route"].startswith("scatter"), d
        d = dict(explain(cur, "UPDATE acct SET id = %d WHERE id = %d" % (b, a)))
        assert d["refused"].startswith("ERROR 1235 (42000)") and "another shard" in d["refused"], d
        # nothing ran
        cur.execute("SELECT COUNT(*) FROM acct")
        eq(cur.fetchone()[0], 0, "EXPLAIN ROUTE ran nothing")
        try:
            cur.execute("EXPLAIN ROUTE")
            raise AssertionError("EXPLAIN ROUTE without a statement accepted")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1064, "EXPLAIN ROUTE alone")
        c.close()
        # shardctl explain prints the same plan from the map alone
        out = subprocess.run([SHARDCTL, "-m", r.map_path, "explain", "txr",
                              "SELECT bal FROM acct WHERE id = %d" % b], capture_output=True, text=True)
        eq(out.returncode, 0, "shardctl explain: %s" % out.stderr)
        assert "%016x" % xxhash.xxh3_64_intdigest(struct.pack(">q", b)) in out.stdout, out.stdout
        assert "txr/80-" in out.stdout, out.stdout
        out = subprocess.run([SHARDCTL, "--json", "-m", r.map_path, "explain", "txr",
                              "UPDATE acct SET id = %d WHERE id = %d" % (b, a)], capture_output=True, text=True)
        eq(out.returncode, 1, "shardctl explain of a refused statement")
        assert '"refused": "ERROR 1235' in out.stdout, out.stdout


if __name__ == "__main__":
    main()
