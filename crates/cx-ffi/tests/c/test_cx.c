/*
 * The C API end to end: golden vectors, the core's parity cases (to 1e-12), histograms, grouped scoring, and
 * every status code provoked. Built by scripts/test_c.sh with -std=c11 -Wall -Wextra -Wpedantic -Werror, run
 * plain, under ASan+UBSan and under valgrind. Exit status 0 only if every check passed.
 */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fileno: the panic test captures stderr */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cx.h"
#include "vectors.h"

/* Test-only export, outside cx.h and the public ABI: built only with the cargo feature `test-hooks`, which
 * scripts/test_c.sh enables. */
cx_status cx_debug_panic(void);

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fprintf(stderr, "\n");                                          \
        }                                                                   \
    } while (0)

static bool close_to(double got, double want, double tol) {
    if (isnan(want)) {
        return isnan(got);
    }
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    return fabs(got - want) <= tol * scale;
}

static const char *last_error(void) {
    static char buf[512];
    size_t written = 0;
    if (cx_last_error_message(buf, sizeof buf, &written) != CX_STATUS_OK) {
        return "(message did not fit)";
    }
    return buf;
}

static cx_metric_spec *preset(const char *name) {
    cx_metric_spec *spec = NULL;
    cx_status s = cx_metric_spec_preset(name, strlen(name), &spec);
    CHECK(s == CX_STATUS_OK && spec != NULL, "preset %s: %s", name, last_error());
    return spec;
}

static cx_estimate_options with_interval(uint32_t interval, double level) {
    cx_estimate_options o = cx_estimate_options_default();
    o.interval = interval;
    o.level = level;
    return o;
}

static void test_version(void) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", CX_VERSION_MAJOR, CX_VERSION_MINOR, CX_VERSION_PATCH);
    CHECK(strcmp(cx_version(), want) == 0, "cx_version() %s vs macros %s", cx_version(), want);
}

static void test_golden_vectors(void) {
    const double tol = 1e-4;
    for (size_t i = 0; i < COUNT(NPS_POINT); i++) {
        const nps_point_case *c = &NPS_POINT[i];
        cx_estimate e;
        cx_status s = cx_nps_from_counts(c->d, c->q, c->p, NULL, &e);
        CHECK(s == CX_STATUS_OK, "nps_point %zu: %s", i, last_error());
        if (s != CX_STATUS_OK) continue;
        if (!isnan(c->nps)) CHECK(close_to(e.value / 100, c->nps, tol), "nps %zu: %g vs %g", i, e.value, c->nps);
        if (!isnan(c->nps_points)) CHECK(close_to(e.value, c->nps_points, tol), "nps points %zu", i);
        if (!isnan(c->variance)) {
            double v = (e.se / 100) * (e.se / 100) * (double)e.n;
            CHECK(close_to(v, c->variance, tol), "variance %zu: %g vs %g", i, v, c->variance);
        }
        if (!isnan(c->se)) CHECK(close_to(e.se / 100, c->se, tol), "se %zu: %g vs %g", i, e.se, c->se);
    }
    for (size_t i = 0; i < NPS_RAW_COUNT; i++) {
        const nps_raw_case *c = &NPS_RAW[i];
        cx_estimate e;
        CHECK(cx_nps(c->scores, c->n, NULL, 0, NULL, &e) == CX_STATUS_OK, "nps raw %zu: %s", i, last_error());
        if (!isnan(c->nps)) CHECK(close_to(e.value / 100, c->nps, tol), "nps raw %zu", i);
        if (!isnan(c->nps_points)) CHECK(close_to(e.value, c->nps_points, tol), "nps raw points %zu", i);
    }
    for (size_t i = 0; i < COUNT(NPS_INTERVALS); i++) {
        const nps_interval_case *c = &NPS_INTERVALS[i];
        cx_estimate_options o = with_interval(c->interval, 0.95);
        cx_estimate e;
        CHECK(cx_nps_from_counts(c->d, c->q, c->p, &o, &e) == CX_STATUS_OK, "interval %zu: %s", i, last_error());
        CHECK(e.method == c->interval, "interval %zu method %u", i, e.method);
        CHECK(close_to(e.ci_low / 100, c->lo, tol) && close_to(e.ci_high / 100, c->hi, tol),
              "interval %zu: [%g, %g] vs [%g, %g]", i, e.ci_low / 100, e.ci_high / 100, c->lo, c->hi);
    }
    cx_metric_spec *binary = preset("binary_csat");
    for (size_t i = 0; i < COUNT(PROPORTIONS); i++) {
        const proportion_case *c = &PROPORTIONS[i];
        cx_estimate_options o = with_interval(c->interval, c->level);
        cx_estimate e;
        cx_status s = cx_score_counts(binary, c->n - c->k, 0, c->k, &o, &e);
        CHECK(s == CX_STATUS_OK, "proportion %zu: %s", i, last_error());
        CHECK(close_to(e.ci_low / 100, c->lo, tol) && close_to(e.ci_high / 100, c->hi, tol),
              "proportion %zu (method %u): [%g, %g] vs [%g, %g]", i, c->interval, e.ci_low / 100, e.ci_high / 100,
              c->lo, c->hi);
    }
    cx_metric_spec_free(binary);
    for (size_t i = 0; i < COUNT(CSAT_SIMPLE); i++) {
        cx_estimate e;
        CHECK(cx_csat(CSAT_SIMPLE[i].scores, CSAT_SIMPLE[i].n, NULL, 0, NULL, &e) == CX_STATUS_OK, "csat %zu", i);
        CHECK(close_to(e.value, CSAT_SIMPLE[i].percent, tol), "csat %zu: %g", i, e.value);
    }
    /* must_fail: empty input is an error, never 0; a missing value is skipped and counted. */
    cx_estimate e;
    CHECK(cx_nps(NULL, 0, NULL, 0, NULL, &e) == CX_STATUS_EMPTY_INPUT, "empty");
    CHECK(cx_nps_from_counts(0, 0, 0, NULL, &e) == CX_STATUS_EMPTY_INPUT, "empty counts");
    const double skip[] = {7, NAN, 9};
    CHECK(cx_nps(skip, 3, NULL, 0, NULL, &e) == CX_STATUS_OK && e.value == 50.0 && e.n == 2 && e.n_missing == 1,
          "missing skipped");
}

static void same_estimate(const cx_estimate *got, const cx_estimate *want, size_t i) {
    const double tol = 1e-12;
    CHECK(close_to(got->value, want->value, tol), "parity %zu value %.17g vs %.17g", i, got->value, want->value);
    CHECK(close_to(got->se, want->se, tol), "parity %zu se", i);
    CHECK(close_to(got->ci_low, want->ci_low, tol), "parity %zu ci_low %.17g vs %.17g", i, got->ci_low,
          want->ci_low);
    CHECK(close_to(got->ci_high, want->ci_high, tol), "parity %zu ci_high", i);
    CHECK(close_to(got->level, want->level, tol), "parity %zu level", i);
    CHECK(close_to(got->n_effective, want->n_effective, tol), "parity %zu n_effective", i);
    CHECK(close_to(got->design_effect, want->design_effect, tol), "parity %zu design effect", i);
    CHECK(close_to(got->share_negative, want->share_negative, tol), "parity %zu share negative", i);
    CHECK(close_to(got->share_neutral, want->share_neutral, tol), "parity %zu share neutral", i);
    CHECK(close_to(got->share_positive, want->share_positive, tol), "parity %zu share positive", i);
    CHECK(got->n == want->n && got->n_missing == want->n_missing, "parity %zu n", i);
    CHECK(got->count_negative == want->count_negative && got->count_neutral == want->count_neutral &&
              got->count_positive == want->count_positive,
          "parity %zu counts", i);
    CHECK(got->method == want->method && got->weighted == want->weighted, "parity %zu method", i);
}

