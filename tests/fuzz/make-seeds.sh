#!/bin/bash
# tests/fuzz/make-seeds.sh — seed the SQL harnesses (fuzz_classify,
# fuzz_sqllex) with every statement of the classifier's test table.
#
# With tests/unit/classify_cases.h (the table of test_classify.c), a small
# program compiled against it dumps every cls_case_sets[i].cases[j].sql and
# cls_split_cases[i].sql with its .lex flags, exactly as the test runs them.
# Without it, the C string literals of tests/unit/test_classify.c and
# test_classify_impl.c are taken (adjacent literals joined, escapes decoded),
# each once with lexer flags 0 and, when it holds a double quote or a
# backslash, with ANSI_QUOTES and with NO_BACKSLASH_ESCAPES.
#
# A seed is the flags byte followed by the text; files are named by the
# SHA-1 of their contents, so a rerun adds only what is new. The hand-made
# seeds come from tests/fuzz/gen-seeds.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
records=$(mktemp)
trap 'rm -f "$records" "$records.c" "$records.bin"' EXIT

if [ -f tests/unit/classify_cases.h ]; then
    cat >"$records.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "classify_cases.h"
static void put(const char *sql, unsigned lex)
{
    unsigned len = (unsigned)strlen(sql);
    unsigned char h[5] = {(unsigned char)lex, (unsigned char)len, (unsigned char)(len >> 8),
                          (unsigned char)(len >> 16), (unsigned char)(len >> 24)};
    fwrite(h, 1, 5, stdout);
    fwrite(sql, 1, len, stdout);
}
int main(void)
{
    for (size_t i = 0; i < sizeof(cls_case_sets) / sizeof(cls_case_sets[0]); i++)
        for (size_t j = 0; j < cls_case_sets[i].n; j++)
            put(cls_case_sets[i].cases[j].sql, cls_case_sets[i].cases[j].lex);
    for (size_t i = 0; i < sizeof(cls_split_cases) / sizeof(cls_split_cases[0]); i++)
        put(cls_split_cases[i].sql, cls_split_cases[i].lex);
    return 0;
}
C
    ${CC:-cc} -std=gnu11 -w -Iinclude -Itests/unit -o "$records.bin" "$records.c"
    "$records.bin" >"$records"
    src=tests/unit/classify_cases.h
else
    files=()
    for f in tests/unit/test_classify.c tests/unit/test_classify_impl.c; do
        [ -f "$f" ] && files+=("$f")
    done
    if [ ${#files[@]} -eq 0 ]; then
        echo "make-seeds: no classifier test table yet; nothing to extract"
        exit 0
    fi
    src="${files[*]}"
    "$PY" - "${files[@]}" >"$records" <<'PY'
import re, struct, sys
ESC = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, "'": 39, '"': 34, "?": 63}
def decode(body):
    out, i = bytearray(), 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode(); i += 1; continue
        n = body[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]+", body[i + 2:]); out.append(int(m.group(0), 16) & 0xff); i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:]); out.append(int(m.group(0), 8) & 0xff); i += 1 + len(m.group(0))
        else:
            out.append(ESC.get(n, ord(n))); i += 2
    return bytes(out)
TOK = re.compile(r'//[^\n]*|/\*.*?\*/|\'(?:\\.|[^\\\'])*\'|"((?:\\.|[^\\"\n])*)"|(\S)', re.S)
for path in sys.argv[1:]:
    text = re.sub(r"^\s*#.*$", "", open(path, encoding="utf-8", errors="surrogateescape").read(), flags=re.M)
    run, lits = None, []
    for m in TOK.finditer(text):
        if m.group(1) is not None:
            run = (run or b"") + decode(m.group(1)); continue
        if m.group(0).startswith(("//", "/*")):
            continue
        if run is not None:
            lits.append(run); run = None
    for s in lits:
        if len(s) < 6 or b" " not in s:  # names and expected values, not statements
            continue
        for lex in [0] + ([1, 2] if b'"' in s or b"\\" in s else []):
            sys.stdout.buffer.write(struct.pack("<BI", lex, len(s)) + s)
PY
fi

"$PY" - "$records" "$src" <<'PY'
import hashlib, os, struct, sys
data = open(sys.argv[1], "rb").read()
pos, seen, new = 0, set(), 0
while pos < len(data):
    lex, n = struct.unpack_from("<BI", data, pos)
    seed = bytes([lex]) + data[pos + 5:pos + 5 + n]
    pos += 5 + n
    if seed in seen:
        continue
    seen.add(seed)
    for h in ("fuzz_classify", "fuzz_sqllex"):
        d = os.path.join("tests/fuzz/corpus", h)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, hashlib.sha1(seed).hexdigest())
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(seed)
            new += 1
print("make-seeds: %d statements from %s; %d new files" % (len(seen), sys.argv[2], new))
PY
