#!/bin/bash
# tests/fuzz/replay.sh — replay every seed corpus tests/fuzz/corpus/<harness>/
# through build/fuzz-replay/<harness> (the harness without libFuzzer, built
# by `make check` / `make test` with the normal compiler and flags). Prints
# one TAP line per harness, e.g. "ok - fuzz replay: fuzz_relay (40 inputs)".
cd "$(dirname "$0")/../.." || exit 1
status=0
for dir in tests/fuzz/corpus/*/; do
    h=$(basename "$dir")
    bin=build/fuzz-replay/$h
    if [ ! -x "$bin" ]; then
        if [ "$h" = fuzz_classify ] && [ ! -e router/classify.c ]; then
            echo "ok - fuzz replay: $h # SKIP classifier not built (no router/classify.c)"
        else
            echo "not ok - fuzz replay: $h ($bin not built)"
            status=1
        fi
        continue
    fi
    out=$("$bin" "${dir%/}" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok - fuzz replay: $h ($(tail -n 1 <<<"$out"))"
    else
        echo "not ok - fuzz replay: $h (exit status $rc)"
        tail -n 30 <<<"$out" | sed 's/^/# /'
        status=1
    fi
done
exit $status
