/*
 * shardctl — the DBA's command line for shard maps (see shardctl(8)).
 *
 * Subcommands live in one table (ctl_cmds): a command word, an optional
 * second word, its arguments, the options it takes after it, a one-line
 * summary, the text shown by "shardctl COMMAND --help" and the handler.
 * Options live in another (ctl_opts). New subcommands are new rows.
 *
 * Maps come from a file (-m, default CTL_DEFAULT_MAP) or from the catalog
 * database (--catalog DSN or $SHARDCTL_CATALOG; see catalog.h), which keeps
 * every published version and the version each router runs.
 *
 * Exit status: 0 success, 1 failure (invalid map, refused publish,
 * unreachable catalog, timeout: CTL_EXIT_INVALID), 2 usage error
 * (CTL_EXIT_USAGE). With --json, results and errors other than usage
 * errors are printed as one JSON object on standard output.
 */

#include "shardctl_int.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- command table and dispatch ---------------------------------------- */

static const struct ctl_cmd ctl_cmds[] = {
    {"map", "show", "", 0, CTL_OPT_MAP | CTL_OPT_CATALOG, "[-m FILE | --catalog DSN]",
     "print the map: version, hash, keyspaces, tables and shards",
     "Load the shard map and print its version and hash, every keyspace with its\n"
     "sharded and reference tables, and every shard with its range, first and\n"
     "last keyspace id, primary, replicas and schema. The map is the file given\n"
     "with -m; else, when a catalog is given (--catalog or $" CTL_ENV_CATALOG "),\n"
     "the catalog's latest version; else " CTL_DEFAULT_MAP ".\n"
     "With --json, print the same as one JSON object.\n",
     cmd_map_show},
    {"map", "validate", "FILE", 1, 0, "", "check a map file; print a summary or the first error",
     "Load and validate FILE. Print \"FILE: valid, version N, K keyspaces, S shards\"\n"
     "and exit 0, or print the first problem as FILE:LINE: what to fix, and exit 1.\n",
     cmd_map_validate},
    {"map", "diff", "A B", 2, CTL_OPT_CATALOG, "[--catalog DSN]",
     "what changed from map A to map B; ranges that moved",
     "Compare two maps and print every difference: hash, keyspaces added or removed\n"
     "or (un)sharded, sharded tables added, removed or with another shard key,\n"
     "reference tables added or removed, and, per keyspace, each keyspace-id range\n"
     "that moved from one shard to another (its rows must be copied) or whose shard\n"
     "changed in place (range split or merged on the same servers, new primary,\n"
     "new replicas). A and B are map files, or catalog:N or catalog:latest for a\n"
     "version in the catalog. Exit 0 whether or not the maps differ.\n",
     cmd_map_diff},
    {"map", "publish", "FILE", 1, CTL_OPT_CATALOG | CTL_OPT_COMMENT,
     "--catalog DSN [--comment TEXT]", "validate FILE and store it as a new catalog version",
     "Validate FILE and store its text in the catalog as the version it declares,\n"
     "with the time (UTC) and the comment. Refused (exit 1) when the map is invalid,\n"
     "or when its version is not greater than every published version; two\n"
     "publishers of one version at the same time: exactly one succeeds. Routers\n"
     "polling the catalog load the new version.\n",
     cmd_map_publish},
    {"map", "history", "", 0, CTL_OPT_CATALOG | CTL_OPT_LIMIT, "--catalog DSN [--limit N]",
     "list the catalog's versions, newest first",
     "List the versions published to the catalog, newest first, with the time they\n"
     "were published (UTC) and their comment; --limit N shows the N newest.\n",
     cmd_map_history},
    {"lookup", NULL, "KEYSPACE TABLE VALUE", 3, CTL_OPT_MAP | CTL_OPT_CATALOG,
     "[-m FILE | --catalog DSN]", "print the keyspace id of VALUE and its shard",
     "Compute the keyspace id of VALUE for the shard key of KEYSPACE.TABLE and print\n"
     "it (16 hex digits) with the shard that owns it: name, range, primary,\n"
     "replicas and schema. Integer keys take 42, -7 or 42.0; string keys hash\n"
     "VALUE's bytes. In an unsharded keyspace every table is on its one shard.\n"
     "The map is chosen as for map show.\n"
     "Write -- before a VALUE that starts with '-' and is not a number.\n",
     cmd_lookup},
    {"explain", NULL, "KEYSPACE STATEMENT", 2, CTL_OPT_MAP | CTL_OPT_CATALOG,
     "[-m FILE | --catalog DSN]", "print how the router would route STATEMENT",
     "Plan STATEMENT as the router would for a session using KEYSPACE, without\n"
     "running it, and print the plan: statement kind, map version, keyspace, then\n"
     "either the refusal (error code and message; exit 1) or the route, the\n"
     "keyspace ids of the pinned key values, primary or replica, the merge steps\n"
     "and, per target shard, its server, schema and the statement it gets.\n"
     "The same as EXPLAIN ROUTE through the router. The map is chosen as for\n"
     "map show. With --json, one JSON object.\n",
     cmd_explain},
    {"routers", NULL, "", 0, CTL_OPT_CATALOG | CTL_OPT_STALE | CTL_OPT_WAIT | CTL_OPT_TIMEOUT,
     "--catalog DSN [--stale-after SECONDS] [--wait-version N [--timeout SECONDS]]",
     "the routers reporting to the catalog and their versions",
     "List the routers that report to the catalog: id, host, pid, the map version\n"
     "each runs, when it started and its last heartbeat (UTC), and whether it is\n"
     "live or stale (no heartbeat for more than --stale-after seconds, default 10).\n"
     "With --wait-version N, wait until every live router runs version N or later\n"
     "and exit 0, or exit 1 after --timeout seconds (default 60) listing the\n"
     "routers still behind.\n",
     cmd_routers},
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

/* Options after a command (before it, main's getopt reads the global ones). */
struct ctl_opt {
    const char *name;  /* "--comment" */
    const char *alias; /* "-m", or NULL */
    unsigned bit;      /* CTL_OPT_* */
    bool arg;          /* takes a value: "--name VALUE" or "--name=VALUE" */
};

static const struct ctl_opt ctl_opts[] = {
    {"--json", NULL, CTL_OPT_JSON, false},        /* every command */
    {"--map", "-m", CTL_OPT_MAP, true},           /* every command; read by map show, lookup */
    {"--catalog", NULL, CTL_OPT_CATALOG, true},   /* commands that read the catalog */
    {"--comment", NULL, CTL_OPT_COMMENT, true},   /* map publish */
    {"--limit", NULL, CTL_OPT_LIMIT, true},       /* map history */
    {"--stale-after", NULL, CTL_OPT_STALE, true}, /* routers */
    {"--wait-version", NULL, CTL_OPT_WAIT, true}, /* routers */
    {"--timeout", NULL, CTL_OPT_TIMEOUT, true},   /* routers --wait-version */
};

/* Store an option's value. Returns an exit code. */
static int ctl_set(struct ctl *ctl, const struct ctl_opt *o, const char *val)
{
    uint64_t n;

    switch (o->bit) {
    case CTL_OPT_JSON:
        ctl->json = true;
        break;
    case CTL_OPT_MAP:
        ctl->mapfile = val;
        break;
    case CTL_OPT_CATALOG:
        ctl->catalog = val;
        break;
    case CTL_OPT_COMMENT:
        ctl->comment = val;
        break;
    case CTL_OPT_LIMIT:
        if (ctl_parse_u64(val, &n) == -1 || n > 1000000000)
            return ctl_usage_err("--limit expects a number of versions, 0 for all; got \"%s\"",
                                 val);
        ctl->limit = (unsigned)n;
        break;
    case CTL_OPT_STALE:
        if (ctl_parse_seconds(val, &ctl->stale_after) == -1 || ctl->stale_after <= 0)
            return ctl_usage_err("--stale-after expects seconds above 0, e.g. 10 or 2.5; got "
                                 "\"%s\"",
                                 val);
        break;
    case CTL_OPT_WAIT:
        if (ctl_parse_u64(val, &ctl->wait_version) == -1 || ctl->wait_version == 0)
            return ctl_usage_err("--wait-version expects a map version of at least 1; got "
                                 "\"%s\"",
                                 val);
        break;
    case CTL_OPT_TIMEOUT:
        if (ctl_parse_seconds(val, &ctl->timeout) == -1)
            return ctl_usage_err("--timeout expects seconds, e.g. 60 or 0.5; got \"%s\"", val);
        break;
    }
    return CTL_EXIT_OK;
}

static void ctl_cmd_name(char *buf, size_t len, const struct ctl_cmd *cmd)
{
    snprintf(buf, len, "%s%s%s%s%s", cmd->word, cmd->subword ? " " : "",
             cmd->subword ? cmd->subword : "", cmd->args[0] ? " " : "", cmd->args);
}

static void ctl_usage(FILE *f)
{
    char name[128];

    fprintf(f, "Usage: shardctl [--json] [-m MAPFILE] [--catalog DSN] COMMAND [ARGS] [OPTIONS]\n"
               "       shardctl -h | --help | -V | --version\n\n"
               "Inspect, check and publish shardrouter shard maps.\n\n"
               "Options:\n"
               "  -m, --map MAPFILE      shard map file to read (default " CTL_DEFAULT_MAP ")\n"
               "      --catalog DSN      catalog database, mysql://user:password@host:port/schema\n"
               "                         (default: $" CTL_ENV_CATALOG ")\n"
               "      --json             print results as JSON on standard output\n"
               "  -h, --help             print this help and exit\n"
               "  -V, --version          print the version and exit\n\n"
               "Command options (after the command):\n"
               "      --comment TEXT     map publish: comment stored with the version\n"
               "      --limit N          map history: the N newest versions only\n"
               "      --stale-after SECONDS  routers: no heartbeat for longer is stale (10)\n"
               "      --wait-version N   routers: wait until every live router runs N or later\n"
               "      --timeout SECONDS  routers --wait-version: give up after (60)\n\n"
               "Commands:\n");
    for (size_t i = 0; i < CTL_NCMDS; i++) {
        ctl_cmd_name(name, sizeof(name), &ctl_cmds[i]);
        fprintf(f, "  %-28s  %s\n", name, ctl_cmds[i].summary);
    }
    fprintf(f, "\nRun 'shardctl COMMAND --help' for details; see shardctl(8).\n"
               "Exit status: 0 success, 1 failure (invalid map, refused publish, catalog\n"
               "unreachable, timeout), 2 usage error.\n");
}

static void ctl_cmd_help(FILE *f, const struct ctl_cmd *cmd)
{
    char name[128];

    ctl_cmd_name(name, sizeof(name), cmd);
    fprintf(f, "Usage: shardctl [--json] %s%s%s\n\n%s", name, cmd->optsyn[0] ? " " : "",
            cmd->optsyn, cmd->help);
}

/* Commands under one word ("map"): printed for "shardctl map --help". */
static void ctl_group_help(FILE *f, const char *word)
{
    char name[128];

    fprintf(f,
            "Usage: shardctl [--json] [-m MAPFILE] [--catalog DSN] %s SUBCOMMAND [ARGS]\n\n"
            "Subcommands:\n",
            word);
    for (size_t i = 0; i < CTL_NCMDS; i++) {
        if (strcmp(ctl_cmds[i].word, word) != 0)
            continue;
        ctl_cmd_name(name, sizeof(name), &ctl_cmds[i]);
        fprintf(f, "  %-28s  %s\n", name, ctl_cmds[i].summary);
    }
}

static bool ctl_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/*
 * Find the command named by argv[0] (and argv[1] for two-word commands).
 * Returns it with *used set to the number of words, or NULL after printing
 * a usage message (or the group's help, with *exit_code 0, for
 * "shardctl map --help").
 */
static const struct ctl_cmd *ctl_find(int argc, char **argv, int *used, int *exit_code)
{
    bool group = false;

    *exit_code = CTL_EXIT_USAGE;
    for (size_t i = 0; i < CTL_NCMDS; i++) {
        const struct ctl_cmd *cmd = &ctl_cmds[i];
        if (strcmp(cmd->word, argv[0]) != 0)
            continue;
        if (cmd->subword == NULL) {
            *used = 1;
            return cmd;
        }
        group = true;
        if (argc > 1 && strcmp(cmd->subword, argv[1]) == 0) {
            *used = 2;
            return cmd;
        }
    }
    if (!group) {
        fprintf(stderr, "shardctl: unknown command \"%s\"; run 'shardctl --help' for the list\n",
                argv[0]);
    } else if (argc > 1 && ctl_is_help(argv[1])) {
        ctl_group_help(stdout, argv[0]);
        *exit_code = CTL_EXIT_OK;
    } else {
        if (argc > 1)
            fprintf(stderr, "shardctl: unknown subcommand \"%s %s\"\n", argv[0], argv[1]);
        else
            fprintf(stderr, "shardctl: \"%s\" needs a subcommand\n", argv[0]);
        ctl_group_help(stderr, argv[0]);
    }
    return NULL;
}

/*
 * The option argv[*i] after cmd: --json and -m/--map are taken by every
 * command, the others only by the commands that list them. Consumes its
 * value (advancing *i). Returns an exit code.
 */
static int ctl_option(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *eq = strchr(a, '=');
    size_t len = eq != NULL && a[1] == '-' ? (size_t)(eq - a) : strlen(a);

    for (size_t k = 0; k < sizeof(ctl_opts) / sizeof(ctl_opts[0]); k++) {
        const struct ctl_opt *o = &ctl_opts[k];
        bool named = (strlen(o->name) == len && strncmp(a, o->name, len) == 0) ||
                     (o->alias != NULL && strcmp(a, o->alias) == 0);
        if (!named)
            continue;
        if (!(o->bit & (CTL_OPT_JSON | CTL_OPT_MAP | cmd->opts)))
            break;
        if (!o->arg && len != strlen(a))
            return ctl_usage_err("%s takes no value", o->name);
        ctl->given |= o->bit;
        if (!o->arg)
            return ctl_set(ctl, o, NULL);
        if (len != strlen(a))
            return ctl_set(ctl, o, a + len + 1);
        if (*i + 1 == argc)
            return ctl_usage_err("%s needs a value; run 'shardctl %s%s%s --help'", a, cmd->word,
                                 cmd->subword ? " " : "", cmd->subword ? cmd->subword : "");
        return ctl_set(ctl, o, argv[++*i]);
    }
    fprintf(stderr, "shardctl: unknown option \"%s\" for this command\n", a);
    ctl_cmd_help(stderr, cmd);
    return CTL_EXIT_USAGE;
}

/* Options that make no sense together. Returns an exit code. */
static int ctl_check_options(const struct ctl *ctl, const struct ctl_cmd *cmd)
{
    if ((ctl->given & CTL_OPT_TIMEOUT) && ctl->wait_version == 0)
        return ctl_usage_err("--timeout applies to --wait-version N; give both");
    if ((cmd->opts & CTL_OPT_MAP) && ctl->mapfile != NULL && ctl->catalog != NULL)
        return ctl_usage_err("give either -m FILE or --catalog DSN, not both");
    return CTL_EXIT_OK;
}

/*
 * Run cmd on its arguments: "--help" / "-h" anywhere before "--" prints
 * the command's help; options are read by ctl_option; other words starting
 * with '-' are refused unless they are negative numbers or follow "--".
 * Returns the exit code.
 */
static int ctl_run(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv)
{
    char *args[8];
    int nargs = 0, rc;
    bool dashdash = false, extra = false;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!dashdash && strcmp(a, "--") == 0) {
            dashdash = true;
            continue;
        }
        if (!dashdash && ctl_is_help(a)) {
            ctl_cmd_help(stdout, cmd);
            return CTL_EXIT_OK;
        }
        if (!dashdash && a[0] == '-' && a[1] != '\0' && !isdigit((unsigned char)a[1])) {
            if ((rc = ctl_option(ctl, cmd, argc, argv, &i)) != CTL_EXIT_OK)
                return rc;
            continue;
        }
        if (nargs == cmd->nargs || nargs == (int)(sizeof(args) / sizeof(args[0])))
            extra = true;
        else
            args[nargs++] = argv[i];
    }
    if (nargs != cmd->nargs || extra) {
        fprintf(stderr, "shardctl: expected %d %s, got %s\n", cmd->nargs,
                ctl_plural(cmd->nargs, "argument", "arguments"), extra ? "more" : "fewer");
        ctl_cmd_help(stderr, cmd);
        return CTL_EXIT_USAGE;
    }
    if ((rc = ctl_check_options(ctl, cmd)) != CTL_EXIT_OK)
        return rc;
    return cmd->run(ctl, args);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
        {"json", no_argument, NULL, 'j'},          {"map", required_argument, NULL, 'm'},
        {"catalog", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0},
    };
    struct ctl ctl = {.stale_after = CTL_STALE_AFTER, .timeout = CTL_WAIT_TIMEOUT};
    const struct ctl_cmd *cmd;
    int opt, used, code;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+hVm:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            ctl_usage(stdout);
            return CTL_EXIT_OK;
        case 'V':
            printf("shardctl %s\n", SHARDROUTER_VERSION);
            return CTL_EXIT_OK;
        case 'j':
            ctl.json = true;
            break;
        case 'm':
            ctl.mapfile = optarg;
            break;
        case 'c':
            ctl.catalog = optarg;
            break;
        default:
            if (optopt == 'm' || optopt == 'c')
                fprintf(stderr, "shardctl: %s needs a value\n", argv[optind - 1]);
            else
                fprintf(stderr, "shardctl: unknown option \"%s\"\n", argv[optind - 1]);
            fprintf(stderr, "Run 'shardctl --help' for usage.\n");
            return CTL_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        ctl_usage(stderr);
        return CTL_EXIT_USAGE;
    }
    cmd = ctl_find(argc - optind, argv + optind, &used, &code);
    if (cmd == NULL)
        return code;
    code = ctl_run(&ctl, cmd, argc - optind - used, argv + optind + used);
    catalog_close(ctl.cat);
    return code;
}
