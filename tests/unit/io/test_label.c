/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_label.c: the label store. Latest revision per relevant state (the
 * highest revision, of equals the last written), label revisions along the
 * lifecycle's state machine (validation, then refinement), refused labels and
 * ids, stores in JSON lines and in an Avro container (a damaged one refused
 * with the file and the reason), and the `show` line; an index refreshed
 * with what was appended, and a state's records read alone.
 * The records are tests/data/notifications.jsonl: `sddctl replay` of
 * tests/data/, revisions 0 (open) and 1 (closed) of one relevant state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "io/avro_encode.h"
#include "io/label.h"
#include "lifecycle/lifecycle.h"
#include "lab/score.h"

#define ID "e14282cc-0b97-5ad9-a0e2-569f52a38fc9"

static char *rev[2];                /* the fixture's two revisions */

static int load_fixture(void **state)
{
    (void)state;
    const char *src = getenv("SDD_SRCDIR");
    char path[512], line[8192];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/tests/data/notifications.jsonl", src ? src : "..");
    fp = fopen(path, "r");
    if (!fp)
        return -1;
    for (int i = 0; i < 2 && fgets(line, sizeof(line), fp); i++) {
        line[strcspn(line, "\n")] = '\0';
        rev[i] = strdup(line);
    }
    fclose(fp);
    return rev[0] && rev[1] ? 0 : -1;
}

static int free_fixture(void **state)
{
    (void)state;
    free(rev[0]);
    free(rev[1]);
    return 0;
}

typedef struct store {
    char path[64];
    sdd_label_store *s;
    sdd_label_index *idx;
} store;

/* A JSON lines store of the given records, opened and indexed. */
static void store_open(store *st, const char *const *lines, int n)
{
    sdd_error err = {0};
    FILE *fp;

    strcpy(st->path, "/tmp/sdd-test-label-XXXXXX");
    fp = fdopen(mkstemp(st->path), "w");
    for (int i = 0; i < n; i++)
        fprintf(fp, "%s\n", lines[i]);
    fclose(fp);
    st->s = sdd_label_store_open(st->path, &err);
    assert_non_null(st->s);
    st->idx = sdd_label_index_load(st->s, &err);
    if (!st->idx)
        fail_msg("%s", err.msg);
}

static void store_close(store *st)
{
    sdd_label_index_free(st->idx);
    sdd_label_store_free(st->s);
    unlink(st->path);
}

static void store_reload(store *st)
{
    sdd_error err = {0};

    sdd_label_index_free(st->idx);
    st->idx = sdd_label_index_load(st->s, &err);
    assert_non_null(st->idx);
}

static void summary(const store *st, sdd_label_summary *s)
{
    long i = sdd_label_index_find(st->idx, ID);
    assert_true(i >= 0);
    sdd_label_index_get(st->idx, (size_t)i, s);
}

static void label_ok(store *st, sdd_label_action a, const char *who, const char *comment)
{
    sdd_error err = {0};

    if (sdd_label_apply(st->s, st->idx, ID, a, who, comment, &err) < 0)
        fail_msg("%s", err.msg);
}

static void label_refused(store *st, sdd_label_action a, const char *expect1, const char *expect2)
{
    sdd_error err = {0};

    assert_int_equal(sdd_label_apply(st->s, st->idx, ID, a, "alice", NULL, &err), -1);
    if (!strstr(err.msg, expect1) || !strstr(err.msg, expect2))
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.msg, expect1, expect2);
}

/* The store's last record, parsed. */
static json_t *last_record(const store *st)
{
    char line[8192], last[8192] = "";
    FILE *fp = fopen(st->path, "r");

    while (fgets(line, sizeof(line), fp))
        strcpy(last, line);
    fclose(fp);
    json_t *j = json_loads(last, 0, NULL);
    assert_non_null(j);
    return j;
}

