/*
 * log — one line per event on stderr: time, level, worker, message.
 * Thread-safe (one fprintf per line). The level is set once at start.
 */
#ifndef LOG_H
#define LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARNING, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

/* Set the threshold from "error" | "warning" | "info" | "debug". */
void log_set_level(const char *name);

#define LOG_THREAD_MAIN (-1)
#define LOG_THREAD_CATALOG (-2)
#define LOG_THREAD_TWOPC (-3)
#define LOG_THREAD_MONITOR (-4)

/* Worker index shown in each line of the calling thread ("[wN]"), or
 * LOG_THREAD_MAIN ("[main]", the default) LOG_THREAD_CATALOG
 * ("[catalog]"), LOG_THREAD_TWOPC ("[twopc]") or LOG_THREAD_MONITOR
 * ("[monitor]"). */
void log_set_worker(int id);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)                                                                              \
    do {                                                                                           \
        if (log_threshold >= LOG_WARNING)                                                          \
            log_msg(LOG_WARNING, __VA_ARGS__);                                                     \
    } while (0)
#define log_info(...)                                                                              \
    do {                                                                                           \
        if (log_threshold >= LOG_INFO)                                                             \
            log_msg(LOG_INFO, __VA_ARGS__);                                                        \
    } while (0)
#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (log_threshold >= LOG_DEBUG)                                                            \
            log_msg(LOG_DEBUG, __VA_ARGS__);                                                       \
    } while (0)

#endif
