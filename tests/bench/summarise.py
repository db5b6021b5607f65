#!/usr/bin/python3
"""tests/bench/summarise.py — turn bench.sh's raw measurements into the
printed summary and build/bench/results.json.

  summarise.py OUT_DIR

Reads OUT_DIR/runs.tsv (one line per sysbench run, tab-separated, header
line; CPU columns in clock ticks), OUT_DIR/meta.json, the conns-<target>.json
files of conns.py and, when there, the profile/ files and bench_sharded.py's
OUT_DIR/sharded.json (put in results.json as "sharded"); writes
OUT_DIR/results.json.
"""

import csv
import json
import os
import re
import statistics
import sys

TARGETS = ("direct", "haproxy", "shardrouter")
PROCS = ("router", "haproxy", "mariadbd", "client")
PROXY_PROC = {"shardrouter": "router", "haproxy": "haproxy"}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def ratio(a, b):
    if a is None or not b:
        return None
    return a / b


def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def read_runs(path, tck):
    runs = []
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            r = {"round": int(row["round"]), "workload": row["workload"], "target": row["target"]}
            for k in ("qps", "tps", "p95_ms", "avg_ms", "wall_s"):
                r[k] = num(row[k])
            for k in ("statements", "errors", "reconnects", "exit_code", "router_rss_kib",
                      "backend_questions"):
                r[k] = int(row[k]) if row[k] not in ("", None) else None
            r["cpu_s"] = {}
            for proc in PROCS:
                t = num(row["cpu_%s_ticks" % proc])
                r["cpu_s"][proc] = None if t is None else t / tck
            task = num(row["cpu_machine_task_ticks"]) or 0
            irq = num(row["cpu_machine_irq_ticks"]) or 0
            steal = num(row["cpu_machine_steal_ticks"]) or 0
            total = num(row["cpu_machine_total_ticks"])
            ours = sum(v for v in r["cpu_s"].values() if v is not None) * tck
            pct = (lambda v: 100 * v / total) if total else (lambda v: None)
            r["machine_busy_pct"] = pct(task + irq)
            # irq+softirq time (mostly loopback TCP) is not charged to tasks
            r["machine_irq_pct"] = pct(irq)
            r["machine_steal_pct"] = pct(steal)
            # user+system CPU of everything else on the machine (other jobs)
            r["other_procs_pct"] = pct(max(task - ours, 0))
            runs.append(r)
    return runs


def aggregate(runs):
    """One result per (workload, target), summed over rounds."""
    out = {}
    for r in runs:
        out.setdefault((r["workload"], r["target"]), []).append(r)
    res = {}
    for key, rs in out.items():
        ok = [r for r in rs if r["qps"]]
        stm = sum(r["statements"] or 0 for r in ok)
        secs = sum(r["statements"] / r["qps"] for r in ok if r["statements"])
        a = {"workload": key[0], "target": key[1], "rounds": len(rs),
             "qps": stm / secs if secs else None,
             "p95_ms": statistics.median([r["p95_ms"] for r in ok]) if ok else None,
             "p95_ms_rounds": [r["p95_ms"] for r in rs],
             "qps_rounds": [r["qps"] for r in rs],
             "statements": stm,
             "errors": sum(r["errors"] or 0 for r in rs),
             "reconnects": sum(r["reconnects"] or 0 for r in rs),
             "router_rss_kib": rs[-1]["router_rss_kib"],
             "cpu_s": {}, "cpu_us_per_stmt": {}}
        for p in PROCS:
            vals = [r["cpu_s"][p] for r in ok if r["cpu_s"][p] is not None]
            a["cpu_s"][p] = sum(vals) if vals else None
            a["cpu_us_per_stmt"][p] = (a["cpu_s"][p] * 1e6 / stm
                                       if a["cpu_s"][p] is not None and stm else None)
        bq = [r["backend_questions"] for r in ok if r["backend_questions"] is not None]
        a["backend_questions_per_stmt"] = sum(bq) / stm if bq and stm else None
        a["other_procs_pct"] = statistics.mean(
            [r["other_procs_pct"] for r in rs if r["other_procs_pct"] is not None] or [0])
        for k in ("machine_busy_pct", "machine_irq_pct", "machine_steal_pct"):
            a[k] = statistics.mean([r[k] for r in rs if r[k] is not None] or [0])
        res[key] = a
    return res


