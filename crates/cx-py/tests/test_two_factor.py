"""Two factors from Python: Kano from labels, codes and Japanese wordings; the golden vectors; PRCA against an
independent numpy least-squares fit; tagging texts and tag lists; the effortless metric; errors naming the value
and its position."""

import json
import pathlib

import numpy as np
import pandas as pd
import pytest

import cxkit as cx

ROOT = pathlib.Path(__file__).resolve().parents[3]
VECTORS = json.loads((ROOT / "tests" / "data" / "two_factor.json").read_text())


def test_golden_table_through_the_public_api():
    order = "LMNWD"
    f, d, want = [], [], []
    for fa, row in VECTORS["evaluation_table_standard"].items():
        for da, cell in zip(order, row):
            f.append(fa)
            d.append(da)
            want.append(cell)
    # One attribute per cell, so each row's category is the cell's.
    df = cx.kano(f, d, attribute=[f"{a}{b}" for a, b in zip(f, d)])
    assert df["category"].tolist() == want
    pouliot = cx.kano(f, d, attribute=[f"{a}{b}" for a, b in zip(f, d)], table="pouliot")
    for cell, category in pouliot["category"].items():
        key = f"({cell[0]},{cell[1]})"
        expected = VECTORS["evaluation_table_pouliot_differences"].get(key, df.loc[cell, "category"])
        assert category == expected, cell


def test_golden_summaries_through_the_public_api():
    for case in VECTORS["attribute_summaries"]:
        s = cx.kano_summary({"x": case["counts"]}).loc["x"]
        assert s["category"] == case["mode"]
        assert s["category_strength"] == pytest.approx(case["category_strength"], abs=1e-12)
        assert s["better"] == pytest.approx(case["better"], abs=1e-7)
        assert s["worse"] == pytest.approx(case["worse"], abs=1e-7)
        assert bool(s["fong_significant"]) == case["fong_significant"]
        if "rule_M_O_A_I_gap_0.06" in case:
            moai = cx.kano_summary({"x": case["counts"]}, rule="m_o_a_i", gap=0.06).loc["x"]
            assert moai["category"] == case["rule_M_O_A_I_gap_0.06"]


def test_codes_need_a_mapping_and_japanese_labels_just_work():
    with pytest.raises(cx.InvalidInputError) as info:
        cx.kano([1, 2, 1], [5, 5, 3])
    assert info.value.kind == "UnknownLabel" and info.value.index == 0
    assert "map them explicitly" in str(info.value)
    codes = {1: "like", 2: "must-be", 3: "neutral", 4: "live-with", 5: "dislike"}
    by_code = cx.kano([1, 2, 1], [5, 5, 3], codes=codes)
    by_label = cx.kano(["気に入る", "当然", "気に入る"], ["気に入らない", "気に入らない", "何とも感じない"])
    by_letter = cx.kano(pd.Series(["L", "M", "L"]), pd.Series(["D", "D", "N"]))
    for df in (by_label, by_letter):
        pd.testing.assert_frame_equal(df, by_code)
    assert by_code.loc["all", ["A", "O", "M"]].tolist() == [1, 1, 1]
    custom = cx.kano(["Love it", "love it "], ["Hate it", "hate it"], labels={"Love it": "like", "Hate it": "D"})
    assert custom.loc["all", "O"] == 2
    with pytest.raises(cx.ConfigError, match="adore"):
        cx.kano(["x"], ["y"], labels={"x": "adore"})


def test_unknown_labels_are_named_at_their_first_row():
    with pytest.raises(cx.InvalidInputError) as info:
        cx.kano(["like", "like", "likes", "likes"], ["dislike"] * 4)
    assert info.value.index == 2
    assert "functional answers `likes` at index 2" in str(info.value)


def test_missing_answers_are_counted_or_refused_and_polars_works():
    pl = pytest.importorskip("polars")
    f = pl.Series(["like", None, "like", "neutral"])
    d = pl.Series(["dislike", "dislike", None, "neutral"])
    df = cx.kano(f, d, attribute=pl.Series(["a", "a", "b", "b"]))
    assert df.loc["a", ["n", "n_missing", "O"]].tolist() == [1, 1, 1]
    assert df.loc["b", ["n", "n_missing", "I"]].tolist() == [1, 1, 1]
    with pytest.raises(cx.InvalidInputError) as info:
        cx.kano(f, d, missing="error")
    assert info.value.kind == "MissingValue" and info.value.index == 1


def test_ties_are_undefined_not_guessed():
    df = cx.kano(["like", "like"], ["dislike", "neutral"])  # O and A, one each
    row = df.loc["all"]
    assert row["category"] is None and row["contenders"] == "A,O" and row["herzberg"] is None
    assert cx.kano(["like", "like"], ["dislike", "neutral"], rule="m_o_a_i").loc["all", "category"] == "O"


