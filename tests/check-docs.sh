#!/usr/bin/env bash
# tests/check-docs.sh — the documentation must follow the code. Run by
# `make check` (tests/check.sh) before the unit tests, after `make all`;
# needs no server. Prints TAP lines "ok - docs: ..." / "not ok - docs: ..."
# (details as "#" lines) and always exits 0: tests/tap-total counts.
#
#   a) every key of `build/shardrouter --config-keys` has an entry in
#      man/shardrouter.conf.5 giving its default and whether SIGHUP reloads
#      it, and is set in conf/shardrouter.conf (at its default, unless it is
#      required); every entry of the man page is a real key;
#   b) every option of `build/shardrouter -h` is in man/shardrouter.8, every
#      option and command of `build/shardctl --help` in man/shardctl.8;
#   c) `mandoc -Tlint -Wwarning` is clean for each man/*.[578];
#   d) conf/shardrouter.conf and conf/minimal.conf pass `shardrouter -t`;
#   e) conf/shardmap.conf passes `shardctl map validate`;
#   f) every error code the router sends (PROTO_ER_* used in router/*.c) is
#      in the DIAGNOSTICS table of man/shardrouter.8.
#
# conf/shardrouter.conf is read one setting per line, as it is written;
# groups ("backend = {") give dotted names ("backend.user").
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

ROUTER=build/shardrouter
CTL=build/shardctl
ROUTER_MAN=man/shardrouter.8
CONF_MAN=man/shardrouter.conf.5
CTL_MAN=man/shardctl.8
SAMPLE=conf/shardrouter.conf
MINIMAL=conf/minimal.conf
MAP=conf/shardmap.conf

ok() { echo "ok - docs: $*"; }
nok() { echo "not ok - docs: $*"; }
diag() { sed -e 's/^/#   /'; }

have_router=1 have_ctl=1 have_mandoc=1
[ -x "$ROUTER" ] || { have_router=0; nok "$ROUTER is not built (run make all); key and option checks skipped"; }
[ -x "$CTL" ] || { have_ctl=0; nok "$CTL is not built (run make all); shardctl checks skipped"; }
command -v mandoc >/dev/null 2>&1 ||
    { have_mandoc=0; nok "mandoc is not installed (tests/deps.sh installs it); man page checks skipped"; }

# A man page as plain text, one paragraph per line.
render() { mandoc -Tascii -O width=1000 "$1" 2>/dev/null | sed -e 's/.\x08//g'; }

# The entry of key $2 in the SETTINGS section of rendered text $1: the tag
# line "KEY = ..." and the lines indented deeper than it.
man_entry() {
    awk -v key="$2" '
        /^[A-Z]/ { if (found) exit; sect = $0; next }
        sect != "SETTINGS" { next }
        !found {
            if (match($0, /^ +/) && index($0, key " = ") == RLENGTH + 1) {
                found = 1; ind = RLENGTH; print
            }
            next
        }
        /^ *$/ { print; next }
        { match($0, /^ */); if (RLENGTH <= ind) exit; print }' <<<"$1"
}

# conf/shardrouter.conf as "name<TAB>value" lines: dotted names inside groups,
# string values unquoted ("" for an empty one), lists as "(list)".
sample_settings() {
    awk '
        {
            # strip a comment that is not inside a string
            line = ""; q = 0
            for (i = 1; i <= length($0); i++) {
                c = substr($0, i, 1)
                if (c == "\"" && substr($0, i - 1, 1) != "\\") q = !q
                if (!q && c == "#") break
                line = line c
            }
            $0 = line
        }
        inlist { if ($0 ~ /^[ \t]*\)[ \t]*;/) inlist = 0; next }
        /^[ \t]*[}][ \t]*;?[ \t]*$/ { if (depth > 0) depth--; next }
        match($0, /^[ \t]*[A-Za-z_][A-Za-z0-9_-]*[ \t]*=/) {
            name = $0; sub(/^[ \t]*/, "", name); sub(/[ \t]*=.*/, "", name)
            value = $0; sub(/^[^=]*=[ \t]*/, "", value); sub(/[ \t]*;?[ \t]*$/, "", value)
            prefix = ""
            for (d = 1; d <= depth; d++) prefix = prefix group[d] "."
            if (value ~ /^[{]/) { group[++depth] = name; next }
            if (value ~ /^\(/) {
                print prefix name "\t(list)"
                if (value !~ /\)$/) inlist = 1
                next
            }
            if (value ~ /^".*"$/) { value = substr(value, 2, length(value) - 2); if (value == "") value = "\"\"" }
            print prefix name "\t" value
        }' "$SAMPLE"
}