static void test_parity_with_the_core(void) {
    for (size_t i = 0; i < COUNT(SCORES); i++) {
        const score_case *c = &SCORES[i];
        cx_metric_spec *spec = preset(c->metric);
        cx_estimate_options o = with_interval(c->interval, c->level);
        cx_estimate e;
        cx_status s = cx_score(spec, c->scores, c->n, c->weights, c->weights ? c->n : 0, &o, &e);
        CHECK(s == CX_STATUS_OK, "score %zu: %s", i, last_error());
        if (s == CX_STATUS_OK) same_estimate(&e, &c->want, i);
        cx_metric_spec_free(spec);
    }
    for (size_t i = 0; i < COUNT(COMPARES); i++) {
        const compare_case *c = &COMPARES[i];
        cx_metric_spec *spec = preset(c->metric);
        cx_comparison ab, ba;
        CHECK(cx_compare(spec, c->a, c->n_a, c->b, c->n_b, c->method, 0.95, &ab) == CX_STATUS_OK, "compare %zu", i);
        CHECK(cx_compare(spec, c->b, c->n_b, c->a, c->n_a, c->method, 0.95, &ba) == CX_STATUS_OK, "swap %zu", i);
        CHECK(close_to(ab.delta, c->delta, 1e-12) && close_to(ab.se, c->se, 1e-12) &&
                  close_to(ab.p_value, c->p_value, 1e-12) && close_to(ab.ci_low, c->ci_low, 1e-12) &&
                  close_to(ab.ci_high, c->ci_high, 1e-12),
              "compare %zu: delta %.17g vs %.17g", i, ab.delta, c->delta);
        CHECK(ba.delta == -ab.delta && ab.method == c->method, "compare %zu: swapping flips the sign", i);
        cx_metric_spec_free(spec);
    }
}

static void test_score_by(void) {
    cx_metric_spec *nps = preset("nps");
    cx_group_options o = cx_group_options_default();
    o.min_n = G_MIN_N;
    o.compare_to_rest = true;
    o.compare_method = CX_COMPARE_METHOD_ADJUSTED;
    cx_group_result rows[G_GROUPS];
    cx_status s = cx_score_by(nps, G_SCORES, G_N, G_CODES, G_N, G_GROUPS, G_WEIGHTS, G_N, &o, rows, G_GROUPS);
    CHECK(s == CX_STATUS_OK, "score_by: %s", last_error());
    for (size_t g = 0; s == CX_STATUS_OK && g < G_GROUPS; g++) {
        const group_case *want = &GROUPS[g];
        CHECK(rows[g].estimated == want->estimated && rows[g].n == want->n, "group %zu n", g);
        if (!want->estimated) continue;
        CHECK(close_to(rows[g].estimate.value, want->value, 1e-12) && close_to(rows[g].estimate.se, want->se, 1e-12) &&
                  close_to(rows[g].estimate.ci_low, want->ci_low, 1e-12),
              "group %zu value %.17g vs %.17g", g, rows[g].estimate.value, want->value);
        CHECK(rows[g].compared && close_to(rows[g].vs_rest.delta, want->delta, 1e-12) &&
                  close_to(rows[g].p_adjusted, want->p_adjusted, 1e-12),
              "group %zu vs rest", g);
    }
    /* Too few rows: BUFFER_TOO_SMALL, and the rows are untouched. */
    cx_group_result one[1];
    memset(one, 0xAB, sizeof one);
    CHECK(cx_score_by(nps, G_SCORES, G_N, G_CODES, G_N, G_GROUPS, NULL, 0, NULL, one, 1) ==
              CX_STATUS_BUFFER_TOO_SMALL,
          "rows buffer too small");
    unsigned char untouched[sizeof one];
    memset(untouched, 0xAB, sizeof untouched);
    CHECK(memcmp(one, untouched, sizeof one) == 0, "outputs written only on success");
    /* A code not below n_groups names its index. */
    const double sc[] = {9, 10, 3};
    const uint32_t codes[] = {0, 1, 5};
    cx_group_result three[3];
    CHECK(cx_score_by(nps, sc, 3, codes, 3, 3, NULL, 0, NULL, three, 3) == CX_STATUS_INVALID_GROUP_CODE, "code");
    CHECK(strstr(last_error(), "at index 2") != NULL, "group code message: %s", last_error());
    cx_metric_spec_free(nps);
}

static void test_histogram(void) {
    cx_metric_spec *nps = preset("nps");
    cx_histogram *whole = NULL, *a = NULL, *b = NULL;
    CHECK(cx_histogram_new(nps, &whole) == CX_STATUS_OK && cx_histogram_new(nps, &a) == CX_STATUS_OK &&
              cx_histogram_new(nps, &b) == CX_STATUS_OK,
          "new");
    cx_metric_spec_free(nps); /* the histograms keep their own copy */
    CHECK(cx_histogram_add(whole, ACC_SCORES, ACC_N, ACC_WEIGHTS, ACC_N, CX_MISSING_SKIP) == CX_STATUS_OK, "add");
    CHECK(cx_histogram_add(a, ACC_SCORES, 50, ACC_WEIGHTS, 50, CX_MISSING_SKIP) == CX_STATUS_OK, "add a");
    CHECK(cx_histogram_add(b, ACC_SCORES + 50, ACC_N - 50, ACC_WEIGHTS + 50, ACC_N - 50, CX_MISSING_SKIP) ==
              CX_STATUS_OK,
          "add b");
    CHECK(cx_histogram_merge(a, b) == CX_STATUS_OK, "merge");

    /* Bytes: the same as the Rust core writes, and they read back. */
    size_t needed = 0;
    CHECK(cx_histogram_to_bytes(whole, NULL, 0, &needed) == CX_STATUS_BUFFER_TOO_SMALL, "size query");
    CHECK(needed == ACC_BYTES_LEN, "needed %zu vs %d", needed, ACC_BYTES_LEN);
    uint8_t *bytes = malloc(needed);
    size_t written = 0;
    CHECK(bytes && cx_histogram_to_bytes(whole, bytes, needed, &written) == CX_STATUS_OK, "to_bytes");
    CHECK(bytes && memcmp(bytes, ACC_BYTES, needed) == 0, "bytes equal the core's");
    cx_histogram *back = NULL;
    CHECK(cx_histogram_from_bytes(ACC_BYTES, ACC_BYTES_LEN, &back) == CX_STATUS_OK, "from");
    cx_estimate e_whole, e_merged, e_back;
    CHECK(cx_histogram_estimate(whole, NULL, &e_whole) == CX_STATUS_OK, "estimate");
    CHECK(cx_histogram_estimate(a, NULL, &e_merged) == CX_STATUS_OK, "estimate merged");
    CHECK(cx_histogram_estimate(back, NULL, &e_back) == CX_STATUS_OK, "estimate back");
    CHECK(close_to(e_whole.value, ACC_VALUE, 1e-12), "value %.17g vs %.17g", e_whole.value, ACC_VALUE);
    CHECK(close_to(e_merged.value, e_whole.value, 1e-12) && close_to(e_merged.se, e_whole.se, 1e-12) &&
              e_merged.n == e_whole.n,
          "merge equals one pass");
    CHECK(e_back.value == e_whole.value && e_back.ci_low == e_whole.ci_low, "bytes round trip");
    uint64_t n = 0, n_missing = 0;
    CHECK(cx_histogram_counts(a, &n, &n_missing) == CX_STATUS_OK && n + n_missing == ACC_N, "counts");
    cx_comparison c;
    CHECK(cx_histogram_compare(a, whole, CX_COMPARE_METHOD_DEFAULT, 0.95, &c) == CX_STATUS_OK &&
              close_to(c.delta, 0.0, 1e-12),
          "merged vs one pass: delta %g", c.delta);

    /* Damaged bytes are a status, never a crash. */
    cx_histogram *bad = NULL;
    CHECK(cx_histogram_from_bytes(bytes, needed / 2, &bad) == CX_STATUS_INVALID_CONFIG && bad == NULL, "truncated");
    /* A failed add changes nothing. */
    const double out_of_range[] = {9, 11};
    CHECK(cx_histogram_add(a, out_of_range, 2, NULL, 0, CX_MISSING_SKIP) == CX_STATUS_SCORE_OUT_OF_RANGE, "bad add");
    uint64_t n_after = 0;
    CHECK(cx_histogram_counts(a, &n_after, NULL) == CX_STATUS_OK && n_after == n, "failed add is atomic");
    /* Merging different metrics is refused. */
    cx_metric_spec *csat = preset("csat");
    cx_histogram *h_csat = NULL;
    CHECK(cx_histogram_new(csat, &h_csat) == CX_STATUS_OK, "csat histogram");
    CHECK(cx_histogram_merge(a, h_csat) == CX_STATUS_INCOMPATIBLE_HISTOGRAMS, "incompatible");
    cx_metric_spec_free(csat);

    free(bytes);
    cx_histogram_free(h_csat);
    cx_histogram_free(back);
    cx_histogram_free(whole);
    cx_histogram_free(a);
    cx_histogram_free(b);
    cx_histogram_free(NULL);
    cx_metric_spec_free(NULL);
}