def test_importance_weighting_and_dumouchel():
    df = cx.kano(["like", "neutral", "neutral"], ["neutral", "dislike", "dislike"], importance=[9, 1, 2])
    row = df.loc["all"]
    assert row["category"] == "A" and row["M"] == 2 and row["weighted_A"] == 9.0
    assert row["importance"] == 4.0 and row["better"] == 0.75
    # DuMouchel (weighted): functional 4·9 + 0 + 0 over 12 = 3; dysfunctional (0·9 + 4·1 + 4·2)/12 = 1.
    assert (row["functional_mean"], row["dysfunctional_mean"], row["quadrant"]) == (3.0, 1.0, "A")
    with pytest.raises(cx.InvalidInputError) as info:
        cx.kano(["like"], ["neutral"], importance=[-1])
    assert info.value.kind == "InvalidWeight"


def test_kano_summary_validates_counts():
    with pytest.raises(cx.InvalidInputError, match="missing Q"):
        cx.kano_summary({"x": {"A": 1, "O": 1, "M": 1, "I": 1, "R": 0}})
    with pytest.raises(cx.InvalidInputError, match="not a non-negative whole number"):
        cx.kano_summary({"x": {"A": 1.5, "O": 1, "M": 1, "I": 1, "R": 0, "Q": 0}})
    empty = cx.kano_summary({"x": dict.fromkeys("AOMIRQ", 0)}).loc["x"]
    assert empty["category"] is None and np.isnan(empty["better"]) and np.isnan(empty["share_A"])


def _survey(n=2000, seed=3):
    rng = np.random.default_rng(seed)
    ratings = pd.DataFrame({name: rng.integers(1, 6, n) for name in ("login", "advice", "price")})
    effects = {"login": (-2.0, 0.1), "advice": (-0.1, 1.2), "price": (-0.6, 0.5)}
    overall = np.full(n, 7.0)
    for name, (penalty, reward) in effects.items():
        overall += np.where(ratings[name] <= 2, penalty, np.where(ratings[name] >= 4, reward, 0.0))
    return ratings, overall + rng.normal(0, 0.5, n)


def test_prca_equals_numpy_least_squares():
    ratings, overall = _survey()
    df = cx.prca(ratings, overall, low=2, high=4)
    columns = [np.ones(len(overall))]
    for name in ratings.columns:
        columns += [(ratings[name] <= 2).astype(float), (ratings[name] >= 4).astype(float)]
    x = np.column_stack(columns)
    beta, rss, *_ = np.linalg.lstsq(x, overall, rcond=None)
    dof = len(overall) - x.shape[1]
    se = np.sqrt(rss[0] / dof * np.diag(np.linalg.inv(x.T @ x)))
    np.testing.assert_allclose(df["penalty"], beta[1::2], rtol=1e-10)
    np.testing.assert_allclose(df["reward"], beta[2::2], rtol=1e-10)
    np.testing.assert_allclose(df["penalty_se"], se[1::2], rtol=1e-9)
    np.testing.assert_allclose(df["reward_se"], se[2::2], rtol=1e-9)
    assert df.attrs["intercept"] == pytest.approx(beta[0], rel=1e-10)
    assert df.attrs["df"] == dof
    ia = (df["reward"].abs() - df["penalty"].abs()) / (df["reward"].abs() + df["penalty"].abs())
    np.testing.assert_allclose(df["ia"], ia, rtol=1e-12)
    assert df["factor"].tolist() == ["hygiene", "motivator", "hybrid"]
    assert df["class"].tolist()[:2] == ["frustrator", "delighter"]


def test_prca_from_an_array_with_names_and_per_attribute_cuts():
    ratings, overall = _survey()
    by_frame = cx.prca(ratings, overall, low={"login": 2, "advice": 1, "price": 2}, high=4)
    by_array = cx.prca(ratings.to_numpy(), pd.Series(overall), names=list(ratings.columns),
                       low={"login": 2, "advice": 1, "price": 2}, high=4)  # fmt: skip
    pd.testing.assert_frame_equal(by_frame, by_array)
    assert by_frame.loc["advice", "low"] == 1 and by_frame.loc["advice", "high"] == 4
    with pytest.raises(cx.InvalidArgumentError, match="no cut point"):
        cx.prca(ratings, overall, low={"login": 2}, high=4)
    with pytest.raises(cx.InvalidArgumentError, match="names="):
        cx.prca(ratings.to_numpy(), overall, low=2, high=4)


def test_prca_errors_name_attribute_and_column():
    ratings, overall = _survey()
    twice = ratings.assign(copy=ratings["login"])
    with pytest.raises(cx.InsufficientDataError) as info:
        cx.prca(twice, overall, low=2, high=4)
    assert info.value.kind == "RankDeficient" and "copy: low" in str(info.value)
    with pytest.raises(cx.InsufficientDataError, match="high group of attribute 'login'"):
        cx.prca(ratings, overall, low=2, high=5, min_group=500)
    with_nan = ratings.astype(float)
    with_nan.iloc[3, 1] = np.nan
    assert cx.prca(with_nan, overall, low=2, high=4).attrs["n_missing"] == 1
    with pytest.raises(cx.InvalidInputError) as info:
        cx.prca(with_nan, overall, low=2, high=4, missing="error")
    assert info.value.index == 3 and "advice" in str(info.value)