def read_mem(out_dir):
    mem = {}
    for t in ("shardrouter", "haproxy"):
        p = os.path.join(out_dir, "conns-%s.json" % t)
        if not os.path.exists(p):
            continue
        with open(p) as f:
            m = json.load(f)
        sm = m["samples"]
        proc = PROXY_PROC[t]
        k = proc + "_rss_kib"
        n, few = m["n"], m["few"]
        mem[t] = {
            "clients": n, "few": few, "open_seconds": m.get("open_seconds"), "samples": sm,
            "kib_per_client": (sm["many"][k] - sm["idle"][k]) / n,
            "kib_per_client_vs_few": (sm["many"][k] - sm["few"][k]) / (n - few) if n > few else None,
            "mariadbd_kib_per_client":
                (sm["many"]["mariadbd_rss_kib"] - sm["idle"]["mariadbd_rss_kib"]) / n,
            "backend_conns_per_client":
                (sm["many"]["backend_threads_connected"]
                 - sm["idle"]["backend_threads_connected"]) / n,
        }
    return mem


def read_profile(out_dir):
    pdir = os.path.join(out_dir, "profile")
    if not os.path.isdir(pdir):
        return None
    prof = {}
    p = os.path.join(pdir, "perf-stat.txt")
    if os.path.exists(p):
        txt = open(p).read()
        ps = {}
        for ev in ("task-clock", "context-switches", "cpu-migrations"):
            m = re.search(r"^\s*([\d.,]+)\s+(?:msec\s+)?%s" % ev, txt, re.M)
            if m:
                ps[ev] = float(m.group(1).replace(",", ""))
        m = re.search(r"^statements: (\d+)", txt, re.M)
        if m and ps.get("task-clock"):
            st = int(m.group(1))
            ps["statements"] = st
            ps["task_clock_us_per_stmt"] = ps["task-clock"] * 1000 / st if st else None
            ps["context_switches_per_stmt"] = (ps.get("context-switches", 0) / st) if st else None
        prof["perf_stat"] = ps
    for name in ("perf-top-dso", "perf-top-symbols"):
        p = os.path.join(pdir, name + ".txt")
        if os.path.exists(p):
            prof[name.replace("-", "_")] = [l.rstrip().rstrip("- ").rstrip()
                                            for l in open(p) if l.strip()]
    for name in ("router", "haproxy"):
        p = os.path.join(pdir, "strace-%s.txt" % name)
        if not os.path.exists(p):
            continue
        calls = {}
        st = None
        for line in open(p):
            f = line.split()
            if line.startswith("statements:"):
                st = int(f[1])
            elif len(f) >= 5 and re.match(r"^[\d.]+$", f[0]) and f[-1] != "total":
                # % time, seconds, usecs/call, calls, [errors], syscall
                calls[f[-1]] = int(f[3])
        if st:
            prof["strace_" + name] = {
                "statements": st, "calls": calls,
                "per_stmt": {k: v / st for k, v in sorted(calls.items(), key=lambda kv: -kv[1])},
                "total_per_stmt": sum(calls.values()) / st}
    return prof


