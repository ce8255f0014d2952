"""Health scoring through Python: the core's numbers to 1e-12 on the sample scorecard, DataFrame and dict inputs,
ages from columns or dates, explanations that add up, validation, and errors that name the field."""

import json
import math

import numpy as np
import pandas as pd
import pytest

import cxkit as cx
from conftest import ROOT
from test_parity import same

CARD = ROOT / "data" / "sample" / "scorecard.json"
ACCOUNTS = ROOT / "data" / "sample" / "accounts.csv"


def nan(values):
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


@pytest.fixture(scope="module")
def card():
    return cx.Scorecard.from_json(CARD.read_text())


def labels(column):
    """A text column as a list with None for missing (pandas may store them as NaN)."""
    return [None if pd.isna(x) else x for x in column]


def case(parity_cases, call):
    return next(c for c in parity_cases if c["call"] == call)


def test_batch_equals_the_core(card, parity_cases):
    c = case(parity_cases, "health_score")
    data = {m: nan(v) for m, v in zip(c["measures"], c["values"])}
    data["nps_age_days"] = nan(c["ages"])
    df = card.score(data, previous=nan(c["previous"]))
    want = c["result"]
    overrides = [o["id"] for o in json.loads(card.to_json())["overrides"]]
    same(df["score"].tolist(), [math.nan if s is None else s for s in want["score"]])
    same(df["coverage"].tolist(), want["coverage"])
    same(df["delta"].tolist(), [math.nan if s is None else s for s in want["delta"]])
    assert labels(df["band"]) == [None if b is None else card.bands[b] for b in want["band"]]
    assert labels(df["override"]) == [None if k is None else overrides[k] for k in want["fired"]]
    assert labels(df["trend"]) == want["trend"]
    for m, contribution in zip(card.measures, want["contribution"]):
        same(df[f"contrib_{m}"].tolist(), contribution)
    scored = df.dropna(subset=["score"])
    total = scored[[f"contrib_{m}" for m in card.measures]].sum(axis=1)
    assert np.allclose(total, scored["score"], rtol=0, atol=1e-9)


def test_explanation_equals_the_core(card, parity_cases):
    c = case(parity_cases, "health_score")
    data = {m: nan(v) for m, v in zip(c["measures"], c["values"])}
    data["nps_age_days"] = nan(c["ages"])
    card.score(data, previous=nan(c["previous"]))
    e = card.explain(7)  # from the data last scored; row 7 (no account column)
    want = case(parity_cases, "health_explain")["result"]
    got = e.to_dict()
    assert got.pop("account") == 7
    same(got, {k: v for k, v in want.items() if k != "account"})
    assert repr(e).startswith("Explanation(7: ")
    assert e._repr_html_().startswith("<table>")


def test_validation_equals_the_core(card, parity_cases):
    accounts = pd.read_csv(ACCOUNTS)
    df = card.score(accounts, previous="previous_score")
    v = cx.validate_scores(df["score"], accounts["churned_next_quarter"], scorecard=card, at_risk="red")
    same(v, case(parity_cases, "health_validate")["result"])
    assert v["auc"] > 0.7  # the sample story: the score separates churners


def test_dataframe_input_with_account_ids_and_dates(card):
    accounts = pd.read_csv(ACCOUNTS)
    by_age = card.score(accounts)
    assert by_age["account"].tolist()[:2] == ["A0000", "A0001"]
    # The same ages from observation dates at an as_of date.
    as_of = pd.Timestamp("2025-12-31")
    dated = accounts.assign(nps_date=as_of - pd.to_timedelta(accounts["nps_age_days"].fillna(0), unit="D"))
    dated.loc[accounts["nps_age_days"].isna(), "nps_date"] = pd.NaT
    by_date = card.score(dated.drop(columns="nps_age_days"), as_of=as_of.date(), observed={"nps": "nps_date"})
    answered = accounts["nps_age_days"].notna().to_numpy()
    assert np.allclose(by_date["score"][answered], by_age["score"][answered], equal_nan=True)
    e = card.explain("A0003")
    assert e.account == "A0003" and math.isclose(sum(m["contribution"] for m in e.measures), e.score) or math.isnan(
        e.score
    )