static void test_specs_from_json(void) {
    cx_metric_spec *csat = preset("csat");
    char json[512];
    size_t written = 0;
    CHECK(cx_metric_spec_to_json(csat, json, sizeof json, &written) == CX_STATUS_OK, "to_json");
    CHECK(written == strlen(json) + 1, "written counts the NUL");
    cx_metric_spec *back = NULL;
    CHECK(cx_metric_spec_from_json(json, strlen(json), &back) == CX_STATUS_OK, "from_json: %s", last_error());
    const double ratings[] = {5, 4, 3, 1};
    cx_estimate e1, e2;
    CHECK(cx_score(csat, ratings, 4, NULL, 0, NULL, &e1) == CX_STATUS_OK, "score csat");
    CHECK(cx_score(back, ratings, 4, NULL, 0, NULL, &e2) == CX_STATUS_OK && e1.value == e2.value && e1.value == 50,
          "round-tripped spec scores the same");
    const char *custom = "{\"version\":1,\"name\":\"csat7\",\"scale\":{\"min\":1,\"max\":7},"
                         "\"direction\":\"higher_is_better\",\"categories\":{\"positive\":{\"lo\":6,\"hi\":7},"
                         "\"negative\":null},\"scoring\":\"top_box\"}";
    cx_metric_spec *seven = NULL;
    CHECK(cx_metric_spec_from_json(custom, strlen(custom), &seven) == CX_STATUS_OK, "custom: %s", last_error());
    const double r7[] = {7, 6, 5, 1};
    CHECK(cx_score(seven, r7, 4, NULL, 0, NULL, &e1) == CX_STATUS_OK && e1.value == 50, "custom scores");
    const char *broken = "{\"version\":1,\"name\":\"x\",\"scale\":{\"min\":5,\"max\":1}";
    cx_metric_spec *none = NULL;
    CHECK(cx_metric_spec_from_json(broken, strlen(broken), &none) == CX_STATUS_INVALID_CONFIG && none == NULL,
          "broken spec");
    cx_metric_spec_free(seven);
    cx_metric_spec_free(back);
    cx_metric_spec_free(csat);
}

static void test_every_status(void) {
    const double scores[] = {9, 10, 11, 3};
    cx_estimate e;
    memset(&e, 0, sizeof e);
    cx_estimate untouched = e;

    CHECK(cx_nps(NULL, 3, NULL, 0, NULL, &e) == CX_STATUS_NULL_ARGUMENT, "NULL array with a length");
    CHECK(strstr(last_error(), "scores") != NULL, "message names the argument: %s", last_error());
    CHECK(cx_nps(scores, 2, NULL, 0, NULL, NULL) == CX_STATUS_NULL_ARGUMENT, "NULL out");
    CHECK(cx_score(NULL, scores, 2, NULL, 0, NULL, &e) == CX_STATUS_NULL_ARGUMENT, "NULL spec");

    cx_metric_spec *spec = NULL;
    const char bad_utf8[] = {'n', (char)0xff, 's'};
    CHECK(cx_metric_spec_preset(bad_utf8, 3, &spec) == CX_STATUS_INVALID_UTF8 && spec == NULL, "invalid UTF-8");

    char tiny[4];
    size_t needed = 0;
    CHECK(cx_nps(scores, 4, NULL, 0, NULL, &e) == CX_STATUS_SCORE_OUT_OF_RANGE, "out of range");
    CHECK(cx_last_error_message(tiny, sizeof tiny, &needed) == CX_STATUS_BUFFER_TOO_SMALL && needed > sizeof tiny,
          "message buffer too small");
    CHECK(strcmp(last_error(), "score 11 at index 2 is outside the scale 0..=10") == 0, "message: %s", last_error());
    CHECK(memcmp(&e, &untouched, sizeof e) == 0, "out untouched on failure");

    const double half[] = {6.5};
    CHECK(cx_nps(half, 1, NULL, 0, NULL, &e) == CX_STATUS_NON_INTEGER_SCORE, "non-integer");
    const double with_nan[] = {9, NAN};
    cx_estimate_options strict = cx_estimate_options_default();
    strict.missing = CX_MISSING_ERROR;
    CHECK(cx_nps(with_nan, 2, NULL, 0, &strict, &e) == CX_STATUS_MISSING_VALUE, "missing under error");
    CHECK(strstr(last_error(), "index 1") != NULL, "missing index: %s", last_error());
    const double w1[] = {1.0};
    CHECK(cx_nps(scores, 2, w1, 1, NULL, &e) == CX_STATUS_LENGTH_MISMATCH, "length mismatch");
    const double wneg[] = {1.0, -1.0};
    CHECK(cx_nps(scores, 2, wneg, 2, NULL, &e) == CX_STATUS_INVALID_WEIGHT, "bad weight");
    const double wzero[] = {0.0, 0.0};
    CHECK(cx_nps(scores, 2, wzero, 2, NULL, &e) == CX_STATUS_ZERO_TOTAL_WEIGHT, "zero weight");
    CHECK(cx_nps(NULL, 0, NULL, 0, NULL, &e) == CX_STATUS_EMPTY_INPUT, "empty");
    const double one[] = {5};
    CHECK(cx_ces(one, 1, NULL, 0, NULL, &e) == CX_STATUS_INSUFFICIENT_DATA, "t interval from one response");

    cx_estimate_options level = cx_estimate_options_default();
    level.level = 1.5;
    CHECK(cx_nps(scores, 2, NULL, 0, &level, &e) == CX_STATUS_INVALID_ARGUMENT, "level");
    cx_estimate_options unknown = with_interval(99, 0.95);
    CHECK(cx_nps(scores, 2, NULL, 0, &unknown, &e) == CX_STATUS_UNKNOWN_NAME, "unknown interval code");
    CHECK(cx_metric_spec_preset("nope", 4, &spec) == CX_STATUS_UNKNOWN_NAME, "unknown preset");
    cx_estimate_options wilson = with_interval(CX_INTERVAL_WILSON, 0.95);
    CHECK(cx_nps(scores, 2, NULL, 0, &wilson, &e) == CX_STATUS_METHOD_NOT_APPLICABLE, "wilson for NPS");
    const char *v9 = "{\"version\":9}";
    CHECK(cx_metric_spec_from_json(v9, strlen(v9), &spec) == CX_STATUS_UNSUPPORTED_VERSION, "version");
    CHECK(cx_metric_spec_from_json("{", 1, &spec) == CX_STATUS_INVALID_CONFIG, "config");
    const double *misaligned = (const double *)((const char *)scores + 1);
    CHECK(cx_nps(misaligned, 1, NULL, 0, NULL, &e) == CX_STATUS_MISALIGNED_POINTER, "misaligned");

    /* A contained panic becomes a status and a message, and prints nothing on the host's stderr (captured in a
     * temporary file for the call). */
    fflush(stderr);
    FILE *capture = tmpfile();
    CHECK(capture != NULL, "tmpfile");
    int saved = dup(fileno(stderr));
    CHECK(capture != NULL && saved >= 0 && dup2(fileno(capture), fileno(stderr)) >= 0, "redirect stderr");
    cx_status panicked = cx_debug_panic();
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    long printed = -1;
    if (capture != NULL) {
        fseek(capture, 0, SEEK_END);
        printed = ftell(capture);
        fclose(capture);
    }
    CHECK(panicked == CX_STATUS_PANIC, "panic becomes a status");
    CHECK(printed == 0, "a contained panic printed %ld bytes to stderr", printed);
    CHECK(strstr(last_error(), "panic") != NULL && strstr(last_error(), "cx_debug_panic was called") != NULL,
          "panic message: %s", last_error());
    /* The library works normally after a caught panic, and success clears the message. */
    CHECK(cx_nps(scores, 2, NULL, 0, NULL, &e) == CX_STATUS_OK && e.value == 100.0, "after panic");
    CHECK(strcmp(last_error(), "") == 0, "success clears the message");
}

