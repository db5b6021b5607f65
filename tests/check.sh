#!/bin/bash
# `make check`: documentation checks, unit tests, the fuzz corpus replay and
# integration tests against a real MariaDB testbed, as one TAP stream ending
# with "N passed, N failed".
# Arguments: the unit-test binaries to run.
cd "$(dirname "$0")/.." || exit 1
{
    tests/check-docs.sh
    tests/run-unit.sh "$@"
    tests/fuzz/replay.sh
    tests/integration/run.sh
} | tests/tap-total
