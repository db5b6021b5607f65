#!/usr/bin/env bash
# tests/deps.sh — install the Debian 12 packages shardrouter needs to build,
# test and benchmark.  Installs exactly what is missing and nothing else.
#
#   tests/deps.sh          as root: apt-get install what is missing
#                          not root: list what is missing and how to get it
#
# Quiet and fast (one dpkg-query call) when everything is already present.
# System services (mariadb, haproxy) are NOT started by the install: a
# temporary /usr/sbin/policy-rc.d denies them; the tests run their own
# servers as plain processes (tests/testbed.sh).
set -euo pipefail

PACKAGES=(
    gcc make pkg-config libc6-dev
    libmariadb-dev libconfig-dev libxxhash-dev xxhash libcmocka-dev libssl-dev
    mariadb-server mariadb-client sysbench haproxy
    python3 python3-pymysql python3-xxhash python3-mysqldb
    mandoc procps iproute2 clang clang-format
)

# One dpkg-query call for all packages.  Unknown packages make dpkg-query
# complain on stderr and exit 1; they are simply absent from the output.
# A package counts as present only when its status is "<want> ok installed"
# (so "deinstall ok config-files" — removed, config left — is missing).
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! grep -qE "^${p//./\\.}(:[a-z0-9]+)? [a-z]+ ok installed\$" <<<"$installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all present"
    exit 0
fi

install_cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]}" >&2
    echo "deps: install them as root with:" >&2
    echo "    sudo apt-get update && sudo $install_cmd" >&2
    exit 1
fi

echo "deps: installing: ${missing[*]}"

# Keep Debian's maintainer scripts from starting mariadb/haproxy services
# while we install.  Put back whatever policy-rc.d was there before.
POLICY=/usr/sbin/policy-rc.d
policy_backup=""
restore_policy() {
    if [ -n "$policy_backup" ]; then
        mv -f "$policy_backup" "$POLICY"
    else
        rm -f "$POLICY"
    fi
}
if [ -e "$POLICY" ] || [ -L "$POLICY" ]; then
    policy_backup=$(mktemp /usr/sbin/.policy-rc.d.deps.XXXXXX)
    # mv keeps mode/owner and works for symlinks too
    mv -f "$POLICY" "$policy_backup"
fi
trap restore_policy EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
printf '#!/bin/sh\n# written by shardrouter tests/deps.sh for the duration of an install\nexit 101\n' >"$POLICY"
chmod 0755 "$POLICY"

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

# Double-check: everything must be there now.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
still=()
for p in "${missing[@]}"; do
    grep -qE "^${p//./\\.}(:[a-z0-9]+)? [a-z]+ ok installed\$" <<<"$installed" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
    echo "deps: still missing after apt-get install: ${still[*]}" >&2
    exit 1
fi
echo "deps: installed: ${missing[*]}"
