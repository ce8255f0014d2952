"""Behaviour of the survey functions against simple independent references (numpy / pandas arithmetic)."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import cxkit as cx


def s_of(x):
    return np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0))


@pytest.fixture()
def responses():
    rng = np.random.default_rng(2025)
    n = 3000
    return pd.DataFrame(
        {
            "nps": rng.integers(0, 11, n).astype(float),
            "segment": rng.choice(["smb", "mid", "ent", "gov"], n, p=[0.5, 0.3, 0.19, 0.01]),
            "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "weight": rng.uniform(0.5, 2.0, n),
        }
    )


def test_weighted_nps_is_the_hajek_mean_with_linearisation_se(responses):
    x, w = responses["nps"].to_numpy(), responses["weight"].to_numpy()
    s = s_of(x)
    mean = np.sum(w * s) / np.sum(w)
    n = len(x)
    # One SE formula for any weights (docs/survey_statistics.md): the plug-in variance, sigma^2/n at unit weights,
    # as the published NPS and Wald intervals use; R survey's svymean multiplies it by n/(n-1).
    var = np.sum(w**2 * (s - mean) ** 2) / np.sum(w) ** 2
    e = cx.nps(x, w, interval="wald")
    assert e.value == pytest.approx(100 * mean, abs=1e-9)
    assert e.se == pytest.approx(100 * math.sqrt(var), abs=1e-9)
    assert e.n_effective == pytest.approx(np.sum(w) ** 2 / np.sum(w**2), rel=1e-12)
    assert e.design_effect == pytest.approx(n * np.sum(w**2) / np.sum(w) ** 2, rel=1e-12)


def test_unit_weights_are_no_weights(responses):
    x = responses["nps"].to_numpy()
    assert cx.nps(x, np.ones_like(x)) == cx.nps(x)


def test_csat_and_ces_variants():
    assert cx.csat([5, 4, 3, 2, 1]).value == 40.0
    assert cx.csat([5, 4, 3, 2, 1], score="mean").value == 3.0
    assert cx.csat([7, 6, 5, 1], scale=(1, 7)).value == 50.0  # top two of 1–7: 6–7
    assert cx.csat([1, 0, 1, 1], scale=(0, 1)).value == 75.0
    assert cx.ces([7, 6, 5, 2]).value == 5.0
    assert cx.ces([7, 6, 5, 2], score="agree").value == 75.0
    assert cx.ces([7, 6, 5, 2], score="net").value == 50.0
    assert cx.ces([1, 2, 5, 3], variant="ces1").value == 2.75
    low = cx.ces([1, 2, 5, 3], variant="ces1", score="low_effort")
    assert (low.value, low.metric) == (50.0, "ces1_low_effort")
    with pytest.raises(cx.InvalidArgumentError, match="ces2/mean"):
        cx.ces([1], variant="ces3")


def test_score_by_matches_pandas_groupby(responses):
    df = cx.score_by(responses["nps"], responses["segment"], compare=True, min_n=50)
    ref = responses.assign(s=s_of(responses["nps"].to_numpy())).groupby("segment")["s"].agg(["mean", "size"])
    assert list(df["segment"]) == sorted(ref.index)
    for _, row in df.iterrows():
        if row["segment"] == "gov" and ref.loc["gov", "size"] < 50:
            assert row["suppressed"].startswith("n ") and math.isnan(row["value"])
            assert row["n"] == ref.loc["gov", "size"]
            continue
        assert row["value"] == pytest.approx(100 * ref.loc[row["segment"], "mean"], abs=1e-9)
        assert row["n"] == ref.loc[row["segment"], "size"]
        assert pd.isna(row["suppressed"])
    assert df.attrs["method"] == "tango" and df.attrs["compare_method"] == "wald"
    compared = df.dropna(subset=["p_value"])
    assert (compared["p_adjusted"] >= compared["p_value"]).all()


def test_trend_flags_and_gaps():
    rng = np.random.default_rng(5)
    jan = rng.choice([9, 10], 400)  # all promoters
    mar = rng.choice([0, 3], 400)  # all detractors
    dates = ["2025-01-15"] * 400 + ["2025-03-15"] * 400
    t = cx.trend(np.r_[jan, mar], dates)
    assert list(t["period"]) == ["2025-01", "2025-02", "2025-03"]
    assert list(t["n"]) == [400, 0, 400] and math.isnan(t.loc[1, "value"])
    # No change is tested across the empty month: empty is not zero.
    assert t["significant"].isna().all()
    t = cx.trend(np.r_[jan, mar], ["2025-01-15"] * 400 + ["2025-02-15"] * 400)
    assert bool(t.loc[1, "significant"]) and t.loc[1, "change"] == -200.0
    assert t["start"].tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")]


def test_fiscal_quarters_and_rolling():
    dates = [dt.date(2025, 3, 31), dt.date(2025, 4, 1), dt.date(2026, 3, 31)]
    t = cx.trend([10, 10, 0], dates, period="quarter", fiscal_year_start=4)
    assert t["period"].tolist()[0] == "FY2024-Q4" and t["period"].tolist()[-1] == "FY2025-Q4"
    r = cx.rolling([10, 0, 10], ["2025-01-10", "2025-02-10", "2025-04-20"], window=60)
    assert r["end"].tolist()[0] == pd.Timestamp("2025-01-31")
    assert r["n"].tolist() == [1, 2, 1, 1]  # Jan, Feb (both), Mar (Feb's only), Apr (Apr's only)


def test_latest_per_respondent_mask():
    mask = cx.latest_per_respondent(["a", "b", "a", "a"], ["2025-01-05", "2025-01-06", "2025-01-09", "2025-01-02"])
    assert mask.tolist() == [False, True, True, False]
    per_q = cx.latest_per_respondent([1, 1, 1], ["2025-01-05", "2025-02-06", "2025-04-09"], within="quarter")
    assert per_q.tolist() == [False, True, True]


def test_planning_examples_from_the_goals_issue():
    assert cx.sample_size(5) == 1537
    assert cx.margin_of_error(400, variance=6000) == pytest.approx(7.59, abs=0.01)
    assert 94_000 < cx.sample_size(delta=1, variance=6000) < 94_300
    assert cx.sample_size(5, population=2000) < 1537
    assert cx.sample_size(5, metric="csat") == cx.sample_size(5, variance=2500, metric="csat")
    with pytest.raises(cx.InvalidArgumentError, match="exactly one"):
        cx.sample_size()


def test_adjust_pvalues_like_r():
    p = [0.01, 0.04, 0.03, 0.005]
    # R: p.adjust(p, "holm"); p.adjust(p, "BH")
    assert cx.adjust_pvalues(p, "holm").tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert cx.adjust_pvalues(p, "bh").tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_bootstrap_is_seeded():
    x = np.random.default_rng(1).integers(0, 11, 500)
    a = cx.score(x, interval="bootstrap", seed=3, replicates=500)
    b = cx.score(x, interval="bootstrap", seed=3, replicates=500)
    c = cx.score(x, interval="bootstrap", seed=4, replicates=500)
    assert a == b and a.method == "bootstrap" and (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)


# Issue 20: no input may crash the host, lose rows or change a number silently.


def test_score_by_key_clusters_far_apart_do_not_abort():
    """Item 1: 2**19 scores with integer keys in two clusters (0 and 10**12, a table sorted by id) aborted Python
    with "memory allocation of 88000000000088 bytes failed" once the threads' key tables merged."""
    n = 2**19
    keys = np.where(np.arange(n) < n // 2, 0, 10**12)
    df = cx.score_by(np.full(n, 10), keys)
    assert list(df["group"]) == [0, 10**12]
    assert list(df["n"]) == [n // 2, n // 2]
    assert list(df["value"]) == [100.0, 100.0]


def test_score_by_keeps_rows_whose_keys_are_int64_max():
    """Item 3: a thread's chunk whose keys are all INT64_MAX (an "unknown" sentinel) lost its rows."""
    n = 2**19
    rng = np.random.default_rng(20)
    scores = rng.integers(0, 11, n).astype(float)
    imax, imin = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    for keys in (
        np.where(np.arange(n) < n // 2, rng.integers(0, 50, n), imax),
        np.where(np.arange(n) < n // 2, imax, imin),
        np.where(np.arange(n) % 2 == 0, imax, imax - 1 - rng.integers(0, 50, n)),
    ):
        df = cx.score_by(scores, keys)
        assert df["n"].sum() == n
        ref = pd.Series(s_of(scores)).groupby(keys).agg(["mean", "size"])
        assert list(df["group"]) == list(ref.index)
        assert list(df["n"]) == list(ref["size"])
        np.testing.assert_allclose(df["value"], 100 * ref["mean"], rtol=0, atol=1e-9)


def _peak_rss_growth_mb(code):
    """Runs `code` in a fresh interpreter (after importing numpy and cxkit) and returns how much the peak resident
    memory grew during it, in MB (ru_maxrss is in KB on Linux)."""
    import subprocess
    import sys

    script = (
        "import resource, numpy as np, cxkit as cx\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"{code}\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    return int(out.stdout.split()[-1]) / 1024


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="ru_maxrss in KB on Linux")
def test_score_by_with_two_rows_of_a_1001_point_metric_uses_little_memory():
    """Item 11: two rows with a 1001-point metric used 1 GB in score_by (a direct key table of 65,536 keys x
    1,001 points, and a histogram per key of the span)."""
    code = (
        "spec = cx.MetricSpec('wide', scale=(0, 1000), positive=(900, 1000), scoring='top_box')\n"
        "df = cx.score_by([3, 1000], np.array([0, 65535]), metric=spec)\n"
        "assert list(df['n']) == [1, 1]"
    )
    assert _peak_rss_growth_mb(code) < 64


def test_counts_past_2_64_are_an_error_not_a_wrapped_n():
    """Item 7: nps_from_counts(2**63, 2**63, 1) reported n = 1."""
    with pytest.raises(cx.LimitExceededError, match="2\\^64"):
        cx.nps_from_counts(2**63, 2**63, 1)
    assert cx.nps_from_counts(2**64 - 1, 0, 0).n == 2**64 - 1


def test_weights_whose_sums_overflow_are_an_error_and_states_read_back_at_extreme_weights():
    """Item 10: weights of 1e308 gave NaN with no error, and a histogram that could not read its own bytes."""
    with pytest.raises(cx.LimitExceededError, match="index 1"):
        cx.nps([9, 10, 3], weights=[1.0, 1e308, 1.0])
    with pytest.raises(cx.LimitExceededError):
        cx.score_by([9, 10, 3], [1, 1, 2], weights=[1e154, 1.5e154, 1.0])
    for weights in ([1e154, 0.0, 1.0], [5e-324, 2.2e-308, 1.0], [1e150, 1e-150, 0.5]):
        h = cx.Histogram("nps")
        h.add([10, 10, 0], weights)
        assert cx.Histogram.from_bytes(h.to_bytes()) == h
        assert math.isfinite(h.total_weight)
    big = cx.Histogram("nps")
    big.add([10], [1e154])
    other = cx.Histogram("nps")
    other.add([0], [1.2e154])
    before = big.to_bytes()
    with pytest.raises(cx.LimitExceededError):
        big.merge(other)
    assert big.to_bytes() == before
