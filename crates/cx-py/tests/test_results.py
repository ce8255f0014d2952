"""Result classes: frozen, short repr, HTML for notebooks, dicts, pickling; MetricSpec construction."""

import pickle

import pytest

import cxkit as cx


def results():
    return [
        cx.nps([10, 9, 3, 8, 10]),
        cx.csat([5, 4, 1], [1.0, 2.0, 0.5]),
        cx.compare([10, 10, 9, 3], [10, 2, 3, 3]),
        cx.compare_paired([6, 7, 9, 5], [9, 7, 10, 5]),
    ]


def test_results_pickle_round_trip():
    for r in results():
        back = pickle.loads(pickle.dumps(r))
        assert back == r and type(back) is type(r)
        assert back.to_dict() == r.to_dict()


def test_results_are_frozen():
    for r in results():
        with pytest.raises(AttributeError):
            r.value = 1.0  # type: ignore[misc]


def test_reprs_are_short_and_informative():
    e = cx.nps([10, 9, 3, 8, 10])
    assert repr(e) == f"Estimate(nps=40.00, 95% CI [{e.ci_low:.2f}, {e.ci_high:.2f}] tango, n=5)"
    assert "n_effective" in repr(cx.csat([5, 4, 1], [1.0, 2.0, 0.5]))
    c = cx.compare([10, 10, 9, 3], [10, 2, 3, 3])
    assert repr(c).startswith("Comparison(delta=+100.00, 95% CI [")
    for r in results():
        html = r._repr_html_()
        assert html.startswith("<table>") and html.endswith("</table>")
        assert len(repr(r)) < 120


def test_estimate_fields():
    e = cx.nps([10, 9, 3, 8, 10, float("nan")])
    assert (e.metric, e.scoring, e.method, e.level, e.n, e.n_missing) == ("nps", "net", "tango", 0.95, 5, 1)
    assert (e.promoters, e.passives, e.detractors) == (60.0, 20.0, 20.0)
    assert e.counts == {"negative": 1, "neutral": 1, "positive": 3}
    assert e.shares == {"negative": 20.0, "neutral": 20.0, "positive": 60.0}
    assert not e.weighted and e.design_effect == 1.0 and e.n_effective == 5.0
    c = cx.csat([5, 4, 1])
    assert c.promoters is None and c.shares["positive"] == pytest.approx(200 / 3)


def test_metric_spec_construction_and_json():
    spec = cx.MetricSpec("csat7", (1, 7), (6, 7), (1, 2))
    assert spec.scale == (1, 7) and spec.scoring == "top_box" and spec.direction == "higher_is_better"
    assert cx.MetricSpec.from_json(spec.to_json()) == spec
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert cx.metric_spec(spec.to_json()) == spec
    assert len({cx.NPS, cx.MetricSpec.preset("nps")}) == 1
    assert repr(cx.CSAT) == "MetricSpec('csat', scale=(1, 5), positive=(4, 5), negative=(1, 2), scoring='top_box')"
    with pytest.raises(cx.ConfigError, match="categories"):
        cx.MetricSpec("bad", (1, 5), (4, 6))
    assert cx.PRESETS == tuple(cx.MetricSpec.preset(p).name for p in cx.PRESETS)
