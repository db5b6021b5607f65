#!/usr/bin/python3
"""tests/fuzz/gen-seeds.py — write the hand-made seed corpora of the fuzz
harnesses into tests/fuzz/corpus/<harness>/ (the outputs are committed;
`make fuzz-seeds` regenerates them, together with tests/fuzz/make-seeds.sh,
which adds the statements of the classifier's test tables).

  fuzz_classify, fuzz_sqllex  SQL statements: the sysbench mix, what ORMs and
                              GUI clients send, lexical traps and writes that
                              hide (byte 0: lexer flags)
  fuzz_proto                  handshake responses, OK/ERR/EOF payloads and
                              framed packets, as real clients and servers
                              write them (byte 0: selector)
  fuzz_relay                  backend response streams: OK, ERR, result sets
                              in both EOF flavours, multi-results, LOCAL
                              INFILE, field lists, MariaDB extended metadata
                              and progress reports (bytes 0-3: kind, caps,
                              chunking; see fuzz_relay.c)

Files are named by the SHA-1 of their contents, as libFuzzer names its own,
so running this again changes nothing unless the seeds changed.
"""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

ANSI, NOBS = 1, 2


def write(harness, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(d, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return name


# ---------------------------------------------------------------- SQL

C120 = "-".join(["83868641912", "28773972837", "60736120486", "75162659906",
                 "27563526494", "20381887404", "41576422241", "93426793964",
                 "56405065102", "33518432330"])
PAD60 = "-".join(["67847967377", "48000963322", "62604785301", "91415491898", "96926520291"])

SQL = [
    # sysbench oltp_read_write, --db-ps-mode=disable
    "SELECT c FROM sbtest1 WHERE id=4711",
    "SELECT c FROM sbtest3 WHERE id BETWEEN 5004 AND 5103",
    "SELECT SUM(k) FROM sbtest2 WHERE id BETWEEN 1 AND 100",
    "SELECT c FROM sbtest4 WHERE id BETWEEN 7 AND 106 ORDER BY c",
    "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 250 AND 349 ORDER BY c",
    "UPDATE sbtest1 SET k=k+1 WHERE id=5010",
    "UPDATE sbtest2 SET c='%s' WHERE id=4977" % C120,
    "DELETE FROM sbtest3 WHERE id=5026",
    "INSERT INTO sbtest3 (id, k, c, pad) VALUES (5026, 4998, '%s', '%s')" % (C120, PAD60),
    "BEGIN",
    "COMMIT",
    # prepared-statement texts
    "SELECT c FROM sbtest1 WHERE id=?",
    "INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)",
    # ORMs and connectors
    "select user0_.id as id1_0_0_, user0_.email as email2_0_0_, orders1_.id as id1_1_1_, "
    "orders1_.total as total2_1_1_ from users user0_ left outer join orders orders1_ "
    "on user0_.id=orders1_.customer_id where user0_.id=? order by orders1_.created_at desc limit ?",
    'SELECT "auth_user"."id", "auth_user"."password", "auth_user"."last_login" FROM "auth_user" '
    'WHERE "auth_user"."username" = \'admin\' LIMIT 21',
    "SELECT `users`.* FROM `users` WHERE `users`.`id` = 42 LIMIT 1",
    "INSERT INTO `orders` (`customer_id`, `total`, `created_at`) VALUES (42, 9.99, "
    "'2024-01-01 10:00:00'), (43, 1.5e3, NOW())",
    "UPDATE `orders` SET `total` = 12.50, `updated_at` = '2024-01-02' WHERE `orders`.`id` = 7",
    "SELECT option_name, option_value FROM wp_options WHERE autoload = 'yes'",
    "INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('x', 'y', 'no') "
    "ON DUPLICATE KEY UPDATE option_name = VALUES(option_name), option_value = VALUES(option_value)",
    "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
    "SET autocommit=0",
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    "SET @@session.sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES', @x := 5",
    "SELECT @@version_comment LIMIT 1",
    "SHOW FULL TABLES FROM `shop` LIKE 'ord%'",
    "SHOW CREATE TABLE orders",
    "USE shop",
    "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT",
    "ROLLBACK TO SAVEPOINT sp1",
    "XA START 'x1'",
    "LOCK TABLES orders WRITE, users AS u READ",
    "LOAD DATA LOCAL INFILE '/tmp/o.csv' INTO TABLE orders FIELDS TERMINATED BY ','",
    "PREPARE s FROM 'SELECT * FROM users WHERE id = ?'; EXECUTE s USING @id; DEALLOCATE PREPARE s",
    "CALL refresh_totals(42)",
    "EXPLAIN FORMAT=JSON SELECT * FROM orders WHERE customer_id IN (1, 2, 3)",
    "KILL QUERY 1234",
    "SELECT COUNT(*), customer_id, MAX(total) FROM orders GROUP BY customer_id HAVING COUNT(*) > 2 "
    "ORDER BY 2 DESC LIMIT 10 OFFSET 20",
    "SELECT o.id, ROW_NUMBER() OVER (PARTITION BY o.customer_id ORDER BY o.total) FROM orders o",
    "WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT * FROM c",
    "SELECT * FROM users u JOIN orders o ON o.customer_id = u.id WHERE u.id IN (1, 2) OR u.id = 3",
    "SELECT * FROM shop.orders WHERE customer_id = _utf8mb4'42' COLLATE utf8mb4_bin",
    "SELECT X'2a', 0x2A, b'101', 0b101, .5e-3, N'text' FROM dual",
    "SELECT * FROM t WHERE k = -7 FOR UPDATE SKIP LOCKED",
    "SELECT * FROM t WHERE k = 1 LOCK IN SHARE MODE",
    "SELECT GET_LOCK('lock1', 10), LAST_INSERT_ID(), FOUND_ROWS()",
    "SELECT id INTO @last FROM orders ORDER BY id DESC LIMIT 1",
    "CREATE TEMPORARY TABLE tmp_ids (id INT PRIMARY KEY)",
    "ALTER TABLE orders ADD COLUMN note TEXT",
    "DROP TABLE IF EXISTS tmp_ids",
    "TRUNCATE orders",
    "RENAME TABLE a TO b",
    "REPLACE INTO users (id, name) VALUES (1, 'a'), (2, 'b')",
    "INSERT INTO orders SELECT * FROM orders_archive WHERE customer_id = 5",
    "UPDATE orders SET customer_id = 9 WHERE customer_id = 8",
    "DO SLEEP(0)",
    # writes that hide
    "/* SELECT */ DELETE FROM users WHERE id = 1",
    "/*!50700 DELETE FROM users */",
    "/*M! UPDATE users SET name = 'x' */",
    "SELECT 1; DROP TABLE users",
    "SELECT 1 -- comment\n; DELETE FROM orders",
    "SELECT 1 #; \nUNION SELECT 2",
    "WITH x AS (SELECT 1) DELETE FROM users",
    "WITH x AS (SELECT id FROM users) UPDATE orders SET total = 0 WHERE customer_id IN (SELECT id FROM x)",
    "SELECT 'a\\'; DELETE FROM users; -- '",
    "SELECT \"a\"\"; DROP TABLE t; \"",
    "\t\n  (SELECT 1)  UNION  (SELECT 2)  ",
    "SELECT/**/1/*!*/FROM/**/dual",
    "/*+ MAX_EXECUTION_TIME(1000) */ SELECT 1",
    "SELECT /*+ BKA(t) */ * FROM t",
    "BEGIN NOT ATOMIC DECLARE x INT; SET x = 1; UPDATE t SET k = x; END",
    "SELECT `a``b`, 'it''s', @`v`, @@global.max_connections FROM `we``ird`.`na me`",
    "select\u00e9 from t\u00fc",
    "",
    "   /* only a comment */  ",
    "SELECT 'unterminated",
    "SELECT 1 /* unterminated",
]

# Statements that mean something else under ANSI_QUOTES or NO_BACKSLASH_ESCAPES.
SQL_FLAGGED = [
    (ANSI, 'SELECT "id" FROM "users" WHERE "id" = 1'),
    (ANSI, 'UPDATE "orders" SET "total" = 1 WHERE "customer_id" = 2'),
    (NOBS, "SELECT 'a\\'; DELETE FROM users; -- '"),
    (NOBS, "SELECT 'C:\\' ; DROP TABLE t"),
    (ANSI | NOBS, 'SELECT "a\\"; DELETE FROM t; -- "'),
]

ORM_30 = (
    "select " + ", ".join(
        "%s.%s as %s%d_%d_0_" % (alias, col, col[:8], i + 1, i % 4)
        for i, (alias, col) in enumerate(
            [("user0_", c) for c in ("id", "email", "first_name", "last_name", "created_at",
                                     "updated_at", "status", "tenant_id", "locale", "timezone")]
            + [("orders1_", c) for c in ("id", "customer_id", "total", "currency", "state",
                                         "placed_at", "shipped_at", "note", "coupon", "channel")]
            + [("address2_", c) for c in ("id", "street", "city", "zip", "country", "region",
                                          "phone", "kind", "valid_from", "valid_to")]))
    + " from users user0_ left outer join orders orders1_ on user0_.id=orders1_.customer_id"
    " inner join addresses address2_ on user0_.id=address2_.user_id"
    " where user0_.tenant_id=7 and user0_.id in (11, 12, 13) order by orders1_.placed_at desc"
)
SQL.append(ORM_30)


def sql_seeds():
    for s in SQL:
        b = s.encode()
        write("fuzz_classify", bytes([0]) + b)
        write("fuzz_sqllex", bytes([0]) + b)
    for flags, s in SQL_FLAGGED:
        b = s.encode()
        write("fuzz_classify", bytes([flags]) + b)
        write("fuzz_sqllex", bytes([flags]) + b)
    # A multi-statement text made of several of the above.
    multi = ";\n".join(SQL[:12]).encode()
    write("fuzz_classify", bytes([0]) + multi)


# ---------------------------------------------------------------- protocol

CAP = {
    "LONG_PASSWORD": 1 << 0, "FOUND_ROWS": 1 << 1, "LONG_FLAG": 1 << 2,
    "CONNECT_WITH_DB": 1 << 3, "LOCAL_FILES": 1 << 7, "PROTOCOL_41": 1 << 9,
    "INTERACTIVE": 1 << 10, "SSL": 1 << 11, "TRANSACTIONS": 1 << 13,
    "SECURE_CONNECTION": 1 << 15, "MULTI_STATEMENTS": 1 << 16, "MULTI_RESULTS": 1 << 17,
    "PS_MULTI_RESULTS": 1 << 18, "PLUGIN_AUTH": 1 << 19, "CONNECT_ATTRS": 1 << 20,
    "PLUGIN_AUTH_LENENC": 1 << 21, "SESSION_TRACK": 1 << 23, "DEPRECATE_EOF": 1 << 24,
}


def caps(*names):
    v = 0
    for n in names:
        v |= CAP[n]
    return v


def lenenc(n):
    if n < 251:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfc" + struct.pack("<H", n)
    if n < 1 << 24:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def lstr(b):
    return lenenc(len(b)) + b


def packet(payload, seq):
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xff]) + payload


