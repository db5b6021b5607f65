#!/usr/bin/env bash
# tests/bench/bench.sh — `make bench`: sysbench through three targets on one
# fresh testbed, in one run so that the ratios mean something on a shared box:
#   direct       MariaDB (shard 0 primary)
#   haproxy      HAProxy in TCP mode in front of it (the baseline to beat)
#   shardrouter  build/shardrouter in front of it (keyspace sbtest)
# For each workload the three targets run back to back.  Prints a table
# (qps, p95, ratios), CPU per statement of the router / HAProxy / mariadbd,
# router RSS and memory per client connection, and writes the same as JSON
# to build/bench/results.json.  Before all that it runs the classifier
# microbenchmark build/bench/bench_classify when built (statements/s per
# core, heap allocations per statement; also in build/bench/classify.txt)
# and the shard-map lookup microbenchmark build/bench/bench_lookup (lookups/s
# per core on a map of 1,024 ranges; also in build/bench/lookup.txt).
# Then, on a second testbed of 2 servers, tests/bench/bench_sharded.py:
# point selects on a keyspace sharded over 2 shards (router vs one server),
# scatter latency on 2 and 4 shards (router vs the slowest shard) and the
# router's memory while it merges a 10-million-row ORDER BY (see the top of
# that script; its figures are in the summary and under "sharded" in
# results.json).
#
# Environment:
#   BENCH_TIME=15         seconds per sysbench run
#   BENCH_THREADS=8       sysbench threads
#   BENCH_ROUNDS=1        repeat every workload x target run this many times,
#                         rotating the target order (figures are summed)
#   BENCH_CONNS=1000      idle client connections for the memory measurement
#                         (0 skips it)
#   BENCH_PROFILE=0       1: afterwards, point selects through the router with
#                         `perf stat` + `perf record -g` attached for 5 s, then
#                         `strace -c -f` for 5 s on the router and on HAProxy
#                         (per-statement counts in the summary; raw files in
#                         build/bench/profile; adds ~30 s)
#   BENCH_SHARDED=1       0 skips the sharded part (~5 min with its defaults)
#   BENCH_POOL=1          0 skips the pooling part (tests/bench/bench_pool.py:
#                         1,000 clients through pool_max 32 vs no limit, router
#                         memory with 10,000 idle clients, reads with and
#                         without the replica; BENCH_POOL_CLIENTS, _RATE, _MAX,
#                         _IDLE size it)
#   BENCH_SHARDED_TABLES=4, BENCH_SHARDED_TABLE_SIZE=10000, BENCH_SCATTER_ROWS=200000,
#   BENCH_SCATTER_RUNS=200, BENCH_SCATTER_MAX_SECONDS=20, BENCH_BIG_ROWS=10000000,
#   BENCH_BIG_GEN_SECONDS=120, BENCH_SHARDED_BASE_PORT=
#                         sizes of the sharded part: see tests/bench/bench_sharded.py
#
# Exits non-zero if a sysbench run fails or reports errors/reconnects, or if
# the router dies (the sharded part also fails on a wrong answer or a refusal
# from the router).  The testbeds (build/testbed-bench,
# build/testbed-bench-sharded), HAProxy and the routers are stopped whatever
# happens.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BENCH_DIR=$REPO/tests/bench
OUT=$REPO/build/bench
TB_DIR=$REPO/build/testbed-bench
ROUTER_BIN=${SHARDROUTER_BIN:-$REPO/build/shardrouter}
PY=/usr/bin/python3            # Debian's, which has PyMySQL (python3-pymysql)

BENCH_TIME=${BENCH_TIME:-15}
BENCH_THREADS=${BENCH_THREADS:-8}
BENCH_CONNS=${BENCH_CONNS:-1000}
BENCH_PROFILE=${BENCH_PROFILE:-0}
BENCH_ROUNDS=${BENCH_ROUNDS:-1}
BENCH_SHARDED=${BENCH_SHARDED:-1}
BENCH_POOL=${BENCH_POOL:-1}
WORKLOADS=(oltp_point_select oltp_read_only)
TARGETS=(direct haproxy shardrouter)
TABLES=4 TABLE_SIZE=10000

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

T0=$SECONDS
for b in sysbench haproxy "$PY"; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] ||
        die "$b not found; install what is missing with: make deps"
