"""Smoke: the router serves a PyMySQL client and the mariadb CLI against one
unsharded keyspace whose schema name differs from the keyspace name."""
from lib import *


@test
def pymysql_roundtrip():
    admin_sql("DROP DATABASE IF EXISTS smoke_phys;\nCREATE DATABASE smoke_phys;\n"
              "CREATE TABLE smoke_phys.t (id INT PRIMARY KEY, v VARCHAR(20))")
    with Router({"smoke": (0, "smoke_phys")}) as r:
        c = r.connect(database="smoke", autocommit=True)
        cur = c.cursor()
        cur.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
        eq(cur.rowcount, 2, "affected rows")
        cur.execute("SELECT id, v FROM t ORDER BY id")
        eq(cur.fetchall(), ((1, "one"), (2, "two")), "rows through the router")
        c.close()
    eq(admin_sql("SELECT COUNT(*) FROM smoke_phys.t"), ((2,),), "rows on the shard")


@test
def cli_batch():
    with Router({"smoke": (0, "smoke_phys")}) as r:
        out = r.mariadb("-N", "-e", "SELECT v FROM t WHERE id = 2", database="smoke").stdout
        eq(out.strip(), "two", "CLI output")


if __name__ == "__main__":
    main()
