"""shardctl against a real catalog database (the testbed's shard-0 primary,
as admin, in a schema of its own created and dropped here): publish, refusals,
concurrent publishers, history, map show / diff / lookup from the catalog,
routers and --wait-version (router rows written directly with SQL), --json
outputs, DSN and connection errors; and golden keyspace-id vectors checked
against Python's xxhash module (Debian python3-xxhash), an implementation
independent of ours.
"""
import json
import os
import random
import struct
import subprocess
import tempfile
import time

import xxhash

from lib import *

CTL = os.environ.get("SHARDCTL_BIN", os.path.join(REPO, "build", "shardctl"))
SCHEMA = "shardcat_ctl%d" % os.getpid()
PASSWORD = ENV["TESTBED_ADMIN_PASSWORD"]
DSN = "mysql://%s:%s@%s:%d/%s" % (ENV["TESTBED_ADMIN_USER"], PASSWORD, HOST, port(0), SCHEMA)
WHERE = "%s@%s:%d/%s" % (ENV["TESTBED_ADMIN_USER"], HOST, port(0), SCHEMA)
TMP = tempfile.mkdtemp(prefix="shardctl-test-", dir=os.environ.get("SHARDROUTER_TEST_TMP"))
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def ctl(*args, env=None, timeout=60, password_ok=False):
    """Run shardctl; SHARDCTL_CATALOG only when given in env. Checks that no
    password ever appears in what it prints."""
    e = {k: v for k, v in os.environ.items() if k != "SHARDCTL_CATALOG"}
    e.update(env or {})
    r = subprocess.run([CTL] + list(args), capture_output=True, text=True, env=e, timeout=timeout)
    if not password_ok:
        assert PASSWORD not in r.stdout + r.stderr, "password printed: %s%s" % (r.stdout, r.stderr)
    return r


def ok(r, what=""):
    if r.returncode != 0:
        raise AssertionError("%s: exit %d\nstdout: %s\nstderr: %s" % (what or "shardctl", r.returncode,
                                                                     r.stdout, r.stderr))
    return r


def fails(r, code, *parts):
    """Exit code code, with every part in stderr (or in the JSON error)."""
    out = r.stderr + r.stdout
    if r.returncode != code:
        raise AssertionError("expected exit %d, got %d\nstdout: %s\nstderr: %s" % (code, r.returncode,
                                                                                   r.stdout, r.stderr))
    for p in parts:
        if p not in out:
            raise AssertionError("output lacks %r:\n%s" % (p, out))
    return r


def js(r):
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise AssertionError("not JSON (%s):\n%s" % (e, r.stdout))


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def app_map(version, shards, hash_line=""):
    """A map with sharded keyspace app (users, orders, sessions) and unsharded main."""
    items = ",\n".join('      { range = "%s"; primary = "%s"; schema = "%s"; }' % s for s in shards)
    return ("# shardctl integration test map, version %d\n"
            "version = %d;\n%s"
            "keyspaces = (\n"
            "  { name = \"app\"; sharded = true;\n"
            "    tables = ( { name = \"users\"; key = \"id\"; },\n"
            "               { name = \"orders\"; key = \"user_id\"; },\n"
            "               { name = \"sessions\"; key = \"token\"; key_type = \"string\"; key_ci = true; } );\n"
            "    reference_tables = ( \"countries\" );\n"
            "    shards = (\n%s\n    ); },\n"
            "  { name = \"main\"; sharded = false;\n"
            "    shards = ( { primary = \"127.0.0.1:%d\"; schema = \"main\"; } ); }\n"
            ");\n") % (version, version, hash_line, items, port(0))


P0 = "127.0.0.1:%d" % port(0)
P1 = "127.0.0.1:%d" % port(1)
V1 = app_map(1, [("-80", P0, "app"), ("80-", P1, "app")])
# v2 splits -80: -40 stays, 40-80 moves to shard 1's server in schema app2
V2 = app_map(2, [("-40", P0, "app"), ("40-80", P1, "app2"), ("80-", P1, "app")])