def sharded_lines(sh):
    """The printed summary of bench_sharded.py's results (sharded.json)."""
    out = []
    p = out.append
    p("")
    p("Sharded keyspaces (tests/bench/bench_sharded.py; 2 MariaDB servers, router with %s workers; "
      "load average %s at start, %s at end; %s s):"
      % (sh.get("meta", {}).get("router_workers"), " ".join(sh.get("meta", {}).get("loadavg_start", [])),
         " ".join(sh.get("meta", {}).get("loadavg_end", [])), sh.get("elapsed_s")))
    ps = sh.get("point_select")
    if ps:
        d, r = ps["results"]["direct"], ps["results"]["shardrouter"]
        p("  point selects, keyspace sharded on id over 2 shards (sysbench oltp_point_select, %d threads, "
          "%d s%s, %d x %d rows, --db-ps-mode=disable):"
          % (ps["threads"], ps["seconds"], " x %d rounds" % ps["rounds"] if ps["rounds"] > 1 else "",
             ps["tables"], ps["table_size"]))
        p("    direct, one server with all rows  qps %8s  p95 %6s ms  mariadbd %5s us/stmt  "
          "MariaDB Questions/stmt %s  other procs %s%%"
          % (fmt(d["qps"], ".0f"), fmt(d["p95_ms"], ".2f"), fmt(d["cpu_us_per_stmt"]["mariadbd0"], ".1f"),
             fmt(d.get("backend_questions_per_stmt"), ".3f"), fmt(d.get("other_procs_pct"), ".0f")))
        p("    shardrouter, 2 shards             qps %8s  p95 %6s ms  mariadbd %s + %s us/stmt  "
          "MariaDB Questions/stmt %s  other procs %s%%"
          % (fmt(r["qps"], ".0f"), fmt(r["p95_ms"], ".2f"), fmt(r["cpu_us_per_stmt"]["mariadbd0"], ".1f"),
             fmt(r["cpu_us_per_stmt"]["mariadbd1"], ".1f"), fmt(r.get("backend_questions_per_stmt"), ".3f"),
             fmt(r.get("other_procs_pct"), ".0f")))
        p("    -> router/direct qps %s; router CPU %s us per statement (utime+stime / sysbench statements)"
          % (fmt(ps["router/direct_qps"], ".2f"), fmt(ps["router_cpu_us_per_stmt"], ".1f")))
        p("    (sharded rows: %s, %s s)" % (ps.get("sharded_rows_made_by"), ps.get("prepare_via_router_s")))
    sc = sh.get("scatter")
    if sc:
        p("  scatter latency, %d rows per keyspace, up to %d runs each (at most %s s), one client; "
          "ratio = router / slowest single shard run directly (target <= %.1f, not enforced):"
          % (sc["rows"], sc["runs"], sc.get("max_seconds"), sc["target_ratio"]))
        hdr = ("keyspace", "statement", "runs", "router ms", "slowest shard ms", "ratio", "router p95",
               "shard p95", "ratio p95", "shards' sum ms", "other procs")
        rows = []
        for ks, k in sc["keyspaces"].items():
            for name, st in k["statements"].items():
                rows.append(("%s (%d shards)" % (ks, k["shards"]), st["sql"], st["runs"],
                             fmt(st["router_ms"]["median"], ".2f"),
                             fmt(st["slowest_shard_ms"]["median"], ".2f"),
                             fmt(st["ratio_median"], ".2f") + ("" if st["ratio_median"] <= sc["target_ratio"]
                                                               else " !"),
                             fmt(st["router_ms"]["p95"], ".2f"), fmt(st["slowest_shard_ms"]["p95"], ".2f"),
                             fmt(st["ratio_p95"], ".2f") + ("" if st["ratio_p95"] <= sc["target_ratio"]
                                                            else " !"),
                             fmt(st["shards_sum_ms"]["median"], ".2f"),
                             "%s%%" % fmt(st.get("other_procs_pct"), ".0f")))
        widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
        for i, cells in enumerate([hdr] + rows):
            p("    " + " | ".join(str(c).ljust(w) if j < 2 else str(c).rjust(w)
                                  for j, (c, w) in enumerate(zip(cells, widths))))
            if i == 0:
                p("    " + "-+-".join("-" * w for w in widths))
        p("    (medians and p95 over the runs; '!' marks a ratio above %.1f; the shards' statements are "
          "the ones the router sent them, read from the general log, run one after another; shards' "
          "sum: median of their per-run sum, what the router would take if the shards could not run "
          "at the same time, e.g. on a busy 2-core box; other procs: CPU of processes outside the bench, "
          "in %% of all cores; s4 has 2 shards on each server)"
          % sc["target_ratio"])
    tx = sh.get("transactions")
    if tx:
        p("  transactions, one client, %s s per kind (BEGIN; UPDATE on each shard touched; COMMIT):"
          % tx["seconds"])
        for kind, k in tx["kinds"].items():
            p("    %-10s best_effort median %s ms (p95 %s), %s us router CPU/tx;  twopc median %s ms "
              "(p95 %s), %s us router CPU/tx  -> twopc/best_effort %s"
              % (kind.replace("_", " "), fmt(k["txb"]["median_ms"], ".3f"), fmt(k["txb"]["p95_ms"], ".3f"),
                 fmt(k["txb"]["router_cpu_us_per_tx"], ".1f"), fmt(k["tx2"]["median_ms"], ".3f"),
                 fmt(k["tx2"]["p95_ms"], ".3f"), fmt(k["tx2"]["router_cpu_us_per_tx"], ".1f"),
                 fmt(k["twopc/best_effort_median"], ".2f")))
    m = sh.get("memory")
    if m:
        p("  memory bound: %s through the router, %d rows (%s per shard%s), streamed by %s:"
          % (m["sql"], m["rows"], "/".join(str(x) for x in m["rows_per_shard"]),
             "" if m["rows"] >= m["rows_requested"] else "; %d requested, cut by BENCH_BIG_GEN_SECONDS"
             % m["rows_requested"], m["client"]))
        p("    router VmRSS %s KiB before, peak %s KiB (sampled every %.1f s; first half %s, second half %s),"
          " VmHWM %s KiB%s, %s KiB after"
          % (m["rss_before_kib"], m["rss_peak_sampled_kib"], m["sample_interval_s"],
             m["rss_peak_first_half_kib"], m["rss_peak_second_half_kib"], m["hwm_after_kib"],
             " (reset before the read)" if m["hwm_reset"] else " (peak since start: not reset)",
             m["rss_after_kib"]))
        p("    -> growth %s KiB (%s MiB) for %d rows in %s s (%s rows/s, router CPU %s s)"
          % (m["growth_kib"], fmt(m["growth_kib"] / 1024 if m["growth_kib"] is not None else None, ".1f"),
             m["rows"], m["stream_s"], fmt(m["rows_per_s"], ".0f"), fmt(m["router_cpu_s"], ".1f")))
        p("    bound: %s" % m["bound"])
    if sh.get("router_problems"):
        p("  ROUTER PROBLEMS:")
        for e in sh["router_problems"]:
            p("    - " + e)
    others = [e for e in sh.get("errors", []) if e not in sh.get("router_problems", [])]
    if others:
        p("  ERRORS:")
        for e in others:
            p("    - " + e)
    return out


