"""Journeys from Python: roadmaps evaluated from DataFrames equal the core's evaluation of the same facts document,
the portfolio's tables, candidates, touchpoints, errors that name the table and row; the funnel against a naive
pandas reference in every mode, with strings, datetimes and unsorted input."""

import json
import pathlib

import numpy as np
import pandas as pd
import pytest

import cxkit as cx

SAMPLE = pathlib.Path(__file__).resolve().parents[3] / "data" / "sample"


@pytest.fixture(scope="module")
def success():
    return cx.Roadmap.from_json(SAMPLE / "success_roadmap.json")


@pytest.fixture(scope="module")
def facts():
    return json.loads((SAMPLE / "journey_facts.json").read_text())


def tables(doc):
    """The facts document as the long DataFrames a user would have."""
    accounts = pd.DataFrame(
        [{"account": a["account"], "start": a.get("start"), **a.get("anchors", {})} for a in doc["accounts"]]
    )
    metrics = pd.DataFrame(
        [
            {"account": a["account"], "metric": m, "date": d, "value": v}
            for a in doc["accounts"]
            for m, series in a.get("metrics", {}).items()
            for d, v in series
        ],
        columns=["account", "metric", "date", "value"],
    )

    def long(key, label):
        rows = []
        for a in doc["accounts"]:
            for name, dates in a.get(key, {}).items():
                for d in [dates] if isinstance(dates, str) else dates:
                    rows.append({"account": a["account"], label: name, "date": d})
        return pd.DataFrame(rows, columns=["account", label, "date"])

    return accounts, metrics, long("events", "event"), long("tasks", "task"), long("executions", "action")


def test_dataframes_give_the_documents_evaluation(success, facts):
    doc = {"accounts": facts["accounts"][:60]}
    want = success.evaluate_json(doc, as_of="2025-12-31")
    accounts, metrics, events, tasks, executions = tables(doc)
    # Shuffled rows change nothing.
    metrics = metrics.sample(frac=1.0, random_state=7)
    got = success.evaluate(accounts, metrics, events, tasks, executions, as_of="2025-12-31")
    assert got.raw == want.raw
    assert got.portfolio().raw == want.portfolio().raw


def test_evaluation_tables(success, facts):
    e = success.evaluate_json(facts, as_of="2025-12-31")
    df = e.accounts
    assert len(df) == 200
    assert set(df["status"]) <= {"on_track", "behind", "stuck", "completed", "not_started"}
    # Task counts by owner add up to the long task table.
    t = e.tasks
    for owner in ("customer", "vendor", "joint"):
        for state in ("done", "open", "overdue"):
            counted = ((t["owner"] == owner) & (t["status"] == state)).sum()
            assert df[f"{owner}_{state}"].sum() == counted
    # Every firing's values are the metric values the condition names, and open ones have no execution date.
    f = e.fired
    assert len(f) == df["fired"].sum()
    assert (f["executed"].isna().groupby(f["account"]).sum().reindex(df["account"], fill_value=0).to_numpy()
            == df["open_actions"].to_numpy()).all()  # fmt: skip
    login = f[f["action"] == "contact_admin"]
    assert all(v["first_login_rate"] <= 0.3 for v in login["values"])
    assert pd.api.types.is_datetime64_any_dtype(f["date"])


def test_portfolio_tables(success, facts):
    p = success.evaluate_json(facts, as_of="2025-12-31").portfolio()
    stages = p.stages
    assert list(stages["stage"]) == success.stages + ["completed"]
    # reached(k-1) = reached(k) + in progress + dropped, and dropped = stuck in the stage before.
    for k in range(1, len(stages)):
        prev, row = stages.iloc[k - 1], stages.iloc[k]
        assert prev.reached == row.reached + row.in_progress + row.dropped
        assert row.dropped == prev.stuck
    assert stages["current"].sum() == p.n_accounts - p.not_started
    a = p.actions
    assert (a["executed"] + a["open"] == a["triggered"]).all()
    np.testing.assert_allclose(a["rate"], a["executed"] / a["triggered"])
    assert set(p.stalled["status"]) <= {"stuck", "behind"}
    assert p.stalled["status"].iloc[0] == "stuck"


