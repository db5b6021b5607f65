#!/usr/bin/env bash
# tests/demo.sh — `make demo`: a MariaDB testbed (2 shards, primary + replica
# each), an unsharded keyspace "main" (table fruit) on shard 0, a sharded
# keyspace "shop" over both servers (customers and orders sharded by
# customer id, customer ids from a sequence in main, a reference table
# countries) filled through the router, and shardrouter in the foreground
# on 127.0.0.1:6033. Ctrl-C stops the router and the testbed.
#
#   tests/demo.sh            (run by `make demo` after deps and build)
#
# Files: build/testbed-demo/ (the servers; removed on exit),
#        build/demo/shardmap.conf and build/demo/shardrouter.conf (kept).
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"

LISTEN_HOST=127.0.0.1
LISTEN_PORT=6033
TESTBED_DIR=$REPO/build/testbed-demo
DEMO_DIR=$REPO/build/demo
ROUTER=$REPO/build/shardrouter
STOP_WAIT=15   # seconds to wait for the router after SIGTERM (shutdown_timeout_ms is 10 s)

say() { echo "demo: $*" >&2; }
die() { echo "demo: error: $*" >&2; exit 1; }

# Is anything listening on TCP port $1 (any address, IPv4 or IPv6)?
# Read from /proc so that neither ss nor netstat is needed.
listening() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p="$hex" 'FNR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == p) found = 1 }
                     END { exit found ? 0 : 1 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

[ -x "$ROUTER" ] || die "$ROUTER is not built; run: make all (or make demo)"

# Before starting anything: shardrouter binds with SO_REUSEPORT, so a second
# router of the same user would bind the port too and silently share it.
if listening "$LISTEN_PORT"; then
    echo "demo: port $LISTEN_PORT is already in use; something else listens there:" >&2
    if command -v ss >/dev/null 2>&1; then
        ss -Hltnp "sport = :$LISTEN_PORT" 2>/dev/null | sed 's/^/demo:   /' >&2 || true
    fi
    echo "demo: stop it (another 'make demo'?) and run 'make demo' again." >&2
    exit 1
fi

router_pid=""
testbed_started=""

cleanup() {
    local rc=$? i
    # Ignore further Ctrl-C while cleaning up, in this shell and (inherited)
    # in the commands it runs, so that the testbed is stopped completely.
    trap '' INT TERM HUP
    if [ -n "$router_pid" ] && kill -0 "$router_pid" 2>/dev/null; then
        say "stopping shardrouter (pid $router_pid)"
        kill -TERM "$router_pid" 2>/dev/null || true
        for ((i = 0; i < STOP_WAIT * 10; i++)); do
            kill -0 "$router_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$router_pid" 2>/dev/null; then
            say "shardrouter still running after ${STOP_WAIT}s; sending SIGKILL"
            kill -KILL "$router_pid" 2>/dev/null || true
        fi
        wait "$router_pid" 2>/dev/null || true
    fi
    if [ -n "$testbed_started" ]; then
        say "stopping the testbed in $TESTBED_DIR"
        "$REPO/tests/testbed.sh" stop --dir "$TESTBED_DIR" || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- testbed

say "starting the MariaDB testbed in $TESTBED_DIR (2 shards, a primary and a replica each)"
testbed_started=1
env_file=$("$REPO/tests/testbed.sh" start --dir "$TESTBED_DIR" --shards 2) ||
    die "the testbed did not start (see above)"

# testbed.env holds plain KEY=VALUE lines; read it without sourcing it.
declare -A TB=()
while IFS='=' read -r k v; do
    [[ "$k" =~ ^[A-Z0-9_]+$ ]] && TB[$k]=$v
done <"$env_file"
primary_port=${TB[SHARD0_PRIMARY_PORT]:?testbed.env has no SHARD0_PRIMARY_PORT}
replica_port=${TB[SHARD0_REPLICA_PORT]:-}
primary1_port=${TB[SHARD1_PRIMARY_PORT]:?testbed.env has no SHARD1_PRIMARY_PORT}
app_user=${TB[TESTBED_APP_USER]}
app_password=${TB[TESTBED_APP_PASSWORD]}

say "creating database main and table main.fruit on shard 0's primary (127.0.0.1:$primary_port)"
"$REPO/tests/testbed.sh" sql --dir "$TESTBED_DIR" 0 primary <<'EOF'
CREATE DATABASE IF NOT EXISTS main;
DROP TABLE IF EXISTS main.fruit;
CREATE TABLE main.fruit (
    id INT PRIMARY KEY,
    name VARCHAR(40) NOT NULL,
    color VARCHAR(20) NOT NULL
);
INSERT INTO main.fruit VALUES
    (1, 'apple', 'red'), (2, 'banana', 'yellow'), (3, 'cherry', 'dark red'),
    (4, 'kiwi', 'green'), (5, 'plum', 'purple');
DROP TABLE IF EXISTS main.customers_seq;
CREATE TABLE main.customers_seq (id INT PRIMARY KEY, next_id BIGINT NOT NULL);
INSERT INTO main.customers_seq VALUES (0, 1);
EOF
# The sharded keyspace's schemas: shop_s0 on shard 0's primary, shop_s1 on
# shard 1's; the tables are created through the router (DDL goes to every
# shard) once it runs.
for s in 0 1; do
    "$REPO/tests/testbed.sh" sql --dir "$TESTBED_DIR" "$s" primary \
        <<<"DROP DATABASE IF EXISTS shop_s$s; CREATE DATABASE shop_s$s;"
done

# ---------------------------------------------------------------- router config

mkdir -p "$DEMO_DIR"
replicas=""
[ -n "$replica_port" ] && replicas=" replicas = ( \"127.0.0.1:$replica_port\" );"
cat >"$DEMO_DIR/shardmap.conf" <<EOF
# Shard map written by tests/demo.sh (see shardmap(5)): an unsharded
# keyspace "main" on shard 0 of the testbed in $TESTBED_DIR, and a sharded
# keyspace "shop" over both of its servers.
version = 1;
keyspaces = (
  { name = "main"; sharded = false;
    shards = ( { primary = "127.0.0.1:$primary_port";$replicas schema = "main"; } ); },
  { name = "shop"; sharded = true;
    tables = ( { name = "customers"; key = "id"; sequence = "main.customers_seq"; },
               { name = "orders"; key = "customer_id"; } );
    reference_tables = ( "countries" );
    shards = ( { range = "-80"; primary = "127.0.0.1:$primary_port"; schema = "shop_s0"; },
               { range = "80-"; primary = "127.0.0.1:$primary1_port"; schema = "shop_s1"; } ); }
);
EOF
cat >"$DEMO_DIR/shardrouter.conf" <<EOF
# shardrouter configuration written by tests/demo.sh (see shardrouter.conf(5)).
listen = "$LISTEN_HOST:$LISTEN_PORT";
shardmap = "shardmap.conf";   # relative to this file's directory

# The accounts clients log in with (on the router).
users = ( { name = "app"; password = "apppw"; } );

# The account the router logs in with on the shards' servers.
backend = { user = "$app_user"; password = "$app_password"; };
EOF
"$ROUTER" -t -c "$DEMO_DIR/shardrouter.conf" >&2 ||
    die "the generated configuration $DEMO_DIR/shardrouter.conf is not valid"

# ---------------------------------------------------------------- router

say "starting $ROUTER -c $DEMO_DIR/shardrouter.conf"
"$ROUTER" -c "$DEMO_DIR/shardrouter.conf" &
router_pid=$!

for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$router_pid" 2>/dev/null; then
        rc=0
        wait "$router_pid" || rc=$?
        router_pid=""
        die "shardrouter exited with status $rc before listening (see its messages above)"
    fi
    listening "$LISTEN_PORT" && break
    sleep 0.1
done
listening "$LISTEN_PORT" || die "shardrouter is not listening on $LISTEN_HOST:$LISTEN_PORT after 10 s"

say "creating and filling keyspace shop through the router"
mariadb -h "$LISTEN_HOST" -P "$LISTEN_PORT" -u app -papppw shop <<'EOF' ||
CREATE TABLE customers (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, city VARCHAR(40));
CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, amount DECIMAL(10,2),
                     KEY (customer_id));
CREATE TABLE countries (code CHAR(2) PRIMARY KEY, name VARCHAR(40));
INSERT INTO countries VALUES ('de', 'Germany'), ('fr', 'France'), ('it', 'Italy');
INSERT INTO customers (name, city) VALUES ('Ada', 'Berlin'), ('Blaise', 'Paris'),
    ('Carla', 'Rome'), ('Dieter', 'Berlin'), ('Emile', 'Paris'), ('Fiona', 'Rome');
INSERT INTO orders (id, customer_id, amount) VALUES (1, 1, 19.90), (2, 1, 5.00),
    (3, 2, 42.00), (4, 3, 7.50), (5, 4, 99.99), (6, 5, 12.00), (7, 6, 3.30), (8, 6, 8.80);
EOF
    die "filling keyspace shop through the router failed (see above)"

cat >&2 <<EOF

==========================================================================
 shardrouter is running on $LISTEN_HOST:$LISTEN_PORT
   keyspace "main" -> shard 0 primary 127.0.0.1:$primary_port, schema "main"
   keyspace "shop" (sharded) -> shop_s0 on 127.0.0.1:$primary_port,
                                shop_s1 on 127.0.0.1:$primary1_port

 Connect with:

     mariadb -h $LISTEN_HOST -P $LISTEN_PORT -u app -papppw main

 and try:   SELECT * FROM fruit;
 then:      USE shop
            SELECT * FROM customers ORDER BY id;
            SELECT city, COUNT(*), SUM(amount) FROM customers c
                JOIN orders o ON o.customer_id = c.id GROUP BY city;
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id IN (1, 2);
            INSERT INTO customers (name, city) VALUES ('Gina', 'Rome');
            SELECT LAST_INSERT_ID();

 Config:    $DEMO_DIR/shardrouter.conf
 Shard map: $DEMO_DIR/shardmap.conf
 Direct to the shard (admin):
            tests/testbed.sh sql --dir $TESTBED_DIR 0 primary

 Stop with Ctrl-C: stops the router and the MariaDB testbed.
==========================================================================

EOF

# The router runs until a signal; its log goes to this terminal. `wait`
# returns early when this shell gets a signal, and the EXIT trap then
# stops the router (SIGTERM) and the testbed.
rc=0
wait "$router_pid" || rc=$?
router_pid=""
say "shardrouter exited with status $rc"
exit "$rc"
