#!/usr/bin/env bash
# tests/testbed.sh — a local MariaDB testbed made of plain mariadbd processes
# (no systemd, no docker): N shards, each one primary plus (optionally) one
# read-only replica replicating from it with GTID.
#
#   tests/testbed.sh start  [--dir DIR] [--shards N] [--replicas 0|1|2] [--base-port P]
#   tests/testbed.sh stop   [--dir DIR]
#   tests/testbed.sh status [--dir DIR]
#   tests/testbed.sh sql [--dir DIR] SHARD primary|replica [--dir DIR] [mariadb args...]
#                    (runs the mariadb client as admin over the unix socket)
#
# DIR defaults to $TESTBED_DIR, else <repo>/build/testbed.  `start` writes
# DIR/testbed.env (plain KEY=VALUE lines, shell-sourceable) and prints its
# path on stdout; all progress goes to stderr, prefixed "testbed:".
#
# Servers listen on 127.0.0.1 only (ports: shard i primary = P+2i,
# replica = P+2i+1, with --replicas 2 a second replica "replica2" at P+2N+i;
# P random and verified free unless --base-port is given)
# and on unix sockets inside DIR.  They run detached (setsid) and survive
# this script; `stop` kills only processes whose command line names DIR.
#
# Users (identical on every server, created before the first start so nothing
# is binlogged and GTID state starts empty):
#   admin/adminpw  ALL PRIVILEGES WITH GRANT OPTION        (@127.0.0.1, @localhost)
#   app/apppw      ordinary data privileges, no SUPER and no READ_ONLY ADMIN,
#                  so read_only=1 on replicas really rejects its writes
#   repl/replpw    REPLICATION SLAVE                        (@127.0.0.1)
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(dirname "$SCRIPT_DIR")

ADMIN_USER=admin ADMIN_PASSWORD=adminpw
APP_USER=app APP_PASSWORD=apppw
REPL_USER=repl REPL_PASSWORD=replpw
MARKER=.shardrouter-testbed      # only directories carrying this get wiped
START_TIMEOUT=60                 # seconds for every server to answer ping
REPL_TIMEOUT=30                  # seconds for replication threads to run
STOP_TIMEOUT=20                  # seconds between SIGTERM and SIGKILL

say() { echo "testbed: $*" >&2; }
die() { echo "testbed: error: $*" >&2; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: tests/testbed.sh start  [--dir DIR] [--shards N] [--replicas 0|1|2] [--base-port P]
       tests/testbed.sh stop   [--dir DIR]
       tests/testbed.sh status [--dir DIR]
       tests/testbed.sh sql [--dir DIR] SHARD primary|replica [--dir DIR] [mariadb args...]
DIR defaults to $TESTBED_DIR, else <repo>/build/testbed.
EOF
    exit 2
}

# ---------------------------------------------------------------- binaries

find_bin() {  # first of the given names found in PATH or /usr/sbin, /usr/bin
    local n
    for n in "$@"; do
        if command -v "$n" >/dev/null 2>&1; then command -v "$n"; return 0; fi
        if [ -x "/usr/sbin/$n" ]; then echo "/usr/sbin/$n"; return 0; fi
        if [ -x "/usr/bin/$n" ]; then echo "/usr/bin/$n"; return 0; fi
    done
    return 1
}

need_bins() {
    MARIADBD=$(find_bin mariadbd mysqld) ||
        die "mariadbd not found; install the server with: tests/deps.sh (as root)"
    INSTALL_DB=$(find_bin mariadb-install-db mysql_install_db) ||
        die "mariadb-install-db not found; install it with: tests/deps.sh (as root)"
    need_client_bins
}

need_client_bins() {
    MARIADB=$(find_bin mariadb mysql) ||
        die "mariadb client not found; install it with: tests/deps.sh (as root)"
    MARIADB_ADMIN=$(find_bin mariadb-admin mysqladmin) ||
        die "mariadb-admin not found; install it with: tests/deps.sh (as root)"
}

# ---------------------------------------------------------------- helpers

now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

