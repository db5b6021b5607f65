#!/usr/bin/python3
"""tests/bench/bench_pool.py — the pooling part of `make bench`.

bench.sh runs it after the other parts (with --no-summary: summarise.py
prints its figures and puts them in results.json under "pool"); it also
runs alone:

  tests/bench/bench_pool.py [--out DIR] [--no-summary]

It starts its own testbed (build/testbed-bench-pool: one primary with two
replicas) and measures, in one run:

  1. multiplexing: sysbench oltp_point_select --threads=BENCH_POOL_CLIENTS
     (1,000 client connections) at --rate=BENCH_POOL_RATE transactions/s
     for BENCH_TIME s through two routers on the same server, one with
     pool_max = BENCH_POOL_MAX (32) and one with no limit. Figures: qps and
     p95 of each, the ratio (target: pooled >= 0.9 of unlimited), and the
     most server connections each held (sampled from the processlist).
  2. memory: BENCH_POOL_IDLE (10,000) client connections opened through the
     router (each logged in and ran SELECT 1), then idle: router VmRSS
     before and after, per connection (target: 64 MB in all, 6.5 KB each),
     and the server connections they hold.
  3. read scaling: oltp_read_only (--skip_trx: plain reads) through
     routers whose map lists no replica (every read on the primary), one
     replica, and both replicas (consistency = eventual): qps, their ratios
     to the primary-only run, and the share of the reads the replicas
     served. (On this shared 2-core machine the servers compete for the
     same cores: the figure shows the router spreads reads, not what more
     machines would gain.)

Writes DIR/pool.json (DIR: --out, default build/bench) and logs in
DIR/pool/. Exits non-zero when sysbench fails or reports errors, or a
router dies; the testbed and the routers are stopped whatever happens.

Environment: BENCH_TIME=15, BENCH_POOL_CLIENTS=1000, BENCH_POOL_RATE=2000,
BENCH_POOL_MAX=32, BENCH_POOL_IDLE=10000, BENCH_THREADS=8 (part 3),
SHARDROUTER_BIN=build/shardrouter.
"""

import argparse
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

