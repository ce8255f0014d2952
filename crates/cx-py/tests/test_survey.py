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
    var = n / (n - 1) * np.sum(w**2 * (s - mean) ** 2) / np.sum(w) ** 2
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