SCRAMBLE = bytes(range(0x21, 0x21 + 20))
ATTRS = b"".join(lstr(k) + lstr(v) for k, v in [
    (b"_os", b"Linux"), (b"_client_name", b"libmariadb"), (b"_pid", b"4242"),
    (b"_client_version", b"3.3.8"), (b"_platform", b"x86_64"), (b"program_name", b"mysql")])

BASE = caps("LONG_PASSWORD", "FOUND_ROWS", "LONG_FLAG", "LOCAL_FILES", "PROTOCOL_41",
            "TRANSACTIONS", "SECURE_CONNECTION", "MULTI_STATEMENTS", "MULTI_RESULTS",
            "PS_MULTI_RESULTS", "PLUGIN_AUTH")


def hs_response(c, user=b"sbtest", auth=SCRAMBLE, db=None, plugin=b"mysql_native_password",
                attrs=None, ext=0, charset=45):
    p = struct.pack("<IIB", c, 16 * 1024 * 1024, charset) + bytes(19) + struct.pack("<I", ext)
    p += user + b"\0"
    if c & CAP["PLUGIN_AUTH_LENENC"]:
        p += lstr(auth)
    elif c & CAP["SECURE_CONNECTION"]:
        p += bytes([len(auth)]) + auth
    else:
        p += auth + b"\0"
    if c & CAP["CONNECT_WITH_DB"]:
        p += (db or b"") + b"\0"
    if c & CAP["PLUGIN_AUTH"]:
        p += plugin + b"\0"
    if c & CAP["CONNECT_ATTRS"]:
        p += lstr(attrs if attrs is not None else ATTRS)
    return p