def test_candidates_and_skeleton(success):
    c = success.candidates()
    assert list(c["measure"])[:2] == ["change_key_person_usage_28d", "feature_usage_rate"]
    card = success.scorecard_skeleton()
    assert isinstance(card, cx.Scorecard)


def test_touchpoint_scores(success):
    df = success.touchpoint_scores(["help_center"] * 3 + ["kickoff"] * 2, [5, 4, 2, 5, 5], metric="csat")
    assert len(df) == 6
    row = df.set_index("touchpoint").loc["help_center"]
    assert row.factor == "hygiene"
    assert row.value == pytest.approx(200 / 3, rel=1e-12)
    assert np.isnan(df.set_index("touchpoint").loc["website", "value"])
    with pytest.raises(cx.CxError, match="touchpoint `lobby` at `touchpoints\\[0\\]`"):
        success.touchpoint_scores(["lobby"], [5])


def test_errors_name_the_table_and_row(success):
    accounts = pd.DataFrame({"account": ["a", "b"], "start": ["2025-01-01", "2025-02-01"]})
    tasks = pd.DataFrame({"account": ["a", "a"], "task": ["kickoff_meeting", "kickoff_meeting"],
                          "date": ["2025-01-05", "2025-01-09"]})  # fmt: skip
    with pytest.raises(cx.ConfigError, match="tasks row 1"):
        success.evaluate(accounts, tasks=tasks, as_of="2025-03-01")
    typo = pd.DataFrame({"account": ["a"], "task": ["kickof_meeting"], "date": ["2025-01-05"]})
    with pytest.raises(cx.CxError, match="unknown task `kickof_meeting`"):
        success.evaluate(accounts, tasks=typo, as_of="2025-03-01")
    with pytest.raises(cx.InvalidInputError, match="metrics needs a column `value`"):
        success.evaluate(accounts, metrics=pd.DataFrame({"account": [], "metric": [], "date": []}), as_of="2025-03-01")
    nan = pd.DataFrame({"account": ["a"], "metric": ["dau"], "date": ["2025-01-05"], "value": [np.nan]})
    with pytest.raises(cx.ConfigError, match="metrics.dau\\[0\\]"):
        success.evaluate(accounts, metrics=nan, as_of="2025-03-01")
    with pytest.raises(cx.ConfigError, match="stages"):
        cx.Roadmap.from_json({"version": 1, "name": "x", "stages": []})
    with pytest.raises(cx.ConfigError, match="column 8"):
        cx.Roadmap.from_json({"version": 1, "name": "x", "stages": [{"id": "a", "name": "A", "exit": "dau >= and"}]})


def test_anchor_columns_and_not_started(success):
    golive = cx.Roadmap.from_json(SAMPLE / "golive_roadmap.json")
    accounts = pd.DataFrame({"account": ["s1", "s2"], "go_live": pd.to_datetime(["2025-06-01", "2026-06-01"])})
    e = golive.evaluate(accounts, as_of="2025-04-01")
    df = e.accounts.set_index("account")
    assert df.loc["s1", "stage"] == "preparation"
    assert df.loc["s1", "entered"] == pd.Timestamp("2025-03-03")  # 90 days before go-live
    assert df.loc["s2", "status"] == "not_started"


def naive_funnel(ids, events, ts, steps, window, mode):
    """Reached counts by brute force: every entry event of every account, greedy matching, furthest step kept."""
    df = pd.DataFrame({"id": ids, "ev": events, "ts": ts}).reset_index()
    # Ties at one timestamp: step events in step order first, then other events.
    rank = {s: i for i, s in reversed(list(enumerate(steps)))}
    df["tie"] = df["ev"].map(rank).fillna(len(steps))
    reached = [0] * len(steps)
    for _, g in df.sort_values(["id", "ts", "tie", "index"]).groupby("id"):
        rows = list(zip(g["ev"], g["ts"]))
        best = 0
        for i, (e, t0) in enumerate(rows):
            if e != steps[0]:
                continue
            if mode == "any_order":
                seen = {steps[0]}
                for e2, t in rows[i + 1 :]:
                    if t - t0 > window:
                        break
                    if e2 in steps:
                        seen.add(e2)
                # Step k is reached when steps 1..k have all been seen, in any order.
                k = 0
                while k < len(steps) and steps[k] in seen:
                    k += 1
            else:
                k = 1
                for e2, t in rows[i + 1 :]:
                    if t - t0 > window or k == len(steps):
                        break
                    if e2 == steps[k]:
                        k += 1
                    elif mode == "strict":
                        break
            best = max(best, k)
        for j in range(best):
            reached[j] += 1
    return reached