static void test_health(void) {
    cx_scorecard *card = NULL;
    cx_status s = cx_scorecard_from_json(H_SCORECARD, strlen(H_SCORECARD), &card);
    CHECK(s == CX_STATUS_OK, "scorecard: %s", last_error());
    if (s != CX_STATUS_OK) return;
    size_t n_measures = 0;
    CHECK(cx_scorecard_measure_count(card, &n_measures) == CX_STATUS_OK && n_measures == H_MEASURES, "measures");

    const double *ages[H_MEASURES] = {0};
    ages[H_NPS_AT] = H_NPS_AGES;
    static double scores[H_ACCOUNTS], coverage[H_ACCOUNTS];
    static int32_t bands[H_ACCOUNTS];
    s = cx_scorecard_score(card, H_VALUES, ages, H_MEASURES, H_CHECKED, H_PREVIOUS, scores, bands, coverage,
                           H_ACCOUNTS);
    CHECK(s == CX_STATUS_OK, "score: %s", last_error());
    for (size_t i = 0; s == CX_STATUS_OK && i < H_CHECKED; i++) {
        CHECK(close_to(scores[i], H_WANT_SCORE[i], 1e-12) && close_to(coverage[i], H_WANT_COVERAGE[i], 1e-12) &&
                  bands[i] == H_WANT_BAND[i],
              "account %zu: %.17g vs %.17g, band %d vs %d", i, scores[i], H_WANT_SCORE[i], bands[i],
              H_WANT_BAND[i]);
    }

    size_t needed = 0;
    CHECK(cx_scorecard_explain_json(card, H_VALUES, ages, H_MEASURES, H_CHECKED, H_PREVIOUS, 7, NULL, 0, &needed) ==
              CX_STATUS_BUFFER_TOO_SMALL,
          "explanation size query");
    char *json = malloc(needed);
    CHECK(json && cx_scorecard_explain_json(card, H_VALUES, ages, H_MEASURES, H_CHECKED, H_PREVIOUS, 7, json, needed,
                                            NULL) == CX_STATUS_OK,
          "explanation");
    CHECK(json && strncmp(json, "{\"account\":7,", 13) == 0 && strstr(json, "\"contribution\"") != NULL,
          "explanation JSON: %.60s", json ? json : "");
    free(json);

    /* Validation over the whole sample, against the core's numbers. */
    s = cx_scorecard_score(card, H_VALUES, ages, H_MEASURES, H_ACCOUNTS, H_PREVIOUS, scores, NULL, NULL, H_ACCOUNTS);
    CHECK(s == CX_STATUS_OK, "score all: %s", last_error());
    cx_score_validation v;
    CHECK(cx_scorecard_validate(card, scores, H_CHURNED, H_ACCOUNTS, "red", 3, &v) == CX_STATUS_OK, "validate: %s",
          last_error());
    CHECK(v.n == H_WANT_N && close_to(v.auc, H_WANT_AUC, 1e-12) && close_to(v.precision, H_WANT_PRECISION, 1e-12) &&
              close_to(v.top_decile_capture, H_WANT_CAPTURE, 1e-12),
          "validation: auc %.17g vs %.17g", v.auc, H_WANT_AUC);

    /* Errors: a field-naming config error, a buffer too small, an unknown band. */
    const char *bad = "{\"version\":1,\"name\":\"x\",\"bands\":{\"names\":[\"r\",\"g\"],\"cuts\":[50]},"
                      "\"measures\":[{\"id\":\"a\",\"weight\":1,\"scoring\":{\"rule\":\"linear\",\"bad\":1,"
                      "\"good\":1}}]}";
    cx_scorecard *none = NULL;
    CHECK(cx_scorecard_from_json(bad, strlen(bad), &none) == CX_STATUS_INVALID_CONFIG && none == NULL, "bad card");
    CHECK(strstr(last_error(), "measures[0].scoring.good") != NULL, "field named: %s", last_error());
    CHECK(cx_scorecard_score(card, H_VALUES, NULL, H_MEASURES, H_ACCOUNTS, NULL, scores, NULL, NULL, 10) ==
              CX_STATUS_BUFFER_TOO_SMALL,
          "scores buffer too small");
    CHECK(cx_scorecard_validate(card, scores, H_CHURNED, H_ACCOUNTS, "blue", 4, &v) == CX_STATUS_UNKNOWN_NAME,
          "unknown band");

    /* Every output is checked before the work: misaligned `bands` or `coverage` is an error and nothing is
     * written, not even `scores`. */
    static double fresh[H_ACCOUNTS];
    static uint64_t raw[H_ACCOUNTS + 1];
    for (size_t i = 0; i < H_ACCOUNTS; i++) fresh[i] = -1.0;
    int32_t *odd_bands = (int32_t *)((char *)raw + 1);
    double *odd_coverage = (double *)((char *)raw + 1);
    CHECK(cx_scorecard_score(card, H_VALUES, NULL, H_MEASURES, H_ACCOUNTS, NULL, fresh, odd_bands, NULL,
                             H_ACCOUNTS) == CX_STATUS_MISALIGNED_POINTER &&
              strstr(last_error(), "bands") != NULL,
          "misaligned bands: %s", last_error());
    CHECK(cx_scorecard_score(card, H_VALUES, NULL, H_MEASURES, H_ACCOUNTS, NULL, fresh, NULL, odd_coverage,
                             H_ACCOUNTS) == CX_STATUS_MISALIGNED_POINTER &&
              strstr(last_error(), "coverage") != NULL,
          "misaligned coverage: %s", last_error());
    bool untouched = true;
    for (size_t i = 0; i < H_ACCOUNTS; i++) untouched = untouched && fresh[i] == -1.0;
    for (size_t i = 0; i <= H_ACCOUNTS; i++) untouched = untouched && raw[i] == 0;
    CHECK(untouched, "nothing written when an output is unusable");
    /* A length no array can have is refused before any read, naming the argument. */
    CHECK(cx_scorecard_score(card, H_VALUES, NULL, H_MEASURES, SIZE_MAX / 4, NULL, fresh, NULL, NULL, SIZE_MAX) ==
              CX_STATUS_INVALID_ARGUMENT,
          "impossible n_accounts: %s", last_error());
    cx_scorecard_free(card);
    cx_scorecard_free(NULL);
}

