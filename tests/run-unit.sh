#!/bin/bash
# Run cmocka unit-test binaries with TAP output. A binary that dies without
# reporting a failure (crash, sanitizer abort) counts as one failed test.
status=0
for bin in "$@"; do
    name=$(basename "$bin")
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1)
    rc=$?
    # Prefix test names with the binary so totals read well.
    printf '%s\n' "$out" | sed -E "s/^(not ok|ok) ([0-9]+) - /\1 \2 - $name: /"
    if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok '; then
        echo "not ok - $name exited with status $rc"
    fi
    [ $rc -ne 0 ] && status=1
done
exit $status