set_dir() {  # canonical absolute DIR, safe to write unquoted into testbed.env
    local d=${1:-${TESTBED_DIR:-$REPO_DIR/build/testbed}}
    [ -n "$d" ] || die "empty --dir"
    DIR=$(realpath -m -- "$d")
    case "$DIR" in
        / | /bin | /boot | /dev | /etc | /home | /lib* | /proc | /root | /run | /sbin | /sys | /tmp | /usr | /var | "$REPO_DIR")
            die "refusing to use $DIR as the testbed directory" ;;
    esac
    [[ "$DIR" =~ ^[A-Za-z0-9._/@+,:-]+$ ]] ||
        die "testbed dir '$DIR' contains characters (spaces, quotes, ...) that would break testbed.env; pick another --dir"
    ENV_FILE=$DIR/testbed.env
}

# Serialise start/stop on one DIR: flock the directory itself (fd 9, held
# until we exit; the servers we launch do not inherit it).  `stop` removes
# DIR while holding the lock, so after getting it check that DIR is still
# the directory we locked and start over if not.
# lock_dir create|existing -> 1 if DIR does not exist (and not create)
lock_dir() {
    command -v flock >/dev/null 2>&1 || return 0
    while :; do
        if [ "$1" = create ]; then mkdir -p "$DIR"; elif [ ! -d "$DIR" ]; then return 1; fi
        exec 9<"$DIR" || continue
        flock -w 300 9 || die "timed out waiting for another start/stop of the testbed in $DIR"
        if [ "$(stat -c %d:%i "$DIR" 2>/dev/null)" = "$(stat -L -c %d:%i /proc/self/fd/9)" ]; then
            return 0
        fi
        exec 9<&-
    done
}

# PIDs of processes that this testbed started: pid files under DIR whose
# process still names DIR on its command line, plus any process whose
# command line has --datadir=DIR/... (e.g. a bootstrap interrupted mid-way).
# Zombies count as gone.
pid_in() {  # pid_in FILE -> its first line, or nothing
    local p=""
    { read -r p <"$1"; } 2>/dev/null || true
    echo "$p"
}

running() {  # running PID -> true if the process exists and is not a zombie
    local stat
    [[ "$1" =~ ^[0-9]+$ ]] || return 1
    # read, not $(<file): a failing $(<file) aborts bash 5.2 under set -e
    # even inside ||, and the process may vanish at any moment.
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

alive() {  # alive PID -> running and its command line names DIR/
    running "$1" && grep -qzF -- "$DIR/" "/proc/$1/cmdline" 2>/dev/null
}

our_pids() {
    local f pid seen=" "
    for f in "$DIR"/*/mariadbd.pid "$DIR"/*/launch.pid; do
        [ -f "$f" ] || continue
        pid=$(pid_in "$f")
        [[ "$pid" =~ ^[0-9]+$ ]] || continue
        case "$seen" in *" $pid "*) continue ;; esac
        if alive "$pid"; then seen="$seen$pid "; echo "$pid"; fi
    done
    for f in $(grep -lzF -- "--datadir=$DIR/" /proc/[0-9]*/cmdline 2>/dev/null || true); do
        pid=${f#/proc/}; pid=${pid%/cmdline}
        [ "$pid" != "$$" ] || continue
        case "$(cat "/proc/$pid/comm" 2>/dev/null)" in mariadbd | mysqld) ;; *) continue ;; esac
        case "$seen" in *" $pid "*) continue ;; esac
        if alive "$pid"; then seen="$seen$pid "; echo "$pid"; fi
    done
}