static void test_latest_revision_and_show_line(void **state)
{
    (void)state;
    const char *in_order[] = {rev[0], rev[1]}, *reversed[] = {rev[1], rev[0]}, *open_only[] = {rev[0]};
    sdd_label_summary s;
    char line[1024];
    store st;

    store_open(&st, in_order, 2);
    assert_int_equal(sdd_label_index_size(st.idx), 1);
    summary(&st, &s);
    assert_int_equal(s.revision, 1);
    sdd_label_format(&s, line, sizeof(line));
    assert_string_equal(line, ID "\t64497:1\tproblem_potential\t2023-11-14T22:17:00Z\t2023-11-14T22:20:05Z\t0\t"
                              "bmp_peer_down\t-\t-");
    assert_true(sdd_label_matches(&s, 0, "64497:1"));
    assert_false(sdd_label_matches(&s, 0, "64497:2"));
    assert_false(sdd_label_matches(&s, 1, NULL));
    store_close(&st);

    store_open(&st, reversed, 2);                 /* the higher revision wins, wherever it is */
    summary(&st, &s);
    assert_int_equal(s.revision, 1);
    store_close(&st);

    store_open(&st, open_only, 1);
    summary(&st, &s);
    sdd_label_format(&s, line, sizeof(line));
    assert_non_null(strstr(line, "\t2023-11-14T22:17:00Z\topen\t95\t"));
    assert_true(sdd_label_matches(&s, 1, "64497:1"));
    store_close(&st);
}

/* Of two records with the same revision, the one written last is the latest. */
static void test_same_revision_later_wins(void **state)
{
    (void)state;
    json_t *j = json_loads(rev[1], 0, NULL);
    json_object_set_new(j, "stage", json_string("discarded"));
    char *later = json_dumps(j, JSON_COMPACT);
    const char *lines[] = {rev[0], rev[1], later};
    sdd_label_summary s;
    store st;

    store_open(&st, lines, 3);
    summary(&st, &s);
    assert_string_equal(s.stage, "discarded");
    store_close(&st);
    free(later);
    json_decref(j);
}

/* Confirm from problem_potential: a new revision from the latest, the human
 * its annotator, the comment its description; the rest as it was. */
static void test_confirm(void **state)
{
    (void)state;
    const char *lines[] = {rev[0], rev[1]};
    char alice[SDD_UUID_TEXT];
    sdd_label_summary s;
    store st;

    store_open(&st, lines, 2);
    label_ok(&st, SDD_LABEL_CONFIRM, "alice", "customer confirmed the outage");
    json_t *r = last_record(&st), *before = json_loads(rev[1], 0, NULL);
    json_t *a = json_array_get(json_object_get(r, "anomaly"), 0), *b = json_array_get(json_object_get(before, "anomaly"), 0);
    assert_string_equal(json_string_value(json_object_get(r, "stage")), "problem_confirmed");
    assert_string_equal(json_string_value(json_object_get(r, "description")), "customer confirmed the outage");
    assert_int_equal(json_integer_value(json_object_get(a, "revision")), 2);
    assert_string_equal(json_string_value(json_object_get(a, "stage")), "problem_confirmed");
    sdd__uuid5("alice", alice);
    json_t *who = json_pack("{s:s, s:s, s:s, s:n}", "id", alice, "name", "alice", "annotatorType", "human", "version");
    assert_true(json_equal(json_object_get(a, "annotator"), who));
    assert_true(json_equal(json_object_get(a, "symptom"), json_object_get(b, "symptom")));
    assert_true(json_equal(json_object_get(r, "endTime"), json_object_get(before, "endTime")));

    store_reload(&st);                            /* the file says the same as the index */
    summary(&st, &s);
    assert_string_equal(s.stage, "problem_confirmed");
    assert_int_equal(s.revision, 2);
    assert_string_equal(s.detectors, "bmp_peer_down");
    json_decref(who);
    json_decref(r);
    json_decref(before);
    store_close(&st);
}

/* Validation, then refinement: confirm, analyze, adjust, each a revision
 * further; a stage may be revised within itself, not skipped or left back. */
