#!/usr/bin/python3
"""tests/bench/bench_sharded.py — the sharded part of `make bench`.

bench.sh runs it after the unsharded part (with --no-summary: summarise.py
prints its figures and puts them in results.json under "sharded"); it also
runs alone:

  tests/bench/bench_sharded.py [--out DIR] [--no-summary]

It starts its own testbed (build/testbed-bench-sharded: 2 servers, no
replicas, free ports picked by tests/testbed.sh) and its own router
(2 workers) with one shard map holding four keyspaces:
  sb   sysbench tables sharded on id over 2 shards (one per server)
  s2   table t sharded on id over 2 shards (one per server), and table big
  s4   table t sharded on id over 4 shards (2 schemas on each server)
  main unsharded (the router's default keyspace)
  txb  table acct sharded on id over 2 shards (schemas tx_0, tx_1),
       cross_shard_transactions = best_effort
  tx2  the same schemas, cross_shard_transactions = twopc (decision log in
       the bench's log directory)
and measures, in one run so that the ratios mean something on a shared box:

  1. point selects on a sharded keyspace: sysbench oltp_point_select
     (--db-ps-mode=disable) through the router (keyspace sb) vs direct to one
     server holding all rows of the same tables (schema sbdirect): qps ratio,
     router CPU per statement (utime+stime from /proc/PID/stat / sysbench
     statements).
     Both copies are made by `sysbench prepare --auto_inc=off`, the sharded
     one through the router (a sharded table cannot place rows without the
     key); if the router refuses that (routers before 8,192 values per
     statement refused sysbench's bulk INSERTs), the failure is reported and
     the direct copy's rows are copied through the router in 1,000-row
     INSERTs instead.
  2. scatter latency on s2 and s4 (one client, BENCH_SCATTER_RUNS runs):
     SELECT id, k, c FROM t ORDER BY c LIMIT 10 (c: no index),
     SELECT id, k, c FROM t ORDER BY k LIMIT 10 (k: indexed) and
     SELECT COUNT(*) FROM t, through the router and, interleaved, the
     statement each shard received (read from the servers' general log)
     run directly on each shard's schema. Figure: router median (p95) /
     median (p95) of the slowest shard; target <= 1.3, reported, never
     failed on. Router answers are checked against the shards' answers.
  3. memory bound: table big (BENCH_BIG_ROWS rows, generated directly on
     the two shards of s2 from the sequence engine, odd ids on one and even
     ids on the other) read through the router with
     `SELECT id, k, c FROM big ORDER BY id` (no LIMIT: a k-way merge of the
     whole table) by `mariadb --quick` piped into awk (row count and order
     are checked); the router's VmRSS is sampled every 0.2 s and VmHWM is
     reset (/proc/PID/clear_refs) before the read. Figure: peak minus RSS
     before the read.
  4. transactions (one client, BENCH_TX_SECONDS per kind): BEGIN; UPDATE
     one row; COMMIT (one shard) and BEGIN; UPDATE a row on each shard;
     COMMIT (two shards), on txb (best_effort: BEGIN/COMMIT per shard) and
     tx2 (twopc: XA START, END, PREPARE, the fdatasync'd decision, XA
     COMMIT), interleaved. Figures: median and p95 latency per transaction,
     the twopc/best_effort ratio, router CPU per transaction; the rows are
     checked to hold every committed increment.

Writes DIR/sharded.json (DIR: --out, default build/bench) and the logs in
DIR/sharded/. Exits non-zero if a sysbench run fails or reports errors, if
the router dies, refuses or answers wrongly; the testbed and the router are
stopped whatever happens.

Environment:
  BENCH_TIME=15           seconds per sysbench run
  BENCH_THREADS=8         sysbench threads
  BENCH_ROUNDS=1          repeat the direct/router point-select pair this
                          many times, order rotated (figures are summed)
  BENCH_SHARDED_TABLES=4  sysbench tables (sharded keyspace)
  BENCH_SHARDED_TABLE_SIZE=10000  rows per sysbench table
  BENCH_SCATTER_ROWS=200000  rows of table t (in each of s2 and s4)
  BENCH_SCATTER_RUNS=200  timed runs per statement and keyspace
  BENCH_SCATTER_MAX_SECONDS=20  stop a statement's runs after this long (at
                          least 20 runs; the number done is reported): the
                          unindexed ORDER BY and COUNT(*) scan every row
  BENCH_BIG_ROWS=10000000 rows of the memory test (0 skips it)
  BENCH_BIG_GEN_SECONDS=120  stop generating big rows after this long and
                          use the rows made so far (the count is printed)
  BENCH_TX_SECONDS=5      seconds per transaction kind and keyspace
  BENCH_SHARDED_BASE_PORT=  base port for the testbed (default: free ports)
  SHARDROUTER_BIN=build/shardrouter  the router binary
"""