def test_errors_name_what_is_wrong(card):
    with pytest.raises(cx.ConfigError, match=r"measures\[0\]\.scoring\.good"):
        cx.Scorecard.from_dict({"version": 1, "name": "x", "bands": {"names": ["r", "g"], "cuts": [50]},
                                "measures": [{"id": "a", "weight": 1, "scoring": {"rule": "linear", "bad": 1,
                                                                                  "good": 1}}]})
    with pytest.raises(cx.InvalidInputError, match="'dau_ratio'"):
        card.score({"logins_per_week": [1.0]})
    with pytest.raises(cx.InvalidArgumentError, match="as_of"):
        card.score(pd.read_csv(ACCOUNTS), observed={"nps": "nps_age_days"})
    with pytest.raises(cx.InvalidInputError, match="unknown band 'blue' at index 1"):
        cx.validate_scores(["red", "blue"], [1, 0])


def test_validation_from_band_labels():
    v = cx.validate_scores(["red", "red", "yellow", "green", "green", "green"], [1, 0, 1, 0, 0, 0])
    assert v["bands"][0]["n"] == 2 and v["bands"][0]["churned"] == 1
    assert v["threshold"]["band"] == "red" and v["threshold"]["recall"] == 0.5


def test_many_accounts_scored_on_every_core_equal_the_few(card):
    # 120 copies of the 600 sample accounts: enough rows for the core to split them among threads. Every copy
    # scores as the accounts alone (percentile ranks are unchanged by repeating the whole population).
    accounts = pd.read_csv(ACCOUNTS)
    few = card.score(accounts, previous="previous_score")
    many = card.score(pd.concat([accounts] * 120, ignore_index=True), previous="previous_score")
    assert len(many) == 72_000
    for copy in (0, 57, 119):
        part = many.iloc[copy * 600 : (copy + 1) * 600].reset_index(drop=True)
        for column in ["band", "override", "trend"]:
            assert labels(part[column]) == labels(few[column]), column
        numbers = ["score", "coverage", "delta"] + [f"contrib_{m}" for m in card.measures]
        assert np.allclose(part[numbers].to_numpy(), few[numbers].to_numpy(), rtol=0, atol=1e-9, equal_nan=True)
    assert set(labels(few["band"])) >= set(card.bands) and any(labels(few["override"]))


def test_a_100k_deep_group_chain_parses_and_scores_on_a_small_stack():
    # Issue 20 item 12: a 100k-deep group chain took 119 s to parse. Now linear and iterative: it parses and
    # scores quickly on a thread with a 256 KB stack.
    import threading
    import time

    depth = 100_000
    groups = [{"id": f"g{g}", "weight": 1, "parent": f"g{g - 1}" if g else None} for g in reversed(range(depth))]
    spec = {
        "version": 1, "name": "chain",
        "measures": [
            {"id": "deep", "weight": 1, "group": f"g{depth - 1}", "scoring": {"rule": "linear", "bad": 0, "good": 10}},
            {"id": "top", "weight": 3, "scoring": {"rule": "linear", "bad": 0, "good": 10}},
        ],
        "groups": groups,
        "bands": {"names": ["red", "green"], "cuts": [50]},
    }
    text = json.dumps(spec)
    out = {}

    def work():
        try:
            start = time.perf_counter()
            card = cx.Scorecard.from_json(text)
            out["parsed"] = time.perf_counter() - start
            out["scores"] = card.score({"account_id": [1, 2], "deep": [10.0, 0.0], "top": [0.0, 10.0]})["score"].tolist()
        except BaseException as e:  # reported below, on the main thread
            out["error"] = e

    old = threading.stack_size(256 * 1024)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old)
    assert "error" not in out, out.get("error")
    assert out["scores"] == [25.0, 75.0]
    assert out["parsed"] < 5.0, out["parsed"]


def test_validation_bands_with_fewer_names_than_cuts_are_a_config_error():
    # Found by fuzzing: one band name for two cuts indexed past the per-band counts in the core (a panic).
    with pytest.raises(cx.ConfigError, match="need one more name than cuts"):
        cx.validate_scores([10.0, 60.0, 90.0, 20.0], [1, 0, 0, 1], bands=["red"], cuts=[50, 75])
