"""The Python numbers equal the Rust core's to 1e-12 on the shared cases of tests/data/parity.json."""

import json
import math
import pathlib

import numpy as np
import pandas as pd

import cxkit as cx

REL = 1e-12


def scores(values):
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def same(got, want, path="result"):
    """Structural equality with floats to 1e-12 (relative above 1); None in the core's JSON is NaN."""
    if isinstance(want, dict):
        assert isinstance(got, dict), path
        assert set(got) == set(want), f"{path}: keys {sorted(got)} vs {sorted(want)}"
        for key in want:
            same(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{path}[{i}]")
    elif isinstance(want, float) or isinstance(got, float):
        g = math.nan if got is None else float(got)
        w = math.nan if want is None else float(want)
        if math.isnan(w):
            assert math.isnan(g), f"{path}: got {g}, want NaN"
        else:
            assert abs(g - w) <= REL * max(1.0, abs(w)), f"{path}: got {g!r}, want {w!r}"
    else:
        assert got == want, f"{path}: got {got!r}, want {want!r}"


def by_call(parity_cases, call):
    cases = [c for c in parity_cases if c["call"] == call]
    assert cases, f"no {call} cases"
    return cases


def test_score(parity_cases):
    for case in by_call(parity_cases, "score"):
        w = None if case["weights"] is None else np.array(case["weights"])
        e = cx.score(scores(case["scores"]), w, metric=case["metric"], interval=case["interval"], level=case["level"])
        same(e.to_dict(), case["result"])


def test_score_from_integer_dtypes_matches(parity_cases):
    """The same responses as int8 (missing dropped, so n_missing differs) give the same numbers."""
    case = by_call(parity_cases, "score")[0]
    data = scores(case["scores"])
    kept = data[~np.isnan(data)]
    e = cx.score(kept.astype(np.int8), metric=case["metric"], interval=case["interval"], level=case["level"])
    want = dict(case["result"], n_missing=0)
    same(e.to_dict(), want)


def test_compare(parity_cases):
    for case in by_call(parity_cases, "compare"):
        c = cx.compare(scores(case["a"]), scores(case["b"]), metric=case["metric"], method=case["method"])
        same(c.to_dict(), case["result"])
        # Swapping the samples flips the sign.
        r = cx.compare(scores(case["b"]), scores(case["a"]), metric=case["metric"], method=case["method"])
        assert r.delta == -c.delta


def test_compare_paired(parity_cases):
    for case in by_call(parity_cases, "compare_paired"):
        p = cx.compare_paired(scores(case["before"]), scores(case["after"]), metric=case["metric"])
        same(p.to_dict(), case["result"])


def test_score_by(parity_cases):
    for case in by_call(parity_cases, "score_by"):
        w = None if case["weights"] is None else np.array(case["weights"])
        df = cx.score_by(
            scores(case["scores"]),
            np.array(case["keys"]),
            w,
            metric=case["metric"],
            min_n=case["min_n"],
            compare=case["compare"],
            adjust=case["adjust"],
            alpha=case["alpha"],
        )
        want = case["result"]
        rows = {r["key"]: r for r in want["rows"]}
        suppressed = {s["key"]: s for s in want["suppressed"]}
        assert sorted(df["group"]) == sorted([*rows, *suppressed])
        for _, row in df.iterrows():
            key = row["group"]
            if key in suppressed:
                assert row["suppressed"] == suppressed[key]["reason"]
                assert math.isnan(row["value"]) and row["n"] == suppressed[key]["n"]
                continue
            r = rows[key]
            e = r["estimate"]
            same({k: row[k] for k in ("value", "se", "ci_low", "ci_high", "n_effective")},
                 {k: e[k] for k in ("value", "se", "ci_low", "ci_high", "n_effective")}, f"group {key}")
            same([row["promoters"], row["passives"], row["detractors"]],
                 [e["shares"]["positive"], e["shares"]["neutral"], e["shares"]["negative"]], f"group {key} shares")
            assert (row["n"], row["n_missing"]) == (e["n"], e["n_missing"])
            same([row["delta"], row["delta_se"], row["p_value"], row["p_adjusted"]],
                 [r["vs_rest"]["delta"], r["vs_rest"]["se"], r["vs_rest"]["p_value"], r["p_adjusted"]], f"group {key}")
            assert bool(row["significant"]) == r["significant"]


def test_trend(parity_cases):
    for case in by_call(parity_cases, "trend"):
        dates = np.array(case["days"], dtype="datetime64[D]")
        df = cx.trend(
            scores(case["scores"]),
            dates,
            metric=case["metric"],
            period=case["period"],
            fiscal_year_start=case["fiscal_start_month"],
            adjust=case["adjust"],
        )
        rows = case["result"]["rows"]
        assert list(df["period"]) == [r["label"] for r in rows]
        assert list(df["start"]) == [pd.Timestamp(r["start"]) for r in rows]
        for (_, row), want in zip(df.iterrows(), rows):
            assert row["n"] == want["n"]
            e = want["estimate"]
            if e is None:
                assert math.isnan(row["value"])
                continue
            same([row["value"], row["se"], row["ci_low"], row["ci_high"]],
                 [e["value"], e["se"], e["ci_low"], e["ci_high"]], want["label"])
            c = want["change"]
            if c is None:
                assert math.isnan(row["change"]) and row["significant"] is pd.NA
            else:
                same([row["change"], row["p_value"], row["p_adjusted"]],
                     [c["delta"], c["p_value"], want["p_adjusted"]], want["label"])
                assert bool(row["significant"]) == want["significant"]


def test_planning_and_adjustment(parity_cases):
    for case in by_call(parity_cases, "sample_size_for_margin"):
        got = cx.sample_size(case["margin"], variance=case["variance"], level=case["level"],
                             population=case["population"])
        assert got == case["result"]
    for case in by_call(parity_cases, "sample_size_per_group"):
        got = cx.sample_size(delta=case["delta"], variance=case["variance_a"], variance_b=case["variance_b"],
                             level=1 - case["alpha"], power=case["power"])
        assert got == case["result"]
    for case in by_call(parity_cases, "margin_of_error"):
        got = cx.margin_of_error(case["n"], variance=case["variance"], level=case["level"],
                                 population=case["population"])
        same(got, case["result"])
    for case in by_call(parity_cases, "adjust_pvalues"):
        same(cx.adjust_pvalues(case["p_values"], case["method"]).tolist(), case["result"])


def _sample(name):
    return pathlib.Path(__file__).resolve().parents[3] / "data" / "sample" / name


def test_roadmap_evaluations_and_portfolios(parity_cases):
    for case in by_call(parity_cases, "roadmap_evaluate") + by_call(parity_cases, "roadmap_portfolio"):
        roadmap = cx.Roadmap.from_json(_sample(case["roadmap"]))
        facts = json.loads(_sample(case["facts"]).read_text())
        as_of = np.datetime64(int(case["as_of"]), "D")
        if case["call"] == "roadmap_evaluate":
            doc = {"accounts": facts["accounts"][: case["n_accounts"]]}
            assert roadmap.evaluate_json(doc, as_of=as_of).to_json() == case["json"]
        else:
            assert roadmap.evaluate_json(facts, as_of=as_of).portfolio().raw == json.loads(case["json"])
    for case in by_call(parity_cases, "roadmap_candidates"):
        want = json.loads(case["json"])
        got = cx.Roadmap.from_json(_sample(case["roadmap"])).candidates()
        assert got.to_dict("records") == want


def test_funnel(parity_cases):
    for case in by_call(parity_cases, "funnel"):
        df = cx.funnel(np.array(case["accounts"]), np.array(case["events"]), np.array(case["timestamps"]),
                       steps=case["steps"], window=case["window"], mode=case["mode"], as_of=case["as_of"])  # fmt: skip
        for row, want in zip(df.to_dict("records"), case["result"]["steps"]):
            same({k: row[k] for k in want if k != "event"}, {k: v for k, v in want.items() if k != "event"})
        assert df.attrs["n_accounts"] == case["result"]["n_accounts"]


def _kano_row_want(a):
    """The DataFrame row the core's Kano attribute should become."""
    shares = a["shares"] or {c: None for c in "AOMIRQ"}
    fong = a["fong"] or {"threshold": None, "significant": None}
    want = {"n": a["n"], "n_missing": a.get("n_missing"), **{c: a["counts"][c] for c in "AOMIRQ"},
            **{f"share_{c}": shares[c] for c in "AOMIRQ"}, "category": a["category"],
            "contenders": ",".join(a["contenders"]), "herzberg": a["herzberg"],
            "category_strength": a["category_strength"], "total_strength": a["total_strength"],
            "fong_threshold": fong["threshold"], "fong_significant": fong["significant"], "better": a["better"],
            "worse": a["worse"]}  # fmt: skip
    if "dumouchel" in a:
        du = a["dumouchel"]
        want.update({k: du[k] for k in ("functional_mean", "functional_sd", "dysfunctional_mean",
                                         "dysfunctional_sd", "quadrant")}, importance=a["importance"])
        if a["weighted_counts"] is not None:
            want.update({f"weighted_{c}": a["weighted_counts"][c] for c in "AOMIRQ"})
    else:
        del want["n_missing"]
    return want


def _row(df, name, keys):
    row = df.loc[name]
    out = {}
    for k in keys:
        v = row[k]
        if isinstance(v, float) and math.isnan(v):
            v = None
        out[k] = v.item() if isinstance(v, np.generic) else v
    return out


def test_kano(parity_cases):
    answers = pd.read_csv(_sample("kano_answers.csv"))
    for case in by_call(parity_cases, "kano"):
        df = cx.kano(answers.functional, answers.dysfunctional, answers.attribute, table=case["table"],
                     rule=case["rule"], gap=case["gap"],
                     importance=answers.importance if case["weighted"] else None)  # fmt: skip
        result = case["result"]
        assert list(df.index) == [a["attribute"] for a in result["attributes"]]
        assert (df.attrs["table"], df.attrs["rule"], df.attrs["weighted"]) == (case["table"], case["rule"],
                                                                              case["weighted"])  # fmt: skip
        for a in result["attributes"]:
            want = _kano_row_want(a)
            same(_row(df, a["attribute"], want), want, a["attribute"])


def test_kano_summary(parity_cases):
    for case in by_call(parity_cases, "kano_summary"):
        counts = pd.DataFrame(case["counts"], columns=list("AOMIRQ"), index=[f"a{i}" for i in range(len(case["counts"]))])
        df = cx.kano_summary(counts, rule=case["rule"], gap=case["gap"])
        for name, s in zip(df.index, case["result"]):
            want = _kano_row_want(s)
            same(_row(df, name, want), want, name)


def test_prca(parity_cases):
    table = pd.read_csv(_sample("attribute_ratings.csv"))
    ratings = table.drop(columns=["respondent", "overall"])
    for case in by_call(parity_cases, "prca"):
        o = case["options"]
        cuts = o["cuts"]
        if len(cuts) == 1:
            low, high = cuts[0]["low"], cuts[0]["high"]
        else:
            low = {c: cut["low"] for c, cut in zip(ratings.columns, cuts)}
            high = {c: cut["high"] for c, cut in zip(ratings.columns, cuts)}
        df = cx.prca(ratings, table.overall, low=low, high=high, bands=(o["bands"]["hybrid"], o["bands"]["extreme"]),
                     min_group=o["min_group"])  # fmt: skip
        result = case["result"]
        for key in ("n", "n_missing", "df", "intercept", "intercept_se", "r_squared", "adj_r_squared", "sigma"):
            same(df.attrs[key], result[key], key)
        for a in result["attributes"]:
            want = {k: v for k, v in a.items() if k not in ("attribute", "cuts")}
            want.update(low=a["cuts"]["low"], high=a["cuts"]["high"])
            same(_row(df, a["attribute"], want), want, a["attribute"])


def _tagging_same(t, result):
    assert (t.n, t.n_missing, t.level, t.lexicon) == (result["n"], result["n_missing"], result["level"],
                                                      result["lexicon"])  # fmt: skip
    got_items = [None if row["themes"] is None else dict(row) for row in t.items.to_dict("records")]
    same(got_items, result["items"], "items")
    for theme in result["themes"]:
        want = {k: v for k, v in theme.items() if k != "id"}
        same(_row(t.themes, theme["id"], want), want, theme["id"])
    for factor in result["factors"]:
        want = {k: v for k, v in factor.items() if k != "factor"}
        same(_row(t.factors, factor["factor"], want), want, factor["factor"])
    same(t.untagged, result["untagged"], "untagged")
    assert t.unmatched_tags == result["unmatched_tags"]


def test_tagging(parity_cases):
    for case in by_call(parity_cases, "tag_texts"):
        _tagging_same(cx.tag_feedback(case["texts"], level=case["level"]), case["result"])
    for case in by_call(parity_cases, "tag_lists"):
        _tagging_same(cx.tag_feedback(case["lists"], level=case["level"]), case["result"])


def test_effortless(parity_cases):
    flags = pd.read_csv(_sample("support_feedback.csv"))
    for case in by_call(parity_cases, "effortless"):
        m = cx.effortless(flags.problem, flags.offered, flags.resolved, flags.contacted, level=case["level"])
        result = case["result"]
        got = {"counts": {k: getattr(m, k) for k in result["counts"] if k != "resolved_offered"}}
        got["counts"]["resolved_offered"] = m.effortless
        same(got["counts"], result["counts"], "counts")
        assert (m.effortless, m.silent, m.level) == (result["effortless"], result["silent"], result["level"])
        for f in result["factors"]:
            want = {k: v for k, v in f.items() if k != "name"}
            same(_row(m.factors, f["name"], want), want, f["name"])
        counts = cx.effortless(counts=result["counts"], level=case["level"])
        assert (counts.effortless, counts.silent) == (m.effortless, m.silent) and counts.factors.equals(m.factors)
