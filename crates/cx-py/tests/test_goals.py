"""SMART goals from Python: the core's numbers through the public API (parity), keyword construction, inputs,
errors, and the result objects."""

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

import cxkit as cx
from cxkit.goals import Progress

from test_parity import by_call, same

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample"
EPOCH = np.datetime64("1970-01-01", "D")


def as_dates(days):
    return EPOCH + np.asarray(days, dtype="timedelta64[D]")


def test_check_matches_the_core(parity_cases):
    for case in by_call(parity_cases, "goal_check"):
        goal = cx.Goal.from_json(case["goal_json"])
        history = (as_dates(case["history_days"]), case["history_values"])
        report = goal.check(history)
        same(report.to_dict(), json.loads(case["json"]))


def test_progress_matches_the_core(parity_cases):
    for case in by_call(parity_cases, "goal_progress"):
        goal = cx.Goal.from_json(case["goal_json"])
        frame = pd.DataFrame({"date": as_dates(case["days"]), "value": case["values"]})
        p = goal.progress(frame, as_of=as_dates([case["as_of"]])[0])
        assert p == Progress._from(json.loads(case["json"]))
        same(p.progress, json.loads(case["json"])["progress"])


def test_tree_progress_matches_the_core(parity_cases):
    (case,) = by_call(parity_cases, "goal_tree_progress")
    tree = cx.GoalTree.from_json((SAMPLE / "goals.json").read_text())
    observations = pd.DataFrame({"goal": case["ids"], "date": as_dates(case["days"]), "value": case["values"]})
    df = tree.progress(observations, as_of=as_dates([case["as_of"]])[0])
    want = json.loads(case["json"])["goals"]
    assert df["goal"].tolist() == [n["goal"] for n in want]
    assert df["depth"].tolist() == [n["depth"] for n in want]
    assert df["rolled_status"].tolist() == [n["rolled_status"] for n in want]
    assert df["status"].tolist() == [n["own"]["status"] for n in want]
    same(df["rolled_progress"].tolist(), [n["rolled_progress"] for n in want])
    same(df["progress"].tolist(), [n["own"]["progress"] for n in want])
    same(df["current"].tolist(), [n["own"]["current"] for n in want])
    # The same observations as a mapping of goal id → (dates, values) give the same frame.
    by_goal = {g: (observations.date[observations.goal == g], observations.value[observations.goal == g])
               for g in dict.fromkeys(case["ids"])}
    pd.testing.assert_frame_equal(tree.progress(by_goal, as_of="2025-11-30"), df)
    assert df.attrs["as_of"] == dt.date(2025, 11, 30)


def test_success_rate_matches_the_core(parity_cases):
    (case,) = by_call(parity_cases, "goal_success_rate")
    tree = cx.GoalTree.from_json((SAMPLE / "goals_closed.json").read_text())
    assert tree.success_rate() == case["result"]
    assert case["result"]["rate"] == 0.5


def seed_goal(**changes):
    kw = dict(metric="nps", unit="points", baseline=32.0, change=1.0, start="2026-07-01", due="2026-09-30",
              owner="Head of CX", segment="all customers", rationale="loyalty", responses=400, variance=0.6)
    kw.update(changes)
    return cx.Goal("nps", "Raise NPS by 1 point this quarter", **kw)


def test_keywords_build_the_same_goal_as_the_json_document():
    doc = {"version": 1, "id": "nps", "title": "Raise NPS by 1 point this quarter", "metric": "nps",
           "unit": "points", "direction": "increase", "baseline": {"value": 32.0},
           "target": {"kind": "change", "by": 1.0}, "start": "2026-07-01", "due": "2026-09-30",
           "owner": "Head of CX", "scope": {"segment": "all customers"}, "rationale": "loyalty",
           "measurement": {"responses": 400, "variance": 0.6}}
    assert seed_goal() == cx.Goal.from_dict(doc)
    assert seed_goal(start=dt.date(2026, 7, 1), due=pd.Timestamp("2026-09-30")) == seed_goal()
    g = cx.Goal("ttr", "Cut resolution time by 20%", direction="decrease", baseline=10, change_pct=-20,
                start="2026-07-01", due="2026-09-30", parent="nps", weight=2)
    assert g.to_dict()["target"] == {"kind": "relative_change", "percent": -20}
    assert cx.Goal.from_json(g.to_json()) == g
    assert "Raise NPS" in repr(seed_goal())


def test_the_seed_nps_goal_is_not_measurable_on_400_responses():
    report = seed_goal().check()
    assert report.verdict == "fail"
    assert report.measurable.verdict == "fail"
    assert math.isclose(report.noise["margin_of_error"], 7.5909, rel_tol=1e-4)
    assert report.noise["responses_needed"] == 94_187
    assert "94,187" in report.measurable.reason
    assert [l.verdict for l in report.letters.values()] == ["pass", "fail", "warn", "pass", "pass"]
    html = report._repr_html_()
    assert "Measurable" in html and "94,187" in html
    assert repr(report).startswith("SmartCheck('nps': fail")
    # History that already moves faster than the goal needs makes Achievable pass.
    history = pd.Series([28.0, 30.0, 32.0], index=pd.to_datetime(["2026-04-30", "2026-05-31", "2026-06-30"]))
    assert seed_goal().check(history).achievable.verdict == "pass"