def test_tag_feedback_texts_and_lists():
    t = cx.tag_feedback(pd.Series(["Could not log in", "配送が遅い", None, np.nan, "ok"]))
    assert (t.n, t.n_missing) == (3, 2)
    assert t.items["themes"].tolist()[:2] == [["login"], ["delivery"]]
    assert t.themes.loc["login", "count"] == 1 and t.themes.loc["login", "factor"] == "hygiene"
    assert t.factors.loc["hygiene", "count"] == 2 and t.untagged["count"] == 1
    lists = cx.tag_feedback([["login", "vip"], ["返品"], []])
    assert lists.items["themes"].tolist() == [["login"], ["returns"], []]
    assert lists.unmatched_tags == {"vip": 1}
    with pytest.raises(cx.InvalidInputError) as info:
        cx.tag_feedback(["fine", 3])
    assert info.value.index == 1
    with pytest.raises(cx.EmptyInputError):
        cx.tag_feedback([None, "  "])


def test_custom_lexicon():
    lexicon = cx.Lexicon.from_json({"version": 1, "name": "billing", "themes": [
        {"id": "invoice", "label": "Invoice errors", "factor": "hygiene", "terms": ["invoice*", "請求書"]}]})  # fmt: skip
    t = cx.tag_feedback(["Two invoices wrong", "請求書が来ない", "fine"], lexicon)
    assert t.themes.loc["invoice", "count"] == 2 and t.lexicon == "billing"
    assert cx.Lexicon.default().themes.loc["login", "factor"] == "hygiene"
    assert json.loads(cx.Lexicon.from_json(lexicon.to_json()).to_json()) == json.loads(lexicon.to_json())
    with pytest.raises(cx.ConfigError, match=r"themes\[0\].terms"):
        cx.Lexicon.from_json({"version": 1, "name": "x", "themes": [
            {"id": "a", "label": "A", "factor": "hygiene", "terms": []}]})  # fmt: skip


def test_effortless_from_flags_and_counts():
    m = cx.effortless(np.array([True, True, True, False]), [1, 1, 0, 0], [1, 0, 0, 0], [False, True, False, False])
    assert (m.problem, m.offered, m.effortless, m.silent) == (3, 2, 1, 2)
    assert m.factors.loc["resolution_rate", "share"] == 0.5
    c = cx.effortless(counts={"customers": 4, "problem": 3, "offered": 2, "resolved_offered": 1, "contacted": 1,
                              "silent_offered": 1})  # fmt: skip
    assert c.factors.equals(m.factors)
    with pytest.raises(cx.InvalidArgumentError, match=r"offered\[3\]"):
        cx.effortless([1, 1, 1, 0], [1, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0])
    with pytest.raises(cx.InvalidInputError) as info:
        cx.effortless([1, np.nan], [0, 0], [0, 0], [0, 0])
    assert info.value.kind == "MissingValue" and info.value.index == 1
    with pytest.raises(cx.InvalidArgumentError, match="must not exceed"):
        cx.effortless(counts={"customers": 1, "problem": 2})


def test_kano_over_a_million_attributes_is_refused_not_gigabytes():
    # Issue 20 item 11: 10^6 attributes took 4.7 GB. Past 100,000 attributes the call is refused, naming the
    # limit, before anything per attribute is built.
    n = 1_000_000
    attribute = np.arange(n)
    answers = np.array(["like", "dislike"])[np.arange(n) % 2]
    with pytest.raises(cx.LimitExceededError, match="Kano attributes") as info:
        cx.kano(answers, answers[::-1].copy(), attribute=attribute)
    assert info.value.kind == "LimitExceeded"
    assert "100000" in str(info.value)
    counts = pd.DataFrame({c: np.ones(100_001, dtype=np.int64) for c in "AOMIRQ"})
    with pytest.raises(cx.LimitExceededError, match="Kano attributes"):
        cx.kano_summary(counts)


def test_kano_exact_ties_follow_the_counts():
    # Issue 20 item 16: O 53, M 47 of 100 is a strength of exactly 0.06 (the float shares give 0.0600000000000001):
    # a tie under m_o_a_i, so M wins; O + A + M = I + R + Q = 6 goes to I, R, Q under oam_vs_irq.
    tie = cx.kano_summary({"x": {"A": 0, "O": 53, "M": 47, "I": 0, "R": 0, "Q": 0}}, rule="m_o_a_i")
    assert tie.loc["x", "category"] == "M"
    balanced = cx.kano_summary({"x": {"A": 0, "O": 0, "M": 6, "I": 1, "R": 4, "Q": 1}}, rule="oam_vs_irq")
    assert balanced.loc["x", "category"] == "R"