static void test_refinement_path(void **state)
{
    (void)state;
    const char *lines[] = {rev[0], rev[1]};
    sdd_label_summary s;
    store st;

    store_open(&st, lines, 2);
    label_refused(&st, SDD_LABEL_ADJUST, "is problem_potential", "allowed: confirm, discard");
    label_refused(&st, SDD_LABEL_ANALYZE, "is problem_potential", "cannot be labelled analyze");
    label_ok(&st, SDD_LABEL_CONFIRM, "alice", NULL);
    label_refused(&st, SDD_LABEL_ADJUST, "is problem_confirmed", "allowed: confirm, discard, analyze");
    label_ok(&st, SDD_LABEL_ANALYZE, "bob", "a flapping CE port");
    label_ok(&st, SDD_LABEL_ADJUST, "bob", "bmp_peer_down weight lowered");
    label_refused(&st, SDD_LABEL_CONFIRM, "is adjusted", "allowed: adjust");
    label_ok(&st, SDD_LABEL_ADJUST, "carol", NULL);
    store_reload(&st);
    summary(&st, &s);
    assert_string_equal(s.stage, "adjusted");
    assert_int_equal(s.revision, 5);
    json_t *r = last_record(&st);                 /* no comment: the description stays */
    assert_string_equal(json_string_value(json_object_get(r, "description")), "bmp_peer_down weight lowered");
    json_decref(r);
    store_close(&st);
}

/* Discarded ends the way to refinement; the validation can be turned round. */
static void test_discard(void **state)
{
    (void)state;
    const char *lines[] = {rev[0], rev[1]};
    sdd_label_summary s;
    store st;

    store_open(&st, lines, 2);
    label_ok(&st, SDD_LABEL_DISCARD, "alice", "maintenance by the customer");
    label_refused(&st, SDD_LABEL_ANALYZE, "is discarded", "allowed: confirm, discard");
    summary(&st, &s);
    assert_string_equal(s.stage, "discarded");
    label_ok(&st, SDD_LABEL_CONFIRM, "bob", NULL);
    summary(&st, &s);
    assert_string_equal(s.stage, "problem_confirmed");
    assert_int_equal(s.revision, 3);
    store_close(&st);
}

/* A record appended as the engine writes it: after the labels in the file. */
static void engine_writes(store *st, const char *record, int revision)
{
    json_t *j = json_loads(record, 0, NULL);
    json_t *a = json_array_get(json_object_get(j, "anomaly"), 0);
    FILE *fp = fopen(st->path, "a");

    json_object_set_new(a, "revision", json_integer(revision));
    assert_true(json_dumpf(j, fp, JSON_COMPACT) == 0 && fputc('\n', fp) == '\n');
    fclose(fp);
    json_decref(j);
    store_reload(st);
}

/* Confirmed while open, then the engine closes the state (same revision,
 * written later; then a higher one): the validation stands, with who and
 * the comment, on the close's times, and refinement follows it. */
static void test_validation_survives_engine_revisions(void **state)
{
    (void)state;
    const char *lines[] = {rev[0]};
    sdd_label_summary s;
    char line[1024];
    store st;

    store_open(&st, lines, 1);
    label_ok(&st, SDD_LABEL_CONFIRM, "alice", "customer confirmed\tthe outage");
    engine_writes(&st, rev[1], 1);
    summary(&st, &s);
    assert_string_equal(s.stage, "problem_confirmed");
    assert_true(s.end_ms >= 0);                   /* the engine's close is the latest revision */
    assert_string_equal(s.labelled_by, "alice");
    sdd_label_format(&s, line, sizeof(line));
    assert_non_null(strstr(line, "\t2023-11-14T22:20:05Z\t0\tbmp_peer_down\talice\tcustomer confirmed the outage"));
    engine_writes(&st, rev[1], 2);
    summary(&st, &s);
    assert_string_equal(s.stage, "problem_confirmed");
    assert_int_equal(s.revision, 2);
    label_refused(&st, SDD_LABEL_ADJUST, "is problem_confirmed", "allowed: confirm, discard, analyze");
    label_ok(&st, SDD_LABEL_ANALYZE, "bob", NULL);
    json_t *r = last_record(&st);
    assert_true(json_is_integer(json_object_get(r, "endTime")));
    json_decref(r);
    summary(&st, &s);
    assert_string_equal(s.stage, "analyzed");
    assert_string_equal(s.labelled_by, "bob");
    store_close(&st);
}