def ok(affected=0, insert_id=0, status=2, warnings=0, info=b"", state=None, header=0,
       track=False):
    p = bytes([header]) + lenenc(affected) + lenenc(insert_id) + struct.pack("<HH", status,
                                                                              warnings)
    if track:
        if info or state is not None:
            p += lstr(info)
        if state is not None:
            p += lstr(state)
    elif info:
        p += lstr(info)
    return p


def err(code, state, msg):
    return b"\xff" + struct.pack("<H", code) + b"#" + state + msg


def eof(warnings=0, status=2):
    return b"\xfe" + struct.pack("<HH", warnings, status)


def schema_state(name):
    data = lstr(name)
    return b"\x01" + lstr(data)


def proto_seeds():
    payloads = [
        hs_response(BASE | caps("CONNECT_WITH_DB", "CONNECT_ATTRS", "PLUGIN_AUTH_LENENC",
                                "SESSION_TRACK", "DEPRECATE_EOF"), db=b"sbtest"),
        hs_response(BASE | caps("CONNECT_ATTRS"), plugin=b"caching_sha2_password",
                    auth=bytes(32)),
        hs_response(BASE, auth=b""),
        hs_response(BASE | caps("CONNECT_WITH_DB"), db=b"shop", ext=0x1d),  # MariaDB ext caps
        hs_response(BASE & ~CAP["SECURE_CONNECTION"] & ~CAP["PLUGIN_AUTH"], auth=b"secret"),
        struct.pack("<IIB", BASE | CAP["SSL"], 16 * 1024 * 1024, 45) + bytes(23),  # SSLRequest
        struct.pack("<H", 0xa485) + b"\xff\xff\xff" + b"root\0" + b"12345678\0",  # 4.0 client
        ok(),
        ok(affected=1, info=b"Rows matched: 1  Changed: 1  Warnings: 0"),
        ok(affected=3, insert_id=1001, status=0x0003, warnings=1),
        ok(status=0x4002, state=schema_state(b"shop"), track=True),
        ok(status=0x4002, info=b"", state=b"\x00\x0f\x0aautocommit\x03OFF", track=True),
        ok(header=0xfe, status=0x0022),
        ok(affected=300, insert_id=70000, status=0x000a),
        err(1064, b"42000", b"You have an error in your SQL syntax; check the manual"),
        err(1146, b"42S02", b"Table 'shop.nope' doesn't exist"),
        b"\xff\x15\x04Access denied",  # pre-4.1 ERR without SQLSTATE
        b"\xff\xff\xff\x01\x00\x00\x00\x00\x10\x27\x00\x00\x0bstage 1 of 1",  # progress
        eof(),
        eof(warnings=2, status=0x000a),
        b"\xfe",
    ]
    for i, p in enumerate(payloads):
        write("fuzz_proto", bytes([i & 1]) + p)
    # Framed packets for proto_message_scan (selector = first sequence id).
    write("fuzz_proto", bytes([0]) + packet(b"\x03SELECT 1", 0))
    write("fuzz_proto", bytes([1]) + packet(ok(), 1) + packet(ok(), 2))
    write("fuzz_proto", bytes([0]) + packet(b"", 0))
    write("fuzz_proto", bytes([5]) + packet(b"\x03SELECT 1", 4))  # wrong sequence id


