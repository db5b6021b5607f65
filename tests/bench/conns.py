#!/usr/bin/python3
"""tests/bench/conns.py — memory per client connection of a proxy.

Opens N connections through HOST:PORT (PyMySQL), each running one
`SELECT 1` so that a proxy that connects to its backend lazily holds a
backend connection too, and samples VmRSS (KiB) of the given processes with
0 clients, with FEW clients and with N clients, then after closing them all.
Also counts the backend's Threads_connected (through an admin connection
straight to the backend) to show how many server connections the clients
really hold.  Prints one JSON object on stdout.

  conns.py --port P --user U --password PW --db DB --n 1000 --few 8 \
           --pid router=123 --pid mariadbd=456 \
           --backend-port BP --admin-user A --admin-password APW
"""

import argparse
import json
import sys
import time

import pymysql


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def threads_connected(admin):
    cur = admin.cursor()
    cur.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
    return int(cur.fetchone()[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", default="")
    ap.add_argument("--db", default=None)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--few", type=int, default=8)
    ap.add_argument("--pid", action="append", default=[], help="NAME=PID, repeatable")
    ap.add_argument("--backend-port", type=int, required=True)
    ap.add_argument("--admin-user", required=True)
    ap.add_argument("--admin-password", default="")
    a = ap.parse_args()

    pids = {}
    for p in a.pid:
        name, _, pid = p.partition("=")
        pids[name] = int(pid)
    admin = pymysql.connect(host=a.host, port=a.backend_port, user=a.admin_user,
                            password=a.admin_password, autocommit=True)

    def sample(label, nclients):
        time.sleep(0.5)  # let the proxy finish whatever the last client started
        s = {"clients": nclients, "backend_threads_connected": threads_connected(admin)}
        for name, pid in pids.items():
            s[name + "_rss_kib"] = rss_kib(pid)
        out["samples"][label] = s

    out = {"n": a.n, "few": a.few, "samples": {}}
    conns = []
    t0 = time.time()
    try:
        sample("idle", 0)
        for i in range(a.n):
            c = pymysql.connect(host=a.host, port=a.port, user=a.user, password=a.password,
                                database=a.db, autocommit=True, connect_timeout=10)
            cur = c.cursor()
            cur.execute("SELECT 1")
            cur.fetchall()
            conns.append(c)
            if i + 1 == a.few:
                sample("few", a.few)
        sample("many", a.n)
        out["open_seconds"] = round(time.time() - t0, 2)
    finally:
        for c in conns:
            try:
                c.close()
            except Exception:
                pass
    sample("closed", 0)
    admin.close()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