/* The core's JSON for a goal call, into a buffer sized by a first call; NULL (and a failed check) on error. */
static char *goal_json(cx_status (*call)(const cx_goal *, const goal_case *, char *, size_t, size_t *),
                       const cx_goal *goal, const goal_case *c) {
    size_t needed = 0;
    CHECK(call(goal, c, NULL, 0, &needed) == CX_STATUS_BUFFER_TOO_SMALL && needed > 1, "size query: %s",
          last_error());
    char *json = malloc(needed);
    if (json == NULL || call(goal, c, json, needed, NULL) != CX_STATUS_OK) {
        CHECK(false, "goal call: %s", last_error());
        free(json);
        return NULL;
    }
    return json;
}

static cx_status check_call(const cx_goal *g, const goal_case *c, char *buf, size_t len, size_t *written) {
    return cx_goal_check_json(g, c->days, c->values, c->n, buf, len, written);
}

static cx_status progress_call(const cx_goal *g, const goal_case *c, char *buf, size_t len, size_t *written) {
    return cx_goal_progress_json(g, c->days, c->values, c->n, c->as_of, NULL, buf, len, written);
}

static void run_goal_cases(const goal_case *cases, size_t n, bool progress) {
    for (size_t i = 0; i < n; i++) {
        cx_goal *goal = NULL;
        CHECK(cx_goal_from_json(cases[i].goal, strlen(cases[i].goal), &goal) == CX_STATUS_OK, "goal %zu: %s", i,
              last_error());
        char *json = goal_json(progress ? progress_call : check_call, goal, &cases[i]);
        CHECK(json && strcmp(json, cases[i].want) == 0, "%s case %zu differs from the core:\n%s\nvs\n%s",
              progress ? "progress" : "check", i, json ? json : "", cases[i].want);
        free(json);
        cx_goal_free(goal);
    }
}

static void test_goals(void) {
    run_goal_cases(G_CHECK_CASES, COUNT(G_CHECK_CASES), false);
    run_goal_cases(G_PROGRESS_CASES, COUNT(G_PROGRESS_CASES), true);

    cx_goal_tree *tree = NULL;
    CHECK(cx_goal_tree_from_json(G_TREE_JSON, strlen(G_TREE_JSON), &tree) == CX_STATUS_OK, "tree: %s", last_error());
    size_t n = 0;
    CHECK(cx_goal_tree_len(tree, &n) == CX_STATUS_OK && n == 3, "tree has 3 goals, got %zu", n);
    uint32_t code = 99;
    CHECK(cx_goal_tree_code(tree, "ttr-q4", 6, &code) == CX_STATUS_OK && code == 1, "code of ttr-q4: %u", code);
    CHECK(cx_goal_tree_code(tree, "typo", 4, &code) == CX_STATUS_UNKNOWN_ID && code == 1, "unknown id");
    CHECK(strstr(last_error(), "typo") != NULL, "message names the id: %s", last_error());
    size_t needed = 0;
    CHECK(cx_goal_tree_progress_json(tree, G_TREE_CODES, G_TREE_DAYS, G_TREE_VALUES, G_TREE_N, G_TREE_AS_OF, NULL,
                                     NULL, 0, &needed) == CX_STATUS_BUFFER_TOO_SMALL,
          "tree size query");
    char *json = malloc(needed);
    CHECK(json && cx_goal_tree_progress_json(tree, G_TREE_CODES, G_TREE_DAYS, G_TREE_VALUES, G_TREE_N, G_TREE_AS_OF,
                                             NULL, json, needed, NULL) == CX_STATUS_OK,
          "tree progress: %s", last_error());
    CHECK(json && strcmp(json, G_TREE_WANT) == 0, "tree progress differs from the core:\n%s", json ? json : "");
    free(json);

    /* Errors: a code past the tree, tolerances out of order, two values on one date, no closed goal. */
    const uint32_t bad_codes[] = {0, 3};
    const int32_t days[] = {20392, 20393};
    const double values[] = {1.0, 2.0};
    char buf[64];
    CHECK(cx_goal_tree_progress_json(tree, bad_codes, days, values, 2, 20422, NULL, buf, sizeof buf, NULL) ==
              CX_STATUS_INVALID_GROUP_CODE,
          "code out of range");
    CHECK(strstr(last_error(), "index 1") != NULL, "names the index: %s", last_error());
    cx_goal_tolerances t = cx_goal_tolerances_default();
    CHECK(t.at_risk_gap == 0.10 && t.off_track_gap == 0.25, "default tolerances");
    t.at_risk_gap = 0.5;
    const uint32_t codes[] = {1, 1};
    CHECK(cx_goal_tree_progress_json(tree, codes, days, values, 2, 20422, &t, buf, sizeof buf, NULL) ==
              CX_STATUS_INVALID_ARGUMENT,
          "tolerances");
    const int32_t same_day[] = {20392, 20392};
    CHECK(cx_goal_tree_progress_json(tree, codes, same_day, values, 2, 20422, NULL, buf, sizeof buf, NULL) ==
              CX_STATUS_INVALID_ARGUMENT,
          "two values on one date");
    cx_success_rate rate;
    CHECK(cx_goal_tree_success_rate(tree, &rate) == CX_STATUS_EMPTY_INPUT, "no closed goal is not a rate of 0");
    cx_goal_tree_free(tree);

    cx_goal_tree *closed = NULL;
    CHECK(cx_goal_tree_from_json(G_CLOSED_JSON, strlen(G_CLOSED_JSON), &closed) == CX_STATUS_OK, "closed: %s",
          last_error());
    CHECK(cx_goal_tree_success_rate(closed, &rate) == CX_STATUS_OK && rate.rate == G_WANT_RATE && rate.achieved == 1 &&
              rate.partially_achieved == 1 && rate.missed == 1 && rate.cancelled == 1 && rate.open == 0,
          "success rate %.17g", rate.rate);
    cx_goal_tree_free(closed);

    const char *cycle = "{\"version\":1,\"goals\":[{\"id\":\"a\",\"title\":\"A\",\"direction\":\"increase\","
                        "\"parent\":\"b\"},{\"id\":\"b\",\"title\":\"B\",\"direction\":\"increase\",\"parent\":\"a\"}]}";
    cx_goal_tree *none = NULL;
    CHECK(cx_goal_tree_from_json(cycle, strlen(cycle), &none) == CX_STATUS_CYCLE && none == NULL, "cycle");
    CHECK(strstr(last_error(), "a \342\206\222 b \342\206\222 a") != NULL, "cycle path: %s", last_error());
    const char *orphan = "{\"version\":1,\"goals\":[{\"id\":\"a\",\"title\":\"A\",\"direction\":\"increase\","
                         "\"parent\":\"kgi\"}]}";
    CHECK(cx_goal_tree_from_json(orphan, strlen(orphan), &none) == CX_STATUS_UNKNOWN_ID, "unknown parent");
    cx_goal *goal = NULL;
    CHECK(cx_goal_from_json("{\"version\":1}", 13, &goal) == CX_STATUS_INVALID_CONFIG && goal == NULL,
          "goal without id");
    cx_goal_free(NULL);
    cx_goal_tree_free(NULL);

    /* 2026-05-20 is day 20593: fiscal quarter from April is 2026-04-01 (20544) .. 2026-06-30 (20634). */
    int32_t first = 0, last = 0;
    CHECK(cx_quarter_of(20593, 4, &first, &last) == CX_STATUS_OK && first == 20544 && last == 20634,
          "quarter %d..%d", first, last);
    CHECK(cx_fiscal_year_of(20593, 4, &first, &last) == CX_STATUS_OK && first == 20544 && last == 20908,
          "fiscal year %d..%d", first, last);
    CHECK(cx_quarter_of(20593, 13, &first, &last) == CX_STATUS_INVALID_ARGUMENT, "month 13");
}