# ---------------------------------------------------------------- relay

DEPRECATE, TRACK, LOCAL = CAP["DEPRECATE_EOF"], CAP["SESSION_TRACK"], CAP["LOCAL_FILES"]
MORE_RESULTS = 0x0008


def coldef(name, table=b"sbtest1", schema=b"sbtest", ctype=0xfe, length=480, ext=None):
    p = lstr(b"def") + lstr(schema) + lstr(table) + lstr(table) + lstr(name) + lstr(name)
    if ext is not None:
        p += lstr(ext)
    p += b"\x0c" + struct.pack("<HIBHB", 45, length, ctype, 0, 0) + b"\0\0"
    return p


def row(*cols):
    return b"".join(b"\xfb" if c is None else lstr(c) for c in cols)


class Stream:
    def __init__(self):
        self.b = b""
        self.seq = 1

    def add(self, p):
        self.b += packet(p, self.seq)
        self.seq += 1
        return self


def result_set(s, backend_deprecate, cols, rows, status=2, md_ext=False, cache_md=False):
    s.add(lenenc(len(cols)) + (b"\x01" if cache_md else b""))
    for c in cols:
        s.add(coldef(c, ext=b"\x00\x04json" if md_ext else None))
    if not backend_deprecate:
        s.add(eof(status=status & ~MORE_RESULTS))
    for r in rows:
        s.add(row(*r))
    s.add(ok(header=0xfe, status=status) if backend_deprecate else eof(status=status))