def catalog_sql(sql):
    return admin_sql(sql, db=SCHEMA)


# ---------------------------------------------------------------- publishing


@test
def create_catalog():
    admin_sql("DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s" % (SCHEMA, SCHEMA))
    r = ok(ctl("map", "history", "--catalog", DSN))
    assert "no published version yet" in r.stdout, r.stdout
    tables = {row[0] for row in catalog_sql("SHOW TABLES")}
    eq(tables, {"shardmap_versions", "shardmap_routers"}, "tables created on first use")
    eq(js(ok(ctl("--json", "map", "history", "--catalog", DSN)))["versions"], [], "empty history")


@test
def publish_v1_v2():
    r = ok(ctl("map", "publish", write("v1.conf", V1), "--catalog", DSN, "--comment", "first"))
    assert "as version 1 to catalog %s" % WHERE in r.stdout, r.stdout
    comment = "split -80 \u2192 -40, 40-80 \u2713 'quoted' \"double\" ; DROP TABLE x; --"
    d = js(ok(ctl("--json", "map", "publish", write("v2.conf", V2), "--catalog", DSN,
                  "--comment", comment)))
    eq((d["published"], d["version"], d["catalog"], d["comment"]), (True, 2, WHERE, comment), "JSON")
    rows = catalog_sql("SELECT version, body, comment, TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP(6)) "
                       "FROM shardmap_versions ORDER BY version")
    eq([(r[0], r[1], r[2]) for r in rows], [(1, V1, "first"), (2, V2, comment)],
       "bodies stored exactly, comments as given")
    for r in rows:
        assert abs(r[3]) < 120, "created_at is not UTC: %s s off" % r[3]


@test
def publish_same_version_refused():
    r = fails(ctl("map", "publish", write("v2.conf", V2), "--catalog", DSN), 1,
              "catalog %s already has version 2" % WHERE, "version 2 is not greater", "to 3 or more")
    d = js(fails(ctl("--json", "map", "publish", write("v2.conf", V2), "--catalog", DSN), 1))
    assert "already has version 2" in d["error"], d
    eq(catalog_sql("SELECT COUNT(*) FROM shardmap_versions"), ((2,),), "nothing inserted")


@test
def publish_lower_version_refused():
    other = V1.replace('schema = "app"; }', 'schema = "appx"; }')
    fails(ctl("map", "publish", write("v1b.conf", other), "--catalog", DSN), 1,
          "already has version 2", "version 1 is not greater")


@test
def publish_invalid_refused():
    gap = app_map(3, [("-40", P0, "app"), ("80-", P1, "app")])
    path = write("gap.conf", gap)
    r = fails(ctl("map", "publish", path, "--catalog", DSN), 1, "refused", path + ":", "gap",
              "add a shard for range 40-80")
    inc = write("inc.conf", '@include "v1.conf"\n')
    fails(ctl("map", "publish", inc, "--catalog", DSN), 1, "refused")
    fails(ctl("map", "publish", os.path.join(TMP, "missing.conf"), "--catalog", DSN), 1,
          "cannot open the shard map")
    eq(catalog_sql("SELECT MAX(version) FROM shardmap_versions"), ((2,),), "catalog unchanged")


@test
def publish_needs_a_catalog():
    fails(ctl("map", "publish", write("v3.conf", app_map(3, [("-", P0, "app")]))), 2,
          "map publish needs the catalog", "SHARDCTL_CATALOG")
    fails(ctl("map", "publish", "--catalog"), 2, "needs a value")
    fails(ctl("map", "publish", "a.conf", "--limit", "3", "--catalog", DSN), 2,
          "unknown option \"--limit\"")


# ---------------------------------------------------------------- reading