/* The whole file at `path`, NUL-terminated (malloc'd; NULL if it cannot be read), its size in `*len`. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = malloc((size_t)size + 1);
        if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
            free(text);
            text = NULL;
        }
    }
    fclose(f);
    if (text) {
        text[size] = '\0';
        *len = (size_t)size;
    }
    return text;
}

/* A JSON result of the roadmap in a buffer sized by a first call; NULL on failure (the status in `*status`). */
static char *roadmap_json(const cx_roadmap *r, const journey_case *c, const char *facts, size_t facts_len,
                          cx_status *status) {
    size_t needed = 0;
    for (int pass = 0; pass < 2; pass++) {
        char *buf = pass ? malloc(needed) : NULL;
        size_t len = pass ? needed : 0;
        if (pass && !buf) return NULL;
        switch (c->view) {
        case 0: *status = cx_roadmap_evaluate_json(r, facts, facts_len, c->as_of, buf, len, &needed); break;
        case 1: *status = cx_roadmap_portfolio_json(r, facts, facts_len, c->as_of, buf, len, &needed); break;
        default: *status = cx_roadmap_candidates_json(r, buf, len, &needed); break;
        }
        if (pass) {
            if (*status == CX_STATUS_OK) return buf;
            free(buf);
        } else if (*status != CX_STATUS_BUFFER_TOO_SMALL) {
            return NULL;
        }
    }
    return NULL;
}

/* The two-factor calls, so one helper can size the buffer, call, and return the JSON. */
enum tf_call { TF_KANO, TF_PRCA, TF_EFFORTLESS, TF_TAG };
typedef struct {
    enum tf_call call;
    const kano_case *kano;
    const prca_case *prca;
    const char *texts;
    size_t texts_len;
} tf_args;

static cx_status tf_run(const tf_args *a, char *buf, size_t len, size_t *needed) {
    switch (a->call) {
    case TF_KANO:
        return cx_kano_json(K_FUNCTIONAL, K_DYSFUNCTIONAL, K_N, K_ATTRIBUTE, a->kano->weighted ? K_IMPORTANCE : NULL,
                            a->kano->options, strlen(a->kano->options), buf, len, needed);
    case TF_PRCA:
        return cx_prca_json(P_RATINGS, P_ROWS, P_ATTRIBUTES, P_OVERALL, a->prca->options, strlen(a->prca->options),
                            buf, len, needed);
    case TF_EFFORTLESS:
        return cx_effortless_json(E_PROBLEM, E_OFFERED, E_RESOLVED, E_CONTACTED, E_N, E_LEVEL, buf, len, needed);
    default:
        return cx_tag_texts_json(NULL, 0, a->texts, a->texts_len, T_LEVEL, buf, len, needed);
    }
}

/* The call's JSON in a buffer sized by a first call; NULL on failure (the status in `*status`). */
static char *tf_json(const tf_args *a, cx_status *status) {
    size_t needed = 0;
    *status = tf_run(a, NULL, 0, &needed);
    if (*status != CX_STATUS_BUFFER_TOO_SMALL) return NULL;
    char *buf = malloc(needed);
    if (!buf) return NULL;
    *status = tf_run(a, buf, needed, &needed);
    if (*status == CX_STATUS_OK) return buf;
    free(buf);
    return NULL;
}

/* `got` equals the file `want_path` byte for byte. */
static void check_same_as_file(const char *got, const char *want_path, const char *what, cx_status status) {
    size_t want_len = 0;
    char *want = read_file(want_path, &want_len);
    CHECK(got && want && strcmp(got, want) == 0, "%s differs from the core (status %d: %s)", what, (int)status,
          got ? "" : last_error());
    free(want);
}

static void test_two_factor(void) {
    for (size_t i = 0; i < COUNT(K_CASES); i++) {
        tf_args a = {TF_KANO, &K_CASES[i], NULL, NULL, 0};
        cx_status status;
        char *got = tf_json(&a, &status);
        check_same_as_file(got, K_CASES[i].want, "Kano case", status);
        free(got);
    }
    for (size_t i = 0; i < COUNT(P_CASES); i++) {
        tf_args a = {TF_PRCA, NULL, &P_CASES[i], NULL, 0};
        cx_status status;
        char *got = tf_json(&a, &status);
        check_same_as_file(got, P_CASES[i].want, "PRCA case", status);
        free(got);
    }
    tf_args e = {TF_EFFORTLESS, NULL, NULL, NULL, 0};
    cx_status status;
    char *got = tf_json(&e, &status);
    check_same_as_file(got, E_WANT_FILE, "effortless", status);
    free(got);
    size_t texts_len = 0;
    char *texts = read_file(T_TEXTS_FILE, &texts_len);
    tf_args t = {TF_TAG, NULL, NULL, texts, texts_len};
    got = texts ? tf_json(&t, &status) : NULL;
    check_same_as_file(got, T_WANT_FILE, "tagging", status);
    free(got);
    free(texts);

    /* Errors: an answer code outside 0..5 named with its index; identical attributes are rank-deficient. */
    const uint8_t f[] = {1, 1, 9}, d[] = {5, 3, 5};
    const char *names = "{\"names\": [\"a\"]}";
    char buf[64];
    size_t needed = 0;
    CHECK(cx_kano_json(f, d, 3, NULL, NULL, names, strlen(names), buf, sizeof buf, &needed) == CX_STATUS_UNKNOWN_LABEL,
          "answer code 9");
    CHECK(strstr(last_error(), "`9` at index 2") != NULL, "names the code and index: %s", last_error());
    const char *bad_rule = "{\"names\": [\"a\"], \"rule\": {\"name\": \"majority\"}}";
    CHECK(cx_kano_json(f, d, 2, NULL, NULL, bad_rule, strlen(bad_rule), buf, sizeof buf, &needed) ==
              CX_STATUS_INVALID_CONFIG,
          "unknown rule: %s", last_error());
    double twice[2 * P_ROWS];
    for (size_t r = 0; r < P_ROWS; r++) twice[2 * r] = twice[2 * r + 1] = P_RATINGS[r * P_ATTRIBUTES];
    const char *two = "{\"names\": [\"login\", \"copy\"], \"cuts\": [{\"low\": 2, \"high\": 4}]}";
    CHECK(cx_prca_json(twice, P_ROWS, 2, P_OVERALL, two, strlen(two), buf, sizeof buf, &needed) ==
              CX_STATUS_RANK_DEFICIENT,
          "identical attributes: %s", last_error());
    CHECK(strstr(last_error(), "copy: low") != NULL, "names the column: %s", last_error());
    CHECK(cx_prca_json(P_RATINGS, P_ROWS, 3, P_OVERALL, two, strlen(two), buf, sizeof buf, &needed) ==
              CX_STATUS_LENGTH_MISMATCH,
          "names vs n_attributes");
}