import argparse
import hashlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import pymysql

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTBED = os.path.join(REPO, "tests", "testbed.sh")
TB_DIR = os.path.join(REPO, "build", "testbed-bench-sharded")
ROUTER_BIN = os.environ.get("SHARDROUTER_BIN", os.path.join(REPO, "build", "shardrouter"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
INSERT_BATCH = 1000  # rows per INSERT through the router (older routers took at most 1,024)
SCATTER_STMTS = (
    ("order_by_c_limit10", "SELECT id, k, c FROM t ORDER BY c LIMIT 10"),
    ("order_by_k_limit10", "SELECT id, k, c FROM t ORDER BY k LIMIT 10"),
    ("count", "SELECT COUNT(*) FROM t"),
)


def env_int(name, default, lo=0):
    v = os.environ.get(name, "")
    if v == "":
        return default
    if not re.match(r"^[0-9]+$", v) or int(v) < lo:
        die("%s must be an integer >= %d (got '%s')" % (name, lo, v))
    return int(v)


def say(msg):
    print("bench-sharded: " + msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def die(msg):
    raise BenchError(msg)


# ---------------------------------------------------------------- /proc

def cpu_ticks(pid):
    """utime+stime of pid in clock ticks, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    f = s[s.rindex(")") + 2:].split()  # f[0] is field 3 (state)
    return int(f[11]) + int(f[12])


def status_kib(pid, *keys):
    """{key: KiB} from /proc/pid/status (VmRSS, VmHWM, ...)."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in keys:
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def machine_ticks():
    """(user+nice+system, irq+softirq, total) ticks of the whole machine."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return v[0] + v[1] + v[2], v[5] + v[6], sum(v)


class CpuWindow:
    """CPU used over a window by the given processes, by this process and its
    reaped children (the clients), and by the whole machine: what is left
    is other jobs on the box, which make the figures noisy."""

    def __init__(self, pids):
        self.pids = pids  # {name: pid}
        self.t0 = self._snap()

    def _snap(self):
        t = os.times()
        return ({k: cpu_ticks(p) for k, p in self.pids.items()},
                (t.user + t.system + t.children_user + t.children_system) * CLK_TCK, machine_ticks())

    def stop(self):
        (p0, c0, m0), (p1, c1, m1) = self.t0, self._snap()
        self.ticks = {k: (p1[k] - p0[k]) if p0[k] is not None and p1[k] is not None else None
                      for k in p0}
        self.client_ticks = c1 - c0
        task, irq, total = (m1[i] - m0[i] for i in range(3))
        total = max(total, 1)
        ours = sum(v for v in self.ticks.values() if v is not None) + self.client_ticks
        self.busy_pct = 100.0 * (task + irq) / total
        self.other_pct = 100.0 * max(task - ours, 0) / total
        return self


def pct(values, p):
    """Nearest-rank percentile of a list."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))]


# ---------------------------------------------------------------- processes

class Bench:
    def __init__(self, out):
        self.out = out
        self.logs = os.path.join(out, "sharded")
        self.router = None
        self.router_port = None
        self.tb_started = False
        self.children = []  # Popen objects to kill on the way out
        self.errors = []    # failures (the bench exits non-zero)
        self.problems = []  # router misbehaviour seen (also in errors)
        self.res = {}

    # ---- cleanup
    def cleanup(self):
        for p in self.children:
            if p.poll() is None:
                p.kill()
                p.wait()
        if self.router is not None and self.router.poll() is None:
            self.router.terminate()
            try:
                self.router.wait(10)
            except subprocess.TimeoutExpired:
                say("router (pid %d) did not stop after SIGTERM, killing it" % self.router.pid)
                self.router.kill()
                self.router.wait()
        if self.tb_started:
            r = subprocess.run([TESTBED, "stop", "--dir", TB_DIR], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            if r.returncode != 0:
                say("warning: could not stop the testbed in %s" % TB_DIR)

    def fail(self, msg, router_problem=False):
        say(("ROUTER PROBLEM: " if router_problem else "error: ") + msg)
        self.errors.append(msg)
        if router_problem:
            self.problems.append(msg)

    def check_router(self):
        if self.router.poll() is not None:
            rc = self.router.returncode
            try:
                with open(os.path.join(self.logs, "router.log")) as f:
                    sys.stderr.write("".join(f.readlines()[-30:]))
            except OSError:
                pass
            self.problems.append("the router died (exit status %s)" % rc)
            die("the router died (exit status %s; log: %s/router.log)" % (rc, self.logs))

    # ---- testbed
    def start_testbed(self, base_port):
        say("starting a 2-server testbed in %s" % TB_DIR)
        self.tb_started = True
        cmd = [TESTBED, "start", "--dir", TB_DIR, "--shards", "2", "--replicas", "0"]
        if base_port:
            cmd += ["--base-port", str(base_port)]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        if r.returncode != 0:
            die("tests/testbed.sh start failed (exit %d)" % r.returncode)
        env = {}
        with open(r.stdout.strip()) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                env[k] = v
        self.tb = env
        self.servers = [{"port": int(env["SHARD%d_PRIMARY_PORT" % i]),
                         "pid": int(env["SHARD%d_PRIMARY_PID" % i]),
                         "sock": env["SHARD%d_PRIMARY_SOCK" % i]} for i in range(2)]
        self.app = (env["TESTBED_APP_USER"], env["TESTBED_APP_PASSWORD"])
        self.admin_user = (env["TESTBED_ADMIN_USER"], env["TESTBED_ADMIN_PASSWORD"])

    def admin(self, i, db=None):
        return pymysql.connect(unix_socket=self.servers[i]["sock"], user=self.admin_user[0],
                               password=self.admin_user[1], database=db, autocommit=True)

    def direct(self, i, db):
        return pymysql.connect(host="127.0.0.1", port=self.servers[i]["port"], user=self.app[0],
                               password=self.app[1], database=db, autocommit=True)

    def via_router(self, db):
        return pymysql.connect(host="127.0.0.1", port=self.router_port, user=self.app[0],
                               password=self.app[1], database=db, autocommit=True)

    # ---- router
    def start_router(self, tables):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.router_port = s.getsockname()[1]
        s.close()
        p0, p1 = self.servers[0]["port"], self.servers[1]["port"]

        def shard(rng, port, schema):
            return '{ range = "%s"; primary = "127.0.0.1:%d"; schema = "%s"; }' % (rng, port, schema)

        def tbl(names):
            return ", ".join('{ name = "%s"; key = "id"; }' % n for n in names)
        # s4: shards alternate between the servers; two schemas on each
        self.s4_layout = [("-40", 0, "s4_0"), ("40-80", 1, "s4_1"), ("80-c0", 0, "s4_2"),
                          ("c0-", 1, "s4_3")]
        self.s2_layout = [("-80", 0, "s2_0"), ("80-", 1, "s2_1")]
        self.sb_layout = [("-80", 0, "sb_0"), ("80-", 1, "sb_1")]
        self.tx_layout = [("-80", 0, "tx_0"), ("80-", 1, "tx_1")]
        ports = [p0, p1]
        mapconf = """# written by tests/bench/bench_sharded.py
version = 1;
keyspaces = (
  { name = "main"; sharded = false;
    shards = ( { primary = "127.0.0.1:%d"; schema = "main"; } ); },
  { name = "sb"; sharded = true; tables = ( %s );
    shards = ( %s ); },
  { name = "s2"; sharded = true; tables = ( %s );
    shards = ( %s ); },
  { name = "s4"; sharded = true; tables = ( %s );
    shards = ( %s ); },
  { name = "txb"; sharded = true; cross_shard_transactions = "best_effort";
    tables = ( { name = "acct"; key = "id"; } ); shards = ( %s ); },
  { name = "tx2"; sharded = true; cross_shard_transactions = "twopc";
    tables = ( { name = "acct"; key = "id"; } ); shards = ( %s ); }
);
""" % (p0, tbl(tables), ", ".join(shard(r, ports[i], sc) for r, i, sc in self.sb_layout),
            tbl(["t", "big"]), ", ".join(shard(r, ports[i], sc) for r, i, sc in self.s2_layout),
            tbl(["t"]), ", ".join(shard(r, ports[i], sc) for r, i, sc in self.s4_layout),
            ", ".join(shard(r, ports[i], sc) for r, i, sc in self.tx_layout),
            ", ".join(shard(r, ports[i], sc) for r, i, sc in self.tx_layout))
        with open(os.path.join(self.logs, "shardmap.conf"), "w") as f:
            f.write(mapconf)
        with open(os.path.join(self.logs, "shardrouter.conf"), "w") as f:
            f.write('listen = "127.0.0.1:%d";\nworkers = 2;\nlog_level = "warning";\n'
                    'shardmap = "%s";\ndefault_keyspace = "main";\n'
                    'twopc_log = "%s";\n'
                    'users = ( { name = "%s"; password = "%s"; } );\n'
                    'backend = { user = "%s"; password = "%s"; };\n'
                    % (self.router_port, os.path.join(self.logs, "shardmap.conf"),
                       os.path.join(self.logs, "twopc.log"),
                       self.app[0], self.app[1], self.app[0], self.app[1]))
        log = open(os.path.join(self.logs, "router.log"), "w")
        self.router = subprocess.Popen([ROUTER_BIN, "-c", os.path.join(self.logs, "shardrouter.conf")],
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.router_port), 0.2).close()
                break
            except OSError:
                self.check_router()
                time.sleep(0.05)
        else:
            die("the router is not listening on 127.0.0.1:%d after 10 s" % self.router_port)
        say("servers 127.0.0.1:%d (pid %d) and :%d (pid %d), shardrouter :%d (pid %d)"
            % (p0, self.servers[0]["pid"], p1, self.servers[1]["pid"], self.router_port,
               self.router.pid))

    # ---- helpers
    def cpu_pids(self):
        return {"router": self.router.pid, "mariadbd0": self.servers[0]["pid"],
                "mariadbd1": self.servers[1]["pid"]}

    def questions(self):
        """Statements the two servers received (Questions), less the ones asking."""
        n = 0
        for i in range(2):
            c = self.admin(i)
            cur = c.cursor()
            cur.execute("SHOW GLOBAL STATUS LIKE 'Questions'")
            n += int(cur.fetchone()[1])
            c.close()
        return n

    def run(self, cmd, log, **kw):
        """Run cmd with output to log; killed on the way out. Returns the exit status."""
        with open(log, "w") as f:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT, **kw)
        self.children.append(p)
        rc = p.wait()
        self.children.remove(p)
        return rc

    def insert_via_router(self, conn, table, cols, rows):
        """INSERT rows through the router, INSERT_BATCH rows per statement."""
        cur = conn.cursor()
        one = "(" + ", ".join(["%s"] * len(cols)) + ")"
        head = "INSERT INTO %s (%s) VALUES " % (table, ", ".join(cols))
        for i in range(0, len(rows), INSERT_BATCH):
            chunk = rows[i:i + INSERT_BATCH]
            cur.execute(head + ", ".join([one] * len(chunk)), [v for r in chunk for v in r])
            if cur.rowcount != len(chunk):
                self.fail("INSERT of %d rows into %s through the router reported %d affected rows"
                          % (len(chunk), table, cur.rowcount), router_problem=True)

    def shard_counts(self, layout, table):
        out = []
        for _, i, schema in layout:
            c = self.admin(i, schema)
            cur = c.cursor()
            cur.execute("SELECT COUNT(*) FROM %s" % table)
            out.append(cur.fetchone()[0])
            c.close()
        return out

    # ================================================================ 1. point selects

    def sysbench_args(self, port, db, tables, size):
        return ["--db-driver=mysql", "--mysql-host=127.0.0.1", "--mysql-port=%d" % port,
                "--mysql-user=" + self.app[0], "--mysql-password=" + self.app[1],
                "--mysql-db=" + db, "--tables=%d" % tables, "--table-size=%d" % size]

    def point_selects(self, tables, size, secs, threads, rounds):
        say("point selects: sysbench prepare --auto_inc=off of %d x %d rows on the direct copy "
            "(127.0.0.1:%d schema sbdirect)" % (tables, size, self.servers[0]["port"]))
        a0 = self.admin(0)
        a0.cursor().execute("CREATE DATABASE sbdirect")
        a0.close()
        rc = self.run(["sysbench", "oltp_point_select", "--auto_inc=off"]
                      + self.sysbench_args(self.servers[0]["port"], "sbdirect", tables, size)
                      + ["prepare"], os.path.join(self.logs, "prepare-direct.log"))
        if rc != 0:
            die("sysbench prepare on the direct copy failed (log: %s/prepare-direct.log)" % self.logs)

        # The sharded copy: sysbench prepare through the router (DDL goes to every
        # shard, each bulk INSERT is split by the shard of each row's id).
        say("point selects: sysbench prepare --auto_inc=off through the router (keyspace sb)")
        t0 = time.time()
        rc = self.run(["sysbench", "oltp_point_select", "--auto_inc=off"]
                      + self.sysbench_args(self.router_port, "sb", tables, size) + ["prepare"],
                      os.path.join(self.logs, "prepare-router.log"))
        prepare_s = time.time() - t0
        self.check_router()
        method = "sysbench prepare --auto_inc=off through the router"
        if rc != 0:
            with open(os.path.join(self.logs, "prepare-router.log")) as f:
                m = re.search(r"error (\d+) \((.*?)\) for query '(.{0,80})", f.read())
            self.fail("sysbench prepare --auto_inc=off through the router failed: %s (log: %s/prepare-router.log)"
                      % ("error %s (%s) for query '%s..." % m.groups() if m else "exit %d" % rc, self.logs),
                      router_problem=True)
            # go on with the direct copy's rows, copied in INSERTs of INSERT_BATCH rows
            say("point selects: copying the direct copy's rows through the router instead (%d-row INSERTs)"
                % INSERT_BATCH)
            method = "copied from the direct copy through the router in %d-row INSERTs" % INSERT_BATCH
            t0 = time.time()
            src = self.admin(0, "sbdirect")
            r = self.via_router("sb")
            for n in range(1, tables + 1):
                name = "sbtest%d" % n
                cur = src.cursor()
                cur.execute("SHOW CREATE TABLE " + name)
                r.cursor().execute("DROP TABLE IF EXISTS " + name)
                r.cursor().execute(cur.fetchone()[1])
                cur.execute("SELECT id, k, c, pad FROM %s ORDER BY id" % name)
                self.insert_via_router(r, name, ("id", "k", "c", "pad"), cur.fetchall())
            src.close()
            r.close()
            prepare_s = time.time() - t0
        for n in range(1, tables + 1):
            counts = self.shard_counts(self.sb_layout, "sbtest%d" % n)
            if sum(counts) != size or min(counts) == 0:
                self.fail("sbtest%d: the shards hold %s rows after %s of %d"
                          % (n, counts, method, size), router_problem=True)
        say("point selects: sharded tables ready in %.1f s (%s)" % (prepare_s, method))
        self.check_router()

        targets = {"direct": self.servers[0]["port"], "shardrouter": self.router_port}
        dbs = {"direct": "sbdirect", "shardrouter": "sb"}

        def sb_run(t, seconds, log):
            return self.run(["sysbench", "oltp_point_select"]
                            + self.sysbench_args(targets[t], dbs[t], tables, size)
                            + ["--db-ps-mode=disable", "--threads=%d" % threads,
                               "--time=%d" % seconds, "--report-interval=0", "--rand-type=uniform",
                               "run"], log)

        say("point selects: warm-up, 2 s direct and through the router")
        for t in targets:
            log = os.path.join(self.logs, "warmup-%s.log" % t)
            if sb_run(t, 2, log) != 0:
                self.check_router()
                die("warm-up via %s failed (log: %s)" % (t, log))
        self.check_router()

        runs = []
        order = list(targets)
        for n in range(rounds):
            for k in range(len(order)):
                t = order[(k + n) % len(order)]
                log = os.path.join(self.logs, "point_select-%s%s.log" % (t, "-r%d" % (n + 1) if rounds > 1 else ""))
                q0 = self.questions()
                cw = CpuWindow(self.cpu_pids())
                ts = time.time()
                rc = sb_run(t, secs, log)
                wall = time.time() - ts
                cw.stop()
                q1 = self.questions()
                with open(log) as f:
                    txt = f.read()
                run = {"round": n + 1, "target": t, "exit_code": rc, "wall_s": round(wall, 3),
                       "machine_busy_pct": cw.busy_pct, "other_procs_pct": cw.other_pct,
                       "cpu_ticks": dict(cw.ticks, client=cw.client_ticks),
                       "backend_questions": q1 - q0 - 2}  # - 2: the SHOWs that read q0
                m = re.search(r"queries:\s+(\d+)\s+\(([\d.]+) per sec", txt)
                run["statements"] = int(m.group(1)) if m else None
                run["qps"] = float(m.group(2)) if m else None
                m = re.search(r"95th percentile:\s+([\d.]+)", txt)
                run["p95_ms"] = float(m.group(1)) if m else None
                m = re.search(r"ignored errors:\s+(\d+)", txt)
                run["errors"] = int(m.group(1)) if m else None
                m = re.search(r"reconnects:\s+(\d+)", txt)
                run["reconnects"] = int(m.group(1)) if m else None
                if t == "shardrouter":
                    run["router_rss_kib"] = status_kib(self.router.pid, "VmRSS").get("VmRSS")
                if rc != 0 or run["qps"] is None or "FATAL" in txt:
                    self.fail("sysbench point selects via %s failed (exit %d; log: %s)" % (t, rc, log),
                              router_problem=(t == "shardrouter"))
                elif run["errors"] or run["reconnects"]:
                    self.fail("sysbench point selects via %s reported %s error(s), %s reconnect(s) (log: %s)"
                              % (t, run["errors"], run["reconnects"], log), router_problem=(t == "shardrouter"))
                say("point selects %-11s qps %9s  p95 %6s ms  machine busy %3.0f%%, other processes %3.0f%%"
                    % (t, "%.0f" % run["qps"] if run["qps"] else "FAILED", run["p95_ms"],
                       run["machine_busy_pct"], run["other_procs_pct"]))
                runs.append(run)
                self.check_router()

        agg = {}
        for t in targets:
            rs = [r for r in runs if r["target"] == t and r["qps"]]
            st = sum(r["statements"] for r in rs)
            secs_sum = sum(r["statements"] / r["qps"] for r in rs)
            a = {"qps": st / secs_sum if secs_sum else None, "statements": st,
                 "p95_ms": statistics.median([r["p95_ms"] for r in rs]) if rs else None,
                 "backend_questions_per_stmt": (sum(r["backend_questions"] for r in rs) / st
                                                if st else None),
                 "other_procs_pct": statistics.mean([r["other_procs_pct"] for r in rs]) if rs else None,
                 "cpu_us_per_stmt": {}}
            for proc in ("router", "mariadbd0", "mariadbd1", "client"):
                ticks = [r["cpu_ticks"][proc] for r in rs if r["cpu_ticks"][proc] is not None]
                a["cpu_us_per_stmt"][proc] = (sum(ticks) * 1e6 / CLK_TCK / st) if ticks and st else None
            if t == "direct":
                a["cpu_us_per_stmt"]["router"] = None
            agg[t] = a
        q_r, q_d = agg["shardrouter"]["qps"], agg["direct"]["qps"]
        self.res["point_select"] = {
            "keyspace": "sb (2 shards, one per server)", "direct": "one server, schema sbdirect",
            "tables": tables, "table_size": size, "threads": threads, "seconds": secs,
            "rounds": rounds, "sharded_rows_made_by": method, "prepare_via_router_s": round(prepare_s, 2),
            "results": agg, "router/direct_qps": q_r / q_d if q_r and q_d else None,
            "router_cpu_us_per_stmt": agg["shardrouter"]["cpu_us_per_stmt"]["router"],
            "runs": runs}

    # ================================================================ 2. scatter latency

    def fill_scatter(self, rows):
        """Table t in s2 and s4 through the router: rows rows, ids 1..rows."""
        data = []
        for i in range(1, rows + 1):
            h = hashlib.md5(b"%d" % i).hexdigest()
            data.append((i, int(h[:8], 16) % 1000000, h))
        for ks, layout in (("s2", self.s2_layout), ("s4", self.s4_layout)):
            t0 = time.time()
            r = self.via_router(ks)
            r.cursor().execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL, "
                               "c CHAR(32) NOT NULL, KEY k_idx (k)) ENGINE=InnoDB")
            self.insert_via_router(r, "t", ("id", "k", "c"), data)
            r.close()
            counts = self.shard_counts(layout, "t")
            say("scatter: %s.t has %d rows (per shard %s), inserted through the router in %.1f s"
                % (ks, sum(counts), counts, time.time() - t0))
            if sum(counts) != rows or min(counts) == 0:
                self.fail("%s.t: the shards hold %s rows after inserting %d through the router"
                          % (ks, counts, rows), router_problem=True)
            for _, i, schema in layout:  # fresh statistics on every shard
                c = self.admin(i, schema)
                c.cursor().execute("ANALYZE TABLE t")
                c.close()
        self.check_router()

    def shard_statements(self, ks, layout, sql):
        """The statement text each shard's server received for sql sent through the
        router, from the general log (log_output=TABLE). {server index: [texts]}."""
        admins = [self.admin(i) for i in range(2)]
        for a in admins:
            cur = a.cursor()
            cur.execute("SET GLOBAL log_output = 'TABLE'")
            cur.execute("TRUNCATE TABLE mysql.general_log")
            cur.execute("SET GLOBAL general_log = 1")
        try:
            r = self.via_router(ks)
            cur = r.cursor()
            cur.execute(sql)
            cur.fetchall()
            r.close()
        finally:
            for a in admins:
                a.cursor().execute("SET GLOBAL general_log = 0")
        seen = {}
        for i, a in enumerate(admins):
            cur = a.cursor()
            cur.execute("SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log "
                        "WHERE command_type = 'Query' AND user_host LIKE %s ORDER BY event_time",
                        (self.app[0] + "[%",))
            seen[i] = [row[0] for row in cur.fetchall() if re.search(r"\bFROM\s+`?t`?\b", row[0], re.I)]
            cur.execute("TRUNCATE TABLE mysql.general_log")
            a.close()
        return seen

    def scatter(self, runs, max_s):
        out = {}
        for ks, layout in (("s2", self.s2_layout), ("s4", self.s4_layout)):
            router = self.via_router(ks)
            shards = [self.direct(i, schema) for _, i, schema in layout]
            out[ks] = {"shards": len(layout),
                       "layout": ["%s/%s: server %d schema %s" % (ks, rng, i, sc) for rng, i, sc in layout],
                       "statements": {}}
            for name, sql in SCATTER_STMTS:
                seen = self.shard_statements(ks, layout, sql)
                per_shard = []
                for _, i, _ in layout:
                    texts = seen.get(i) or []
                    per_shard.append(texts[0] if texts else None)
                if None in per_shard:
                    self.fail("%s: could not see in the general log what the router sent the shards "
                              "for %r (seen: %s); timing the original statement on them" % (ks, sql, seen))
                    per_shard = [p or sql for p in per_shard]
                # answers: the router's must be what the shards' answers combine to
                rc = router.cursor()
                rc.execute(sql)
                got = rc.fetchall()
                parts = []
                for conn, text in zip(shards, per_shard):
                    c = conn.cursor()
                    c.execute(text)
                    parts.append(c.fetchall())
                if name == "count":
                    want = ((sum(p[0][0] for p in parts),),)
                    ok = tuple(got) == want
                elif name == "order_by_c_limit10":
                    want = sorted((row[:3] for p in parts for row in p), key=lambda x: x[2])[:10]
                    ok = [tuple(x[:3]) for x in got] == [tuple(x) for x in want]
                else:  # ORDER BY k: ties may come in any order; compare the k values
                    want = sorted(row[1] for p in parts for row in p)[:10]
                    ok = [x[1] for x in got] == want
                if not ok:
                    self.fail("%s: %r through the router answered %r, the shards' answers combine to %r"
                              % (ks, sql, got, want), router_problem=True)

                def timed(conn, text):
                    c = conn.cursor()
                    t0 = time.perf_counter()
                    c.execute(text)
                    c.fetchall()
                    return (time.perf_counter() - t0) * 1000.0

                for _ in range(5):  # warm-up
                    timed(router, sql)
                    for conn, text in zip(shards, per_shard):
                        timed(conn, text)
                lr, ls = [], [[] for _ in layout]
                cw = CpuWindow(self.cpu_pids())
                deadline = time.time() + max_s
                for n in range(runs):
                    # alternate who goes first so that neither always finds warm caches
                    if n % 2 == 0:
                        lr.append(timed(router, sql))
                    for k, (conn, text) in enumerate(zip(shards, per_shard)):
                        ls[k].append(timed(conn, text))
                    if n % 2 == 1:
                        lr.append(timed(router, sql))
                    if n + 1 >= min(runs, 20) and time.time() > deadline:
                        break
                cw.stop()
                med = [statistics.median(x) for x in ls]
                p95 = [pct(x, 95) for x in ls]
                sums = [sum(v) for v in zip(*ls)]
                st = {"sql": sql, "per_shard_sql": sorted(set(per_shard)), "runs": len(lr),
                      "router_ms": {"median": statistics.median(lr), "p95": pct(lr, 95)},
                      "shards_ms": [{"median": m, "p95": p} for m, p in zip(med, p95)],
                      "slowest_shard_ms": {"median": max(med), "p95": max(p95)},
                      "shards_sum_ms": {"median": statistics.median(sums), "p95": pct(sums, 95)},
                      "per_run_slowest_shard_ms": {
                          "median": statistics.median([max(v) for v in zip(*ls)]),
                          "p95": pct([max(v) for v in zip(*ls)], 95)},
                      "answer_ok": ok, "machine_busy_pct": cw.busy_pct,
                      "other_procs_pct": cw.other_pct}
                st["ratio_median"] = st["router_ms"]["median"] / max(med)
                st["ratio_p95"] = st["router_ms"]["p95"] / max(p95)
                out[ks]["statements"][name] = st
                say("scatter %s %-18s %3d runs: router %7.2f ms (p95 %7.2f), slowest shard %7.2f ms "
                    "(p95 %7.2f) -> %.2fx (p95 %.2fx); other processes %.0f%%"
                    % (ks, name, len(lr), st["router_ms"]["median"], st["router_ms"]["p95"], max(med),
                       max(p95), st["ratio_median"], st["ratio_p95"], cw.other_pct))
                self.check_router()
            router.close()
            for c in shards:
                c.close()
        self.res["scatter"] = {"rows": self.scatter_rows, "runs": runs, "max_seconds": max_s,
                               "target_ratio": 1.3,
                               "client": "one PyMySQL connection, statements one after another",
                               "keyspaces": out}

    # ================================================================ 3. memory bound

    def make_big(self, rows, budget_s):
        """Table big in s2: created through the router, filled directly on each shard
        (odd ids on s2_0, even ids on s2_1) in chunks, until rows or budget_s."""
        r = self.via_router("s2")
        r.cursor().execute("CREATE TABLE big (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL, "
                           "c VARCHAR(40) NOT NULL) ENGINE=InnoDB")
        r.close()
        per_shard = [(rows + 1) // 2, rows // 2]
        chunk = 500000
        made = [0, 0]
        deadline = time.time() + budget_s
        errs = []

        def fill(k):
            _, i, schema = self.s2_layout[k]
            try:
                c = self.admin(i, schema)
                cur = c.cursor()
                cur.execute("SET SESSION sql_log_bin = 0")
                while made[k] < per_shard[k] and time.time() < deadline:
                    n = min(chunk, per_shard[k] - made[k])
                    # shard k holds ids 2*j-1 (k=0) or 2*j (k=1), j = made+1 .. made+n
                    cur.execute("INSERT INTO big SELECT 2 * (seq + %d) - %d, (seq * 7919) %% 1000003, "
                                "CONCAT('row-', seq + %d, '-', REPEAT('x', 24)) FROM seq_1_to_%d"
                                % (made[k], 1 - k, made[k], n))
                    made[k] += n
                c.close()
            except Exception as e:  # reported by the caller
                errs.append("%s: %s" % (schema, e))

        t0 = time.time()
        th = [threading.Thread(target=fill, args=(k,), daemon=True) for k in range(2)]
        for t in th:
            t.start()
        for t in th:
            t.join()
        if errs:
            die("generating table big failed: " + "; ".join(errs))
        return made, time.time() - t0

    def memory(self, rows, budget_s):
        say("memory: generating %d rows of s2.big directly on the shards (at most %d s)" % (rows, budget_s))
        made, gen_s = self.make_big(rows, budget_s)
        total = sum(made)
        if total < rows:
            say("memory: only %d of %d rows generated within %d s (set BENCH_BIG_ROWS lower to make them all)"
                % (total, rows, budget_s))
        say("memory: %d rows (%s per shard) in %.1f s; streaming SELECT id, k, c FROM big ORDER BY id "
            "through the router" % (total, made, gen_s))
        self.check_router()
        pid = self.router.pid
        before = status_kib(pid, "VmRSS", "VmHWM")
        hwm_reset = True
        try:
            with open("/proc/%d/clear_refs" % pid, "w") as f:
                f.write("5")  # resets VmHWM to the current RSS
        except OSError as e:
            hwm_reset = False
            say("memory: could not reset the router's VmHWM (%s): the VmHWM figure is its peak since start" % e)
        after_reset = status_kib(pid, "VmRSS", "VmHWM")
        sql = "SELECT id, k, c FROM big ORDER BY id"
        cli = subprocess.Popen(["mariadb", "--no-defaults", "--quick", "--batch", "--skip-column-names",
                                "--protocol=tcp", "-h", "127.0.0.1", "-P", str(self.router_port),
                                "-u", self.app[0], "-p" + self.app[1], "s2", "-e", sql],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=open(os.path.join(self.logs, "big-client.err"), "w"))
        self.children.append(cli)
        # count the rows and check their order (ids ascending, each one once)
        chk = subprocess.Popen(["awk", "-F", "\t", "NR > 1 && $1 + 0 <= prev { bad++ } { prev = $1 + 0 } "
                                "END { print NR, bad + 0 }"], stdin=cli.stdout, stdout=subprocess.PIPE,
                               text=True)
        cli.stdout.close()
        self.children.append(chk)
        t0 = time.time()
        c0 = cpu_ticks(pid)
        samples = []
        while True:
            s = status_kib(pid, "VmRSS", "VmHWM")
            if s:
                samples.append((time.time() - t0, s["VmRSS"], s.get("VmHWM")))
            if cli.poll() is not None and chk.poll() is not None:
                break
            if self.router.poll() is not None:
                break
            time.sleep(0.2)
        wall = time.time() - t0
        c1 = cpu_ticks(pid)
        out_txt = chk.communicate()[0].split()
        self.children = [p for p in self.children if p not in (cli, chk)]
        self.check_router()
        end = status_kib(pid, "VmRSS", "VmHWM")
        got_rows, bad = (int(out_txt[0]), int(out_txt[1])) if len(out_txt) == 2 else (None, None)
        if cli.returncode != 0:
            with open(os.path.join(self.logs, "big-client.err")) as f:
                self.fail("mariadb reading %r through the router failed (exit %d): %s"
                          % (sql, cli.returncode, f.read().strip()[-500:]), router_problem=True)
        elif got_rows != total or bad:
            self.fail("%r through the router: %s rows (expected %d), %s out of order"
                      % (sql, got_rows, total, bad), router_problem=True)
        peak_sampled = max(s[1] for s in samples) if samples else None
        half = [s[1] for s in samples if s[0] <= wall / 2]
        second = [s[1] for s in samples if s[0] > wall / 2]
        peak = max(peak_sampled or 0, end.get("VmHWM", 0) if hwm_reset else 0)
        m = {"rows": total, "rows_requested": rows, "rows_per_shard": made, "generate_s": round(gen_s, 1),
             "sql": sql, "client": "mariadb --quick | awk (counts rows, checks order)",
             "rows_received": got_rows, "out_of_order": bad,
             "stream_s": round(wall, 2), "rows_per_s": total / wall if wall else None,
             "router_cpu_s": (c1 - c0) / CLK_TCK if c0 is not None and c1 is not None else None,
             "rss_before_kib": before.get("VmRSS"), "hwm_before_kib": before.get("VmHWM"),
             "hwm_reset": hwm_reset, "hwm_after_reset_kib": after_reset.get("VmHWM"),
             "rss_peak_sampled_kib": peak_sampled, "hwm_after_kib": end.get("VmHWM"),
             "rss_after_kib": end.get("VmRSS"), "samples": len(samples), "sample_interval_s": 0.2,
             "rss_peak_first_half_kib": max(half) if half else None,
             "rss_peak_second_half_kib": max(second) if second else None}
        m["growth_kib"] = peak - before["VmRSS"] if before.get("VmRSS") and peak else None
        m["bound"] = ("the k-way merge holds at most one row per shard plus bounded buffers "
                      "(per backend connection and client connection), so the growth must stay in "
                      "the low MB whatever the row count")
        say("memory: %s rows in %.1f s (%.0f rows/s); router VmRSS %s KiB before, peak %s KiB "
            "(VmHWM %s KiB), +%s KiB" % (got_rows, wall, m["rows_per_s"] or 0, before.get("VmRSS"),
                                         peak_sampled, end.get("VmHWM"), m["growth_kib"]))
        with open(os.path.join(self.logs, "big-rss.tsv"), "w") as f:
            f.write("t_s\tvmrss_kib\tvmhwm_kib\n")
            for s in samples:
                f.write("%.2f\t%s\t%s\n" % s)
        self.res["memory"] = m


def tx_keys():
    """Two ids on each shard of a 2-shard keyspace (xxh3 of the 8-byte
    big-endian id; the same rule as the router's)."""
    import struct
    import xxhash
    out = {0: [], 1: []}
    v = 1
    while min(len(out[0]), len(out[1])) < 2:
        out[0 if xxhash.xxh3_64_intdigest(struct.pack(">q", v)) < 1 << 63 else 1].append(v)
        v += 1
    return out


def _transactions(self, secs):
    say("transactions: one client, %d s per kind, best_effort (txb) and twopc (tx2)" % secs)
    k = tx_keys()
    for i in range(2):
        c = self.admin(i, "tx_%d" % i)
        c.cursor().execute("CREATE TABLE acct (id INT PRIMARY KEY, bal INT NOT NULL)")
        c.cursor().execute("INSERT INTO acct VALUES (%d, 0), (%d, 0)" % tuple(k[i][:2]))
        c.close()
    kinds = {"one_shard": ["UPDATE acct SET bal = bal + 1 WHERE id = %d" % k[0][0]],
             "two_shards": ["UPDATE acct SET bal = bal + 1 WHERE id = %d" % k[0][0],
                            "UPDATE acct SET bal = bal + 1 WHERE id = %d" % k[1][0]]}
    res = {"seconds": secs, "kinds": {}}
    done = {0: 0, 1: 0}
    for kind, stmts in kinds.items():
        r = {}
        for ks in ("txb", "tx2", "txb", "tx2"):  # interleaved: two rounds each
            conn = self.via_router(ks)
            cur = conn.cursor()
            lat = []
            t0 = cpu_ticks(self.router.pid)
            end = time.time() + secs / 2.0
            while time.time() < end:
                a = time.perf_counter()
                cur.execute("BEGIN")
                for s in stmts:
                    cur.execute(s)
                cur.execute("COMMIT")
                lat.append((time.perf_counter() - a) * 1000)
            ticks = cpu_ticks(self.router.pid) - t0
            conn.close()
            e = r.setdefault(ks, {"latencies": [], "ticks": 0})
            e["latencies"] += lat
            e["ticks"] += ticks
            done[0] += len(lat)
            if len(stmts) == 2:
                done[1] += len(lat)
        out = {}
        for ks, e in r.items():
            lat = e.pop("latencies")
            out[ks] = {"transactions": len(lat), "median_ms": round(statistics.median(lat), 3),
                       "p95_ms": round(pct(lat, 95), 3),
                       "router_cpu_us_per_tx": round(e["ticks"] * 1e6 / CLK_TCK / len(lat), 1)}
        out["twopc/best_effort_median"] = round(out["tx2"]["median_ms"] / out["txb"]["median_ms"], 2)
        res["kinds"][kind] = out
    # every committed transaction is on the shards: the first id of each
    # shard got +1 per transaction (shard 1's only from two-shard ones)
    for i in range(2):
        c = self.admin(i, "tx_%d" % i)
        cur = c.cursor()
        cur.execute("SELECT bal FROM acct WHERE id = %d" % k[i][0])
        got = cur.fetchone()[0]
        c.close()
        if got != done[i]:
            self.fail("transactions: shard %d holds %d increments, %d transactions committed"
                      % (i, got, done[i]), router_problem=True)
    self.res["transactions"] = res


Bench.transactions = _transactions


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "build", "bench"))
    ap.add_argument("--no-summary", action="store_true",
                    help="do not print the summary (bench.sh prints it with summarise.py)")
    a = ap.parse_args()

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    b = Bench(os.path.abspath(a.out))
    t_start = time.time()
    rc = 0
    try:
        secs = env_int("BENCH_TIME", 15, 1)
        threads = env_int("BENCH_THREADS", 8, 1)
        rounds = env_int("BENCH_ROUNDS", 1, 1)
        tables = env_int("BENCH_SHARDED_TABLES", 4, 1)
        size = env_int("BENCH_SHARDED_TABLE_SIZE", 10000, 1)
        b.scatter_rows = env_int("BENCH_SCATTER_ROWS", 200000, 100)
        runs = env_int("BENCH_SCATTER_RUNS", 200, 1)
        scatter_s = env_int("BENCH_SCATTER_MAX_SECONDS", 20, 1)
        big = env_int("BENCH_BIG_ROWS", 10000000, 0)
        budget = env_int("BENCH_BIG_GEN_SECONDS", 120, 1)
        base_port = env_int("BENCH_SHARDED_BASE_PORT", 0, 0)
        for binary in ("sysbench", "mariadb", "awk"):
            if subprocess.run(["sh", "-c", "command -v " + binary], stdout=subprocess.DEVNULL).returncode:
                die("%s not found; install what is missing with: make deps" % binary)
        if not os.access(ROUTER_BIN, os.X_OK):
            die("%s not built; run: make all" % ROUTER_BIN)
        os.makedirs(b.logs, exist_ok=True)
        b.res["meta"] = {"loadavg_start": open("/proc/loadavg").read().split()[:3],
                         "nproc": os.cpu_count(), "clk_tck": CLK_TCK, "testbed": TB_DIR,
                         "router_workers": 2}
        b.start_testbed(base_port)
        schemas = {0: ["main", "sb_0", "s2_0", "s4_0", "s4_2", "tx_0"],
                   1: ["sb_1", "s2_1", "s4_1", "s4_3", "tx_1"]}
        for i, names in schemas.items():
            c = b.admin(i)
            for n in names:
                c.cursor().execute("CREATE DATABASE %s" % n)
            c.close()
        b.start_router(["sbtest%d" % n for n in range(1, tables + 1)])

        t0 = time.time()
        b.point_selects(tables, size, secs, threads, rounds)
        b.res["point_select"]["elapsed_s"] = round(time.time() - t0, 1)

        t0 = time.time()
        say("scatter: filling table t of s2 and s4 with %d rows each through the router" % b.scatter_rows)
        b.fill_scatter(b.scatter_rows)
        b.scatter(runs, scatter_s)
        b.res["scatter"]["elapsed_s"] = round(time.time() - t0, 1)

        t0 = time.time()
        b.transactions(env_int("BENCH_TX_SECONDS", 5, 1))
        b.res["transactions"]["elapsed_s"] = round(time.time() - t0, 1)

        if big > 0:
            t0 = time.time()
            b.memory(big, budget)
            b.res["memory"]["elapsed_s"] = round(time.time() - t0, 1)
        else:
            say("memory: skipped (BENCH_BIG_ROWS=0)")
        b.check_router()
    except BenchError as e:
        b.fail(str(e))
        rc = 1
    except pymysql.MySQLError as e:
        b.fail("unexpected MySQL error: %s" % (e,), router_problem=True)
        rc = 1
    except KeyboardInterrupt:
        say("interrupted")
        rc = 130
    except SystemExit as e:
        say("terminated")
        rc = e.code if isinstance(e.code, int) else 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        b.cleanup()
    b.res.setdefault("meta", {})["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    b.res["elapsed_s"] = round(time.time() - t_start, 1)
    b.res["errors"] = b.errors
    b.res["router_problems"] = b.problems
    if os.path.isdir(b.out):
        with open(os.path.join(b.out, "sharded.json"), "w") as f:
            json.dump(b.res, f, indent=2)
            f.write("\n")
    if not a.no_summary:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import summarise
        print("\n".join(summarise.sharded_lines(b.res)))
        print("\nbench-sharded: results in %s; total %.0f s" % (os.path.join(b.out, "sharded.json"),
                                                               b.res["elapsed_s"]))
    if rc == 0 and b.errors:
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
