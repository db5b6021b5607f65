/* shardctl explain — the route plan of a statement, as the router would
 * build it (the router's own planner: EXPLAIN ROUTE prints the same). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "plan.h"
#include "shardctl_int.h"

struct explain_ctx {
    struct ctl_table *tab;
    struct json *j;
};

static int explain_line(void *ctx, const char *name, const char *value)
{
    struct explain_ctx *e = ctx;
    if (e->j != NULL)
        json_str(e->j, name, value);
    else
        ctl_table_row(e->tab, name, value);
    return 0;
}

int cmd_explain(struct ctl *ctl, char **argv)
{
    struct shardmap *map;
    int rc = ctl_load(ctl, &map);
    if (rc != CTL_EXIT_OK)
        return rc;
    const struct shardmap_keyspace *ks = shardmap_keyspace(map, argv[0]);
    if (ks == NULL) {
        rc = ctl_fail(ctl,
                      "keyspace \"%s\" is not in shard map %s (version %llu); run shardctl map "
                      "show to list its keyspaces",
                      argv[0], map->source, (unsigned long long)map->version);
        shardmap_put(map);
        return rc;
    }
    const char *sql = argv[1];
    size_t len = strlen(sql), pos = 0, start, n;
    struct cls *c = malloc(sizeof(*c));
    struct plan *p = calloc(1, sizeof(*p));
    if (c == NULL || p == NULL) {
        rc = ctl_fail(ctl, "out of memory");
        goto out;
    }
    if (cls_next_statement(sql, len, 0, &pos, &start, &n) != 1) {
        rc =
            ctl_fail(ctl, "no statement to explain: give one, e.g. 'SELECT * FROM t WHERE id = 1'");
        goto out;
    }
    struct plan_env env = {.map = map, .ks = ks};
    classify(c, sql + start, n, 0, plan_cls_lookup, &env);
    plan_build(p, c, sql + start, n, &env);
    struct ctl_table tab = {.ncols = 2};
    struct json j = {.f = stdout};
    struct explain_ctx e = {.tab = &tab, .j = ctl->json ? &j : NULL};
    if (ctl->json)
        json_open(&j, NULL, '{');
    plan_explain(p, c, map, explain_line, &e);
    if (ctl->json)
        json_close(&j, '}');
    else
        ctl_table_print(&tab);
    rc = p->kind == PLAN_REFUSE ? CTL_EXIT_INVALID : CTL_EXIT_OK;
out:
    if (p != NULL)
        plan_free(p);
    free(p);
    free(c);
    shardmap_put(map);
    return rc;
}