@test
def show_from_catalog():
    r = ok(ctl("map", "show", "--catalog", DSN))
    assert r.stdout.startswith("shard map catalog %s version 2: version 2, hash xxh3" % WHERE), r.stdout
    assert "app/40-80" in r.stdout and "app2" in r.stdout, r.stdout
    d = js(ok(ctl("--json", "--catalog", DSN, "map", "show")))
    eq(d["version"], 2, "version")
    eq([s["name"] for s in d["keyspaces"][0]["shards"]], ["app/-40", "app/40-80", "app/80-"], "shards")
    # from the environment; -m wins over it; both given is a usage error
    eq(js(ok(ctl("--json", "map", "show", env={"SHARDCTL_CATALOG": DSN})))["version"], 2, "env DSN")
    eq(js(ok(ctl("--json", "-m", write("v1.conf", V1), "map", "show",
                 env={"SHARDCTL_CATALOG": DSN})))["version"], 1, "-m over env")
    fails(ctl("map", "show", "-m", write("v1.conf", V1), "--catalog", DSN), 2, "not both")


@test
def diff_catalog_versions():
    r = ok(ctl("map", "diff", "catalog:1", "catalog:2", "--catalog", DSN))
    want = ("keyspace \"app\": range 40-80 (ids 4000000000000000..7fffffffffffffff) moved from app/-80 "
            "(primary %s, schema app) to app/40-80 (primary %s, schema app2)" % (P0, P1))
    assert want in r.stdout, r.stdout
    assert "range -40 (ids 0000000000000000..3fffffffffffffff) stays in schema app on %s; shard " \
           "app/-80 becomes app/-40" % P0 in r.stdout, r.stdout
    assert "1 change" not in r.stdout and ": 2 changes" in r.stdout, r.stdout
    d = js(ok(ctl("--json", "map", "diff", "catalog:1", "catalog:latest", env={"SHARDCTL_CATALOG": DSN})))
    eq((d["from"]["version"], d["to"]["version"], d["identical"]), (1, 2, False), "header")
    moved = [c for c in d["changes"] if c["kind"] == "range_moved"]
    eq(len(moved), 1, "one moved range")
    m = moved[0]
    eq((m["keyspace"], m["range"], m["first_id"], m["last_id"], m["from"]["name"], m["from"]["primary"],
        m["to"]["name"], m["to"]["primary"], m["to"]["schema"]),
       ("app", "40-80", "4000000000000000", "7fffffffffffffff", "app/-80", P0, "app/40-80", P1, "app2"),
       "moved range")
    # a file against the catalog: same content
    d = js(ok(ctl("--json", "map", "diff", write("v2.conf", V2), "catalog:2", "--catalog", DSN)))
    eq((d["identical"], d["changes"]), (True, []), "file = catalog:2")
    fails(ctl("map", "diff", "catalog:9", "catalog:1", "--catalog", DSN), 1, "has no shard-map version 9")
    fails(ctl("map", "diff", "catalog:x", "catalog:1", "--catalog", DSN), 2, "write catalog:N")
    fails(ctl("map", "diff", "catalog:1", "catalog:2"), 2, "needs the catalog")


@test
def lookup_from_catalog():
    d = js(ok(ctl("--json", "lookup", "app", "users", "42", "--catalog", DSN)))
    eq((d["version"], d["keyspace_id"], d["shard"]["name"]), (2, "2e4fe982b68910ac", "app/-40"), "42")
    d = js(ok(ctl("--json", "lookup", "app", "users", "1", env={"SHARDCTL_CATALOG": DSN})))
    eq((d["keyspace_id"], d["shard"]["name"], d["shard"]["schema"]),
       ("f36b4a1a44f78bf3", "app/80-", "app"), "1")
    r = ok(ctl("lookup", "app", "users", "42", "--catalog", DSN))
    assert "app/-40" in r.stdout and "map version  2" in r.stdout, r.stdout
    fails(ctl("lookup", "app", "nosuch", "1", "--catalog", DSN), 1, "not in keyspace \"app\"")