static void test_journeys(void) {
    for (size_t i = 0; i < COUNT(J_CASES); i++) {
        const journey_case *c = &J_CASES[i];
        size_t roadmap_len = 0, facts_len = 0, want_len = 0;
        char *roadmap_text = read_file(c->roadmap, &roadmap_len);
        char *facts = c->facts[0] ? read_file(c->facts, &facts_len) : NULL;
        char *want = read_file(c->want, &want_len);
        CHECK(roadmap_text && want && (facts || !c->facts[0]), "journey case %zu: files readable", i);
        cx_roadmap *r = NULL;
        CHECK(roadmap_text && cx_roadmap_from_json(roadmap_text, roadmap_len, &r) == CX_STATUS_OK,
              "roadmap %s: %s", c->roadmap, last_error());
        cx_status status = CX_STATUS_OK;
        char *got = r ? roadmap_json(r, c, facts, facts_len, &status) : NULL;
        CHECK(got && want && strcmp(got, want) == 0, "journey case %zu (view %d) differs from the core (status %d: %s)",
              i, c->view, (int)status, got ? "" : last_error());
        free(got);
        free(roadmap_text);
        free(facts);
        free(want);
        cx_roadmap_free(r);
    }

    /* Errors: an unknown stage named with its place, a facts document naming an unknown task, a small buffer. */
    const char *bad = "{\"version\":1,\"name\":\"r\",\"stages\":[{\"id\":\"a\",\"name\":\"A\"}],"
                      "\"tasks\":[{\"id\":\"t\",\"name\":\"T\",\"stage\":\"zz\",\"owner\":\"vendor\"}]}";
    cx_roadmap *none = NULL;
    CHECK(cx_roadmap_from_json(bad, strlen(bad), &none) == CX_STATUS_UNKNOWN_ID && none == NULL, "unknown stage");
    CHECK(strstr(last_error(), "tasks[0].stage") != NULL, "names the field: %s", last_error());
    const char *ok = "{\"version\":1,\"name\":\"r\",\"stages\":[{\"id\":\"a\",\"name\":\"A\"}],"
                     "\"tasks\":[{\"id\":\"t\",\"name\":\"T\",\"stage\":\"a\",\"owner\":\"vendor\"}]}";
    cx_roadmap *r = NULL;
    CHECK(cx_roadmap_from_json(ok, strlen(ok), &r) == CX_STATUS_OK, "small roadmap: %s", last_error());
    const char *typo = "{\"accounts\":[{\"account\":\"x\",\"start\":\"2025-01-01\",\"tasks\":{\"tt\":\"2025-01-02\"}}]}";
    char buf[16];
    size_t needed = 0;
    CHECK(cx_roadmap_evaluate_json(r, typo, strlen(typo), 20100, buf, sizeof buf, &needed) == CX_STATUS_UNKNOWN_ID,
          "unknown task in the facts");
    CHECK(strstr(last_error(), "accounts[0].tasks") != NULL, "names the account: %s", last_error());
    const char *fine = "{\"accounts\":[{\"account\":\"x\",\"start\":\"2025-01-01\"}]}";
    CHECK(cx_roadmap_evaluate_json(r, fine, strlen(fine), 20100, buf, sizeof buf, &needed) ==
              CX_STATUS_BUFFER_TOO_SMALL && needed > sizeof buf,
          "buffer too small, %zu needed", needed);
    cx_roadmap_free(r);
    cx_roadmap_free(NULL);

    /* The funnel: every step's numbers equal the core's. */
    for (size_t i = 0; i < COUNT(F_CASES); i++) {
        const funnel_case *c = &F_CASES[i];
        cx_funnel_step steps[8];
        uint64_t n_accounts = 0;
        cx_status st = cx_funnel(c->accounts, c->events, c->timestamps, c->n, c->steps, c->n_steps, c->window, c->mode,
                                 c->has_as_of ? &c->as_of : NULL, steps, COUNT(steps), &n_accounts);
        CHECK(st == CX_STATUS_OK && n_accounts == c->n_accounts, "funnel %zu: %s", i, last_error());
        for (size_t k = 0; st == CX_STATUS_OK && k < c->n_steps; k++) {
            const double *w = &c->want[7 * k];
            const double got[7] = {(double)steps[k].reached, (double)steps[k].in_progress, (double)steps[k].dropped,
                                   steps[k].conversion_from_previous, steps[k].conversion_from_entry,
                                   steps[k].time_to_convert_p50, steps[k].time_to_convert_p90};
            for (int f = 0; f < 7; f++) {
                CHECK(got[f] == w[f] || (isnan(got[f]) && isnan(w[f])), "funnel %zu step %zu field %d: %.17g vs %.17g",
                      i, k, f, got[f], w[f]);
            }
        }
    }
    const int64_t acc[] = {1, 1};
    const uint32_t ev[] = {0, 1};
    const int64_t ts[] = {0, 5};
    const uint32_t st2[] = {0, 1};
    cx_funnel_step one[1];
    CHECK(cx_funnel(acc, ev, ts, 2, st2, 2, 10, 0, NULL, one, 1, NULL) == CX_STATUS_BUFFER_TOO_SMALL, "one slot");
    cx_funnel_step two[2];
    CHECK(cx_funnel(acc, ev, ts, 2, st2, 2, 10, 7, NULL, two, 2, NULL) == CX_STATUS_UNKNOWN_NAME, "mode 7");
    const int64_t early = 2;
    CHECK(cx_funnel(acc, ev, ts, 2, st2, 2, 10, CX_FUNNEL_MODE_ORDERED, &early, two, 2, NULL) ==
              CX_STATUS_INVALID_ARGUMENT,
          "event after as_of");
    CHECK(cx_funnel(acc, ev, ts, 2, st2, 2, 10, CX_FUNNEL_MODE_STRICT, NULL, two, 2, NULL) == CX_STATUS_OK &&
              two[1].reached == 1 && two[1].time_to_convert_p50 == 5.0,
          "strict funnel");

    /* Outputs are checked before the work and written only on success: a misaligned `out` or `n_accounts`
     * leaves every output untouched. */
    static uint64_t raw[1 + 2 * sizeof(cx_funnel_step) / sizeof(uint64_t)];
    cx_funnel_step *odd_out = (cx_funnel_step *)((char *)raw + 1);
    CHECK(cx_funnel(acc, ev, ts, 2, st2, 2, 10, 0, NULL, odd_out, 2, NULL) == CX_STATUS_MISALIGNED_POINTER,
          "misaligned out: %s", last_error());
    cx_funnel_step fresh[2] = {{0}, {0}};
    uint64_t *odd_count = (uint64_t *)((char *)raw + 1);
    CHECK(cx_funnel(acc, ev, ts, 2, st2, 2, 10, 0, NULL, fresh, 2, odd_count) == CX_STATUS_MISALIGNED_POINTER &&
              fresh[0].reached == 0 && fresh[1].reached == 0,
          "misaligned n_accounts: rows written before the failing output");
    bool zero = true;
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) zero = zero && raw[i] == 0;
    CHECK(zero, "nothing written through a misaligned output");
    /* Lengths no array can have: refused before any read, naming the argument (and echoing no memory). */
    CHECK(cx_funnel(acc, ev, ts, SIZE_MAX / 2, st2, 2, 10, 0, NULL, two, 2, NULL) == CX_STATUS_INVALID_ARGUMENT &&
              strstr(last_error(), "`accounts`") != NULL,
          "impossible n: %s", last_error());
    CHECK(cx_funnel(acc, ev, ts, 2, st2, SIZE_MAX, 10, 0, NULL, two, SIZE_MAX, NULL) == CX_STATUS_INVALID_ARGUMENT,
          "impossible n_steps: %s", last_error());
}

