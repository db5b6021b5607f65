#!/usr/bin/env bash
# tests/fuzz/run.sh HARNESS... — `make fuzz`: run each libFuzzer harness
# (build/fuzz/HARNESS) for FUZZ_TIME seconds (default 60) on its seed corpus
# tests/fuzz/corpus/HARNESS (read only). New inputs go to
# build/fuzz/corpus-new/HARNESS (kept between runs and read back, so runs
# build on each other), crash reproducers to build/fuzz/crashes/, logs to
# build/fuzz/logs/. Prints one summary line per harness (seconds,
# executions, executions/s, coverage, corpus) and exits non-zero if any
# harness crashed, hit a sanitizer report, a timeout, or an invariant.
#
# Environment: FUZZ_TIME=60, FUZZ_ARGS (extra libFuzzer flags, e.g.
# "-jobs=2 -workers=2" or "-only_ascii=1").
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 1

FUZZ_TIME=${FUZZ_TIME:-60}
[[ "$FUZZ_TIME" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_TIME must be a positive integer" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: $0 HARNESS..." >&2; exit 2; }

# Abort (not just report) on the first sanitizer finding; symbolized stacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p build/fuzz/crashes build/fuzz/logs
status=0
for h in "$@"; do
    bin=build/fuzz/$h
    seeds=tests/fuzz/corpus/$h
    new=build/fuzz/corpus-new/$h
    log=build/fuzz/logs/$h.log
    [ -x "$bin" ] || { echo "fuzz: $bin not built (make fuzz-build)" >&2; status=1; continue; }
    mkdir -p "$new" "$seeds"
    opts=(-max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="build/fuzz/crashes/$h-")
    case $h in
    fuzz_classify) opts+=(-max_len=8192 -dict=tests/fuzz/sql.dict) ;;
    fuzz_sqllex) opts+=(-max_len=4096 -dict=tests/fuzz/sql.dict) ;;
    fuzz_relay) opts+=(-max_len=8192) ;;
    fuzz_proto) opts+=(-max_len=2048) ;;
    esac
    before=$(find build/fuzz/crashes -name "$h-*" | wc -l)
    nseeds=$(find "$seeds" -type f | wc -l)
    nold=$(find "$new" -type f | wc -l)
    echo "fuzz: $h for $FUZZ_TIME s ($nseeds seeds, $nold inputs from earlier runs; log $log)"
    t0=$SECONDS
    # shellcheck disable=SC2086
    "$bin" "${opts[@]}" ${FUZZ_ARGS:-} "$new" "$seeds" >"$log" 2>&1
    rc=$?
    secs=$((SECONDS - t0))
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    # -fork mode prints no final stats: take the last "#N:" status line.
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    nnew=$(find "$new" -type f | wc -l)
    after=$(find build/fuzz/crashes -name "$h-*" | wc -l)
    eps=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
    echo "fuzz: $h: ${secs} s, ${execs:-?} executions, ${eps} exec/s, cov ${cov:-?}, ft ${ft:-?}," \
        "corpus-new $nnew (+$((nnew - nold))), crashes $((after - before)), exit $rc"
    if [ $rc -ne 0 ] || [ "$after" -ne "$before" ]; then
        status=1
        echo "fuzz: $h FAILED; the end of $log:" >&2
        grep -nE 'ERROR|invariant broken|runtime error|SUMMARY|Test unit written|^    #[0-9]+ ' "$log" |
            head -n 40 >&2
        find build/fuzz/crashes -name "$h-*" -newer "$bin" | head -n 10 >&2
    fi
done
exit $status