import pymysql

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTBED = os.path.join(REPO, "tests", "testbed.sh")
TB_DIR = os.path.join(REPO, "build", "testbed-bench-pool")
ROUTER_BIN = os.environ.get("SHARDROUTER_BIN", os.path.join(REPO, "build", "shardrouter"))


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def say(msg):
    print("bench-pool: " + msg, file=sys.stderr, flush=True)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Bench:
    def __init__(self, out):
        self.out = out
        self.logs = os.path.join(out, "pool")
        os.makedirs(self.logs, exist_ok=True)
        self.routers = []
        self.errors = []
        self.res = {}
        self.tb = None

    def start_testbed(self):
        say("starting a testbed (one primary, two replicas) in %s" % TB_DIR)
        r = subprocess.run([TESTBED, "start", "--dir", TB_DIR, "--shards", "1", "--replicas", "2"],
                           stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        if r.returncode != 0:
            raise SystemExit("tests/testbed.sh start failed")
        env = {}
        with open(r.stdout.strip()) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                env[k] = v
        self.tb = env
        self.app = (env["TESTBED_APP_USER"], env["TESTBED_APP_PASSWORD"])
        self.primary = int(env["SHARD0_PRIMARY_PORT"])
        self.replica = int(env["SHARD0_REPLICA_PORT"])
        self.replica2 = int(env["SHARD0_REPLICA2_PORT"])

    def admin(self, port):
        return pymysql.connect(host="127.0.0.1", port=port, user=self.tb["TESTBED_ADMIN_USER"],
                               password=self.tb["TESTBED_ADMIN_PASSWORD"], autocommit=True)

    def router(self, name, replicas=(), **settings):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        d = os.path.join(self.logs, name)
        os.makedirs(d, exist_ok=True)
        rep = (" replicas = ( %s );" % ", ".join('"127.0.0.1:%d"' % p for p in replicas)) if replicas else ""
        with open(os.path.join(d, "shardmap.conf"), "w") as f:
            f.write('version = 1;\nkeyspaces = ( { name = "sbtest"; shards = ( { primary = "127.0.0.1:%d";%s '
                    'schema = "sbtest"; } ); } );\n' % (self.primary, rep))
        extra = "".join("%s = %s;\n" % kv for kv in settings.items())
        with open(os.path.join(d, "shardrouter.conf"), "w") as f:
            f.write('listen = "127.0.0.1:%d";\nworkers = 2;\nlog_level = "warning";\nshardmap = "shardmap.conf";\n'
                    'max_client_connections = 20000;\n%s'
                    'users = ( { name = "%s"; password = "%s"; } );\nbackend = { user = "%s"; password = "%s"; };\n'
                    % (port, extra, self.app[0], self.app[1], self.app[0], self.app[1]))
        log = open(os.path.join(d, "router.log"), "w")
        p = subprocess.Popen([ROUTER_BIN, "-c", os.path.join(d, "shardrouter.conf")], stdout=log,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.routers.append(p)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return p, port
            except OSError:
                if p.poll() is not None:
                    raise SystemExit("router %s died at start (see %s)" % (name, d))
                time.sleep(0.05)
        raise SystemExit("router %s does not listen" % name)

    def stop_router(self, p):
        p.terminate()
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def server_conns(self, port):
        c = self.admin(port)
        cur = c.cursor()
        cur.execute("SELECT COUNT(*) FROM information_schema.processlist WHERE user = %s AND db = 'sbtest'",
                    (self.app[0],))
        n = cur.fetchone()[0]
        c.close()
        return n

    def sysbench(self, port, test, log, *opts):
        cmd = ["sysbench", test, "--db-driver=mysql", "--mysql-host=127.0.0.1", "--mysql-port=%d" % port,
               "--mysql-user=" + self.app[0], "--mysql-password=" + self.app[1], "--mysql-db=sbtest",
               "--db-ps-mode=disable", "--tables=4", "--table-size=10000"] + list(opts)
        with open(log, "w") as f:
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode
        with open(log) as f:
            out = f.read()
        return rc, out

    def figures(self, rc, out, what):
        if rc != 0 or re.search(r"FATAL|ALERT", out):
            self.errors.append("%s: sysbench exited %d" % (what, rc))
            return None
        m = re.search(r"queries:\s+\d+\s+\(([\d.]+) per sec", out)
        p95 = re.search(r"95th percentile:\s+([\d.]+)", out)
        err = re.search(r"ignored errors:\s+(\d+)", out)
        if err and int(err.group(1)) > 0:
            self.errors.append("%s: %s ignored errors" % (what, err.group(1)))
        return {"qps": float(m.group(1)) if m else None, "p95_ms": float(p95.group(1)) if p95 else None}

    # 1 ---------------------------------------------------------------------
    def multiplexing(self, clients, rate, pool_max, secs):
        say("multiplexing: %d clients at %d tx/s, pool_max %d vs no limit" % (clients, rate, pool_max))
        res = {"clients": clients, "rate": rate, "pool_max": pool_max, "seconds": secs}
        for name, settings in (("unlimited", {}), ("pooled", {"pool_max": pool_max})):
            p, port = self.router("mux-" + name, **settings)
            peak = [0]
            stop = threading.Event()

            def sample():
                while not stop.is_set():
                    peak[0] = max(peak[0], self.server_conns(self.primary))
                    time.sleep(0.5)
            th = threading.Thread(target=sample)
            th.start()
            rc, out = self.sysbench(port, "oltp_point_select", os.path.join(self.logs, "mux-%s.log" % name),
                                    "--threads=%d" % clients, "--rate=%d" % rate, "--time=%d" % secs,
                                    "--report-interval=0", "run")
            stop.set()
            th.join()
            f = self.figures(rc, out, "multiplexing " + name) or {}
            f["server_connections_max"] = peak[0]
            res[name] = f
            if p.poll() is not None:
                self.errors.append("router %s died" % name)
            self.stop_router(p)
        if res["pooled"].get("qps") and res["unlimited"].get("qps"):
            res["pooled/unlimited_qps"] = round(res["pooled"]["qps"] / res["unlimited"]["qps"], 3)
        self.res["multiplexing"] = res

    # 2 ---------------------------------------------------------------------
    def memory(self, n):
        say("memory: %d idle client connections through the router" % n)
        p, port = self.router("idle")
        time.sleep(0.5)
        base = rss_kib(p.pid)
        conns = []
        t0 = time.time()
        try:
            for i in range(n):
                c = pymysql.connect(host="127.0.0.1", port=port, user=self.app[0], password=self.app[1],
                                    database="sbtest", autocommit=True)
                c.cursor().execute("SELECT 1")
                conns.append(c)
        except Exception as e:  # noqa: BLE001 - reported
            self.errors.append("memory: connection %d failed: %s" % (len(conns), e))
        time.sleep(1)
        full = rss_kib(p.pid)
        held = self.server_conns(self.primary)
        for c in conns:
            c.close()
        self.res["memory"] = {"clients": len(conns), "rss_before_kib": base, "rss_with_clients_kib": full,
                              "per_client_bytes": round((full - base) * 1024 / max(1, len(conns))),
                              "server_connections": held, "open_seconds": round(time.time() - t0, 1),
                              "target_total_mib": 64, "target_per_client_bytes": 6656}
        self.stop_router(p)

    # 3 ---------------------------------------------------------------------
    def com_select(self, port):
        c = self.admin(port)
        cur = c.cursor()
        cur.execute("SHOW GLOBAL STATUS LIKE 'Com_select'")
        n = int(cur.fetchone()[1])
        c.close()
        return n

    def read_scaling(self, threads, secs):
        say("read scaling: oltp_read_only on the primary only, one replica, two replicas")
        res = {"threads": threads, "seconds": secs}
        runs = (("primary_only", ()), ("one_replica", (self.replica,)),
                ("two_replicas", (self.replica, self.replica2)))
        for name, reps in runs:
            p, port = self.router("read-" + name, replicas=reps, consistency='"eventual"',
                                  monitor_interval_ms=200)
            time.sleep(0.6)
            before = [self.com_select(x) for x in (self.replica, self.replica2)]
            rc, out = self.sysbench(port, "oltp_read_only", os.path.join(self.logs, "read-%s.log" % name),
                                    "--threads=%d" % threads, "--time=%d" % secs, "--skip_trx=on", "run")
            after = [self.com_select(x) for x in (self.replica, self.replica2)]
            f = self.figures(rc, out, "read scaling " + name) or {}
            q = re.search(r"queries:\s+(\d+)", out)
            total = int(q.group(1)) if q else 0
            f["replica_shares"] = [round((a - b) / total, 3) if total else None for a, b in zip(after, before)]
            res[name] = f
            self.stop_router(p)
        base = res["primary_only"].get("qps")
        for name in ("one_replica", "two_replicas"):
            if base and res[name].get("qps"):
                res[name + "/primary_only_qps"] = round(res[name]["qps"] / base, 3)
        self.res["read_scaling"] = res

    def cleanup(self):
        for p in self.routers:
            if p.poll() is None:
                self.stop_router(p)
        if self.tb is not None:
            subprocess.run([TESTBED, "stop", "--dir", TB_DIR], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def lines(res):
    out = ["", "Pooling (tests/bench/bench_pool.py; one primary with two replicas, routers with 2 workers):"]
    m = res.get("multiplexing")
    if m:
        for k in ("unlimited", "pooled"):
            f = m.get(k, {})
            out.append("  %d clients at %d tx/s, %-9s qps %8s  p95 %6s ms  server connections at most %s"
                       % (m["clients"], m["rate"], k if k == "unlimited" else "pool_max %d" % m["pool_max"],
                          f.get("qps"), f.get("p95_ms"), f.get("server_connections_max")))
        out.append("    -> pooled/unlimited qps %s (target >= 0.9)" % m.get("pooled/unlimited_qps"))
    mem = res.get("memory")
    if mem:
        out.append("  %d idle clients: router RSS %.1f MiB -> %.1f MiB, %d bytes per client (target 6,656), "
                   "%d server connections" % (mem["clients"], mem["rss_before_kib"] / 1024.0,
                                               mem["rss_with_clients_kib"] / 1024.0, mem["per_client_bytes"],
                                               mem["server_connections"]))
    r = res.get("read_scaling")
    if r and "two_replicas" in r:
        out.append("  oltp_read_only (%d threads, plain reads): primary only qps %s; one replica qps %s (-> %s); "
                   "two replicas qps %s (-> %s; shares of the reads %s); one 2-core machine for all servers"
                   % (r["threads"], r["primary_only"].get("qps"), r["one_replica"].get("qps"),
                      r.get("one_replica/primary_only_qps"), r["two_replicas"].get("qps"),
                      r.get("two_replicas/primary_only_qps"), r["two_replicas"].get("replica_shares")))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "build", "bench"))
    ap.add_argument("--no-summary", action="store_true")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *x: (_ for _ in ()).throw(SystemExit(143)))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    b = Bench(os.path.abspath(a.out))
    t0 = time.time()
    try:
        b.start_testbed()
        c = b.admin(b.primary)
        c.cursor().execute("CREATE DATABASE sbtest")
        c.close()
        rc, out = b.sysbench(b.primary, "oltp_read_only", os.path.join(b.logs, "prepare.log"), "prepare")
        if rc != 0:
            raise SystemExit("sysbench prepare failed (see %s/prepare.log)" % b.logs)
        secs = env_int("BENCH_TIME", 15)
        b.multiplexing(env_int("BENCH_POOL_CLIENTS", 1000), env_int("BENCH_POOL_RATE", 2000),
                       env_int("BENCH_POOL_MAX", 32), secs)
        b.memory(env_int("BENCH_POOL_IDLE", 10000))
        b.read_scaling(env_int("BENCH_THREADS", 8), secs)
    finally:
        b.cleanup()
    b.res["elapsed_s"] = round(time.time() - t0, 1)
    b.res["errors"] = b.errors
    with open(os.path.join(b.out, "pool.json"), "w") as f:
        json.dump(b.res, f, indent=2)
        f.write("\n")
    if not a.no_summary:
        print("\n".join(lines(b.res)))
    for e in b.errors:
        say("error: " + e)
    return 1 if b.errors else 0


if __name__ == "__main__":
    sys.exit(main())
