/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_log_sink.c: log lines in pmacct's form: `LEVEL ( TAG ): message`
 * on stderr, after the UTC time in a logfile; lines below log_level left
 * out; a bad level, facility or file refused with the key's name and
 * nothing changed; syslog alone writes nothing to stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <regex.h>
#include <unistd.h>

#include "io/log_sink.h"

/* What was written to the read end of a pipe so far. */
static char *drain(int fd)
{
    static char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);

    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void test_stderr_form(void **state)
{
    sdd_log_sink s;
    int p[2];
    (void)state;

    assert_int_equal(pipe(p), 0);
    sdd_log_sink_init(&s, "sddd/core", p[1], 0);
    sdd_log_sink_write(&s, SDD_LOG_INFO, "counters: x=1");
    sdd_log_sink_write(&s, SDD_LOG_WARNING, "kafka: down");
    sdd_log_sink_write(&s, SDD_LOG_ERROR, "output: full");
    assert_string_equal(drain(p[0]), "INFO ( sddd/core ): counters: x=1\n"
                                     "WARN ( sddd/core ): kafka: down\n"
                                     "ERROR ( sddd/core ): output: full\n");
    close(p[0]);
    close(p[1]);
}

static void test_file_and_level(void **state)
{
    char path[] = "/tmp/test_log_sink.XXXXXX", text[1024] = {0};
    int fd = mkstemp(path);
    sdd_log_sink s;
    sdd_error err;
    regex_t re;
    (void)state;

    assert_true(fd >= 0);
    close(fd);
    sdd_log_sink_init(&s, "sddd/core", STDERR_FILENO, 0);
    assert_int_equal(sdd_log_sink_configure(&s, "warning", path, "", &err), 0);
    sdd_log_sink_write(&s, SDD_LOG_INFO, "not written");
    sdd_log_sink_write(&s, SDD_LOG_WARNING, "written");
    sdd_log_sink_close(&s);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_true(fread(text, 1, sizeof(text) - 1, f) > 0);
    fclose(f);
    unlink(path);
    assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z WARN \\( sddd/core \\): "
                                  "written\n$", REG_EXTENDED), 0);
    assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
    regfree(&re);
}

static void test_refused(void **state)
{
    sdd_log_sink s;
    sdd_error err;
    (void)state;

    sdd_log_sink_init(&s, "t", STDERR_FILENO, 0);
    assert_int_equal(sdd_log_sink_configure(&s, "debug", "", "", &err), -1);
    assert_non_null(strstr(err.msg, "log_level: 'debug'"));
    assert_int_equal(sdd_log_sink_configure(&s, "", "", "local9", &err), -1);
    assert_non_null(strstr(err.msg, "syslog: 'local9'"));
    assert_int_equal(sdd_log_sink_configure(&s, "error", "/nonexistent/dir/log", "", &err), -1);
    assert_non_null(strstr(err.msg, "logfile: /nonexistent/dir/log: No such file or directory"));
    assert_int_equal(s.level, SDD_LOG_INFO);
    assert_int_equal(s.fd, STDERR_FILENO);
    assert_int_equal(s.facility, -1);
}

/* pmacct's habit: with syslog and no logfile, nothing on stderr. */
static void test_syslog_only(void **state)
{
    sdd_log_sink s;
    sdd_error err;
    int p[2];
    (void)state;

    assert_int_equal(pipe(p), 0);
    sdd_log_sink_init(&s, "t", p[1], 0);
    assert_int_equal(sdd_log_sink_configure(&s, "", "", "local3", &err), 0);
    sdd_log_sink_write(&s, SDD_LOG_ERROR, "to syslog");
    close(p[1]);
    assert_string_equal(drain(p[0]), "");
    close(p[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stderr_form),
        cmocka_unit_test(test_file_and_level),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_syslog_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