@test
def history_order_and_comments():
    r = ok(ctl("map", "history", "--catalog", DSN))
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["VERSION", "CREATED", "(UTC)"], lines
    eq([l.split()[0] for l in lines[1:]], ["2", "1"], "newest first")
    assert lines[2].rstrip().endswith("first"), lines
    d = js(ok(ctl("--json", "map", "history", "--catalog", DSN)))
    eq([(v["version"], v["comment"]) for v in d["versions"]][1], (1, "first"), "JSON history")
    assert d["versions"][0]["comment"].startswith("split -80 \u2192"), d
    eq(len(js(ok(ctl("--json", "map", "history", "--limit", "1", "--catalog", DSN)))["versions"]), 1,
       "--limit 1")
    fails(ctl("map", "history", "--limit", "x", "--catalog", DSN), 2, "--limit expects")


@test
def concurrent_publishers():
    """Several processes publish the same version at once: exactly one wins,
    the others are refused naming the version that is now current."""
    for version in (10, 11, 12, 13, 14):
        paths = [write("c%d-%d.conf" % (version, i),
                       app_map(version, [("-80", P0, "app%d" % i), ("80-", P1, "app")]))
                 for i in range(4)]
        procs = [subprocess.Popen([CTL, "map", "publish", p, "--catalog", DSN, "--comment", "racer %d" % i],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i, p in enumerate(paths)]
        results = [(p.wait(60), p.stdout.read(), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        winners = [i for i, (rc, _, _) in enumerate(results) if rc == 0]
        eq(len(winners), 1, "winners for version %d: %r" % (version, results))
        for i, (rc, out, err) in enumerate(results):
            if i in winners:
                continue
            eq(rc, 1, "loser's exit code")
            assert "already has version %d" % version in err or "at the same time" in err, err
        rows = catalog_sql("SELECT body, comment FROM shardmap_versions WHERE version = %d" % version)
        eq(len(rows), 1, "rows for version %d" % version)
        eq(rows[0], (open(paths[winners[0]]).read(), "racer %d" % winners[0]), "the winner's text")
    # and a lower version racing a higher one never lands after it
    eq(catalog_sql("SELECT MAX(version), COUNT(*) FROM shardmap_versions"), ((14, 7),), "versions")


@test
def edited_row_detected():
    """A body whose own version no longer matches its row is refused on read."""
    catalog_sql("UPDATE shardmap_versions SET body = REPLACE(body, 'version = 2;', 'version = 3;') "
                "WHERE version = 2")
    fails(ctl("map", "diff", "catalog:2", "catalog:1", "--catalog", DSN), 1,
          "catalog %s version 2: the stored text says version = 3" % WHERE, "publish a corrected map")
    catalog_sql("UPDATE shardmap_versions SET body = REPLACE(body, 'version = 3;', 'version = 2;') "
                "WHERE version = 2")
    ok(ctl("map", "diff", "catalog:2", "catalog:1", "--catalog", DSN))


# ---------------------------------------------------------------- routers


def routers_json(*args):
    return js(ok(ctl("--json", "routers", "--catalog", DSN, *args)))


@test
def routers_listing():
    r = ok(ctl("routers", "--catalog", DSN))
    assert "no router has reported" in r.stdout, r.stdout
    catalog_sql("INSERT INTO shardmap_routers VALUES "
                "('r1', 'host-a', 101, 14, NOW(6) - INTERVAL 1 MINUTE, NOW(6)),\n"
                "('r2', 'host-b', 202, 13, NOW(6) - INTERVAL 1 MINUTE, NOW(6)),\n"
                "('r3', 'host-c', 303, 1, NOW(6) - INTERVAL 2 HOUR, NOW(6) - INTERVAL 1 HOUR)")
    d = routers_json("--stale-after", "600")
    eq(d["latest_version"], 14, "latest version")
    eq([(x["router_id"], x["host"], x["pid"], x["version"], x["stale"]) for x in d["routers"]],
       [("r1", "host-a", 101, 14, False), ("r2", "host-b", 202, 13, False), ("r3", "host-c", 303, 1, True)],
       "routers")
    assert 3590 < d["routers"][2]["heartbeat_age_s"] < 3700, d["routers"][2]
    assert d["routers"][0]["heartbeat_age_s"] < 60, d["routers"][0]
    r = ok(ctl("routers", "--catalog", DSN, "--stale-after", "600"))
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["ROUTER", "HOST", "PID", "VERSION"], lines
    assert lines[3].startswith("r3") and lines[3].rstrip().endswith("stale"), lines
    assert lines[1].rstrip().endswith("live"), lines
    assert "3 routers: 2 live, 1 stale" in r.stdout and "latest version is 14" in r.stdout, r.stdout
    fails(ctl("routers", "--catalog", DSN, "--stale-after", "0"), 2, "--stale-after expects")
    fails(ctl("routers", "--catalog", DSN, "--timeout", "5"), 2, "--timeout applies to --wait-version")


@test
def routers_wait_version():
    # r1 runs 14, r2 13, r3 is stale: waiting for 13 succeeds at once
    r = ok(ctl("routers", "--catalog", DSN, "--stale-after", "600", "--wait-version", "13"))
    assert "all 2 live routers run version 13 or later" in r.stdout, r.stdout
    # for 14: r2 lags; times out, exit 1, names r2 but not the stale r3
    t0 = time.time()
    r = fails(ctl("routers", "--catalog", DSN, "--stale-after", "600", "--wait-version", "14",
                  "--timeout", "1"), 1, "timed out after", "waiting for version 14",
              "1 of 2 live routers still runs an older version", "r2 on host-b (pid 202) runs version 13")
    assert "r3" not in r.stderr and "r1 on" not in r.stderr, r.stderr
    assert 0.9 < time.time() - t0 < 10, "waited %.1f s" % (time.time() - t0)
    d = js(fails(ctl("--json", "routers", "--catalog", DSN, "--stale-after", "600", "--wait-version", "15",
                     "--timeout", "0.3"), 1))
    eq((d["ok"], d["wait_version"], d["live"], [x["router_id"] for x in d["laggards"]]),
       (False, 15, 2, ["r1", "r2"]), "JSON timeout")
    assert "timed out" in d["error"], d
    # r2 catches up while we wait
    p = subprocess.Popen([CTL, "--json", "routers", "--catalog", DSN, "--stale-after", "600",
                          "--wait-version", "14", "--timeout", "30"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert p.poll() is None, "returned before r2 caught up: %s" % p.stdout.read()
    catalog_sql("UPDATE shardmap_routers SET version = 14, heartbeat_at = NOW(6) WHERE router_id = 'r2'")
    out, err = p.communicate(timeout=30)
    eq(p.returncode, 0, "wait after catch-up (%s)" % err)
    d = json.loads(out)
    eq((d["ok"], d["laggards"]), (True, []), "JSON success")
    assert 0.8 < d["waited_s"] < 25, d
    # a router that stops heartbeating stops counting: r1 goes stale
    catalog_sql("UPDATE shardmap_routers SET heartbeat_at = NOW(6) - INTERVAL 20 MINUTE WHERE router_id = 'r1'")
    d = routers_json("--stale-after", "600", "--wait-version", "14", "--timeout", "0")
    eq((d["ok"], d["live"]), (True, 1), "stale routers are not waited for")


# ---------------------------------------------------------------- errors


@test
def catalog_errors():
    dead = "mysql://admin:%s@127.0.0.1:%d/x" % (PASSWORD, free_port())
    t0 = time.time()
    fails(ctl("map", "history", "--catalog", dead), 1, "cannot connect", "reachable")
    assert time.time() - t0 < 15, "connect error took %.1f s" % (time.time() - t0)
    d = js(fails(ctl("--json", "routers", "--catalog", dead), 1))
    assert "cannot connect" in d["error"], d
    wrong = "mysql://admin:wrongpass%%21@127.0.0.1:%d/%s" % (port(0), SCHEMA)
    r = fails(ctl("map", "history", "--catalog", wrong), 1, "check the user and password")
    assert "wrongpass" not in r.stdout + r.stderr, r.stderr
    nodb = "mysql://admin:%s@127.0.0.1:%d/%s_missing" % (PASSWORD, port(0), SCHEMA)
    fails(ctl("map", "history", "--catalog", nodb), 1, "CREATE DATABASE")
    fails(ctl("map", "history", "--catalog", "mysql://admin:%s@127.0.0.1:99999/x" % PASSWORD), 2,
          "invalid port \"99999\"")
    fails(ctl("map", "history", env={"SHARDCTL_CATALOG": "postgres://a:%s@h/x" % PASSWORD}), 2,
          "does not start with mysql://", "(in $SHARDCTL_CATALOG)")


# ---------------------------------------------------------------- golden keyspace ids


def fold(b):
    return bytes(c + 32 if 65 <= c <= 90 else c for c in b)


def py_ksid(hash_name, data):
    h = xxhash.xxh3_64_intdigest if hash_name == "xxh3" else xxhash.xxh64_intdigest
    return "%016x" % h(data)


def golden_map(hash_name):
    return write("golden-%s.conf" % hash_name,
                 'version = 1; hash = "%s";\n'
                 'keyspaces = ( { name = "g"; sharded = true;\n'
                 '  tables = ( { name = "ints"; key = "id"; },\n'
                 '             { name = "strs"; key = "s"; key_type = "string"; },\n'
                 '             { name = "cis"; key = "s"; key_type = "string"; key_ci = true; } );\n'
                 '  shards = ( { range = "-80"; primary = "h:1"; schema = "a"; },\n'
                 '             { range = "80-"; primary = "h:2"; schema = "b"; } ); } );\n' % hash_name)


def ctl_ksid(path, table, value):
    d = js(ok(ctl("--json", "-m", path, "lookup", "g", table, "--", value), "lookup %s %r" % (table, value)))
    want_shard = "g/-80" if int(d["keyspace_id"], 16) < (1 << 63) else "g/80-"
    eq(d["shard"]["name"], want_shard, "shard of %s" % d["keyspace_id"])
    return d["keyspace_id"]


@test
def golden_keyspace_ids():
    rnd = random.Random(20240501)
    ints = [0, 1, 42, -1, -7, INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1, 255, 256, -256]
    ints += [rnd.randint(INT64_MIN, INT64_MAX) for _ in range(12)]
    ints += [rnd.randint(-100000, 100000) for _ in range(4)]
    strs = ["", "hello", "Hello", "HELLO", "42", "-dash", "\u00c9COLE", "\u00e9cole", "a" * 300, "A" * 300,
            "Mixed Case With Spaces", "tab\there", "\u65e5\u672c\u8a9e", "emoji \U0001F600", "Z" * 1000]
    alphabet = "abcXYZ019 -_.\u00e9\u00c9\u4e2d"
    strs += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40))) for _ in range(10)]
    checked = 0
    for hash_name in ("xxh3", "xxh64"):
        path = golden_map(hash_name)
        for v in ints:
            want = py_ksid(hash_name, struct.pack(">q", v))
            eq(ctl_ksid(path, "ints", str(v)), want, "%s of int %d" % (hash_name, v))
            checked += 1
        # the same value written as 42.0 and +42 gives the same id
        eq(ctl_ksid(path, "ints", "42.0"), py_ksid(hash_name, struct.pack(">q", 42)), "42.0")
        eq(ctl_ksid(path, "ints", "+42"), py_ksid(hash_name, struct.pack(">q", 42)), "+42")
        # negative numbers need no "--"
        d = js(ok(ctl("--json", "-m", path, "lookup", "g", "ints", "-7")))
        eq(d["keyspace_id"], py_ksid(hash_name, struct.pack(">q", -7)), "-7 without --")
        for s in strs:
            b = s.encode("utf-8")
            eq(ctl_ksid(path, "strs", s), py_ksid(hash_name, b), "%s of string %r" % (hash_name, s))
            eq(ctl_ksid(path, "cis", s), py_ksid(hash_name, fold(b)), "%s of ci string %r" % (hash_name, s))
            checked += 2
    assert checked > 100, checked


@test
def drop_catalog():
    admin_sql("DROP DATABASE IF EXISTS %s" % SCHEMA)


if __name__ == "__main__":
    main()
