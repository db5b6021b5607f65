"""Sequences: INSERT rows of a sharded table without their shard key get
keys from a sequence table in an unsharded keyspace (reserved in blocks of
sequence_block ids), are routed by them, and the first key is the OK
packet's insert id. Keyspace "sqs" (2 shards: schemas sq_s0 on server 0,
sq_s1 on server 1), sequence table sq_main.items_seq in unsharded
keyspace "sq" on server 0."""
import struct
import threading

import xxhash

from lib import *

BLOCK = 10


def shard_of(v):
    return 0 if xxhash.xxh3_64_intdigest(struct.pack(">q", v)) < 1 << 63 else 1


MAP = """version = 1;
keyspaces = (
  { name = "sq"; shards = ( { primary = "%(h)s:%(p0)d"; schema = "sq_main"; } ); },
  { name = "sqs"; sharded = true;
    tables = ( { name = "items"; key = "id"; sequence = "sq.items_seq"; },
               { name = "plain"; key = "id"; },
               { name = "broken"; key = "id"; sequence = "sq.broken_seq"; } );
    shards = ( { range = "-80"; primary = "%(h)s:%(p0)d"; schema = "sq_s0"; },
               { range = "80-"; primary = "%(h)s:%(p1)d"; schema = "sq_s1"; } ); }
);
"""


def setup(start=1):
    admin_sql("DROP DATABASE IF EXISTS sq_main;\nCREATE DATABASE sq_main;\n"
              "CREATE TABLE sq_main.items_seq (id INT PRIMARY KEY, next_id BIGINT NOT NULL);\n"
              "INSERT INTO sq_main.items_seq VALUES (0, %d);\n"
              "CREATE TABLE sq_main.broken_seq (id INT PRIMARY KEY, next_id BIGINT NOT NULL)" % start)
    for i in (0, 1):
        sch = "sq_s%d" % i
        admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n"
                  "CREATE TABLE %s.items (id BIGINT PRIMARY KEY, name VARCHAR(20));\n"
                  "CREATE TABLE %s.plain (id BIGINT PRIMARY KEY, name VARCHAR(20));\n"
                  "CREATE TABLE %s.broken (id BIGINT PRIMARY KEY, name VARCHAR(20))"
                  % (sch, sch, sch, sch, sch), i)


def router(workers=2):
    setup()
    return Router(shardmap=MAP % {"h": HOST, "p0": port(0), "p1": port(1)},
                  settings={"sequence_block": BLOCK}, workers=workers)


def rows_by_shard():
    return [dict(admin_sql("SELECT id, name FROM sq_s%d.items" % i, i)) for i in (0, 1)]


def next_id():
    return admin_sql("SELECT next_id FROM sq_main.items_seq WHERE id = 0")[0][0]


@test
def keys_from_the_sequence():
    with router() as r:
        c = r.connect(database="sqs", autocommit=True)
        cur = c.cursor()
        cur.execute("INSERT INTO items (name) VALUES ('a')")
        first = cur.lastrowid
        eq(cur.rowcount, 1, "rowcount")
        cur.execute("INSERT INTO items (name) VALUES ('b'), ('c'), ('d')")
        eq(cur.rowcount, 3, "rowcount of 3 rows")
        multi = cur.lastrowid
        # more rows than a block: one larger reservation
        names = ["r%d" % i for i in range(25)]
        cur.execute("INSERT INTO items (name) VALUES " + ", ".join("('%s')" % n for n in names))
        big = cur.lastrowid
        shards = rows_by_shard()
        got = {}
        for i, rows in enumerate(shards):
            for k, name in rows.items():
                eq(shard_of(k), i, "row %s (key %d) on shard %d" % (name, k, i))
                got[name] = k
        eq(len(got), 29, "rows stored")
        eq(len(set(got.values())), 29, "keys unique")
        eq(got["a"], first, "insert id of a single row")
        eq([got[n] for n in "bcd"], [multi, multi + 1, multi + 2], "a multi-row insert's keys")
        eq([got[n] for n in names], list(range(big, big + 25)), "keys of a 25-row insert")
        assert next_id() > max(got.values()), "the sequence row is past every key given"
        assert first >= 1, first
        # LAST_INSERT_ID() is the first key of the last INSERT, as with AUTO_INCREMENT
        cur.execute("SELECT LAST_INSERT_ID()")
        eq(cur.fetchall(), ((big,),), "SELECT LAST_INSERT_ID()")
        cur.execute("select last_insert_id() AS lid")
        eq((cur.description[0][0], cur.fetchone()[0]), ("lid", big), "with an alias")
        # the statement reads back through the router like any other row
        cur.execute("SELECT name FROM items WHERE id = %d" % multi)
        eq(cur.fetchall(), (("b",),), "point select by a generated key")
        # EXPLAIN ROUTE names the sequence
        cur.execute("EXPLAIN ROUTE INSERT INTO items (name) VALUES ('x'), ('y')")
        d = dict(cur.fetchall())
        eq(d.get("sequence"), "sq.items_seq (2 ids)", "EXPLAIN ROUTE: %r" % d)
        c.close()