# kill_ours [TIMEOUT]: SIGTERM, wait up to TIMEOUT (default STOP_TIMEOUT)
# seconds, SIGKILL the rest.  TIMEOUT 0: SIGKILL at once (for servers whose
# data is about to be thrown away anyway).  SIGTERM is repeated every 2 s:
# mariadbd 10.11 can lose a SIGTERM that arrives early in its startup.
kill_ours() {
    local timeout=${1:-$STOP_TIMEOUT} pids=() p left=() t0=$SECONDS n=0
    mapfile -t pids < <(our_pids)
    [ ${#pids[@]} -gt 0 ] || return 0
    say "stopping ${#pids[@]} server process(es) in $DIR (pids ${pids[*]})"
    [ "$timeout" -eq 0 ] || for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    while :; do
        left=()
        for p in "${pids[@]}"; do alive "$p" && left+=("$p"); done
        [ ${#left[@]} -gt 0 ] || return 0
        [ $((SECONDS - t0)) -lt "$timeout" ] || break
        sleep 0.1
        n=$((n + 1))
        if [ $((n % 20)) -eq 0 ]; then
            for p in "${left[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
        fi
    done
    [ "$timeout" -eq 0 ] || say "still running after ${timeout}s, sending SIGKILL to ${left[*]}"
    for p in "${left[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        left=()
        for p in "${pids[@]}"; do alive "$p" && left+=("$p"); done
        [ ${#left[@]} -gt 0 ] || return 0
        sleep 0.1
    done
    die "could not kill ${left[*]}"
}

is_testbed_dir() {  # has our marker, or is empty
    [ -f "$DIR/$MARKER" ] || [ -z "$(ls -A -- "$DIR" 2>/dev/null)" ]
}

# Local TCP ports in use on any address, read from /proc (no ss/netstat
# needed).  "used_ports listen": listening sockets only; "used_ports all":
# every socket except TIME_WAIT ones (mariadbd binds with SO_REUSEADDR).
used_ports() {
    local h
    awk -v m="$1" 'FNR > 1 && (m == "all" ? $4 != "06" : $4 == "0A") {
                       n = split($2, a, ":"); print a[n] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        while read -r h; do echo $((16#$h)); done | sort -un
}

# ---------------------------------------------------------------- env file

# Load DIR/testbed.env into the TB associative array (not sourced).
declare -A TB=()
load_env() {
    local k v
    [ -f "$ENV_FILE" ] || return 1
    TB=()
    while IFS='=' read -r k v; do
        [[ "$k" =~ ^[A-Z0-9_]+$ ]] || continue
        TB[$k]=$v
    done <"$ENV_FILE"
    [ -n "${TB[TESTBED_SHARDS]:-}" ]
}

running_from_env() {  # true if every server listed in testbed.env is alive
    local k n=0
    for k in "${!TB[@]}"; do
        case "$k" in
            SHARD*_PID)
                n=$((n + 1))
                alive "${TB[$k]}" || return 1 ;;
        esac
    done
    [ $n -gt 0 ]
}

# ---------------------------------------------------------------- SQL helpers

sql_sock() {  # sql_sock SOCKET [mariadb args...]  — as admin, no defaults files
    local sock=$1; shift
    "$MARIADB" --no-defaults --protocol=socket --socket="$sock" \
        --user="$ADMIN_USER" --password="$ADMIN_PASSWORD" --connect-timeout=5 "$@"
}

ping_sock() {
    [ -S "$1" ] || return 1
    "$MARIADB_ADMIN" --no-defaults --protocol=socket --socket="$1" \
        --user="$ADMIN_USER" --password="$ADMIN_PASSWORD" --connect-timeout=2 ping >/dev/null 2>&1
}

slave_field() {  # slave_field "SHOW SLAVE STATUS\G output" Field
    awk -v f="$2" -F': ' '{ sub(/^ +/, "", $1) } $1 == f { print $2; exit }' <<<"$1"
}

# ---------------------------------------------------------------- start

# Server table, filled by plan_servers: parallel arrays indexed 0..S-1.
SV_NAME=() SV_SHARD=() SV_ROLE=() SV_PORT=() SV_ID=()

plan_servers() {  # plan_servers BASEPORT
    local base=$1 i
    SV_NAME=() SV_SHARD=() SV_ROLE=() SV_PORT=() SV_ID=()
    for ((i = 0; i < SHARDS; i++)); do
        SV_NAME+=("shard$i-primary"); SV_SHARD+=("$i"); SV_ROLE+=(primary)
        SV_PORT+=($((base + 2 * i))); SV_ID+=($((2 * i + 1)))
        if [ "$REPLICAS" -ge 1 ]; then
            SV_NAME+=("shard$i-replica"); SV_SHARD+=("$i"); SV_ROLE+=(replica)
            SV_PORT+=($((base + 2 * i + 1))); SV_ID+=($((2 * i + 2)))
        fi
    done
    if [ "$REPLICAS" = 2 ]; then
        for ((i = 0; i < SHARDS; i++)); do
            SV_NAME+=("shard$i-replica2"); SV_SHARD+=("$i"); SV_ROLE+=(replica2)
            SV_PORT+=($((base + 2 * SHARDS + i))); SV_ID+=($((2 * SHARDS + i + 1)))
        done
    fi
}

ports_free() {  # ports_free all|listen PORT... -> true if none is in use
    local used p
    used=" $(used_ports "$1" | tr '\n' ' ') "
    shift
    for p in "$@"; do
        case "$used" in *" $p "*) return 1 ;; esac
    done
}

# Random base in 20000..50000 with all 2N ports free.  Ports inside the
# kernel's ephemeral range (ip_local_port_range, 32768-60999 by default) are
# avoided when possible: any outgoing connection can take one of those
# between our check and mariadbd's bind (seen under load).
pick_ports() {
    local span=$(((REPLICAS == 2 ? 3 : 2) * SHARDS)) base lo=32768 hi=60999 avoid=1
    if [ -n "$BASE_PORT" ]; then
        plan_servers "$BASE_PORT"
        ports_free listen "${SV_PORT[@]}" ||
            die "some of ports ${SV_PORT[*]} on 127.0.0.1 are in use; pick another --base-port or omit it to choose free ports automatically"
        return 0
    fi
    { read -r lo hi </proc/sys/net/ipv4/ip_local_port_range; } 2>/dev/null || true
    # no room outside the ephemeral range -> take the whole 20000..50000
    if [ $((lo - 20000)) -lt $((span + 10)) ] && [ $((50000 - hi)) -lt $((span + 10)) ]; then avoid=0; fi
    for _ in $(seq 200); do
        base=$((20000 + (RANDOM * 32768 + RANDOM) % (30000 - span)))
        if [ $avoid = 1 ] && [ $((base + span - 1)) -ge "$lo" ] && [ "$base" -le "$hi" ]; then continue; fi
        plan_servers "$base"
        if ports_free all "${SV_PORT[@]}"; then return 0; fi
    done
    die "could not find $span free consecutive ports in 20000..50000"
}

make_template() {
    local t=$DIR/template
    say "creating template datadir"
    if ! "$INSTALL_DB" --no-defaults --datadir="$t" \
        --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
        "${USER_OPT[@]}" "${INNODB_OPTS[@]}" >"$DIR/template-install.log" 2>&1; then
        tail -n 30 "$DIR/template-install.log" >&2
        die "mariadb-install-db failed; full log: $DIR/template-install.log"
    fi
    local privs="SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER,
        CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW,
        CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER, REFERENCES, PROCESS,
        SHOW DATABASES, BINLOG MONITOR, SLAVE MONITOR"
    # --bootstrap: no networking, no binlog -> every copy starts with the
    # same users and an empty GTID state.
    if ! "$MARIADBD" --no-defaults --bootstrap --datadir="$t" "${USER_OPT[@]}" \
        "${INNODB_OPTS[@]}" --log-error="$DIR/template-bootstrap.log" \
        >>"$DIR/template-bootstrap.log" 2>&1 <<EOF; then
FLUSH PRIVILEGES;
-- install-db adds a proxy grant for <user>@<hostname>, which only yields a
-- warning under --skip-name-resolve; drop it to keep error.log clean.
DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '%', '');
CREATE USER '$ADMIN_USER'@'127.0.0.1' IDENTIFIED BY '$ADMIN_PASSWORD';
CREATE USER '$ADMIN_USER'@'localhost' IDENTIFIED BY '$ADMIN_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$ADMIN_USER'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$ADMIN_USER'@'localhost' WITH GRANT OPTION;
CREATE USER '$APP_USER'@'127.0.0.1' IDENTIFIED BY '$APP_PASSWORD';
CREATE USER '$APP_USER'@'localhost' IDENTIFIED BY '$APP_PASSWORD';
GRANT $privs ON *.* TO '$APP_USER'@'127.0.0.1';
GRANT $privs ON *.* TO '$APP_USER'@'localhost';
CREATE USER '$REPL_USER'@'127.0.0.1' IDENTIFIED BY '$REPL_PASSWORD';
GRANT REPLICATION SLAVE ON *.* TO '$REPL_USER'@'127.0.0.1';
EOF
        tail -n 30 "$DIR/template-bootstrap.log" >&2
        die "creating users with mariadbd --bootstrap failed; full log: $DIR/template-bootstrap.log"
    fi
}

launch_server() {  # launch_server INDEX
    local k=$1 sd=$DIR/${SV_NAME[$1]} opts
    opts=(
        --no-defaults
        --datadir="$sd/data"
        --port="${SV_PORT[$k]}"
        --bind-address=127.0.0.1
        --socket="$sd/mariadbd.sock"
        --pid-file="$sd/mariadbd.pid"
        --log-error="$sd/error.log"
        --tmpdir="$sd/tmp"
        --server-id="${SV_ID[$k]}"
        --log-bin=binlog
        --relay-log=relay-bin
        --binlog-format=ROW
        --log-slave-updates
        --gtid-domain-id=$((SV_SHARD[k] + 1))
        --report-host=127.0.0.1
        --report-port="${SV_PORT[$k]}"
        --character-set-server=utf8mb4
        --collation-server=utf8mb4_general_ci
        --max-allowed-packet=256M
        "${INNODB_OPTS[@]}"
        --innodb-flush-log-at-trx-commit=2
        --sync-binlog=0
        --skip-name-resolve
        --performance-schema=OFF
        --max-connections=2000
        "${USER_OPT[@]}"
    )
    [ "${SV_ROLE[$k]}" != primary ] && opts+=(--read-only=1)
    (
        # Do not leak the caller's descriptors (pipes from make, CI, Python)
        # into a daemon that outlives us: a held pipe would hang the caller.
        for fd in "/proc/$BASHPID/fd/"*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        # Not a process-group leader here, so setsid does not fork: $! is
        # the server's pid.  New session: no SIGHUP/SIGINT from the caller.
        exec setsid nohup "$MARIADBD" "${opts[@]}" </dev/null >>"$sd/stdout.log" 2>&1
    ) &
    echo $! >"$sd/launch.pid"
    disown $!   # no "Killed" job notices if we have to kill it
}

# Launch every planned server from the template and wait for all of them.
# Returns 0 when all answer ping, 2 on a port clash (caller may retry),
# dies on anything else.
start_servers() {
    local k sd deadline pending n down=() cps=() p
    for k in "${!SV_NAME[@]}"; do
        sd=$DIR/${SV_NAME[$k]}
        rm -rf -- "$sd"
        mkdir -p "$sd/tmp"
        cp -a --sparse=always "$DIR/template" "$sd/data" &
        cps+=($!)
    done
    for p in "${cps[@]}"; do wait "$p" || die "copying the template datadir into $DIR failed (disk full?)"; done
    for k in "${!SV_NAME[@]}"; do
        sd=$DIR/${SV_NAME[$k]}
        [ "$RUN_USER" = root ] || chown -R "$RUN_USER:" "$sd"
    done
    say "starting ${#SV_NAME[@]} servers: $(for k in "${!SV_NAME[@]}"; do printf '%s:%s ' "${SV_NAME[$k]}" "${SV_PORT[$k]}"; done)"
    for k in "${!SV_NAME[@]}"; do launch_server "$k"; done

    deadline=$((SECONDS + START_TIMEOUT))
    pending=("${!SV_NAME[@]}")
    while [ ${#pending[@]} -gt 0 ]; do
        n=()
        for k in "${pending[@]}"; do
            sd=$DIR/${SV_NAME[$k]}
            if ping_sock "$sd/mariadbd.sock"; then continue; fi
            # Auto-picked port taken meanwhile (a race with another program):
            # give up on these ports at once instead of waiting for the abort.
            if [ -z "$BASE_PORT" ] && grep -qsE "Bind on TCP/IP port|Address already in use" "$sd/error.log"; then
                return 2
            fi
            if ! running "$(pid_in "$sd/launch.pid")"; then
                say "${SV_NAME[$k]} (port ${SV_PORT[$k]}) exited during startup; last lines of $sd/error.log:"
                tail -n 25 "$sd/error.log" >&2 2>/dev/null || true
                die "${SV_NAME[$k]} failed to start (see $sd/error.log)"
            fi
            n+=("$k")
        done
        pending=("${n[@]+"${n[@]}"}")
        [ ${#pending[@]} -gt 0 ] || break
        if [ $SECONDS -ge $deadline ]; then
            for k in "${pending[@]}"; do
                sd=$DIR/${SV_NAME[$k]}
                down+=("${SV_NAME[$k]}")
                say "${SV_NAME[$k]} (port ${SV_PORT[$k]}) not answering after ${START_TIMEOUT}s; last lines of $sd/error.log:"
                tail -n 25 "$sd/error.log" >&2 2>/dev/null || true
            done
            die "timed out waiting for: ${down[*]}"
        fi
        sleep 0.05
    done
    return 0
}

setup_replication() {
    local k j i pk sd st io sqlr deadline pending n
    [ "$REPLICAS" -ge 1 ] || return 0
    for k in "${!SV_NAME[@]}"; do
        [ "${SV_ROLE[$k]}" != primary ] || continue
        for j in "${!SV_NAME[@]}"; do   # the shard's primary
            [ "${SV_ROLE[$j]}" = primary ] && [ "${SV_SHARD[$j]}" = "${SV_SHARD[$k]}" ] && pk=$j
        done
        sql_sock "$DIR/${SV_NAME[$k]}/mariadbd.sock" -e "
            CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${SV_PORT[$pk]},
                MASTER_USER='$REPL_USER', MASTER_PASSWORD='$REPL_PASSWORD',
                MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos;
            START SLAVE;" ||
            die "CHANGE MASTER/START SLAVE failed on ${SV_NAME[$k]}"
    done
    deadline=$((SECONDS + REPL_TIMEOUT))
    pending=()
    for k in "${!SV_NAME[@]}"; do [ "${SV_ROLE[$k]}" != primary ] && pending+=("$k"); done
    while [ ${#pending[@]} -gt 0 ]; do
        n=()
        for k in "${pending[@]}"; do
            st=$(sql_sock "$DIR/${SV_NAME[$k]}/mariadbd.sock" -e 'SHOW SLAVE STATUS\G' 2>/dev/null || true)
            io=$(slave_field "$st" Slave_IO_Running)
            sqlr=$(slave_field "$st" Slave_SQL_Running)
            if [ "$io" = Yes ] && [ "$sqlr" = Yes ]; then continue; fi
            if [ $SECONDS -ge $deadline ]; then
                i=${SV_SHARD[$k]}
                say "shard$i replica: Slave_IO_Running=$io Slave_SQL_Running=$sqlr"
                say "  Last_IO_Error: $(slave_field "$st" Last_IO_Error)"
                say "  Last_SQL_Error: $(slave_field "$st" Last_SQL_Error)"
                die "replication on shard$i did not start within ${REPL_TIMEOUT}s (see $DIR/${SV_NAME[$k]}/error.log)"
            fi
            n+=("$k")
        done
        pending=("${n[@]+"${n[@]}"}")
        [ ${#pending[@]} -eq 0 ] || sleep 0.1
    done
}

write_env() {
    local k i r sd pid tmp=$ENV_FILE.tmp
    {
        echo "TESTBED_DIR=$DIR"
        echo "TESTBED_SHARDS=$SHARDS"
        echo "TESTBED_REPLICAS=$REPLICAS"
        echo "TESTBED_HOST=127.0.0.1"
        echo "TESTBED_ADMIN_USER=$ADMIN_USER"
        echo "TESTBED_ADMIN_PASSWORD=$ADMIN_PASSWORD"
        echo "TESTBED_APP_USER=$APP_USER"
        echo "TESTBED_APP_PASSWORD=$APP_PASSWORD"
        echo "TESTBED_REPL_USER=$REPL_USER"
        echo "TESTBED_REPL_PASSWORD=$REPL_PASSWORD"
        for k in "${!SV_NAME[@]}"; do
            i=${SV_SHARD[$k]}
            r=${SV_ROLE[$k]^^}
            sd=$DIR/${SV_NAME[$k]}
            echo "SHARD${i}_${r}_PORT=${SV_PORT[$k]}"
            echo "SHARD${i}_${r}_SOCK=$sd/mariadbd.sock"
            pid=$(pid_in "$sd/mariadbd.pid")
            echo "SHARD${i}_${r}_PID=${pid:-$(pid_in "$sd/launch.pid")}"
            echo "SHARD${i}_${r}_SERVER_ID=${SV_ID[$k]}"
            echo "SHARD${i}_${r}_GTID_DOMAIN_ID=$((i + 1))"
        done
    } >"$tmp"
    mv -f "$tmp" "$ENV_FILE"
}

cmd_start() {
    SHARDS=2 REPLICAS=1 BASE_PORT=""
    local dir="" shards_set="" replicas_set="" t0 rc
    while [ $# -gt 0 ]; do
        case "$1" in
            --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
            --dir=*) dir=${1#*=}; shift ;;
            --shards) [ $# -ge 2 ] || usage; SHARDS=$2; shards_set=1; shift 2 ;;
            --shards=*) SHARDS=${1#*=}; shards_set=1; shift ;;
            --replicas) [ $# -ge 2 ] || usage; REPLICAS=$2; replicas_set=1; shift 2 ;;
            --replicas=*) REPLICAS=${1#*=}; replicas_set=1; shift ;;
            --base-port) [ $# -ge 2 ] || usage; BASE_PORT=$2; shift 2 ;;
            --base-port=*) BASE_PORT=${1#*=}; shift ;;
            *) usage ;;
        esac
    done
    if ! [[ "$SHARDS" =~ ^[1-9][0-9]*$ ]] || [ "$SHARDS" -gt 64 ]; then
        die "--shards must be 1..64 (got '$SHARDS')"
    fi
    [[ "$REPLICAS" =~ ^[012]$ ]] || die "--replicas must be 0, 1 or 2 (got '$REPLICAS')"
    if [ -n "$BASE_PORT" ]; then
        if ! [[ "$BASE_PORT" =~ ^[1-9][0-9]*$ ]] || [ "$BASE_PORT" -lt 1024 ] ||
            [ $((BASE_PORT + 2 * SHARDS)) -gt 65536 ]; then
            die "--base-port must be 1024..$((65536 - 2 * SHARDS)) (got '$BASE_PORT')"
        fi
    fi
    set_dir "$dir"
    local longest=$DIR/shard$((SHARDS - 1))-replica/mariadbd.sock
    [ ${#longest} -le 107 ] ||
        die "unix socket path $longest is longer than 107 bytes; use a shorter --dir"
    need_bins
    lock_dir create

    # Already running?  Then this is a no-op.
    if load_env && running_from_env; then
        if { [ -n "$shards_set" ] && [ "$SHARDS" != "${TB[TESTBED_SHARDS]}" ]; } ||
            { [ -n "$replicas_set" ] && [ "$REPLICAS" != "${TB[TESTBED_REPLICAS]}" ]; }; then
            say "warning: testbed in $DIR is already running with ${TB[TESTBED_SHARDS]} shard(s), replicas=${TB[TESTBED_REPLICAS]}; run 'stop' first to change that"
        fi
        say "already running: $ENV_FILE"
        echo "$ENV_FILE"
        return 0
    fi
    if [ -n "$(ls -A -- "$DIR")" ]; then
        is_testbed_dir ||
            die "$DIR exists but is not a testbed directory (no $MARKER); remove it or pick another --dir"
        say "removing stale testbed in $DIR"
        kill_ours 5
        # empty it but keep the (locked) directory itself
        find "$DIR" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
    fi

    t0=$(now)
    : >"$DIR/$MARKER"

    # Run as mysql when we are root and mysql can reach DIR, else as root.
    if [ "$(id -u)" -eq 0 ]; then
        RUN_USER=root
        if id -u mysql >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1 &&
            runuser -u mysql -- test -x "$DIR" 2>/dev/null; then
            RUN_USER=mysql
        fi
        USER_OPT=(--user="$RUN_USER")
    else
        RUN_USER=$(id -un)
        USER_OPT=()
    fi
    # Same InnoDB sizes for the template and the servers (no redo log resize
    # at first start); a small ibtmp1 saves writing 12 MB per server.
    INNODB_OPTS=(--innodb-buffer-pool-size=64M --innodb-log-file-size=48M
        --innodb-temp-data-file-path=ibtmp1:4M:autoextend)

    # From here on, a failure kills whatever we launched (logs stay in DIR).
    trap 'rc=$?; if [ $rc -ne 0 ]; then kill_ours 0 || true; say "start failed; logs are in $DIR (tests/testbed.sh stop --dir $DIR removes it)"; fi' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    [ -z "$BASE_PORT" ] || pick_ports   # a busy --base-port fails fast
    make_template
    [ "$RUN_USER" = root ] || chown -R "$RUN_USER:" "$DIR/template"

    pick_ports   # just before the launch: keep the race window small
    for _ in 1 2 3 4 5; do
        rc=0
        start_servers || rc=$?
        [ $rc -eq 2 ] || break
        say "port clash on ${SV_PORT[*]}, retrying with other ports"
        kill_ours 0
        pick_ports
    done
    [ $rc -eq 0 ] || die "could not start servers (port clashes)"
    setup_replication
    write_env
    trap - EXIT
    say "ready in $(elapsed "$t0")s: $SHARDS shard(s), replicas=$REPLICAS, env: $ENV_FILE"
    echo "$ENV_FILE"
}

# ---------------------------------------------------------------- stop/status/sql

cmd_stop() {
    local dir=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
            --dir=*) dir=${1#*=}; shift ;;
            *) usage ;;
        esac
    done
    set_dir "$dir"
    if [ ! -e "$DIR" ]; then
        say "nothing to stop in $DIR"
        return 0
    fi
    is_testbed_dir || die "$DIR is not a testbed directory (no $MARKER); not touching it"
    if ! lock_dir existing; then
        say "nothing to stop in $DIR"
        return 0
    fi
    kill_ours
    rm -rf -- "$DIR"
    say "stopped, removed $DIR"
}

cmd_status() {
    local dir="" i n role sock port pid st rc=0 line
    while [ $# -gt 0 ]; do
        case "$1" in
            --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
            --dir=*) dir=${1#*=}; shift ;;
            *) usage ;;
        esac
    done
    set_dir "$dir"
    need_client_bins
    if ! load_env; then
        say "no testbed in $DIR"
        return 3
    fi
    n=${TB[TESTBED_SHARDS]}
    for ((i = 0; i < n; i++)); do
        for role in PRIMARY REPLICA REPLICA2; do
            port=${TB[SHARD${i}_${role}_PORT]:-}
            [ -n "$port" ] || continue
            sock=${TB[SHARD${i}_${role}_SOCK]}
            pid=${TB[SHARD${i}_${role}_PID]}
            line=$(printf 'shard%-3s %-8s port %-5s pid %-7s' "$i" "${role,,}" "$port" "$pid")
            if ! alive "$pid" || ! ping_sock "$sock"; then
                echo "$line down"
                rc=1
                continue
            fi
            if [ "$role" = PRIMARY ]; then
                echo "$line up  gtid_binlog_pos=$(sql_sock "$sock" -N -B -e 'SELECT @@gtid_binlog_pos' 2>/dev/null)"
            else
                st=$(sql_sock "$sock" -e 'SHOW SLAVE STATUS\G' 2>/dev/null || true)
                echo "$line up  io=$(slave_field "$st" Slave_IO_Running) sql=$(slave_field "$st" Slave_SQL_Running)" \
                    "seconds_behind_master=$(slave_field "$st" Seconds_Behind_Master)" \
                    "gtid_slave_pos=$(sql_sock "$sock" -N -B -e 'SELECT @@gtid_slave_pos' 2>/dev/null)"
            fi
        done
    done
    return $rc
}

cmd_sql() {
    local dir="" shard role sock
    case "${1:-}" in
        --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
        --dir=*) dir=${1#*=}; shift ;;
    esac
    [ $# -ge 2 ] || usage
    shard=$1 role=$2; shift 2
    case "${1:-}" in   # also accept --dir right after the role
        --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
        --dir=*) dir=${1#*=}; shift ;;
    esac
    [[ "$shard" =~ ^[0-9]+$ ]] || die "SHARD must be a number (got '$shard')"
    case "$role" in primary | replica | replica2) ;; *) die "role must be primary, replica or replica2 (got '$role')" ;; esac
    set_dir "$dir"
    need_client_bins
    load_env || die "no testbed in $DIR; start one with: tests/testbed.sh start${dir:+ --dir $DIR}"
    sock=${TB[SHARD${shard}_${role^^}_SOCK]:-}
    [ -n "$sock" ] || die "testbed in $DIR has no shard $shard $role (shards=${TB[TESTBED_SHARDS]}, replicas=${TB[TESTBED_REPLICAS]})"
    exec "$MARIADB" --no-defaults --protocol=socket --socket="$sock" \
        --user="$ADMIN_USER" --password="$ADMIN_PASSWORD" "$@"
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    sql) cmd_sql "$@" ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