/* A discard stands over the engine's later revisions too; adjusted hands the
 * state back to the detector, whose stage then holds. */
static void test_discard_stands_adjusted_yields(void **state)
{
    (void)state;
    const char *lines[] = {rev[0]};
    sdd_label_summary s;
    store st;

    store_open(&st, lines, 1);
    label_ok(&st, SDD_LABEL_DISCARD, "alice", NULL);
    engine_writes(&st, rev[1], 1);
    summary(&st, &s);
    assert_string_equal(s.stage, "discarded");
    label_ok(&st, SDD_LABEL_CONFIRM, "bob", NULL);
    label_ok(&st, SDD_LABEL_ANALYZE, "bob", NULL);
    label_ok(&st, SDD_LABEL_ADJUST, "bob", NULL);
    engine_writes(&st, rev[1], 6);
    summary(&st, &s);
    assert_string_equal(s.stage, "problem_potential");
    store_close(&st);
}

/* The store's validated states as a truth file; scored against the
 * fixture's own notifications. */
static void score_against_labels(const store *st, long expect_events, sdd_score_report **r)
{
    const char *src = getenv("SDD_SRCDIR");
    char truth[] = "/tmp/sdd-test-truth-XXXXXX", notes[512];
    sdd_error err = {0};
    FILE *fp = fdopen(mkstemp(truth), "w");

    assert_int_equal(sdd_label_write_truth(st->idx, 60, fp), expect_events);
    fclose(fp);
    snprintf(notes, sizeof(notes), "%s/tests/data/notifications.jsonl", src ? src : "..");
    if (sdd_score_files(truth, notes, SDD_SCORE_DEFAULT_GRACE, r, &err) < 0)
        fail_msg("%s", err.msg);
    unlink(truth);
}

static void test_labels_as_truth(void **state)
{
    (void)state;
    const char *lines[] = {rev[0], rev[1]};
    sdd_score_report *r;
    store st;

    store_open(&st, lines, 2);
    score_against_labels(&st, 0, &r);              /* nothing validated: no event */
    assert_int_equal(r->events, 0);
    sdd_score_report_free(r);
    label_ok(&st, SDD_LABEL_CONFIRM, "alice", NULL);
    score_against_labels(&st, 1, &r);
    assert_int_equal(r->services, 1);
    assert_int_equal(r->events, 1);
    assert_int_equal(r->detected, 1);
    assert_int_equal(r->false_alarms, 0);
    sdd_score_report_free(r);
    label_ok(&st, SDD_LABEL_DISCARD, "bob", "planned by the customer");
    score_against_labels(&st, 1, &r);
    assert_int_equal(r->events, 0);                /* a discarded state wants no alarm */
    assert_int_equal(r->false_alarms, 1);
    sdd_score_report_free(r);
    store_close(&st);
}

static void test_unknown_id_and_action(void **state)
{
    (void)state;
    const char *lines[] = {rev[0]};
    sdd_error err = {0};
    sdd_label_action a;
    store st;

    store_open(&st, lines, 1);
    assert_int_equal(sdd_label_apply(st.s, st.idx, "00000000-0000-5000-8000-000000000000", SDD_LABEL_CONFIRM,
                                     "alice", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "no relevant state 00000000-0000-5000-8000-000000000000"));
    store_reload(&st);
    assert_int_equal(sdd_label_index_size(st.idx), 1);
    assert_int_equal(sdd_label_action_parse("analyze", &a), 0);
    assert_int_equal(a, SDD_LABEL_ANALYZE);
    assert_string_equal(sdd_label_action_stage(a), "analyzed");
    assert_int_equal(sdd_label_action_parse("approve", &a), -1);
    store_close(&st);
}