/* Partial states: built from C they are the core's bytes; any split merges back to one pass; results as JSON. */
static void test_partial_states(void) {
    uint8_t buf[4096];
    size_t written = 0;
    cx_metric_spec *nps = NULL;
    CHECK(cx_metric_spec_preset("nps", 3, &nps) == CX_STATUS_OK, "nps preset");
    const char month[] = "month";

    CHECK(cx_period_state(nps, PS_SCORES, PS_N, PS_DAYS, PS_N, NULL, 0, month, 5, 1, CX_MISSING_SKIP, buf,
                          sizeof buf, &written) == CX_STATUS_OK,
          "period state: %s", last_error());
    CHECK(written == PS_MONTHLY_LEN && memcmp(buf, PS_MONTHLY_BYTES, written) == 0, "period bytes equal the core's");
    const uint32_t steps[] = {0, 1, 2};
    CHECK(cx_funnel_state(PS_ACCOUNTS, PS_EVENTS, PS_TIMES, PS_N, steps, 3, 10, CX_FUNNEL_MODE_ORDERED, NULL, buf,
                          sizeof buf, &written) == CX_STATUS_OK &&
              written == PS_FUNNEL_LEN && memcmp(buf, PS_FUNNEL_BYTES, written) == 0,
          "funnel bytes equal the core's: %s", last_error());
    CHECK(cx_validation_state(PS_HEALTH, PS_CHURNED, PS_N, buf, sizeof buf, &written) == CX_STATUS_OK &&
              written == PS_VALIDATION_LEN && memcmp(buf, PS_VALIDATION_BYTES, written) == 0,
          "validation bytes equal the core's");
    uint32_t kind = 0;
    CHECK(cx_state_kind(buf, written, &kind) == CX_STATUS_OK && kind == CX_STATE_VALIDATION, "kind %u", kind);

    /* By group with int64 keys: two uneven parts (the first empty of group 2) merge to the whole. */
    uint32_t codes[PS_N];
    for (size_t i = 0; i < PS_N; i++) codes[i] = i < 20 ? (uint32_t)(i % 2) : (uint32_t)(i % 3);
    const int64_t keys[] = {100, -5, 7};
    uint8_t whole[2048], left[2048], right[2048], merged[2048];
    size_t n_whole = 0, n_left = 0, n_right = 0, n_merged = 0;
    CHECK(cx_grouped_state(nps, PS_SCORES, PS_N, codes, PS_N, keys, 3, NULL, 0, CX_MISSING_SKIP, whole, sizeof whole,
                           &n_whole) == CX_STATUS_OK,
          "whole: %s", last_error());
    CHECK(cx_grouped_state(nps, PS_SCORES, 20, codes, 20, keys, 3, NULL, 0, CX_MISSING_SKIP, left, sizeof left,
                           &n_left) == CX_STATUS_OK &&
              cx_grouped_state(nps, PS_SCORES + 20, PS_N - 20, codes + 20, PS_N - 20, keys, 3, NULL, 0,
                               CX_MISSING_SKIP, right, sizeof right, &n_right) == CX_STATUS_OK,
          "parts");
    CHECK(cx_state_merge(right, n_right, left, n_left, merged, sizeof merged, &n_merged) == CX_STATUS_OK &&
              n_merged == n_whole && memcmp(merged, whole, n_whole) == 0,
          "merged parts equal the whole, byte for byte");
    size_t needed = 0;
    CHECK(cx_state_merge(left, n_left, right, n_right, NULL, 0, &needed) == CX_STATUS_BUFFER_TOO_SMALL &&
              needed == n_whole,
          "size query");

    char json[8192];
    CHECK(cx_state_result_json(merged, n_merged, NULL, 0, json, sizeof json, &written) == CX_STATUS_OK &&
              strstr(json, "\"key\":-5") && strstr(json, "\"key\":100") && strstr(json, "\"suppressed\":[]"),
          "grouped result: %s", json);
    const char validation[] = "{\"bands\": {\"names\": [\"red\", \"green\"], \"cuts\": [50]}, \"at_risk\": \"red\"}";
    CHECK(cx_validation_state(PS_HEALTH, PS_CHURNED, PS_N, buf, sizeof buf, &written) == CX_STATUS_OK &&
              cx_state_result_json(buf, written, validation, strlen(validation), json, sizeof json, NULL) ==
                  CX_STATUS_OK &&
              strstr(json, "\"auc\":"),
          "validation result: %s", json);
    CHECK(cx_state_result_json(buf, written, NULL, 0, json, sizeof json, NULL) == CX_STATUS_INVALID_ARGUMENT,
          "validation needs bands");

    /* Damage and mismatched kinds are statuses, never crashes. */
    CHECK(cx_state_merge(whole, n_whole - 1, left, n_left, merged, sizeof merged, NULL) == CX_STATUS_INVALID_CONFIG,
          "truncated");
    whole[n_whole / 2] ^= 0x20;
    CHECK(cx_state_kind(whole, n_whole, &kind) == CX_STATUS_INVALID_CONFIG, "flipped bit");
    CHECK(cx_state_merge(left, n_left, PS_FUNNEL_BYTES, PS_FUNNEL_LEN, merged, sizeof merged, NULL) ==
              CX_STATUS_INVALID_ARGUMENT,
          "different kinds");
    cx_metric_spec_free(nps);
}

int main(void) {
    test_version();
    test_golden_vectors();
    test_parity_with_the_core();
    test_score_by();
    test_histogram();
    test_specs_from_json();
    test_every_status();
    test_health();
    test_goals();
    test_journeys();
    test_two_factor();
    test_partial_states();
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
