/* SPDX-License-Identifier: GPL-2.0-or-later */
/* engine.c: the engine side of sdd_pmacct.so (sdd_plugin.h): a process
 * forked from nfacctd's print plugin in plugin_init, running sddd's own loop
 * (io/daemon.c) with the hand-over as its flow input. So the plugin reads the
 * same configuration as sddd, has the same BMP input, output, spool,
 * checkpoints and counters, and a notification leaves it as it leaves sddd.
 *
 * The process is a copy of pmacct's print plugin: it first undoes what it
 * must not keep from it. pmacct's signal handlers (its SIGINT handler purges
 * the print plugin's cache) go back to the defaults; SIGINT is ignored,
 * since the end comes from the print plugin (sdd_plugin_engine_finish after
 * the last purge) and a ^C to nfacctd's process group must not cut the
 * engine short of it; SIGTERM stops the loop cleanly, with a last
 * checkpoint. It dies with the print plugin (PR_SET_PDEATHSIG, and getppid
 * each turn for the window before prctl). Inherited descriptors (pmacct's
 * pipes and sockets) are closed, so that nothing of pmacct's stays open
 * because of it; it leaves with _exit, never running pmacct's atexit
 * handlers nor flushing its stdio buffers a second time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/flow_batch.h"
#include "io/daemon.h"
#include "sdd_plugin.h"

#define DRAIN_BATCH 4096            /* records copied out of the hand-over at once */
#define TURN_BUDGET (1 << 16)       /* records per loop turn: the BMP input is not starved */
#define START_TIMEOUT_MS 60000      /* plugin_init waits this long for the engine to start */
#define DROPS_LOG_INTERVAL 60.0     /* a full hand-over is logged at most this often */
#define REPORT_OK "ok"

typedef struct engine_proc {
    const sdd_plugin_settings *s;
    sdd_handover *h;
    pid_t parent;
    char log_tag[80];
    sdd_log_sink sink;                  /* nfacctd's logfile (or stderr) until the file says otherwise */
    uint64_t dropped_logged;
    sdd_ratelimit rl;
    sdd_logger log;
    sdd_plugin_settings plugin_keys;    /* the daemon's second read of them (plugin_init read them) */
    sdd_flow buf[DRAIN_BATCH];
    sdd__flow_batch batch;              /* the engine's handles of the flow keys */
} engine_proc;

static volatile sig_atomic_t stop_requested;

/* In the print plugin process (and inherited by its writers): the engine
 * process and where to say that it is gone. */
static pid_t engine_pid;
static sdd_plugin_settings plugin_settings;

static void on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* ---- logging: nfacctd's logfile (or stderr), in pmacct's form ------------ */