/* Lines that are not records are skipped and counted, with where. */
static void test_bad_records_skipped(void **state)
{
    (void)state;
    const char *lines[] = {"{\"id\": ", "{\"stage\": \"discarded\"}", rev[0]};
    const char *why;
    store st;

    store_open(&st, lines, 3);
    assert_int_equal(sdd_label_index_size(st.idx), 1);
    assert_int_equal(sdd_label_index_skipped(st.idx, &why), 2);
    assert_non_null(strstr(why, ":1: "));
    store_close(&st);
}

/* Appends `text` to the store's file as a writer would (no newline added). */
static void append_text(const store *st, const char *text)
{
    FILE *fp = fopen(st->path, "a");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void refresh_ok(store *st)
{
    sdd_error err = {0};

    if (sdd_label_index_refresh(&st->idx, st->s, &err) < 0)
        fail_msg("%s", err.msg);
}

/* The records of one state that sdd_label_index_each_of hands out. */
typedef struct taken {
    int n;
    char first[64];
} taken;

static int take(void *ctx, const char *json, const char *where)
{
    taken *t = ctx;

    (void)json;
    if (!t->n++)
        snprintf(t->first, sizeof(t->first), "%s", where);
    return 0;
}

static int records_of(store *st, const char *id)
{
    sdd_error err = {0};
    taken t = {0, ""};

    if (sdd_label_index_each_of(st->idx, st->s, id, take, &t, &err) < 0)
        fail_msg("%s", err.msg);
    return t.n;
}

/* rev[0] of another relevant state: its id changed. */
static char *other_state(void)
{
    char *copy = strdup(rev[0]), *at = strstr(copy, ID);

    assert_non_null(at);
    memcpy(at, "00000000", 8);
    return copy;
}

/* A refresh reads what was appended since the last read, a line once it is
 * whole; a state's records are read alone, from where the index saw them;
 * a file rewritten or replaced is read again whole. */
static void test_refresh_reads_what_was_appended(void **state)
{
    (void)state;
    const char *lines[] = {rev[0]};
    char *other = other_state(), half[64];
    sdd_label_index *before;
    sdd_label_summary s;
    store st;

    store_open(&st, lines, 1);
    before = st.idx;
    summary(&st, &s);
    assert_int_equal(s.revision, 0);
    /* half of the closing revision: not read yet, not skipped */
    snprintf(half, sizeof(half), "%.40s", rev[1]);
    append_text(&st, half);
    refresh_ok(&st);
    summary(&st, &s);
    assert_int_equal(s.revision, 0);
    assert_int_equal(sdd_label_index_skipped(st.idx, NULL), 0);
    /* the rest of it, and a record of another state */
    append_text(&st, rev[1] + strlen(half));
    append_text(&st, "\n");
    append_text(&st, other);
    append_text(&st, "\n");
    refresh_ok(&st);
    assert_ptr_equal(st.idx, before);               /* the same index, grown */
    summary(&st, &s);
    assert_int_equal(s.revision, 1);
    assert_int_equal(s.end_ms >= 0, 1);
    assert_int_equal(sdd_label_index_size(st.idx), 2);
    assert_int_equal(sdd_label_index_skipped(st.idx, NULL), 0);
    assert_int_equal(records_of(&st, ID), 2);
    assert_int_equal(records_of(&st, "no-such-id"), 0);
    /* a label appended through the index is read once more, harmlessly */
    label_ok(&st, SDD_LABEL_CONFIRM, "alice", NULL);
    refresh_ok(&st);
    assert_int_equal(records_of(&st, ID), 3);
    summary(&st, &s);
    assert_string_equal(s.stage, "problem_confirmed");
    /* rewritten shorter (rotated, truncated): read again whole */
    {
        FILE *fp = fopen(st.path, "w");
        fprintf(fp, "%s\n", other);
        fclose(fp);
    }
    refresh_ok(&st);
    assert_int_equal(sdd_label_index_size(st.idx), 1);
    assert_int_equal(sdd_label_index_find(st.idx, ID), -1);
    free(other);
    store_close(&st);
}

/* A store that cannot be read any more: an error, the index as it was. */
static void test_refresh_of_a_removed_store(void **state)
{
    (void)state;
    const char *lines[] = {rev[0]};
    sdd_error err = {0};
    store st;

    store_open(&st, lines, 1);
    unlink(st.path);
    assert_int_equal(sdd_label_index_refresh(&st.idx, st.s, &err), -1);
    assert_non_null(strstr(err.msg, st.path));
    assert_int_equal(sdd_label_index_size(st.idx), 1);
    store_close(&st);
}

/* An Avro container store is read as well, and labels go into it. */
static void test_avro_store(void **state)
{
    (void)state;
    char path[] = "/tmp/sdd-test-label-XXXXXX";
    sdd_error err = {0};
    sdd_label_summary s;
    store st = {{0}, NULL, NULL};
    sdd_avro_file *f;

    close(mkstemp(path));
    f = sdd_avro_file_open(path, &err);
    assert_non_null(f);
    assert_int_equal(sdd_avro_file_append(f, rev[0], &err), 0);
    assert_int_equal(sdd_avro_file_append(f, rev[1], &err), 0);
    assert_int_equal(sdd_avro_file_close(f, &err), 0);
    strcpy(st.path, path);
    st.s = sdd_label_store_open(path, &err);
    st.idx = sdd_label_index_load(st.s, &err);
    assert_non_null(st.idx);
    summary(&st, &s);
    assert_int_equal(s.revision, 1);
    refresh_ok(&st);                                /* unchanged: nothing read */
    assert_int_equal(records_of(&st, ID), 2);       /* the whole container walked */
    label_ok(&st, SDD_LABEL_DISCARD, "alice", NULL);
    assert_int_equal(sdd_avro_file_is_container(path, &err), 1);
    refresh_ok(&st);                                /* changed: read again whole */
    assert_int_equal(records_of(&st, ID), 3);
    store_reload(&st);
    summary(&st, &s);
    assert_string_equal(s.stage, "discarded");
    assert_int_equal(s.revision, 2);
    store_close(&st);
}

/* A damaged Avro store (`sddctl show` on it) is an error that names the
 * file and what is wrong: here the last record's stage, an enum and the
 * last byte before the closing sync marker, names no symbol (index 57). */
static void test_damaged_avro_store_refused(void **state)
{
    (void)state;
    char path[] = "/tmp/sdd-test-label-XXXXXX";
    sdd_error err = {0};
    sdd_label_store *s;
    sdd_avro_file *f;
    struct stat st;
    FILE *fp;

    close(mkstemp(path));
    f = sdd_avro_file_open(path, &err);
    assert_non_null(f);
    assert_int_equal(sdd_avro_file_append(f, rev[0], &err), 0);
    assert_int_equal(sdd_avro_file_close(f, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    fp = fopen(path, "r+b");
    assert_int_equal(fseek(fp, (long)st.st_size - 17, SEEK_SET), 0);
    assert_int_equal(fputc(0x72, fp), 0x72);
    fclose(fp);
    s = sdd_label_store_open(path, &err);
    assert_non_null(s);
    assert_null(sdd_label_index_load(s, &err));
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "stage: enum index 57"));
    sdd_label_store_free(s);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latest_revision_and_show_line),
        cmocka_unit_test(test_same_revision_later_wins),
        cmocka_unit_test(test_confirm),
        cmocka_unit_test(test_refinement_path),
        cmocka_unit_test(test_discard),
        cmocka_unit_test(test_validation_survives_engine_revisions),
        cmocka_unit_test(test_discard_stands_adjusted_yields),
        cmocka_unit_test(test_labels_as_truth),
        cmocka_unit_test(test_unknown_id_and_action),
        cmocka_unit_test(test_bad_records_skipped),
        cmocka_unit_test(test_refresh_reads_what_was_appended),
        cmocka_unit_test(test_refresh_of_a_removed_store),
        cmocka_unit_test(test_avro_store),
        cmocka_unit_test(test_damaged_avro_store_refused),
    };
    return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