def test_progress_inputs_in_every_shape_agree():
    goal = cx.Goal("ttr", "Cut resolution time by 20%", metric="hours", unit="hours", direction="decrease",
                   baseline=10, change_pct=-20, start="2026-07-01", due="2026-09-30")
    dates = ["2026-08-15", "2026-07-15"]  # unsorted on purpose
    values = [9.0, 9.8]
    want = goal.progress((dates, values), "2026-08-15")
    assert (want.status, want.progress) == ("on_track", 0.5)
    assert want.current_date == dt.date(2026, 8, 15)
    assert want.projection is not None and want.projection.reaches_target
    assert goal.progress(pd.DataFrame({"date": pd.to_datetime(dates), "value": values}), "2026-08-15") == want
    assert goal.progress(pl.DataFrame({"d": [dt.date(2026, 8, 15), dt.date(2026, 7, 15)], "v": values}),
                         dt.date(2026, 8, 15), date="d", value="v") == want
    assert goal.progress(pd.Series(values, index=pd.to_datetime(dates)), np.datetime64("2026-08-15")) == want
    assert goal.progress({"date": np.array(dates, dtype="datetime64[D]"), "value": np.array(values)}, "2026-08-15") == want
    tight = goal.progress((dates, values), "2026-08-15", at_risk_gap=0.0, off_track_gap=0.0)
    assert tight.status == "on_track"  # progress 0.5 is ahead of 45/91 elapsed
    assert "on_track" in repr(want) and "2026-08-15" in want._repr_html_()
    assert want.to_dict()["projection"]["reaches_target"] is True


def test_bad_inputs_name_the_value_and_where():
    goal = seed_goal()
    with pytest.raises(cx.InvalidArgumentError) as e:
        goal.progress((["2026-07-31", "2026-08-31", "2026-07-31"], [1.0, 2.0, 3.0]), "2026-08-31")
    assert "dates[2]" in str(e.value) and "index 0" in str(e.value)
    with pytest.raises(cx.InvalidInputError) as e:
        goal.progress((["2026-07-31", "2026-08-31"], [1.0, None]), "2026-08-31")
    assert (e.value.kind, e.value.index) == ("MissingValue", 1)
    with pytest.raises(cx.InvalidInputError) as e:
        goal.progress(pd.DataFrame({"day": ["2026-07-31"], "value": [1.0]}), "2026-08-31")
    assert "no column 'date'" in str(e.value)
    with pytest.raises(cx.InvalidArgumentError):
        cx.Goal("x", "t", target=3, change=1)
    for alone in ({"baseline_date": "2026-06-30"}, {"variance": 0.6}, {"level": 0.9}, {"power": 0.9}):
        with pytest.raises(cx.InvalidArgumentError):
            cx.Goal("x", "t", **alone)
    with pytest.raises(cx.ConfigError) as e:
        cx.Goal("x", "t", direction="up")
    assert "direction" in str(e.value)
    with pytest.raises(cx.ConfigError) as e:
        seed_goal(due=None).progress(([], []), "2026-08-31")
    assert "due" in str(e.value)
    with pytest.raises(cx.InvalidArgumentError):
        seed_goal().progress(([], []), "2026-08-31", at_risk_gap=0.5, off_track_gap=0.2)


def test_tree_errors_are_typed():
    kpi = cx.Goal("ttr", "Cut resolution time", direction="decrease", parent="kgi")
    with pytest.raises(cx.ConfigError) as e:
        cx.GoalTree([kpi])
    assert e.value.kind == "UnknownId" and "`kgi`" in str(e.value)
    loop = [cx.Goal("a", "A", parent="b"), cx.Goal("b", "B", parent="a")]
    with pytest.raises(cx.ConfigError) as e:
        cx.GoalTree(loop)
    assert e.value.kind == "Cycle" and "a → b → a" in str(e.value)
    tree = cx.GoalTree.from_json((SAMPLE / "goals.json").read_text())
    with pytest.raises(cx.ConfigError) as e:
        tree.progress(pd.DataFrame({"goal": ["nps-q4", "typo"], "date": ["2025-10-31"] * 2, "value": [1.0, 2.0]}),
                      "2025-11-30")
    assert e.value.kind == "UnknownId" and "typo" in str(e.value)
    with pytest.raises(cx.ConfigError):
        tree.check({"typo": (["2025-01-31"], [1.0])})
    with pytest.raises(cx.EmptyInputError):
        tree.success_rate()  # no goal of the current quarter is closed


def test_tree_check_is_long_and_uses_history():
    tree = cx.GoalTree.from_json((SAMPLE / "goals.json").read_text())
    hours = pd.read_csv(SAMPLE / "resolution_hours.csv", parse_dates=["date"])
    history = hours[hours.date < "2025-10-01"].rename(columns={"avg_resolution_hours": "value"})
    df = tree.check({"ttr-q4": history})
    assert len(df) == 3 * 5 and list(df.columns) == ["goal", "letter", "verdict", "reason"]
    row = df[(df.goal == "ttr-q4") & (df.letter == "achievable")].iloc[0]
    assert row.verdict == "fail" and "-0.66 per 30 days" in row.reason
    assert df[(df.goal == "nps-q4") & (df.letter == "measurable")].verdict.item() == "fail"
    assert len(tree) == 3 and [g.id for g in tree.goals] == ["nps-q4", "ttr-q4", "csat-support-q4"]


def test_quarter_and_fiscal_year_helpers():
    assert cx.quarter_of("2026-05-20") == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert cx.quarter_of(dt.date(2026, 5, 20), fiscal_start_month=2) == (dt.date(2026, 5, 1), dt.date(2026, 7, 31))
    assert cx.fiscal_year_of("2026-02-10", 4) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    with pytest.raises(cx.InvalidArgumentError):
        cx.quarter_of("2026-05-20", fiscal_start_month=13)