@test
def concurrent_sessions_get_unique_keys():
    """Six sessions over two routers (two workers each) insert at once: no
    key is given twice."""
    setup()
    text = MAP % {"h": HOST, "p0": port(0), "p1": port(1)}
    with Router(shardmap=text, settings={"sequence_block": BLOCK}) as r1, \
            Router(shardmap=text, settings={"sequence_block": BLOCK}) as r2:
        errors = []

        def work(r, tag):
            try:
                c = r.connect(database="sqs", autocommit=True)
                cur = c.cursor()
                for i in range(40):
                    cur.execute("INSERT INTO items (name) VALUES ('%s%d')" % (tag, i))
                c.close()
            except Exception as e:  # reported below
                errors.append(repr(e))

        ts = [threading.Thread(target=work, args=(r, "t%d_" % i)) for i, r in
              enumerate([r1, r2, r1, r2, r1, r2])]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        eq(errors, [], "errors")
        keys = [k for rows in rows_by_shard() for k in rows]
        eq(len(keys), 240, "rows")
        eq(len(set(keys)), 240, "unique keys")


@test
def reservation_outside_the_transaction():
    """A session with autocommit = 0: the reservation commits at once
    (other routers must not wait for the client's transaction), the rows
    only with the client's COMMIT; a ROLLBACK keeps the sequence moved."""
    with router() as r:
        c = r.connect(database="sqs")  # PyMySQL: autocommit off
        cur = c.cursor()
        before = next_id()
        cur.execute("INSERT INTO items (name) VALUES ('t1')")
        assert next_id() > before, "the reservation is committed while the client's transaction is open"
        eq(rows_by_shard(), [{}, {}], "the row is not committed yet")
        c.rollback()
        eq(rows_by_shard(), [{}, {}], "ROLLBACK")
        cur.execute("INSERT INTO items (name) VALUES ('t2')")
        key = cur.lastrowid
        c.commit()
        eq(rows_by_shard()[shard_of(key)], {key: "t2"}, "COMMIT")
        c.close()


@test
def refusals_and_errors():
    with router() as r:
        c = r.connect(database="sqs", autocommit=True)
        cur = c.cursor()
        try:
            cur.execute("INSERT INTO plain (name) VALUES ('x')")
            raise AssertionError("a row without key or sequence accepted")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1235, "no sequence")
            assert "rows need the shard key id" in e.args[1] and "sequence" in e.args[1], e
        try:
            cur.execute("INSERT INTO broken (name) VALUES ('x')")
            raise AssertionError("a sequence without its row gave keys")
        except pymysql.MySQLError as e:
            assert "cannot reserve ids from sequence sq.broken_seq" in e.args[1], e
            assert "id = 0" in e.args[1], e
        admin_sql("DROP TABLE sq_main.broken_seq")
        try:
            cur.execute("INSERT INTO broken (name) VALUES ('x')")
            raise AssertionError("a missing sequence table gave keys")
        except pymysql.MySQLError as e:
            eq(e.args[0], 1146, "the server's error for a missing sequence table")
            assert "cannot reserve ids from sequence sq.broken_seq" in e.args[1], e
        # the session is fine afterwards, and nothing was stored
        cur.execute("INSERT INTO items (name) VALUES ('ok')")
        eq(sum(len(x) for x in rows_by_shard()), 1, "rows")
        for i in (0, 1):
            eq(admin_sql("SELECT COUNT(*) FROM sq_s%d.broken" % i, i)[0][0], 0, "broken rows on %d" % i)
        c.close()


if __name__ == "__main__":
    main()
