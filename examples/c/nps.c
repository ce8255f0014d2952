/*
 * NPS from C: score an array of 0-10 ratings, accumulate a second batch incrementally, and handle errors.
 *
 * Build (from the repository root):
 *   cargo build --release -p cx-ffi
 *   cc -std=c11 -Iinclude examples/c/nps.c target/release/libcx.a -lpthread -ldl -lm -o nps   # static
 *   cc -std=c11 -Iinclude examples/c/nps.c -Ltarget/release -lcx -o nps                     # shared
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cx.h"

static void report_error(const char *what) {
    char message[256];
    cx_last_error_message(message, sizeof message, NULL);
    fprintf(stderr, "%s failed: %s\n", what, message);
}

int main(void) {
    /* NaN marks a missing answer: skipped and counted, never read as 0. */
    const double ratings[] = {10, 9, 9, 7, 3, 10, 8, NAN, 0, 6, 10, 9};
    const size_t n = sizeof ratings / sizeof ratings[0];

    cx_estimate e;
    if (cx_nps(ratings, n, NULL, 0, NULL, &e) != CX_STATUS_OK) {
        report_error("cx_nps");
        return 1;
    }
    printf("NPS %.1f, 95%% CI [%.1f, %.1f] (Tango), n = %llu, missing = %llu\n", e.value, e.ci_low, e.ci_high,
           (unsigned long long)e.n, (unsigned long long)e.n_missing);
    printf("promoters %.1f%%, passives %.1f%%, detractors %.1f%%\n", e.share_positive, e.share_neutral,
           e.share_negative);

    /* Accumulate batches as they arrive, then estimate; the state can be stored with cx_histogram_to_bytes. */
    cx_metric_spec *nps = NULL;
    cx_histogram *h = NULL;
    if (cx_metric_spec_preset("nps", 3, &nps) != CX_STATUS_OK || cx_histogram_new(nps, &h) != CX_STATUS_OK) {
        report_error("setup");
        return 1;
    }
    const double more[] = {10, 10, 2};
    cx_histogram_add(h, ratings, n, NULL, 0, CX_MISSING_SKIP);
    cx_histogram_add(h, more, 3, NULL, 0, CX_MISSING_SKIP);
    cx_estimate_options options = cx_estimate_options_default();
    options.interval = CX_INTERVAL_WILSON; /* not an NPS method: a clear status, not a wrong number */
    if (cx_histogram_estimate(h, &options, &e) != CX_STATUS_OK) {
        report_error("Wilson for NPS");
    }
    options.interval = CX_INTERVAL_ADJUSTED_WALD;
    if (cx_histogram_estimate(h, &options, &e) == CX_STATUS_OK) {
        printf("after two batches: NPS %.1f [%.1f, %.1f] (adjusted Wald), n = %llu\n", e.value, e.ci_low, e.ci_high,
               (unsigned long long)e.n);
    }

    /* A bad score is reported with its value and position. */
    const double bad[] = {9, 10, 11};
    if (cx_nps(bad, 3, NULL, 0, NULL, &e) != CX_STATUS_OK) {
        report_error("cx_nps on bad input");
    }

    cx_histogram_free(h);
    cx_metric_spec_free(nps);
    return 0;
}
