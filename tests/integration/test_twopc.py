"""cross_shard_transactions = twopc: transactions spanning shards run as XA
branches, prepared everywhere, decided in the router's log, then committed;
rollback, deadlock and lost branches roll back every branch; a router killed
between PREPARE and the decision, or after the decision, is finished by
recovery when it starts again (and a branch lost after the decision by the
running router's recovery). Keyspace "tw", sharded on acct.id over the two
primaries (schemas tw_s0 and tw_s1); what each shard holds is read directly
from the servers, and the prepared transactions with XA RECOVER."""
import threading
import time

from lib import *

SCHEMAS = ("tw_s0", "tw_s1")


K = keys_on_two_shards(3)


def map_text(xshard="twopc"):
    return ('version = 1;\nkeyspaces = (\n'
            '  { name = "tw"; sharded = true; cross_shard_transactions = "%s";\n'
            '    tables = ( { name = "acct"; key = "id"; } );\n'
            '    shards = ( { range = "-80"; primary = "%s:%d"; schema = "%s"; },\n'
            '               { range = "80-"; primary = "%s:%d"; schema = "%s"; } ); } );\n'
            % (xshard, HOST, port(0), SCHEMAS[0], HOST, port(1), SCHEMAS[1]))


def setup():
    for i, sch in enumerate(SCHEMAS):
        for row in xa_recover(i):
            admin_sql("XA ROLLBACK X'%s',X'%s',%d" % (row[3][:row[1]].hex(), row[3][row[1]:].hex(), row[0]), i)
        admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n"
                  "CREATE TABLE %s.acct (id INT PRIMARY KEY, bal INT) ENGINE=InnoDB" % (sch, sch, sch), i)


def on_shard(i):
    return [tuple(r) for r in admin_sql("SELECT id, bal FROM %s.acct ORDER BY id" % SCHEMAS[i], i)]


def xa_recover(i):
    """The router's prepared transactions on shard i's primary."""
    return [r for r in admin_sql("XA RECOVER", i) if bytes(r[3]).startswith(b"sr.")]


def router(fault=None, recovery_ms=500):
    """A router for keyspace tw, not started; fault: SHARDROUTER_FAULT."""
    setup()
    r = Router(shardmap=map_text(), settings={"twopc_log": '"twopc.log"',
                                             "twopc_recovery_ms": str(recovery_ms)})
    faulty(r, fault)
    return r


def faulty(r, fault):
    r.env = dict(os.environ, SHARDROUTER_FAULT=fault) if fault else None
    return r




def log_records(r):
    with open(os.path.join(r.dir, "twopc.log")) as f:
        return f.read().split("\n")


def spread(cur, bal=1):
    """One row on each shard inside the open transaction."""
    a, b = K[0][0], K[1][0]
    cur.execute("INSERT INTO acct (id, bal) VALUES (%d, %d), (%d, %d)" % (a, bal, b, bal))
    return a, b


