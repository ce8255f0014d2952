"""Every golden vector of tests/data/survey.json (copied from shared/vectors) through the Python API."""

import math

import numpy as np
import pytest

import cxkit as cx

TOL = 1e-4


def raw(scores):
    return [float("nan") if isinstance(s, str) else s for s in scores]


def close(got, want, what, case):
    assert abs(got - want) < TOL, f"{what}: got {got}, want {want} in {case}"


def test_nps_point_and_variance(vectors):
    cases = vectors["nps_point_and_variance"]
    assert len(cases) == 20
    for case in cases:
        if "counts" in case:
            e = cx.nps_from_counts(*case["counts"])
        else:
            e = cx.nps(raw(case["raw_scores"]))
        if "nps" in case:
            close(e.value / 100, case["nps"], "nps", case)
        if "nps_points" in case:
            close(e.value, case["nps_points"], "nps_points", case)
        if "variance" in case:
            close((e.se / 100) ** 2 * e.n, case["variance"], "variance", case)
        if "se" in case:
            close(e.se / 100, case["se"], "se", case)


def test_nps_intervals(vectors):
    cases = vectors["nps_intervals"]
    assert len(cases) == 3
    for case in cases:
        d, q, p = case["counts"]
        if "nps" in case:
            close(cx.nps_from_counts(d, q, p).value / 100, case["nps"], "nps", case)
        for method in ("wald", "agresti_min", "bonett_price", "tango"):
            if method in case:
                e = cx.nps_from_counts(d, q, p, interval=method)
                assert e.method == method
                close(e.ci_low / 100, case[method][0], f"{method} low", case)
                close(e.ci_high / 100, case[method][1], f"{method} high", case)
        if "wald_se" in case:
            close(cx.nps_from_counts(d, q, p, interval="wald").se / 100, case["wald_se"], "wald se", case)
        if "one_sample_score_test_z" in case:
            h = cx.Histogram.from_category_counts(cx.NPS, d, q, p)
            score = cx.one_sample_test(h, test="score")
            close(score["statistic"], case["one_sample_score_test_z"], "score z", case)
            close(score["p_value"], case["one_sample_score_test_p"], "score p", case)
            close(cx.one_sample_test(h, test="exact")["p_value"], case["one_sample_exact_p"], "exact p", case)
            close(cx.one_sample_test(h, test="mid_p")["p_value"], case["one_sample_mid_p"], "mid-p", case)


def binary(k, n):
    """k successes out of n as 0/1 responses (the Python route: raw data, not counts)."""
    return np.r_[np.ones(k, dtype=np.uint8), np.zeros(n - k, dtype=np.uint8)]


def test_proportion_intervals(vectors):
    cases = vectors["proportion_intervals"]
    assert len(cases) == 2
    for case in cases:
        k, n, level = case["k"], case["n"], case.get("level", 0.95)
        data = binary(k, n)
        if "estimate" in case:
            close(cx.csat(data, scale=(0, 1)).value / 100, case["estimate"], "estimate", case)
        for method in ("wilson", "jeffreys", "clopper_pearson"):
            if method in case:
                e = cx.csat(data, scale=(0, 1), interval=method, level=level)
                assert e.method == method
                close(e.ci_low / 100, case[method][0], f"{method} low", case)
                close(e.ci_high / 100, case[method][1], f"{method} high", case)
        for method in ("agresti_coull_add2", "agresti_coull_z2"):
            if method in case:
                e = cx.score(data, metric="binary_csat", interval=method, level=level)
                lo, hi = case[method]["interval"]
                close(e.ci_low / 100, lo, f"{method} low", case)
                close(e.ci_high / 100, hi, f"{method} high", case)
                if "estimate" in case[method]:
                    close((e.ci_low + e.ci_high) / 200, case[method]["estimate"], "centre", case)


def test_csat_simple(vectors):
    cases = vectors["csat_simple"]
    assert len(cases) == 2
    for case in cases:
        close(cx.csat(case["raw_scores"]).value, case["csat_percent"], "csat", case)


def test_must_fail(vectors):
    cases = vectors["must_fail"]
    assert len(cases) == 7
    for case in cases:
        name = case["case"]
        scores = raw(case.get("raw_scores", []))
        if name == "empty input":
            with pytest.raises(cx.EmptyInputError):
                cx.nps(scores)
            with pytest.raises(cx.EmptyInputError):
                cx.nps_from_counts(0, 0, 0)
        elif name == "out of range for NPS":
            with pytest.raises(cx.InvalidInputError, match=rf"score {scores[0]:g} at index 0") as info:
                cx.nps(scores)
            assert (info.value.kind, info.value.index) == ("ScoreOutOfRange", 0)
        elif name == "non-integer rating on an integer scale":
            with pytest.raises(cx.InvalidInputError, match="6.5") as info:
                cx.nps(scores)
            assert info.value.kind == "NonIntegerScore"
        elif name == "missing value with missing='skip'":
            e = cx.nps(scores, missing="skip")
            assert (e.value, e.n, e.n_missing) == (50.0, 2, 1)
            with pytest.raises(cx.InvalidInputError) as info:
                cx.nps(scores, missing="error")
            assert (info.value.kind, info.value.index) == ("MissingValue", 1)
        elif name == "weights length differs from scores length":
            with pytest.raises(cx.InvalidInputError, match="weights has 2 elements") as info:
                cx.nps([9, 10, 3], [1.0, 2.0])
            assert info.value.kind == "LengthMismatch"
        elif name == "negative or non-finite weight":
            for bad in (-1.0, math.inf, math.nan):
                with pytest.raises(cx.InvalidInputError, match="at index 1") as info:
                    cx.nps([9, 10, 3], [1.0, bad, 1.0])
                assert info.value.kind == "InvalidWeight"
        else:
            pytest.fail(f"unhandled must_fail case {name}")
