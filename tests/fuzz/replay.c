/*
 * replay.c — runs a libFuzzer harness without libFuzzer: every file named on
 * the command line (a directory stands for the files in it) is read and
 * passed once to LLVMFuzzerTestOneInput(). Built with the normal compiler
 * and flags (and SANITIZE=... when given), so `make check` replays the seed
 * corpus and the crash reproducers kept in tests/fuzz/corpus/<harness>/.
 *
 * Prints "<n> inputs" and exits 0 when every input ran; a broken invariant
 * aborts (the harness prints which one), and an unreadable file exits 2.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long ninputs;
static const char *current; /* the input being run, for the crash report */

/* On abort() or a fault, name the input that caused it. */
static void on_crash(int sig)
{
    static const char msg[] = "replay: crashed on input ";
    if (current != NULL) {
        ssize_t w = write(2, msg, sizeof(msg) - 1);
        w += write(2, current, strlen(current));
        w += write(2, "\n", 1);
        (void)w;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *data = malloc(cap);
    size_t n;
    while (data != NULL && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(data, cap * 2);
            if (bigger == NULL)
                free(data);
            data = bigger;
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (data == NULL || err) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(data);
        return -1;
    }
    /* An exactly-sized copy, as libFuzzer passes it. */
    uint8_t *exact = fuzz_dup(data, len);
    free(data);
    current = path;
    LLVMFuzzerTestOneInput(exact, len);
    current = NULL;
    free(exact);
    ninputs++;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of a directory, in name order (dot files skipped). */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **more = realloc(names, cap * sizeof(*names));
            if (more == NULL)
                abort();
            names = more;
        }
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        names[count] = malloc(need);
        if (names[count] == NULL)
            abort();
        snprintf(names[count], need, "%s/%s", dir, e->d_name);
        count++;
    }
    closedir(d);
    if (count > 0)
        qsort(names, count, sizeof(*names), name_cmp);
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && run_file(names[i]) == -1)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    signal(SIGABRT, on_crash);
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGFPE, on_crash);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == -1) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            rc = 2;
        } else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) == -1 : run_file(argv[i]) == -1) {
            rc = 2;
        }
    }
    printf("%lu inputs\n", ninputs);
    return rc;
}