static int open_log(const sdd_plugin_settings *s)
{
    int fd = s->log_file[0] ? open(s->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
    return fd >= 0 ? fd : STDERR_FILENO;
}

/* Lines "TIME LEVEL ( NAME/sdd ): message" to fd (log_sink.h). */
static void plugin_sink(sdd_log_sink *sink, char *tag, size_t size, const sdd_plugin_settings *s, int fd)
{
    snprintf(tag, size, "%s/sdd", s->pmacct_plugin);
    sdd_log_sink_init(sink, tag, fd, 1);
}

/* ---- the feed: the hand-over into the engine ------------------------------ */

/* Records refused by a full hand-over (the engine slower than nfacctd's
 * purges) or for lack of a slot: counted there, logged here, rate-limited. */
static void report_drops(engine_proc *p)
{
    sdd_handover_stats st;
    char msg[256];

    sdd_handover_stats_get(p->h, &st);
    if (st.dropped == p->dropped_logged)
        return;
    snprintf(msg, sizeof(msg), "%llu records dropped so far (%llu taken): the engine is slower than "
             "nfacctd's purges, or more writers run than the hand-over has slots",
             (unsigned long long)st.dropped, (unsigned long long)st.received);
    sdd_log_limited(&p->log, &p->rl, SDD_LOG_WARNING, "handover", "hand-over full", msg);
    p->dropped_logged = st.dropped;
}

static sdd_read_status feed_read(void *ctx, sdd_engine *e, size_t *taken)
{
    engine_proc *p = ctx;
    size_t total = 0, n;

    sdd_handover_wait_reset(p->h);
    do {
        n = sdd_handover_drain(p->h, p->buf, DRAIN_BATCH);
        sdd__flow_batch_add(&p->batch, e, p->buf, n);
        total += n;
    } while (n == DRAIN_BATCH && total < TURN_BUDGET);
    *taken = total;
    report_drops(p);
    if (n == DRAIN_BATCH)
        return SDD_READ_MORE;
    if (sdd_handover_ended(p->h))
        return SDD_READ_DONE;
    if (getppid() != p->parent) {
        sdd_logf(&p->log, SDD_LOG_WARNING, "the print plugin is gone without its last purge");
        return SDD_READ_DONE;
    }
    return SDD_READ_IDLE;
}

static void log_handover(engine_proc *p)
{
    sdd_handover_stats st;

    sdd_handover_stats_get(p->h, &st);
    sdd_logf(&p->log, SDD_LOG_INFO, "hand-over: records_received=%llu records_dropped=%llu writers=%llu writers_died=%llu",
             (unsigned long long)st.received, (unsigned long long)st.dropped,
             (unsigned long long)st.writers, (unsigned long long)st.writers_died);
}

/* ---- the process ------------------------------------------------------------ */

/* Back to the defaults for everything pmacct set, then ours. */
static void reset_signals(void)
{
    sigset_t none;
    struct sigaction sa = {.sa_handler = on_term};

    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Closes every descriptor above stderr but the n in keep. */
static void close_inherited(int *keep, int n)
{
    int from = STDERR_FILENO + 1;

    qsort(keep, (size_t)n, sizeof(*keep), cmp_int);
    for (int i = 0; i < n; i++) {
        if (keep[i] > from)
            close_range((unsigned)from, (unsigned)keep[i] - 1, 0);
        if (keep[i] >= from)
            from = keep[i] + 1;
    }
    close_range((unsigned)from, ~0U, 0);
}

/* Writes the reason plugin_init fails with (or REPORT_OK). */
static void report(int fd, const char *msg)
{
    ssize_t rc = write(fd, msg, strlen(msg));
    (void)rc;
}

/* The daemon loop over the hand-over; returns sddd's exit code. */
static int run_engine(engine_proc *p, int report_fd)
{
    sdd_error err = {0};

    sdd_daemon_feed feed = {.name = "nfacctd's print plugin", .fd = sdd_handover_fd(p->h), .read = feed_read, .ctx = p};
    sdd_daemon_opts o = {.config_path = p->s->cfg_file, .stats_every = p->s->stats_every, .stop = &stop_requested,
                         .log = p->log, .sink = &p->sink, .feed = &feed, .extra_keys = sdd_plugin_settings_key,
                         .extra_ctx = &p->plugin_keys};
    sdd_daemon *d = sdd_daemon_new(&o, &err);
    if (!d) {
        report(report_fd, err.msg);
        return SDD_EXIT_CONFIG;
    }
    if (sdd_daemon_start(d, &err) < 0) {
        report(report_fd, err.msg);
        sdd_daemon_free(d);
        return SDD_EXIT_FAILURE;
    }
    report(report_fd, REPORT_OK);
    close(report_fd);
    sdd_logf(&p->log, SDD_LOG_INFO, "engine process %d started, configuration %s", (int)getpid(), p->s->cfg_file);
    int rc = sdd_daemon_run(d);
    log_handover(p);
    /* said before the output's close, which can wait for the broker */
    sdd_logf(&p->log, SDD_LOG_INFO, "engine stopped (exit code %d): closing the output and the inputs", rc);
    sdd_daemon_free(d);
    sdd__flow_batch_free(&p->batch);   /* the handles were the engine's */
    sdd_logf(&p->log, SDD_LOG_INFO, "engine process ends, exit code %d", rc);
    return rc;
}

static void engine_main(const sdd_plugin_settings *s, sdd_handover *h, pid_t parent, int report_fd)
{
    static engine_proc proc;    /* big (the drain buffer): not on the stack */
    engine_proc *p = &proc;

    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)    /* died before prctl took effect */
        _exit(SDD_EXIT_FAILURE);
    reset_signals();
    prctl(PR_SET_NAME, "sdd-engine");
    int keep[] = {report_fd, sdd_handover_fd(h)};
    close_inherited(keep, 2);
    p->s = s;                   /* field by field: no 600 KiB temporary on the stack */
    p->h = h;
    p->parent = parent;
    plugin_sink(&p->sink, p->log_tag, sizeof(p->log_tag), s, open_log(s));
    p->log = (sdd_logger){sdd_log_sink_write, &p->sink};
    sdd_ratelimit_init(&p->rl, DROPS_LOG_INTERVAL);
    _exit(run_engine(p, report_fd));
}

/* Reads what the engine process reports until it closes the pipe. */
static int read_report(int fd, char *buf, size_t size)
{
    size_t got = 0;
    struct pollfd pfd = {fd, POLLIN, 0};

    for (;;) {
        int rc = poll(&pfd, 1, START_TIMEOUT_MS);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        ssize_t n = read(fd, buf + got, size - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == size - 1)
            break;
    }
    buf[got] = '\0';
    return 0;
}

int sdd_plugin_engine_start(const sdd_plugin_settings *s, sdd_handover *h, char *err, size_t errlen)
{
    int fds[2];
    char msg[2048];

    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        engine_main(s, h, getppid(), fds[1]);
    }
    close(fds[1]);
    int rc = pid < 0 ? -1 : read_report(fds[0], msg, sizeof(msg));
    close(fds[0]);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (rc == 0 && strcmp(msg, REPORT_OK) == 0) {
        engine_pid = pid;
        plugin_settings = *s;   /* plugin_init's copy is gone once it returns */
        return 0;
    }
    if (rc < 0) {
        kill(pid, SIGKILL);
        snprintf(err, errlen, "the engine process did not start within %d s", START_TIMEOUT_MS / 1000);
    } else {
        snprintf(err, errlen, "%s", msg[0] ? msg : "the engine process died while starting");
    }
    waitpid(pid, NULL, 0);      /* ECHILD when pmacct ignores SIGCHLD: it is reaped then */
    return -1;
}

void sdd_plugin_engine_finish(sdd_handover *h)
{
    sdd_handover_finish(h);
}

void sdd_plugin_engine_check(uint64_t aggregates)
{
    char msg[256];

    if (engine_pid <= 0 || kill(engine_pid, 0) == 0 || errno != ESRCH)
        return;
    snprintf(msg, sizeof(msg), "the engine process %d is gone: the %llu aggregates of this purge are lost "
             "(restart nfacctd; the engine's own log lines say why it ended)",
             (int)engine_pid, (unsigned long long)aggregates);
    char tag[80];
    sdd_log_sink sink;
    int fd = open_log(&plugin_settings);
    plugin_sink(&sink, tag, sizeof(tag), &plugin_settings, fd);
    sdd_log_sink_write(&sink, SDD_LOG_ERROR, msg);
    if (fd != STDERR_FILENO)
        close(fd);
}