# ---------------------------------------------------------------- a) keys

if [ $have_router = 1 ]; then
    keys=$("$ROUTER" --config-keys)
    if [ -z "$keys" ]; then
        nok "$ROUTER --config-keys printed nothing"
    fi
    conf_text=""
    [ $have_mandoc = 1 ] && conf_text=$(render "$CONF_MAN")
    settings=""
    if [ -f "$SAMPLE" ]; then settings=$(sample_settings); else nok "$SAMPLE is missing"; fi

    while IFS=$'\t' read -r name type def reload; do
        [ -n "$name" ] || continue
        # the man page
        if [ $have_mandoc = 1 ]; then
            entry=$(man_entry "$conf_text" "$name")
            if [ "$type" = string ] && [ "$def" != "(required)" ] && [ "$def" != '""' ]; then
                want="default \"$def\""
            else
                want="default $def"
            fi
            if [ "$reload" = reload ]; then want_reload="Reloaded on SIGHUP"; else want_reload="Not reloaded on SIGHUP"; fi
            if [ -z "$entry" ]; then
                nok "$CONF_MAN has no entry for $name"
            elif [ "$def" = "(required)" ] && ! grep -qi 'required' <<<"$entry"; then
                nok "$CONF_MAN: the entry for $name does not say it is required"
            elif [ "$def" != "(required)" ] && ! grep -qE "$(sed -e 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$want")([^0-9A-Za-z]|$)" <<<"$entry"; then
                nok "$CONF_MAN: the entry for $name does not give its default ('$want')"
            elif ! grep -qF "$want_reload" <<<"$entry"; then
                nok "$CONF_MAN: the entry for $name does not say '$want_reload'"
            else
                ok "$CONF_MAN documents $name ($type, default $def, $reload)"
            fi
        fi
        # the sample configuration
        if [ -f "$SAMPLE" ]; then
            line=$(awk -F'\t' -v k="$name" '$1 == k { print; exit }' <<<"$settings")
            value=${line#*$'\t'}
            if [ -z "$line" ]; then
                nok "$SAMPLE does not set $name"
            elif [ "$def" = "(required)" ]; then
                ok "$SAMPLE sets $name (required; example value)"
            elif [ "$value" != "$def" ]; then
                nok "$SAMPLE sets $name to $value, not to its default $def"
            else
                ok "$SAMPLE sets $name at its default $def"
            fi
        fi
    done <<<"$keys"

    # The other way round: every entry of the man page is a key.
    if [ $have_mandoc = 1 ]; then
        entries=$(awk '/^[A-Z]/ { sect = $0 } sect == "SETTINGS" && /^     [a-z][a-z0-9_.]* = / { print $1 }' <<<"$conf_text")
        unknown=$(comm -23 <(sort -u <<<"$entries") <(cut -f1 <<<"$keys" | sort -u))
        if [ -z "$entries" ]; then
            nok "$CONF_MAN has no SETTINGS entries"
        elif [ -n "$unknown" ]; then
            nok "$CONF_MAN documents settings that $ROUTER --config-keys does not know: $(echo $unknown)"
        else
            ok "every setting in $CONF_MAN is a key of $ROUTER --config-keys"
        fi
    fi
fi

# ---------------------------------------------------------------- b) options

# man_has_macro PAGE MACRO WORDS: the page has "MACRO WORDS" followed by
# a space or the end of the line (".Fl -config", ".It Fl c", ".Cm map show").
man_has_macro() {
    local re
    re=$(sed -e 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$3")
    grep -qE "(^|[[:space:].])$2 $re([[:space:]]|$)" "$1"
}

# Options (-x, --xyz) in the option column of a --help text.
help_options() {
    sed -nE -e '/^(usage|Usage):/{s/^[^:]*://;p;}' -e '/^ +-/{s/^ +//;s/ {2,}.*//;p;}' -e '/^ {5,}[a-z ]*\|/p' |
        grep -oE '(^|[][ ,|])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ ,|]//' | sort -u
}

if [ $have_router = 1 ]; then
    help=$("$ROUTER" -h 2>&1)
    opts=$(help_options <<<"$help")
    [ -n "$opts" ] || nok "no options found in $ROUTER -h"
    for o in $opts; do
        if man_has_macro "$ROUTER_MAN" Fl "${o#-}"; then
            ok "$ROUTER_MAN documents shardrouter $o"
        else
            nok "$ROUTER_MAN does not document shardrouter $o (no 'Fl ${o#-}')"
        fi
    done
fi

if [ $have_ctl = 1 ]; then
    help=$("$CTL" --help 2>&1)
    opts=$( { help_options <<<"$help"; sed -nE 's/^ *shardctl +//p' <<<"$help" | grep -oE '(^|[][ ,|])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ ,|]//'; } | sort -u)
    [ -n "$opts" ] || nok "no options found in $CTL --help"
    for o in $opts; do
        if man_has_macro "$CTL_MAN" Fl "${o#-}"; then
            ok "$CTL_MAN documents shardctl $o"
        else
            nok "$CTL_MAN does not document shardctl $o (no 'Fl ${o#-}')"
        fi
    done
    # Commands: the lower-case words that start each line of the
    # "Commands:" section, and of "Subcommands:" in each command's help.
    commands_of() {
        awk '/^(Sub)?[Cc]ommands:/ { on = 1; next } on && /^ *$/ { on = 0 }
             on { sub(/^ +/, ""); sub(/  .*/, "")      # the first column only
                  c = ""; for (i = 1; i <= NF; i++) { if ($i ~ /^[a-z][a-z-]*$/) c = c (c == "" ? "" : " ") $i; else break }
                  if (c != "") print c }'
    }
    cmds=$(commands_of <<<"$help")
    for top in $(awk '{ print $1 }' <<<"$cmds" | sort -u); do
        cmds+=$'\n'$("$CTL" "$top" --help 2>&1 | commands_of)
    done
    cmds=$(grep -v '^$' <<<"$cmds" | sort -u)
    [ -n "$cmds" ] || nok "no commands found in $CTL --help"
    while read -r c; do
        [ -n "$c" ] || continue
        if man_has_macro "$CTL_MAN" Cm "$c"; then
            ok "$CTL_MAN documents shardctl $c"
        else
            nok "$CTL_MAN does not document shardctl $c (no 'Cm $c')"
        fi
    done <<<"$cmds"
fi

# ---------------------------------------------------------------- c) lint

if [ $have_mandoc = 1 ]; then
    for page in man/*.[578]; do
        [ -e "$page" ] || { nok "no man pages in man/"; break; }
        if out=$(mandoc -Tlint -Wwarning "$page" 2>&1) && [ -z "$out" ]; then
            ok "mandoc -Tlint -Wwarning $page is clean"
        else
            nok "mandoc -Tlint -Wwarning $page"
            diag <<<"$out"
        fi
    done
fi

# ---------------------------------------------------------------- d) e) samples

if [ $have_router = 1 ]; then
    for f in "$SAMPLE" "$MINIMAL"; do
        if out=$("$ROUTER" -t -c "$f" 2>&1); then
            ok "$ROUTER -t -c $f"
        else
            nok "$ROUTER -t -c $f"
            diag <<<"$out"
        fi
    done
fi
if [ $have_ctl = 1 ]; then
    if out=$("$CTL" map validate "$MAP" 2>&1); then
        ok "$CTL map validate $MAP"
    else
        nok "$CTL map validate $MAP"
        diag <<<"$out"
    fi
fi

# ---------------------------------------------------------------- f) errors

# name code pairs of the PROTO_ER_* error numbers, those used in router/*.c.
defs=$(grep -hoE '#define[[:space:]]+PROTO_ER_[A-Z0-9_]+[[:space:]]+[0-9]+' include/*.h router/*.c |
    awk '{ print $2, $3 }' | sort -u)
while read -r ername code; do
    [ -n "$ername" ] || continue
    grep -hE "\\b$ername\\b" router/*.c | grep -qvE '^[[:space:]]*#define' || continue
    if grep -qE "^\\.It $code Ta " "$ROUTER_MAN"; then
        ok "$ROUTER_MAN lists error $code ($ername)"
    else
        nok "$ROUTER_MAN has no row for error $code ($ername) in DIAGNOSTICS"
    fi
done <<<"$defs"

# ---------------------------------------------------------------- g) format

# Every C file as the repository's .clang-format writes it.
if command -v clang-format >/dev/null 2>&1; then
    if out=$(clang-format --dry-run --Werror include/*.h router/*.c shardmap/*.c tests/unit/*.c tests/fuzz/*.[ch] tests/bench/*.c 2>&1); then
        ok "C sources are clang-formatted (.clang-format)"
    else
        nok "C sources differ from clang-format's output; run make format"
        diag <<<"$(head -20 <<<"$out")"
    fi
else
    nok "clang-format is not installed (make deps installs it)"
fi

exit 0