def main():
    out_dir = sys.argv[1]
    with open(os.path.join(out_dir, "meta.json")) as f:
        meta = json.load(f)
    tck = float(meta["clk_tck"])
    runs = read_runs(os.path.join(out_dir, "runs.tsv"), tck)
    agg = aggregate(runs)
    workloads = []
    for r in runs:
        if r["workload"] not in workloads:
            workloads.append(r["workload"])
    ratios = {}
    for w in workloads:
        q = {t: agg.get((w, t), {}).get("qps") for t in TARGETS}
        ratios[w] = {"router/direct": ratio(q["shardrouter"], q["direct"]),
                     "router/haproxy": ratio(q["shardrouter"], q["haproxy"]),
                     "haproxy/direct": ratio(q["haproxy"], q["direct"])}
        r, h = agg.get((w, "shardrouter")), agg.get((w, "haproxy"))
        if r and h:
            ratios[w]["router_cpu/haproxy_cpu"] = ratio(r["cpu_us_per_stmt"]["router"],
                                                        h["cpu_us_per_stmt"]["haproxy"])
    mem = read_mem(out_dir)
    prof = read_profile(out_dir)

    # ---------------------------------------------------------------- print
    out = []
    p = out.append
    rounds = max(r["round"] for r in runs)
    p("")
    p("sysbench %s threads, %s s per run%s, --db-ps-mode=disable, --rand-type=uniform; "
      "nproc %s; load average at start %s"
      % (meta["threads"], meta["bench_time"],
         " x %d rounds (p95 = median of rounds)" % rounds if rounds > 1 else "",
         meta["nproc"], meta["loadavg_start"]))
    p("")
    hdr = ("workload", "target", "qps", "p95 ms", "vs direct", "router/direct", "router/haproxy",
           "other procs")
    rows = []
    for w in workloads:
        for t in TARGETS:
            a = agg.get((w, t))
            if a is None:
                continue
            is_r = t == "shardrouter"
            rows.append((w, t, fmt(a["qps"], ".0f"), fmt(a["p95_ms"], ".2f"),
                         fmt(ratio(a["qps"], agg.get((w, "direct"), {}).get("qps")), ".2f"),
                         fmt(ratios[w]["router/direct"], ".2f") if is_r else "",
                         fmt(ratios[w]["router/haproxy"], ".2f") if is_r else "",
                         "%.0f%%" % a["other_procs_pct"]))
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]

    def line(cells):
        return " | ".join(str(c).ljust(wd) if i < 2 else str(c).rjust(wd)
                          for i, (c, wd) in enumerate(zip(cells, widths)))
    p(line(hdr))
    p("-+-".join("-" * wd for wd in widths))
    for row in rows:
        p(line(row))
    p("(other procs: user+system CPU of processes outside the benchmark during the run, in %% "
      "of all %s cores; above a few %% the figures are disturbed. irq+softirq, not charged to any "
      "process: %s)" % (meta["nproc"], ", ".join(
          "%s/%s %.0f%%" % (a["workload"].replace("oltp_", ""), a["target"], a["machine_irq_pct"])
          for a in agg.values())))
    noisy = sorted(set("%s/%s" % (a["workload"], a["target"]) for a in agg.values()
                       if a["other_procs_pct"] > 10))
    if noisy:
        p("WARNING: other processes used more than 10%% of the machine during %s: qps and "
          "ratios of this run are unreliable (CPU per statement less so); rerun on a quieter "
          "machine or with BENCH_ROUNDS=%d" % (", ".join(noisy), rounds + 1))
    p("")
    p("CPU per statement (utime+stime from /proc/PID/stat over each run; statements = sysbench "
      "'queries: total'; 1 tick = %.0f us):" % (1e6 / tck))
    for w in workloads:
        for t in TARGETS:
            a = agg.get((w, t))
            if a is None:
                continue
            c = a["cpu_us_per_stmt"]
            proc = PROXY_PROC.get(t)
            if proc:
                first = ("%-7s %5s us/stmt = %6s us per 1000 stmts"
                         % (proc, fmt(c[proc], ".1f"),
                            fmt(None if c[proc] is None else c[proc] * 1000, ".0f")))
            else:
                first = " " * 44
            p("  %-17s %-11s %s | mariadbd %5s us/stmt | sysbench %5s us/stmt | "
              "MariaDB Questions/stmt %s"
              % (w, t, first, fmt(c["mariadbd"], ".1f"), fmt(c["client"], ".1f"),
                 fmt(a["backend_questions_per_stmt"], ".3f")))
    for w in workloads:
        if ratios[w].get("router_cpu/haproxy_cpu") is not None:
            p("  %-17s router CPU per statement / HAProxy CPU per statement = %.2f"
              % (w, ratios[w]["router_cpu/haproxy_cpu"]))
    p("")
    p("Router RSS after each run: " + ", ".join(
        "%s %s KiB" % (r["workload"], r["router_rss_kib"]) for r in runs
        if r["target"] == "shardrouter"))
    for t, m in mem.items():
        proc = PROXY_PROC[t]
        sm = m["samples"]
        k = proc + "_rss_kib"
        p("%s RSS: %s KiB idle, %s KiB with %s clients, %s KiB with %s clients, %s KiB after "
          "closing them" % (proc, sm["idle"][k], sm["few"][k], m["few"], sm["many"][k],
                            m["clients"], sm["closed"][k]))
        p("  -> %.1f KiB per client connection ((RSS_%d - RSS_idle)/%d; %s KiB vs %d clients); "
          "mariadbd +%.1f KiB per client; MariaDB connections per client %.2f"
          % (m["kib_per_client"], m["clients"], m["clients"], fmt(m["kib_per_client_vs_few"], ".1f"),
             m["few"], m["mariadbd_kib_per_client"], m["backend_conns_per_client"]))
    if "shardrouter" in mem:
        p("(in this version each router client connection also holds its own backend "
          "connection to MariaDB)")
    if prof:
        p("")
        p("Profile (point selects, %s threads):" % meta["threads"])
        ps = prof.get("perf_stat")
        if ps and ps.get("task_clock_us_per_stmt"):
            p("  perf stat on the router, 5 s: task-clock %.0f ms for %d statements = %.1f us/stmt;"
              " %.2f context switches/stmt" % (ps["task-clock"], ps["statements"],
                                               ps["task_clock_us_per_stmt"],
                                               ps["context_switches_per_stmt"]))
        if prof.get("perf_top_dso"):
            p("  perf record by DSO: " + "; ".join(" ".join(l.split()) for l in prof["perf_top_dso"][:5]))
        if prof.get("perf_top_symbols"):
            p("  perf record, top symbols (self):")
            for l in prof["perf_top_symbols"][:20]:
                p("    " + l.strip())
        for name in ("router", "haproxy"):
            s = prof.get("strace_" + name)
            if s:
                p("  strace -c -f on %s, 5 s, %d statements: %.2f syscalls/stmt (%s)"
                  % (name, s["statements"], s["total_per_stmt"],
                     ", ".join("%s %.2f" % kv for kv in s["per_stmt"].items())))
    sharded = None
    sp = os.path.join(out_dir, "sharded.json")
    if os.path.exists(sp):
        with open(sp) as f:
            sharded = json.load(f)
        out.extend(sharded_lines(sharded))
    pool = None
    pp = os.path.join(out_dir, "pool.json")
    if os.path.exists(pp):
        with open(pp) as f:
            pool = json.load(f)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import bench_pool
        out.extend(bench_pool.lines(pool))
    print("\n".join(out))

    res = {"meta": meta, "disturbed_runs": noisy,
           "results": [agg[k] for k in sorted(agg, key=lambda k: (workloads.index(k[0]),
                                                                   TARGETS.index(k[1])))],
           "ratios": ratios, "memory": mem, "runs": runs}
    if prof:
        res["profile"] = prof
    if sharded is not None:
        res["sharded"] = sharded
    if pool is not None:
        res["pool"] = pool
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