done
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$ROUTER_BIN" ] || die "$ROUTER_BIN not built; run: make all"
[[ "$BENCH_TIME" =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIME must be a positive integer"
[[ "$BENCH_THREADS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_THREADS must be a positive integer"
[[ "$BENCH_CONNS" =~ ^[0-9]+$ ]] || die "BENCH_CONNS must be a number"
[[ "$BENCH_ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"
[[ "$BENCH_SHARDED" =~ ^[01]$ ]] || die "BENCH_SHARDED must be 0 or 1"

NPROC=$(nproc)
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
CLK_TCK=$(getconf CLK_TCK)
echo "bench: $(uname -srm), nproc $NPROC, load average $LOADAVG_START," \
    "BENCH_TIME=$BENCH_TIME threads=$BENCH_THREADS"

# The classifier microbenchmark (tests/bench/bench_classify.c) first, on a
# machine without the testbed running; it fails on any heap allocation.
CLASSIFY_FIGURES="bench: classifier not built (no router/classify.c): microbenchmark skipped"
[ ! -x "$OUT/bench_classify" ] || CLASSIFY_FIGURES=$("$OUT/bench_classify") || die "bench_classify failed: $CLASSIFY_FIGURES"
echo "$CLASSIFY_FIGURES"
# The shard-map lookup microbenchmark (tests/bench/bench_lookup.c), also
# before the testbed; it fails on a heap allocation or a wrong lookup.
LOOKUP_FIGURES="bench: build/bench/bench_lookup not built: lookup microbenchmark skipped"
[ ! -x "$OUT/bench_lookup" ] || LOOKUP_FIGURES=$("$OUT/bench_lookup") || die "bench_lookup failed: $LOOKUP_FIGURES"
echo "$LOOKUP_FIGURES"

rm -rf "$OUT"
mkdir -p "$OUT"
echo "$CLASSIFY_FIGURES" >"$OUT/classify.txt"
echo "$LOOKUP_FIGURES" >"$OUT/lookup.txt"

# ---------------------------------------------------------------- cleanup

ROUTER_PID="" HAPROXY_PID="" TB_STARTED="" SB_PID="" SHARDED_PID="" POOL_PID=""

stop_child() {  # stop_child PID NAME — TERM, wait up to 10 s, then KILL
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do
        [ "$(proc_state "$pid")" = gone ] && break
        [ "$(proc_state "$pid")" = Z ] && break
        sleep 0.1
    done
    if [ "$(proc_state "$pid")" != gone ] && [ "$(proc_state "$pid")" != Z ]; then
        say "$2 (pid $pid) did not stop after SIGTERM, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM ERR
    [ -z "$SB_PID" ] || { kill -TERM "$SB_PID" 2>/dev/null || true; wait "$SB_PID" 2>/dev/null || true; }
    # bench_sharded.py stops its own testbed and router on SIGTERM
    [ -z "$SHARDED_PID" ] || { kill -TERM "$SHARDED_PID" 2>/dev/null || true; wait "$SHARDED_PID" 2>/dev/null || true; }
    [ -z "$POOL_PID" ] || { kill -TERM "$POOL_PID" 2>/dev/null || true; wait "$POOL_PID" 2>/dev/null || true; }
    stop_child "$ROUTER_PID" shardrouter
    stop_child "$HAPROXY_PID" haproxy
    if [ -n "$TB_STARTED" ]; then
        "$REPO/tests/testbed.sh" stop --dir "$TB_DIR" >/dev/null 2>&1 ||
            say "warning: could not stop the testbed in $TB_DIR"
    fi
    [ $rc -eq 0 ] || say "failed (exit $rc) after $((SECONDS - T0)) s; logs in $OUT"
    exit $rc
}
trap cleanup EXIT
set -E
trap 'say "unexpected failure (status $?) at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers

proc_state() {  # R/S/D/Z/... or "gone"
    local s
    { s=$(<"/proc/$1/stat"); } 2>/dev/null || { echo gone; return; }
    s=${s##*) }
    echo "${s%% *}"
}

cpu_ticks() {  # utime+stime of PID in clock ticks (empty if no PID)
    local s f
    [ -n "${1:-}" ] || return 0
    { s=$(<"/proc/$1/stat"); } 2>/dev/null || return 0
    s=${s##*) }           # comm may hold spaces/parens: cut after the last ")"
    read -r -a f <<<"$s"  # f[0] is field 3 (state): utime = 14, stime = 15
    echo $((f[11] + f[12]))
}

children_ticks() {  # cutime+cstime of this shell: CPU of every child reaped
    local s f
    s=$(<"/proc/$$/stat")
    s=${s##*) }
    read -r -a f <<<"$s"
    echo $((f[13] + f[14]))
}

rss_kib() {
    awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || true
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_listen() {  # wait_listen PORT PID NAME LOG
    local i
    for i in $(seq 200); do
        if "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' "$1" 2>/dev/null; then
            return 0
        fi
        case "$(proc_state "$2")" in gone | Z)
            tail -n 30 "$4" >&2 || true
            die "$3 exited during startup (log: $4)" ;;
        esac
        sleep 0.05
    done
    tail -n 30 "$4" >&2 || true
    die "$3 is not listening on 127.0.0.1:$1 after 10 s (log: $4)"
}

router_alive() {
    case "$(proc_state "$ROUTER_PID")" in gone | Z) return 1 ;; esac
}

check_router() {
    router_alive && return 0
    wait "$ROUTER_PID" 2>/dev/null && rc=0 || rc=$?
    ROUTER_PID=""
    tail -n 30 "$OUT/router.log" >&2 || true
    die "the router died (exit status $rc; log: $OUT/router.log)"
}

# ---------------------------------------------------------------- testbed

say "starting a 1-shard testbed in $TB_DIR"
TB_STARTED=1
ENV_FILE=$("$REPO/tests/testbed.sh" start --dir "$TB_DIR" --shards 1 --replicas 0)
declare -A TB=()
while IFS='=' read -r k v; do
    [[ "$k" =~ ^[A-Z0-9_]+$ ]] && TB[$k]=$v
done <"$ENV_FILE"
DB_PORT=${TB[SHARD0_PRIMARY_PORT]}
DB_PID=${TB[SHARD0_PRIMARY_PID]}
DB_SOCK=${TB[SHARD0_PRIMARY_SOCK]}
APP_USER=${TB[TESTBED_APP_USER]} APP_PW=${TB[TESTBED_APP_PASSWORD]}
ADMIN_USER=${TB[TESTBED_ADMIN_USER]} ADMIN_PW=${TB[TESTBED_ADMIN_PASSWORD]}

admin_sql() {
    mariadb --no-defaults --protocol=socket --socket="$DB_SOCK" \
        --user="$ADMIN_USER" --password="$ADMIN_PW" -N -B -e "$1"
}
questions() { admin_sql "SHOW GLOBAL STATUS LIKE 'Questions'" | awk '{ print $2 }'; }

sb_common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user="$APP_USER"
    --mysql-password="$APP_PW" --mysql-db=sbtest --tables=$TABLES --table-size=$TABLE_SIZE)

say "preparing sysbench tables ($TABLES x $TABLE_SIZE rows) on 127.0.0.1:$DB_PORT"
admin_sql "CREATE DATABASE sbtest"
sysbench oltp_read_only "${sb_common[@]}" --mysql-port="$DB_PORT" prepare >"$OUT/prepare.log" 2>&1 ||
    { tail -n 20 "$OUT/prepare.log" >&2; die "sysbench prepare failed (log: $OUT/prepare.log)"; }

# ---------------------------------------------------------------- HAProxy

HAPROXY_PORT=$(free_port)
sed -e "s/@LISTEN@/127.0.0.1:$HAPROXY_PORT/" -e "s/@SERVER@/127.0.0.1:$DB_PORT/" \
    "$BENCH_DIR/haproxy.cfg.in" >"$OUT/haproxy.cfg"
"$HAPROXY" -c -q -f "$OUT/haproxy.cfg" || die "haproxy rejects $OUT/haproxy.cfg"
"$HAPROXY" -db -f "$OUT/haproxy.cfg" </dev/null >"$OUT/haproxy.log" 2>&1 &
HAPROXY_PID=$!
wait_listen "$HAPROXY_PORT" "$HAPROXY_PID" haproxy "$OUT/haproxy.log"

# ---------------------------------------------------------------- router

ROUTER_PORT=$(free_port)
cat >"$OUT/shardmap.conf" <<EOF
version = 1;
keyspaces = (
  { name = "sbtest"; sharded = false;
    shards = ( { primary = "127.0.0.1:$DB_PORT"; schema = "sbtest"; } ); }
);
EOF
cat >"$OUT/shardrouter.conf" <<EOF
listen = "127.0.0.1:$ROUTER_PORT";
workers = 2;
log_level = "warning";
shardmap = "$OUT/shardmap.conf";
users = ( { name = "$APP_USER"; password = "$APP_PW"; } );
backend = { user = "$APP_USER"; password = "$APP_PW"; };
EOF
"$ROUTER_BIN" -c "$OUT/shardrouter.conf" </dev/null >"$OUT/router.log" 2>&1 &
ROUTER_PID=$!
wait_listen "$ROUTER_PORT" "$ROUTER_PID" shardrouter "$OUT/router.log"
say "MariaDB 127.0.0.1:$DB_PORT (pid $DB_PID), HAProxy :$HAPROXY_PORT (pid $HAPROXY_PID)," \
    "shardrouter :$ROUTER_PORT (pid $ROUTER_PID)"

port_of() {
    case "$1" in
        direct) echo "$DB_PORT" ;;
        haproxy) echo "$HAPROXY_PORT" ;;
        shardrouter) echo "$ROUTER_PORT" ;;
    esac
}

# ---------------------------------------------------------------- runs

RUNS=$OUT/runs.tsv
COLS=(round workload target qps tps p95_ms avg_ms wall_s statements errors reconnects exit_code
    cpu_router_ticks cpu_haproxy_ticks cpu_mariadbd_ticks cpu_client_ticks
    cpu_machine_task_ticks cpu_machine_irq_ticks cpu_machine_steal_ticks
    cpu_machine_total_ticks router_rss_kib backend_questions)
(IFS=$'\t'; echo "${COLS[*]}") >"$RUNS"

FAILED=0

# run_sysbench WORKLOAD TARGET SECONDS LOG
# (in the background + wait, so that INT/TERM reach our trap at once)
run_sysbench() {
    local rc=0
    sysbench "$1" "${sb_common[@]}" --mysql-port="$(port_of "$2")" --db-ps-mode=disable \
        --threads="$BENCH_THREADS" --time="$3" --report-interval=0 --rand-type=uniform \
        run >"$4" 2>&1 &
    SB_PID=$!
    wait "$SB_PID" || rc=$?
    SB_PID=""
    return $rc
}

machine_ticks() {  # CPU ticks of the whole machine (all cores), from /proc/stat:
    # "user+nice+system irq+softirq steal total"
    awk '$1 == "cpu" { print $2 + $3 + $4, $7 + $8, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat
}

bench_one() {  # bench_one ROUND WORKLOAD TARGET
    local n=$1 w=$2 t=$3 log rc=0 q0 q1 r0 r1 h0 h1 m0 m1 c0 c1 e0 e1 b0 i0 s0 t0 b1 i1 s1 t1 parsed rss=""
    log=$OUT/$w-$t.log
    [ "$BENCH_ROUNDS" -eq 1 ] || log=$OUT/$w-$t-r$n.log
    q0=$(questions)
    read -r b0 i0 s0 t0 < <(machine_ticks)
    r0=$(cpu_ticks "$ROUTER_PID") h0=$(cpu_ticks "$HAPROXY_PID") m0=$(cpu_ticks "$DB_PID")
    c0=$(children_ticks) e0=$EPOCHREALTIME
    run_sysbench "$w" "$t" "$BENCH_TIME" "$log" || rc=$?
    e1=$EPOCHREALTIME c1=$(children_ticks)
    r1=$(cpu_ticks "$ROUTER_PID") h1=$(cpu_ticks "$HAPROXY_PID") m1=$(cpu_ticks "$DB_PID")
    read -r b1 i1 s1 t1 < <(machine_ticks)
    q1=$(questions)
    [ "$t" = shardrouter ] && rss=$(rss_kib "$ROUTER_PID")
    # qps tps p95 avg statements errors reconnects (sysbench 1.0 report)
    parsed=$(awk '
        /^ *transactions:/      { tps = $3; sub(/^\(/, "", tps) }
        /^ *queries:/           { qps = $3; sub(/^\(/, "", qps) }
        /^ *total:/ && !tot     { tot = $2 }
        /^ *ignored errors:/    { err = $3 }
        /^ *reconnects:/        { rec = $2 }
        /^ *avg:/ && !avg       { avg = $2 }
        /95th percentile:/      { p95 = $3 }
        /FATAL/                 { fatal = 1 }
        END { if (qps == "" || fatal) print "x"; else print qps, tps, p95, avg, tot, err + 0, rec + 0 }
    ' "$log")
    local qps tps p95 avg tot err rec
    read -r qps tps p95 avg tot err rec <<<"$parsed"
    if [ "$qps" = x ] || [ $rc -ne 0 ]; then
        say "sysbench $w via $t failed (exit $rc); last lines of $log:"
        tail -n 15 "$log" >&2
        FAILED=1
        qps="" tps="" p95="" avg="" tot=0 err="" rec=""
    elif [ "$err" -ne 0 ] || [ "$rec" -ne 0 ]; then
        say "sysbench $w via $t reported $err error(s) and $rec reconnect(s) (log: $log)"
        FAILED=1
    fi
    local row=("$n" "$w" "$t" "$qps" "$tps" "$p95" "$avg"
        "$(awk -v a="$e0" -v b="$e1" 'BEGIN { printf "%.3f", b - a }')" "$tot" "$err" "$rec" "$rc"
        "$([ -n "$r0" ] && [ -n "$r1" ] && echo $((r1 - r0)))"
        "$([ -n "$h0" ] && [ -n "$h1" ] && echo $((h1 - h0)))"
        "$([ -n "$m0" ] && [ -n "$m1" ] && echo $((m1 - m0)))"
        "$((c1 - c0))" "$((b1 - b0))" "$((i1 - i0))" "$((s1 - s0))" "$((t1 - t0))" "$rss"
        "$((q1 - q0 - 1))")   # - 1: the "SHOW GLOBAL STATUS" that read q0
    (IFS=$'\t'; echo "${row[*]}") >>"$RUNS"
    say "$(printf '%-17s %-11s qps %9s  p95 %6s ms  errors %s  machine busy %3s%%' "$w" "$t" \
        "${qps:-FAILED}" "${p95:--}" "${err:--}" \
        $((100 * (b1 - b0 + i1 - i0) / (t1 - t0 > 0 ? t1 - t0 : 1))))"
    check_router
}

say "warm-up: 2 s point selects direct and through each proxy"
for t in "${TARGETS[@]}"; do
    run_sysbench oltp_point_select "$t" 2 "$OUT/warmup-$t.log" ||
        { tail -n 15 "$OUT/warmup-$t.log" >&2; check_router; die "warm-up via $t failed (log: $OUT/warmup-$t.log)"; }
done
check_router

# Back to back per workload; with BENCH_ROUNDS > 1 the whole set repeats
# with the target order rotated, so that no target always goes first.
for ((n = 1; n <= BENCH_ROUNDS; n++)); do
    for w in "${WORKLOADS[@]}"; do
        for ((i = 0; i < ${#TARGETS[@]}; i++)); do
            bench_one "$n" "$w" "${TARGETS[(i + n - 1) % ${#TARGETS[@]}]}"
        done
    done
done

# ---------------------------------------------------------------- memory

if [ "$BENCH_CONNS" -gt 0 ]; then
    for t in shardrouter haproxy; do
        if [ "$t" = shardrouter ]; then pid=$ROUTER_PID name=router; else pid=$HAPROXY_PID name=haproxy; fi
        say "memory: $BENCH_CONNS idle connections through $t"
        "$PY" "$BENCH_DIR/conns.py" --port "$(port_of "$t")" --user "$APP_USER" --password "$APP_PW" \
            --db sbtest --n "$BENCH_CONNS" --few "$BENCH_THREADS" \
            --pid "$name=$pid" --pid "mariadbd=$DB_PID" --backend-port "$DB_PORT" \
            --admin-user "$ADMIN_USER" --admin-password "$ADMIN_PW" \
            >"$OUT/conns-$t.json" 2>"$OUT/conns-$t.log" ||
            { tail -n 15 "$OUT/conns-$t.log" >&2; check_router; rm -f "$OUT/conns-$t.json"
              say "opening $BENCH_CONNS connections through $t failed (log: $OUT/conns-$t.log)"; FAILED=1; }
        check_router
    done
fi

# ---------------------------------------------------------------- profile

# strace_window TARGET PID NAME — strace -c -f for 5 s during point selects
strace_window() {
    local t=$1 pid=$2 name=$3 sb q0 q1
    run_sysbench oltp_point_select "$t" 9 "$P/sysbench-strace-$name.log" &
    sb=$!
    sleep 2
    q0=$(questions)
    timeout -s INT 5 strace -c -f -p "$pid" -o "$P/strace-$name.txt" 2>"$P/strace-$name.err" || true
    q1=$(questions)
    echo "statements: $((q1 - q0 - 1))" >>"$P/strace-$name.txt"
    wait "$sb" || say "sysbench via $t under strace failed (log: $P/sysbench-strace-$name.log)"
}

if [ "$BENCH_PROFILE" = 1 ]; then
    P=$OUT/profile
    mkdir -p "$P"
    say "profile: point selects through the router, perf attached for 5 s (pid $ROUTER_PID)"
    run_sysbench oltp_point_select shardrouter 9 "$P/sysbench-perf.log" &
    sb_pid=$!
    sleep 2
    q0=$(questions)
    perf_ok=1
    perf stat -e task-clock,context-switches,cpu-migrations -p "$ROUTER_PID" \
        -o "$P/perf-stat.txt" -- sleep 5 >"$P/perf-stat.log" 2>&1 &
    ps_pid=$!
    perf record -q -g -F 999 -p "$ROUTER_PID" -o "$P/perf.data" -- sleep 5 \
        >"$P/perf-record.log" 2>&1 || perf_ok=0
    wait "$ps_pid" || perf_ok=0
    q1=$(questions)
    echo "statements: $((q1 - q0 - 1))" >>"$P/perf-stat.txt"
    if [ $perf_ok = 1 ]; then
        perf report -i "$P/perf.data" --stdio --no-children -g none --sort symbol 2>/dev/null |
            grep -E '^ +[0-9]' | head -n 40 >"$P/perf-top-symbols.txt" || true
        perf report -i "$P/perf.data" --stdio --no-children -g none --sort dso 2>/dev/null |
            grep -E '^ +[0-9]' | head -n 15 >"$P/perf-top-dso.txt" || true
    else
        say "perf failed here (see $P/perf-*.log)"
    fi
    wait "$sb_pid" || say "sysbench under perf failed (log: $P/sysbench-perf.log)"
    check_router
    say "profile: strace -c -f for 5 s on the router, then on HAProxy (slows them down)"
    strace_window shardrouter "$ROUTER_PID" router
    check_router
    strace_window haproxy "$HAPROXY_PID" haproxy
    say "profile written to $P"
fi

# ---------------------------------------------------------------- summary

check_router
"$PY" - "$OUT/meta.json" <<EOF
import json, sys
json.dump({"nproc": $NPROC, "loadavg_start": "$LOADAVG_START",
           "loadavg_end": open("/proc/loadavg").read().split()[:3],
           "clk_tck": $CLK_TCK, "bench_time": $BENCH_TIME, "threads": $BENCH_THREADS,
           "kernel": "$(uname -sr)", "sysbench": "$(sysbench --version)",
           "haproxy": "$("$HAPROXY" -v 2>/dev/null | sed -n 1p)",
           "mariadb": "$(admin_sql 'SELECT VERSION()')",
           "router_workers": 2, "conns": $BENCH_CONNS, "rounds": $BENCH_ROUNDS},
          open(sys.argv[1], "w"), indent=2)
EOF

# ---------------------------------------------------------------- sharded

if [ "$BENCH_SHARDED" = 1 ]; then
    # The unsharded part is done: free the cores and the memory it holds.
    stop_child "$ROUTER_PID" shardrouter
    ROUTER_PID=""
    stop_child "$HAPROXY_PID" haproxy
    HAPROXY_PID=""
    "$REPO/tests/testbed.sh" stop --dir "$TB_DIR" >/dev/null 2>&1 ||
        say "warning: could not stop the testbed in $TB_DIR"
    TB_STARTED=""
    say "sharded keyspaces: tests/bench/bench_sharded.py (its own testbed and router)"
    # in the background + wait, so that INT/TERM reach our trap at once
    rc=0
    SHARDROUTER_BIN=$ROUTER_BIN "$PY" "$BENCH_DIR/bench_sharded.py" --out "$OUT" --no-summary &
    SHARDED_PID=$!
    wait "$SHARDED_PID" || rc=$?
    SHARDED_PID=""
    if [ $rc -ne 0 ]; then
        say "the sharded part failed (exit $rc; see above and $OUT/sharded)"
        FAILED=1
    fi
fi

# ---------------------------------------------------------------- pooling

if [ "$BENCH_POOL" = 1 ]; then
    say "pooling: tests/bench/bench_pool.py (its own testbed and routers)"
    rc=0
    SHARDROUTER_BIN=$ROUTER_BIN "$PY" "$BENCH_DIR/bench_pool.py" --out "$OUT" --no-summary &
    POOL_PID=$!
    wait "$POOL_PID" || rc=$?
    POOL_PID=""
    if [ $rc -ne 0 ]; then
        say "the pooling part failed (exit $rc; see above and $OUT/pool)"
        FAILED=1
    fi
fi

"$PY" "$BENCH_DIR/summarise.py" "$OUT"
echo
echo "bench: results in $OUT/results.json; total $((SECONDS - T0)) s;" \
    "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$FAILED" = 0 ] || die "some runs failed or reported errors (see above)"
