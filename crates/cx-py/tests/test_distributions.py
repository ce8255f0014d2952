"""Seeded differential test of cx's distribution quantiles against scipy / statsmodels, through the public API.

Issue 20 items 14 and 15: the t critical value drifted for large df and never returned beyond df ≈ 1.4e7;
Clopper–Pearson and Jeffreys never returned for n ≥ 1e7 with few successes or failures. Inputs are random and
extreme (n up to 1e9, x at 0 and n, df from 1 to 1e9); each call must return within 1 s.

Tolerances:
- Beta (Clopper–Pearson, Jeffreys) limits: scipy's beta CDF evaluated at cx's limit must give the target tail
  α/2 up to an implied relative error of the limit |F(x) − α/2| / (x·f(x)) ≤ 1e-10 (scipy's forward CDF is good
  to ~1e-14; its inverse, which statsmodels uses, is off by up to ~3e-9 at n = 1e9, so it is compared only to
  1e-6 relative).
- t critical values (CES mean intervals, Welch): within 1e-10 relative of scipy.stats.t.ppf.
- Welch p-values: within 1e-9 relative of 2·scipy.stats.t.sf(|t|, df).
"""

import math
import time

import numpy as np
import pytest

import cxkit as cx

stats = pytest.importorskip("scipy.stats")
proportion = pytest.importorskip("statsmodels.stats.proportion")

SEED = 20_2024
CALL_SECONDS = 1.0


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    elapsed = time.perf_counter() - start
    assert elapsed < CALL_SECONDS, f"{fn} took {elapsed:.3f} s"
    return out


def implied_relative_error(x, target, cdf, pdf):
    """|F(x) − target| / (x·f(x)): how far x is from the exact quantile, relative to x."""
    return abs(cdf(x) - target) / (x * pdf(x))


def proportion_cases(rng, count):
    levels = [0.8, 0.9, 0.95, 0.99, 0.999]
    cases = []
    for n in [1, 2, 10, 10**5, 3 * 10**6, 10**7, 10**8, 10**9]:
        for x in {0, 1, 2, 10, n // 2, n - 10, n - 1, n}:
            if 0 <= x <= n:
                cases.append((x, n, 0.95))
    for _ in range(count):
        n = int(10 ** rng.uniform(0, 9))
        kind = rng.integers(4)
        x = [0, n, int(rng.integers(0, min(n, 10) + 1)), int(rng.integers(0, n + 1))][kind]
        cases.append((x, n, levels[rng.integers(len(levels))]))
    return cases


@pytest.mark.parametrize("method", ["clopper_pearson", "jeffreys"])
def test_beta_intervals_match_scipy_everywhere(method):
    rng = np.random.default_rng(SEED)
    worst = 0.0
    for x, n, level in proportion_cases(rng, 150):
        h = cx.Histogram.from_category_counts(cx.BINARY_CSAT, n - x, 0, x)
        e = timed(h.estimate, interval=method, level=level)
        lo, hi = e.ci_low / 100, e.ci_high / 100
        tail = (1 - level) / 2
        a, b = (x, n - x + 1) if method == "clopper_pearson" else (x + 0.5, n - x + 0.5)
        a_hi, b_hi = (x + 1, n - x) if method == "clopper_pearson" else (x + 0.5, n - x + 0.5)
        sm = "beta" if method == "clopper_pearson" else "jeffreys"
        want_lo, want_hi = proportion.proportion_confint(x, n, alpha=1 - level, method=sm)
        case = (method, x, n, level, lo, hi, want_lo, want_hi)
        if x == 0:
            assert lo == 0.0, case
        else:
            err = implied_relative_error(lo, tail, lambda v: stats.beta.cdf(v, a, b), lambda v: stats.beta.pdf(v, a, b))
            worst = max(worst, err)
            assert err < 1e-10, (err, case)
            assert abs(lo - want_lo) <= 1e-6 * want_lo, case
        if x == n:
            assert hi == 1.0, case
        else:
            err = implied_relative_error(
                hi, tail, lambda v: stats.beta.sf(v, a_hi, b_hi), lambda v: -stats.beta.pdf(v, a_hi, b_hi)
            )
            worst = max(worst, err)
            assert err < 1e-10, (err, case)
            assert abs(hi - want_hi) <= 1e-6 * want_hi, case
    print(f"{method}: worst implied relative error {worst:.2e}")


def mean_histogram(rng, n_target):
    """A CES 2.0 mean histogram with about n_target responses, built by merging (counts double each time)."""
    extra = rng.integers(1, 8, size=int(rng.integers(0, 6)) if n_target > 2 else 0)
    base = np.r_[[1, 7], extra]  # two distinct ratings, so the SE is positive and n = 2 gives df = 1
    h = cx.Histogram(cx.CES2_MEAN)
    h.add(base.astype(np.float64))
    while h.n * 2 <= n_target:
        h.merge(h.copy())
    return h


def df_targets(rng, count):
    fixed = [2, 3, 4, 11, 101, 10**4, 10**5, 10**5 + 1, 10**6, 9_400_000, 14_000_000, 10**8, 10**9]
    return fixed + [int(10 ** rng.uniform(0.4, 9)) for _ in range(count)]


def test_t_intervals_match_scipy_for_df_from_1_to_1e9():
    rng = np.random.default_rng(SEED + 1)
    levels = [0.8, 0.9, 0.95, 0.99, 0.999]
    seen_df = []
    for n in df_targets(rng, 60):
        h = mean_histogram(rng, n)
        level = levels[rng.integers(len(levels))]
        e = timed(h.estimate, interval="t", level=level)
        if e.se == 0:
            continue
        df = e.n - 1
        seen_df.append(df)
        crit = (e.ci_high - e.value) / e.se
        want = stats.t.ppf(0.5 + level / 2, df)
        assert abs(crit - want) <= 1e-10 * want, (df, level, crit, want)
    assert min(seen_df) == 1 and max(seen_df) > 5 * 10**8


def test_welch_matches_scipy_for_large_df():
    rng = np.random.default_rng(SEED + 2)
    for n in df_targets(rng, 30):
        a, b = mean_histogram(rng, n), mean_histogram(rng, max(2, n // 3))
        c = timed(cx.compare, a, b, method="welch", level=0.95)
        if c.se == 0:
            continue
        crit = (c.ci_high - c.delta) / c.se
        want = stats.t.ppf(0.975, c.df)
        assert abs(crit - want) <= 1e-10 * want, (c.df, crit, want)
        p = 2 * stats.t.sf(abs(c.z), c.df)
        assert abs(c.p_value - p) <= 1e-9 * p + 1e-300, (c.df, c.z, c.p_value, p)
