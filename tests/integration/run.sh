#!/bin/bash
# Integration tests: start a testbed (2 shards, primary + GTID replica each),
# run every tests/integration/test_*.py with Debian's python3 (PyMySQL), and
# stop the testbed whatever happens. Prints TAP on stdout.
#   TESTS="test_protocol.py ..." limits the run to those files.
repo=$(cd "$(dirname "$0")/../.." && pwd)
export TESTBED_DIR=${TESTBED_DIR:-$repo/build/testbed-check}
export TESTBED_ENV=$TESTBED_DIR/testbed.env
export SHARDROUTER_BIN=${SHARDROUTER_BIN:-$repo/build/shardrouter}
export PYTHONPATH=$repo/tests/integration
export PYTHONDONTWRITEBYTECODE=1
# Routers' configs and logs, kept after the run for inspection.
export SHARDROUTER_TEST_TMP=${SHARDROUTER_TEST_TMP:-$repo/build/test-tmp}
rm -rf "$SHARDROUTER_TEST_TMP" && mkdir -p "$SHARDROUTER_TEST_TMP"

if ! "$repo/tests/testbed.sh" start --dir "$TESTBED_DIR" >&2; then
    echo "not ok - integration: the MariaDB testbed did not start (see above)"
    exit 1
fi
trap '"$repo/tests/testbed.sh" stop --dir "$TESTBED_DIR" >&2' EXIT

files=${TESTS:-$(cd "$repo/tests/integration" && ls test_*.py)}
for f in $files; do
    echo "# $f" 
    # A file reports each of its tests; it exits non-zero only when the
    # harness itself broke, which counts as one more failure.
    timeout 900 /usr/bin/python3 "$repo/tests/integration/$f"
    rc=$?
    [ $rc -ne 0 ] && echo "not ok - $f: exited with status $rc"
done
exit 0