def relay_header(kind=0, allow_infile=False, track_schema=False, chunking=0, limit=0,
                 client=0, backend=0, ext=0, infile_packets=0, bad_seq=False, seed=0):
    b0 = kind | (4 if allow_infile else 0) | (8 if track_schema else 0) | (chunking << 4) | (
        limit << 6)
    b1 = (1 if client & DEPRECATE else 0) | (2 if client & TRACK else 0) | (
        4 if client & LOCAL else 0) | (16 if backend & DEPRECATE else 0) | (
        32 if backend & TRACK else 0)
    b2 = ext | (infile_packets << 3) | (32 if bad_seq else 0)
    return bytes([b0, b1, b2, seed])


def relay_seeds():
    rows = [(b"%d" % i, C120.encode(), None if i == 3 else PAD60.encode()) for i in range(1, 6)]
    cols = [b"id", b"c", b"pad"]
    for backend in (0, DEPRECATE):
        for client in (0, DEPRECATE, DEPRECATE | TRACK):
            for chunking, limit in ((0, 0), (1, 1), (2, 2), (3, 3)):
                h = relay_header(client=client, backend=backend, chunking=chunking,
                                 limit=limit, seed=37)
                s = Stream()
                result_set(s, backend & DEPRECATE, cols, rows)
                write("fuzz_relay", h + s.b)
            # OK (with and without session tracking), ERR
            h = relay_header(client=client, backend=backend | TRACK, track_schema=True)
            write("fuzz_relay", h + Stream().add(
                ok(status=0x4002, state=schema_state(b"sbtest_0"), track=True)).b)
            write("fuzz_relay", relay_header(client=client, backend=backend) + Stream().add(
                ok(affected=1, info=b"Rows matched: 1  Changed: 1  Warnings: 0")).b)
            write("fuzz_relay", relay_header(client=client, backend=backend) + Stream().add(
                err(1146, b"42S02", b"Table 'sbtest.nope' doesn't exist")).b)
            # multi-results: two result sets and the final OK
            s = Stream()
            result_set(s, backend & DEPRECATE, [b"a"], [(b"1",)], status=2 | MORE_RESULTS)
            result_set(s, backend & DEPRECATE, [b"b", b"c"], [(b"x", b"y")],
                       status=2 | MORE_RESULTS)
            s.add(ok(status=2))
            write("fuzz_relay", relay_header(client=client, backend=backend, chunking=2,
                                             seed=3) + s.b)
            # error in the middle of the rows
            s = Stream()
            s.add(lenenc(1))
            s.add(coldef(b"a"))
            if not backend & DEPRECATE:
                s.add(eof())
            s.add(row(b"1"))
            s.add(err(1317, b"70100", b"Query execution was interrupted"))
            write("fuzz_relay", relay_header(client=client, backend=backend) + s.b)
            # COM_FIELD_LIST
            s = Stream()
            for c in cols:
                s.add(coldef(c) + b"\0")
            s.add(ok(header=0xfe) if backend & DEPRECATE else eof())
            write("fuzz_relay", relay_header(kind=1, client=client, backend=backend) + s.b)
            # COM_PING / COM_SET_OPTION
            write("fuzz_relay", relay_header(kind=2, client=client, backend=backend) +
                  Stream().add(ok()).b)
            write("fuzz_relay", relay_header(kind=2, client=client, backend=backend) +
                  Stream().add(ok(header=0xfe) if backend & DEPRECATE else eof()).b)
    # LOCAL INFILE: allowed (the client sends 2 packets and the empty one), denied
    s = Stream().add(b"\xfb/tmp/orders.csv")
    s.seq += 3  # the client's data packets and the empty one
    s.add(ok(affected=2, info=b"Records: 2  Deleted: 0  Skipped: 0  Warnings: 0"))
    write("fuzz_relay", relay_header(allow_infile=True, client=LOCAL, infile_packets=2) + s.b)
    write("fuzz_relay", relay_header(allow_infile=True, client=LOCAL, infile_packets=0,
                                     bad_seq=True) + s.b)
    s = Stream().add(b"\xfb/etc/passwd")
    s.seq += 1  # the empty file the router sends
    s.add(ok())
    write("fuzz_relay", relay_header(allow_infile=False, client=LOCAL) + s.b)
    # MariaDB: progress reports, extended metadata, cached metadata
    s = Stream()
    s.add(b"\xff\xff\xff\x01\x01\x03\x88\x13\x00\x00\x05stage")
    result_set(s, False, cols, rows[:2], md_ext=True)
    write("fuzz_relay", relay_header(ext=1 | 2) + s.b)
    s = Stream()
    result_set(s, True, cols, rows[:2], cache_md=True)
    write("fuzz_relay", relay_header(ext=4, client=DEPRECATE, backend=DEPRECATE) + s.b)
    s = Stream()
    s.add(b"\x02\x00")  # cached metadata: the definitions are not sent
    write("fuzz_relay", relay_header(ext=4) + s.b)
    # A large row split over two packets (a payload of 0xffffff is too big
    # for a seed: the fuzzer finds the split path from the header alone).
    s = Stream()
    s.add(lenenc(1))
    s.add(coldef(b"blob", ctype=0xfc, length=65535))
    s.add(eof())
    s.add(row(b"z" * 3000))
    s.add(eof())
    write("fuzz_relay", relay_header(chunking=3, limit=2, seed=200) + s.b)


def main():
    sql_seeds()
    proto_seeds()
    relay_seeds()
    for h in sorted(os.listdir(CORPUS)):
        print("gen-seeds: %s: %d files" % (h, len(os.listdir(os.path.join(CORPUS, h)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