@pytest.mark.parametrize("mode", ["ordered", "strict", "any_order"])
def test_funnel_matches_a_naive_reference(mode):
    rng = np.random.default_rng(11)
    n = 3000
    names = np.array(["visit", "signup", "buy", "other"])
    ids = rng.integers(0, 300, n)
    events = names[rng.integers(0, 4, n)]
    ts = rng.integers(0, 200, n)
    steps = ["visit", "signup", "buy"]
    df = cx.funnel(ids, events, ts, steps=steps, window=30, mode=mode)
    assert list(df["reached"]) == naive_funnel(ids, events, ts, steps, 30, mode)
    assert list(df["event"]) == steps
    # String ids and a shuffled order give the same counts.
    order = rng.permutation(n)
    again = cx.funnel([f"acct-{i}" for i in ids[order]], events[order], ts[order], steps=steps, window=30, mode=mode)
    pd.testing.assert_frame_equal(df, again)


def test_funnel_with_datetimes_and_as_of():
    ts = pd.to_datetime(["2025-01-01", "2025-01-03", "2025-01-02", "2025-01-20", "2025-01-30"])
    df = cx.funnel([1, 1, 2, 3, 3], ["a", "b", "a", "a", "b"], ts, steps=["a", "b"], window="7D")
    assert list(df["reached"]) == [3, 1]  # account 3's b comes 10 days after its a
    assert df.loc[1, "time_to_convert_p50"] == pd.Timedelta(days=2)
    # Events after as_of are refused; without them, account 2 (window closed Jan 9) is dropped and account 3
    # (entered Jan 20) is in progress.
    with pytest.raises(cx.InvalidArgumentError, match="after as_of"):
        cx.funnel([1, 1, 2, 3, 3], ["a", "b", "a", "a", "b"], ts, steps=["a", "b"], window="7D", as_of="2025-01-21")
    ok = cx.funnel([1, 1, 2, 3], ["a", "b", "a", "a"], ts[:4], steps=["a", "b"], window="7D", as_of="2025-01-21")
    assert list(ok["in_progress"]) == [0, 1] and list(ok["dropped"]) == [0, 1]
    with pytest.raises(cx.InvalidArgumentError):
        cx.funnel([1], ["a"], [0], steps=[], window=1)
    with pytest.raises(cx.CxError, match="mode"):
        cx.funnel([1], ["a"], [0], steps=["a"], window=1, mode="sideways")


@pytest.mark.parametrize("mode", ["ordered", "strict", "any_order"])
def test_funnel_refuses_nat_timestamps(mode):
    # Issue 20 item 4: NaT reached the core as the earliest instant; in any_order mode the account whose entry was
    # NaT counted as converted after -86,512 days. Now it is a missing date, reported at its index.
    ts = pd.Series(pd.to_datetime(["2025-01-01", None, "2025-01-03", "2025-01-02", "2025-01-04"]))
    assert ts.isna()[1]
    accounts, events = [1, 2, 2, 3, 3], ["a", "a", "b", "a", "b"]
    for as_of in [None, "2025-01-10"]:
        with pytest.raises(cx.InvalidInputError, match="NaT") as info:
            cx.funnel(accounts, events, ts, steps=["a", "b"], window="30D", mode=mode, as_of=as_of)
        assert info.value.kind == "InvalidDate" and info.value.index == 1
    # A numpy datetime64 column, and the partial state's add (which then adds nothing).
    stamps = ts.to_numpy(dtype="datetime64[ns]")
    assert np.isnat(stamps[1])
    with pytest.raises(cx.InvalidInputError, match="NaT"):
        cx.funnel(np.array(accounts), np.array(events), stamps, steps=["a", "b"], window="30D", mode=mode)
    state = cx.FunnelState(["a", "b"], "30D", mode)
    with pytest.raises(cx.InvalidInputError, match="NaT") as info:
        state.add(accounts, events, stamps)
    assert info.value.index == 1
    assert list(state.result()["reached"]) == [0, 0]
    # Without the NaT row: account 2 never entered, account 1 entered only, account 3 converted in two days.
    keep = ~ts.isna()
    df = cx.funnel(pd.Series(accounts)[keep], pd.Series(events)[keep], ts[keep], steps=["a", "b"], window="30D",
                   mode=mode)  # fmt: skip
    assert list(df["reached"]) == [2, 1]
    assert df.loc[1, "time_to_convert_p50"] == pd.Timedelta(days=2)


