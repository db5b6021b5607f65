/* log — see include/log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum log_level log_threshold = LOG_INFO;
static __thread int log_worker = LOG_THREAD_MAIN;

void log_set_level(const char *name)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, names[i]) == 0)
            log_threshold = (enum log_level)i;
}

void log_set_worker(int id)
{
    log_worker = id;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    static const char *const tags[] = {"ERROR", "WARNING", "INFO", "DEBUG"};
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, tags[lvl]);
    if (log_worker >= 0)
        n += snprintf(line + n, sizeof(line) - (size_t)n, "[w%d] ", log_worker);
    else
        n += snprintf(line + n, sizeof(line) - (size_t)n,
                      log_worker == LOG_THREAD_CATALOG   ? "[catalog] "
                      : log_worker == LOG_THREAD_TWOPC   ? "[twopc] "
                      : log_worker == LOG_THREAD_MONITOR ? "[monitor] "
                                                         : "[main] ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}