@test
def commit_spans_shards():
    """BEGIN, rows on both shards, COMMIT: both shards hold them, nothing is
    left prepared, and the log has the decision and its end."""
    r = router()
    with r:
        c = r.connect(database="tw", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        a, b = spread(cur, 5)
        cur.execute("UPDATE acct SET bal = bal + 1 WHERE id IN (%d, %d)" % (a, b))
        eq((on_shard(0), on_shard(1)), ([], []), "nothing visible before COMMIT")
        cur.execute("COMMIT")
        eq((on_shard(0), on_shard(1)), ([(a, 6)], [(b, 6)]), "both shards after COMMIT")
        eq((xa_recover(0), xa_recover(1)), ([], []), "nothing left prepared")
        recs = [l for l in log_records(r) if l]
        eq([l[0] for l in recs], ["C", "D"], "decision and end in the log: %s" % recs)
        eq(recs[0][2:], recs[1][2:], "same transaction")
        assert recs[0][2:].startswith("sr."), recs
        # the session goes on: a second transaction, and reads
        cur.execute("BEGIN")
        cur.execute("UPDATE acct SET bal = 0 WHERE id = %d" % a)
        cur.execute("UPDATE acct SET bal = 0 WHERE id = %d" % b)
        cur.execute("COMMIT")
        cur.execute("SELECT SUM(bal) FROM acct")
        eq(int(cur.fetchone()[0]), 0, "second transaction committed on both")
        cur.execute("SET @probe = 1")  # an OK packet: PyMySQL reads the status flags there
        assert c.server_status & 1 == 0, "no transaction open after COMMIT"
        c.close()


@test
def rollback_and_one_branch():
    """ROLLBACK ends every branch; a transaction on one shard commits in one
    phase (no decision logged)."""
    r = router()
    with r:
        c = r.connect(database="tw", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        spread(cur)
        cur.execute("ROLLBACK")
        eq((on_shard(0), on_shard(1), xa_recover(0), xa_recover(1)), ([], [], [], []),
           "nothing after ROLLBACK")
        cur.execute("START TRANSACTION")
        cur.execute("INSERT INTO acct (id, bal) VALUES (%d, 7), (%d, 8)" % (K[1][0], K[1][1]))
        cur.execute("COMMIT")
        eq((on_shard(0), on_shard(1)), ([], [(K[1][0], 7), (K[1][1], 8)]), "one shard")
        eq([l for l in log_records(r) if l], [], "one phase: no decision to log")
        c.close()


@test
def autocommit_off():
    """With autocommit off (PyMySQL's default) every statement is in an XA
    transaction; commit() and rollback() end it on every shard."""
    r = router()
    with r:
        c = r.connect(database="tw")
        cur = c.cursor()
        cur.execute("SELECT COUNT(*) FROM acct")
        a, b = spread(cur, 3)
        c.commit()
        eq((on_shard(0), on_shard(1)), ([(a, 3)], [(b, 3)]), "after commit()")
        cur.execute("UPDATE acct SET bal = 9")
        c.rollback()
        eq((on_shard(0), on_shard(1)), ([(a, 3)], [(b, 3)]), "after rollback()")
        cur.execute("DELETE FROM acct WHERE id = %d" % b)
        cur.execute("UPDATE acct SET bal = 4 WHERE id = %d" % a)
        c.commit()
        eq((on_shard(0), on_shard(1)), ([(a, 4)], []), "second commit()")
        eq((xa_recover(0), xa_recover(1)), ([], []), "nothing left prepared")
        c.close()


@test
def transfers_keep_the_total():
    """4 clients move money between 6 accounts on both shards (800
    transactions, locks taken in id order so that no deadlock spans
    servers): every transaction commits on both shards or neither, so the
    total stays, and each shard's rows add up to what the committed
    transfers say."""
    ids = K[0][:3] + K[1][:3]
    r = router()
    with r:
        c = r.connect(database="tw", autocommit=True)
        c.cursor().execute("INSERT INTO acct (id, bal) VALUES %s" % ", ".join("(%d, 1000)" % i for i in ids))
        c.close()
        moved = {i: 0 for i in ids}
        lock = threading.Lock()
        errors = []

        def worker(seed):
            import random
            rnd = random.Random(seed)
            cc = r.connect(database="tw", autocommit=True)
            cur = cc.cursor()
            cur.execute("SET SESSION innodb_lock_wait_timeout = 20")
            try:
                for _ in range(200):
                    x, y = rnd.sample(ids, 2)
                    amount = rnd.randint(1, 9)
                    first, second = sorted((x, y))
                    cur.execute("BEGIN")
                    for i in (first, second):
                        cur.execute("UPDATE acct SET bal = bal %s %d WHERE id = %d"
                                    % ("-" if i == x else "+", amount, i))
                    cur.execute("COMMIT")
                    with lock:
                        moved[x] -= amount
                        moved[y] += amount
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
            finally:
                cc.close()
        ts = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        eq(errors, [], "client errors")
        rows = dict(on_shard(0) + on_shard(1))
        eq(rows, {i: 1000 + moved[i] for i in ids}, "balances on the shards")
        eq(sum(rows.values()), 6000, "total")
        eq((xa_recover(0), xa_recover(1)), ([], []), "nothing left prepared")
        recs = [l for l in log_records(r) if l]
        commits = len([l for l in recs if l.startswith("C ")])
        assert commits > 100, "only %d cross-shard decisions" % commits
        eq(commits, len([l for l in recs if l.startswith("D ")]), "every decision closed")
        print("# transfers_keep_the_total: %d cross-shard commits" % commits, flush=True)


@test
def refusals():
    """What XA transactions cannot do is refused with 1235, and the open
    transaction stays usable."""
    r = router()
    with r:
        c = r.connect(database="tw", autocommit=True)
        cur = c.cursor()

        def refused(*cases):
            for sql, words in cases:
                try:
                    cur.execute(sql)
                    raise AssertionError("%s accepted" % sql)
                except pymysql.MySQLError as e:
                    eq(e.args[0], 1235, sql)
                    assert words in e.args[1], e
        refused(("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET TRANSACTION without SESSION"),
                ("START TRANSACTION READ ONLY", "take no characteristics"),
                ("START TRANSACTION WITH CONSISTENT SNAPSHOT", "take no characteristics"),
                ("XA START 'x'", "XA statements cannot be used"))
        cur.execute("BEGIN")
        a, b = spread(cur)
        refused(("BEGIN", "COMMIT or ROLLBACK it first"),
                ("COMMIT AND CHAIN", "AND CHAIN and RELEASE are not supported"),
                ("ROLLBACK RELEASE", "AND CHAIN and RELEASE are not supported"))
        cur.execute("commit work")
        eq((on_shard(0), on_shard(1)), ([(a, 1)], [(b, 1)]), "the transaction survived the refusals")
        c.close()


@test
def map_needs_a_log():
    """A twopc keyspace without twopc_log is refused at start, naming the key."""
    setup()
    r = Router(shardmap=map_text())
    try:
        r.start()
        raise AssertionError("started without twopc_log")
    except AssertionError as e:
        assert "needs a decision log: set twopc_log" in str(e), e
    finally:
        r.stop()


@test
def deadlock_rolls_back_every_branch():
    """Two transactions deadlock on shard 0; the victim's branch on shard 1
    is rolled back too (its row lock is gone at once), the other commits."""
    a1, a2, b = K[0][0], K[0][1], K[1][0]
    r = router()
    with r:
        admin_sql("INSERT INTO %s.acct VALUES (%d, 0), (%d, 0)" % (SCHEMAS[0], a1, a2), 0)
        admin_sql("INSERT INTO %s.acct VALUES (%d, 0)" % (SCHEMAS[1], b), 1)
        c1 = r.connect(database="tw", autocommit=True)
        c2 = r.connect(database="tw", autocommit=True)
        x1, x2 = c1.cursor(), c2.cursor()
        x1.execute("BEGIN")
        x1.execute("UPDATE acct SET bal = 1 WHERE id = %d" % b)
        x1.execute("UPDATE acct SET bal = 1 WHERE id = %d" % a1)
        x2.execute("BEGIN")
        x2.execute("UPDATE acct SET bal = 2 WHERE id = %d" % a2)
        errs = []

        def t1():
            try:
                x1.execute("UPDATE acct SET bal = 1 WHERE id = %d" % a2)
                x1.execute("COMMIT")
            except pymysql.MySQLError as e:
                errs.append(("c1", e.args[0]))
        th = threading.Thread(target=t1)
        th.start()
        time.sleep(0.5)
        try:
            x2.execute("UPDATE acct SET bal = 2 WHERE id = %d" % a1)
            x2.execute("COMMIT")
        except pymysql.MySQLError as e:
            errs.append(("c2", e.args[0]))
        th.join(30)
        eq(len(errs), 1, "one victim: %s" % errs)
        eq(errs[0][1], 1213, "deadlock")
        victim = errs[0][0]
        if victim == "c2":
            eq((on_shard(0), on_shard(1)), ([(a1, 1), (a2, 1)], [(b, 1)]), "c1 committed")
        else:
            eq((on_shard(0), on_shard(1)), ([(a1, 2), (a2, 2)], [(b, 0)]), "c2 committed, c1's b rolled back")
            # b is not locked any more
            admin_sql("SET SESSION innodb_lock_wait_timeout = 2;\nUPDATE %s.acct SET bal = 5 WHERE id = %d"
                      % (SCHEMAS[1], b), 1)
        eq((xa_recover(0), xa_recover(1)), ([], []), "nothing left prepared")
        (c1 if victim == "c1" else c2).cursor().execute("SELECT 1")
        c1.close()
        c2.close()


def branch_thread(i, db):
    rows = admin_sql("SELECT id FROM information_schema.processlist WHERE db = '%s' AND user = '%s'"
                     % (db, ENV["TESTBED_APP_USER"]), i)
    eq(len(rows), 1, "one router connection on shard %d" % i)
    return rows[0][0]


@test
def branch_lost_before_commit():
    """The shard-1 branch's connection dies before COMMIT: the session
    ends (its transaction is gone, as with one server) and shard 0's
    branch is rolled back."""
    r = router()
    with r:
        c = r.connect(database="tw", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        spread(cur)
        admin_sql("KILL %d" % branch_thread(1, SCHEMAS[1]), 1)
        time.sleep(0.2)
        try:
            cur.execute("COMMIT")
            raise AssertionError("COMMIT succeeded without shard 1")
        except pymysql.MySQLError as e:
            assert e.args[0] in (2013, 2006, 1158), e
        wait_for("shard 0 rolled back", lambda: not admin_sql(
            "SELECT 1 FROM information_schema.innodb_trx", 0))
        eq((on_shard(0), on_shard(1), xa_recover(0), xa_recover(1)), ([], [], [], []), "nothing kept")
        c.close()


@test
def prepare_fails_on_one_shard():
    """XA PREPARE fails on one branch (a fault point sends it a wrong
    branch id) after the other branch prepared: COMMIT fails with 1180
    naming XA PREPARE, the prepared branch is rolled back, and the session
    goes on."""
    r = router("twopc-fail-prepare")
    with r:
        c = r.connect(database="tw", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        spread(cur)
        try:
            cur.execute("COMMIT")
            raise AssertionError("COMMIT succeeded although a PREPARE failed")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1180, "error during COMMIT: %s" % (e.args,))
            assert "at XA PREPARE" in e.args[1] and "rolled back on every shard" in e.args[1], e
        eq((on_shard(0), on_shard(1)), ([], []), "nothing committed")
        wait_for("nothing prepared", lambda: not xa_recover(0) and not xa_recover(1))
        cur.execute("SELECT COUNT(*) FROM acct")
        eq(cur.fetchone()[0], 0, "the session goes on")
        cur.execute("SET @probe = 1")  # an OK packet: PyMySQL reads the status flags there
        assert c.server_status & 1 == 0, "no transaction open"
        c.close()


def crash(fault):
    """COMMIT with the router killed at fault; returns (router, a, b)."""
    r = router(fault)
    r.start()
    c = r.connect(database="tw", autocommit=True)
    cur = c.cursor()
    cur.execute("BEGIN")
    a, b = spread(cur, 2)
    try:
        cur.execute("COMMIT")
        raise AssertionError("COMMIT answered although the router was to die")
    except pymysql.MySQLError as e:
        assert e.args[0] in (2013, 2006), e
    r.proc.wait(10)
    eq(r.proc.returncode, -9, "killed")
    r.stop()
    # both branches prepared and in doubt: invisible and still there
    eq((len(xa_recover(0)), len(xa_recover(1))), (1, 1), "prepared on both shards")
    eq((on_shard(0), on_shard(1)), ([], []), "nothing committed")
    faulty(r, None)
    return r, a, b


@test
def crash_before_decision_rolls_back():
    r, a, b = crash("twopc-after-prepare")
    r.start()
    try:
        wait_for("recovery", lambda: not xa_recover(0) and not xa_recover(1))
        eq((on_shard(0), on_shard(1)), ([], []), "rolled back: no decision was recorded")
        assert "twopc recovery: rolled back branch" in r.log(), r.log()[-2000:]
    finally:
        r.stop()


@test
def crash_after_decision_commits():
    r, a, b = crash("twopc-after-decide")
    assert any(l.startswith("C sr.") for l in log_records(r)), log_records(r)
    r.start()
    try:
        wait_for("recovery", lambda: not xa_recover(0) and not xa_recover(1))
        eq((on_shard(0), on_shard(1)), ([(a, 2)], [(b, 2)]), "committed: the decision was recorded")
        assert "twopc recovery: committed branch" in r.log(), r.log()[-2000:]
        # once finished everywhere, the record is closed
        wait_for("record closed", lambda: "is finished everywhere (committed)" in r.log())
    finally:
        r.stop()
    recs = [l for l in log_records(r) if l]
    eq([l[:2] for l in recs], ["C ", "D "], "compacted at start to the open decision, then closed: %s" % recs)


@test
def branch_lost_after_decision():
    """After the decision one branch's connection breaks: the client still
    gets OK (the transaction is committed), and the running router's
    recovery commits the branch left prepared."""
    r = router("twopc-lose-branch", recovery_ms=60000)  # only the worker's request makes it run
    with r:
        c = r.connect(database="tw", autocommit=True)
        cur = c.cursor()
        cur.execute("BEGIN")
        a, b = spread(cur, 3)
        cur.execute("COMMIT")
        wait_for("recovery", lambda: on_shard(0) and on_shard(1))
        eq((on_shard(0), on_shard(1)), ([(a, 3)], [(b, 3)]), "both committed")
        eq((xa_recover(0), xa_recover(1)), ([], []), "nothing left prepared")
        assert "recovery finishes them" in r.log() and "twopc recovery: committed branch" in r.log(), \
            r.log()[-2000:]
        cur.execute("SELECT COUNT(*) FROM acct")
        eq(cur.fetchone()[0], 2, "the session goes on")
        c.close()


@test
def earlier_run_left_undecided():
    """A prepared branch of an earlier run of this router (same router_id),
    with no decision in the log, is rolled back at start; another router's,
    and a foreign XA transaction, are left alone."""
    setup()
    r = router()
    r.start()
    c = r.connect(database="tw", autocommit=True)
    c.cursor().execute("SELECT 1")
    c.close()
    r.stop()
    mine = [l for l in r.log().split("\n") if "transaction ids sr." in l]
    assert mine, r.log()
    prefix = mine[0].split("transaction ids ")[1].split(".")[1]
    old = "sr.%s.%012x.%x" % (prefix, 1, 7)
    other = "sr.%s.%012x.%x" % ("0" * 16, 1, 7)
    held = []
    for gtrid in (old, other, "app-xa-1"):
        h = admin(0)
        hc = h.cursor()
        hc.execute("XA START '%s','b1'" % gtrid)
        hc.execute("INSERT INTO %s.acct VALUES (%d, 1)" % (SCHEMAS[0], 100 + len(held)))
        hc.execute("XA END '%s','b1'" % gtrid)
        hc.execute("XA PREPARE '%s','b1'" % gtrid)
        h.close()
        held.append(gtrid)
    r.start()
    try:
        wait_for("recovery", lambda: "rolled back branch 'b1' of transaction %s" % old in r.log())
        left = sorted(bytes(x[3]).decode() for x in admin_sql("XA RECOVER", 0))
        eq(left, sorted(["app-xa-1b1", other + "b1"]), "only this router's earlier branch ended")
    finally:
        r.stop()
        for g in ("app-xa-1", other):
            admin_sql("XA ROLLBACK '%s','b1'" % g, 0)


if __name__ == "__main__":
    main()