@pytest.mark.parametrize("ids_of", [[10, 20, 30, 40], [-5, 2**40, 7, 7 + 2**20]])
def test_integer_event_ids_count_as_their_labels(ids_of):
    # Small non-negative ids are coded through a table, others by search; 600,000 rows are coded on every core.
    rng = np.random.default_rng(12)
    n = 600_000
    accounts = np.sort(rng.integers(0, 60_000, n))
    ts = rng.integers(0, 1_000, n)
    which = rng.integers(0, 4, n)
    labels = np.array(["visit", "signup", "buy", "other"])[which]
    ids = np.array(ids_of, dtype=np.int64)[which]
    by_label = cx.funnel(accounts, labels, ts, steps=["visit", "signup", "buy"], window=50)
    by_id = cx.funnel(accounts, ids, ts, steps=ids_of[:3], window=50)
    assert list(by_id["reached"]) == list(by_label["reached"])
    assert by_label["reached"].iloc[0] > 50_000
    for column in ["in_progress", "dropped", "time_to_convert_p50", "time_to_convert_p90"]:
        np.testing.assert_array_equal(by_id[column].to_numpy(), by_label[column].to_numpy())


def roadmap_doc(exit_, when="dau >= 0", trigger="edge"):
    return {"version": 1, "name": "r",
            "stages": [{"id": "s", "name": "S", "exit": exit_}, {"id": "t", "name": "T"}],
            "actions": [{"id": "a", "name": "A", "kind": "risk", "target": "admin", "when": when,
                         "trigger": trigger, "dedup_while_open": False}]}  # fmt: skip


def test_deep_conditions_raise_instead_of_crashing():
    # Issue 20 item 2: a roadmap whose exit is 10,000 nested parentheses (20 KB) segfaulted Python, and
    # "not " * 20000 took 2.4 GB before failing.
    for exit_ in ["(" * 10_000 + "dau > 1" + ")" * 10_000, "not " * 20_000 + "dau > 1"]:
        with pytest.raises(cx.LimitExceededError, match=r"condition nesting depth.*stages\[0\]\.exit"):
            cx.Roadmap.from_json(roadmap_doc(exit_))
    # Typed JSON nested past the limit as well; at the limit (48 levels) the roadmap loads and evaluates.
    typed = {"when": "compare", "metric": "dau", "op": ">", "value": 1}
    for _ in range(49):
        typed = {"when": "not", "not": typed}
    with pytest.raises(cx.LimitExceededError):
        cx.Roadmap.from_json(roadmap_doc(typed))
    roadmap = cx.Roadmap.from_json(roadmap_doc("not " * 48 + "dau > 1"))
    facts = {"accounts": [{"account": "acme", "start": "2025-01-01", "metrics": {"dau": [["2025-01-03", 5]]}}]}
    assert roadmap.evaluate_json(facts, as_of="2025-01-10").raw[0]["visits"][0]["exited"] == "2025-01-03"


def test_evaluating_a_million_days_is_refused():
    # Issue 20 item 11: a roadmap evaluated over 1,000,000 days took 4.6 GB.
    roadmap = cx.Roadmap.from_json(roadmap_doc("dau > 100", trigger="level"))
    facts = {"accounts": [{"account": "acme", "start": "2000-01-01", "metrics": {"dau": [["2000-01-01", 5]]}}]}
    with pytest.raises(cx.LimitExceededError, match=r"days evaluated for accounts\[0\]") as info:
        roadmap.evaluate_json(facts, as_of="4737-11-27")  # 1,000,000 days after the start
    assert "100000" in str(info.value)
