"""Survey metrics: NPS, CSAT and CES with intervals, comparisons, slicing by group and period, and planning.

Every function takes numpy arrays of any integer or float dtype (borrowed without copying), lists, pandas Series
(nullable ``Int64`` with ``pd.NA`` counts as missing) or polars Series. NaN / None / NA is a missing response:
skipped and counted in ``n_missing`` by default, or an error with ``missing="error"``. Anything else that is not a
point of the scale raises :class:`cxkit.InvalidInputError` naming the value and its index.

Reported units: NPS and other net scores in points (−100..100), top-box shares in percent, means on the rating
scale. The O(n) work runs without the GIL.

>>> import cxkit as cx
>>> e = cx.nps([10, 9, 9, 7, 3, 10, 8, 0])
>>> round(e.value, 1), e.n, e.method
(25.0, 8, 'tango')
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from cxkit import _cxkit
from cxkit._cxkit import Comparison, Estimate, Histogram, MetricSpec, PairedComparison
from cxkit._input import as_days, factorize
from cxkit.errors import InvalidArgumentError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Metric = Union[str, MetricSpec, Dict[str, Any]]

__all__ = [
    "PRESETS",
    "NPS",
    "CSAT",
    "CSAT10",
    "CES2_MEAN",
    "CES2_AGREE",
    "CES2_NET",
    "CES1_MEAN",
    "BINARY_CSAT",
    "metric_spec",
    "score",
    "nps",
    "nps_from_counts",
    "csat",
    "ces",
    "compare",
    "compare_paired",
    "one_sample_test",
    "score_by",
    "trend",
    "rolling",
    "latest_per_respondent",
    "sample_size",
    "margin_of_error",
    "adjust_pvalues",
]

PRESETS: Tuple[str, ...] = (
    "nps",
    "csat",
    "csat10",
    "ces2_mean",
    "ces2_agree",
    "ces2_net",
    "ces1_mean",
    "binary_csat",
)
NPS = MetricSpec.preset("nps")
CSAT = MetricSpec.preset("csat")
CSAT10 = MetricSpec.preset("csat10")
CES2_MEAN = MetricSpec.preset("ces2_mean")
CES2_AGREE = MetricSpec.preset("ces2_agree")
CES2_NET = MetricSpec.preset("ces2_net")
CES1_MEAN = MetricSpec.preset("ces1_mean")
BINARY_CSAT = MetricSpec.preset("binary_csat")


def metric_spec(metric: Metric) -> MetricSpec:
    """A :class:`MetricSpec` from a preset name, a spec, its JSON text or the dict of that JSON.

    >>> metric_spec("csat10").scale
    (1, 10)
    """
    if isinstance(metric, MetricSpec):
        return metric
    if isinstance(metric, dict):
        return MetricSpec.from_json(json.dumps(metric))
    if isinstance(metric, str):
        return MetricSpec.from_json(metric) if metric.lstrip().startswith("{") else MetricSpec.preset(metric)
    raise InvalidArgumentError(f"metric must be a preset name, a MetricSpec, JSON text or a dict, got {metric!r}")


def score(
    scores: Any,
    weights: Any = None,
    *,
    metric: Metric = "nps",
    interval: Optional[str] = None,
    level: float = 0.95,
    missing: str = "skip",
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
) -> Estimate:
    """Scores responses under any metric. ``interval=None`` takes the metric's default (Tango for net scores,
    Wilson for shares, t for means); ``replicates`` and ``seed`` tune ``interval="bootstrap"``.

    >>> score([5, 4, 2, 5], metric="csat").value
    75.0
    """
    return _cxkit.score(scores, weights, metric_spec(metric), interval, level, missing, replicates, seed)


def nps(
    scores: Any,
    weights: Any = None,
    *,
    interval: str = "tango",
    level: float = 0.95,
    missing: str = "skip",
) -> Estimate:
    """Net Promoter Score of 0–10 ratings, in points: % promoters (9–10) − % detractors (0–6).

    Intervals: ``tango`` (default), ``wald``, ``adjusted_wald``, ``agresti_min``, ``bonett_price``,
    ``bootstrap``. With weights the estimate is the Hájek mean with a linearisation SE, and count-based
    intervals use the Kish effective n.

    >>> e = nps([10, 10, 9, 8, 6])
    >>> e.value, e.promoters, e.detractors
    (40.0, 60.0, 20.0)
    """
    return _cxkit.score(scores, weights, NPS, interval, level, missing)


def nps_from_counts(
    detractors: int,
    passives: int,
    promoters: int,
    *,
    interval: str = "tango",
    level: float = 0.95,
) -> Estimate:
    """NPS from category counts.

    >>> round(nps_from_counts(30, 45, 120).value, 4)
    46.1538
    """
    return _cxkit.estimate_from_counts(NPS, detractors, passives, promoters, interval, level)


def _csat_spec(scale: Tuple[int, int], satisfied: Optional[Tuple[int, int]], score: str) -> MetricSpec:
    if score not in ("top_box", "mean"):
        raise InvalidArgumentError(f"csat score must be 'top_box' or 'mean', got {score!r}")
    lo, hi = scale
    if satisfied is None:
        satisfied = (hi, hi) if hi - lo < 2 else (hi - 1, hi)
    # The bottom two points are "dissatisfied" unless they would overlap the satisfied set.
    bottom = (lo, lo) if hi - lo < 2 else (lo, lo + 1)
    dissatisfied = bottom if bottom[1] < satisfied[0] else None
    spec = MetricSpec("csat", scale, satisfied, dissatisfied, score)
    return CSAT if spec == CSAT else spec


def csat(
    scores: Any,
    weights: Any = None,
    *,
    scale: Tuple[int, int] = (1, 5),
    satisfied: Optional[Tuple[int, int]] = None,
    score: str = "top_box",
    interval: Optional[str] = None,
    level: float = 0.95,
    missing: str = "skip",
) -> Estimate:
    """Customer satisfaction: the percent satisfied (``score="top_box"``, Wilson interval by default) or the
    mean rating (``score="mean"``, t interval).

    ``satisfied`` defaults to the top two points of the scale — (4, 5) on the default 1–5 scale — or the top
    point of a two-point scale such as (0, 1).

    >>> csat([5, 4, 3, 1]).value
    50.0
    >>> csat([10, 9, 7], scale=(1, 10), satisfied=(9, 10)).n
    3
    """
    spec = _csat_spec(tuple(scale), None if satisfied is None else tuple(satisfied), score)  # type: ignore[arg-type]
    return _cxkit.score(scores, weights, spec, interval, level, missing)


_CES = {
    ("ces2", "mean"): CES2_MEAN,
    ("ces2", "agree"): CES2_AGREE,
    ("ces2", "net"): CES2_NET,
    ("ces1", "mean"): CES1_MEAN,
    ("ces1", "low_effort"): MetricSpec(
        "ces1_low_effort", (1, 5), (1, 2), (4, 5), scoring="top_box", direction="lower_is_better"
    ),
}


def ces(
    scores: Any,
    weights: Any = None,
    *,
    variant: str = "ces2",
    score: str = "mean",
    interval: Optional[str] = None,
    level: float = 0.95,
    missing: str = "skip",
) -> Estimate:
    """Customer Effort Score.

    ``variant="ces2"`` (1–7 agreement that the company made it easy; higher is better): ``score="mean"``,
    ``"agree"`` (% 5–7) or ``"net"`` (% agree − % disagree 1–3). ``variant="ces1"`` (1–5 effort; lower is
    better): ``score="mean"`` or ``"low_effort"`` (% 1–2).

    >>> ces([7, 6, 5, 2], score="agree").value
    75.0
    """
    try:
        spec = _CES[(variant, score)]
    except KeyError:
        raise InvalidArgumentError(
            f"unknown CES variant/score {variant!r}/{score!r}; expected one of "
            + ", ".join(f"{v}/{s}" for v, s in _CES)
        ) from None
    return _cxkit.score(scores, weights, spec, interval, level, missing)


def _histogram(data: Any, weights: Any, spec: MetricSpec, missing: str) -> Histogram:
    if isinstance(data, Histogram):
        return data
    h = Histogram(spec)
    h.add(data, weights, missing)
    return h


def compare(
    a: Any,
    b: Any,
    *,
    metric: Metric = "nps",
    method: Optional[str] = None,
    level: float = 0.95,
    weights_a: Any = None,
    weights_b: Any = None,
    missing: str = "skip",
) -> Comparison:
    """A − B for two independent samples (responses or :class:`Histogram`s of the same metric).

    Methods: ``wald`` (any metric; the default for net scores), ``adjusted`` (net, pseudo-counts added to each
    sample), ``newcombe`` (shares, the default), ``agresti_caffo`` (shares), ``welch`` (means, the default).
    Swapping A and B flips the sign.

    >>> c = compare([10, 10, 9, 3], [10, 2, 3, 3])
    >>> c.delta
    100.0
    """
    spec = a.spec if isinstance(a, Histogram) else b.spec if isinstance(b, Histogram) else metric_spec(metric)
    ha, hb = _histogram(a, weights_a, spec, missing), _histogram(b, weights_b, spec, missing)
    return _cxkit.compare(ha, hb, method, level)


def one_sample_test(
    data: Any,
    *,
    metric: Metric = "nps",
    test: str = "score",
    null: float = 0.0,
    weights: Any = None,
    missing: str = "skip",
) -> Dict[str, Any]:
    """Tests ``metric == null`` (in the metric's unit) on responses or a :class:`Histogram`.

    Tests: ``score`` (for NPS = 0, McNemar's z = (P − D)/√(P + D)), ``wald``, ``exact`` binomial and ``mid_p``
    (unweighted only), ``t`` for means. Returns ``test``, ``null_value``, ``statistic`` (None for exact tests),
    ``p_value`` and ``n``.

    >>> r = one_sample_test(Histogram.from_category_counts(NPS, 16, 139, 6))
    >>> round(r["statistic"], 3), round(r["p_value"], 6)
    (-2.132, 0.033006)
    """
    spec = data.spec if isinstance(data, Histogram) else metric_spec(metric)
    return _histogram(data, weights, spec, missing).test(test, null)


def compare_paired(
    before: Any,
    after: Any,
    *,
    metric: Metric = "nps",
    level: float = 0.95,
    missing: str = "skip",
) -> PairedComparison:
    """After − before for the same respondents: the mean per-respondent change with a t interval (the
    independent-samples formula would be wrong for correlated answers). Pairs with a missing answer are skipped
    and counted.

    >>> compare_paired([6, 7, 9, 5], [9, 7, 10, 5]).delta  # one detractor became a promoter: +2 of 4
    50.0
    """
    return _cxkit.compare_paired(before, after, metric_spec(metric), level, missing)


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - exercised only without pandas
        raise ImportError("this function returns a pandas DataFrame; install pandas (pip install pandas)") from e
    return pd


def _share_columns(spec: MetricSpec) -> Dict[str, str]:
    if spec.scoring == "net":
        return {"share_positive": "promoters", "share_neutral": "passives", "share_negative": "detractors"}
    names = {"share_positive": "share_positive", "share_neutral": "share_neutral"}
    if spec.negative is not None:
        names["share_negative"] = "share_negative"
    return names


def _estimate_frame(columns: Dict[str, Any], spec: MetricSpec, lead: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(lead)
    for name in ("value", "ci_low", "ci_high", "se"):
        out[name] = columns[name]
    out["n"] = columns["n"]
    out["n_effective"] = columns["n_effective"]
    if "n_missing" in columns:
        out["n_missing"] = columns["n_missing"]
    for source, name in _share_columns(spec).items():
        out[name] = columns[source]
    return out


def _comparison_frame(pd: Any, columns: Dict[str, Any], out: Dict[str, Any], delta: str) -> None:
    out[delta] = columns["delta"]
    out[f"{delta}_se"] = columns["delta_se"]
    out[f"{delta}_ci_low"] = columns["delta_ci_low"]
    out[f"{delta}_ci_high"] = columns["delta_ci_high"]
    out["p_value"] = columns["p_value"]
    out["p_adjusted"] = columns["p_adjusted"]
    out["significant"] = pd.array(columns["significant"], dtype="boolean")


def score_by(
    scores: Any,
    by: Any,
    weights: Any = None,
    *,
    metric: Metric = "nps",
    interval: Optional[str] = None,
    level: float = 0.95,
    missing: str = "skip",
    min_n: int = 1,
    compare: Union[bool, str, None] = None,
    adjust: str = "holm",
    alpha: float = 0.05,
) -> "pd.DataFrame":
    """Scores by group in one pass: one row per group, in sorted key order.

    ``by`` holds the group keys (strings, integers, categoricals); a missing key is an error, not a dropped row.
    ``compare=True`` (or a method name) compares each group with all other responses; the p-values are adjusted
    for the number of groups (``adjust="holm"``, ``"bh"`` or ``"none"``) and ``significant`` flags
    ``p_adjusted < alpha``. Groups with fewer than ``min_n`` responses keep their row with NaN statistics and the
    reason in ``suppressed``.

    Columns: the group column (named after ``by`` when it is a named Series, else ``group``); ``value``,
    ``ci_low``, ``ci_high``, ``se`` in the metric's unit; ``n``, ``n_effective``, ``n_missing``; category shares in
    percent (``promoters``, ``passives``, ``detractors`` for net metrics, else ``share_positive``,
    ``share_neutral`` and ``share_negative``); with ``compare``: ``delta`` (group − rest), ``delta_se``,
    ``delta_ci_low``, ``delta_ci_high``, ``p_value``, ``p_adjusted``, ``significant``; and ``suppressed``.
    ``DataFrame.attrs`` records the metric, interval method, level and comparison method.

    >>> df = score_by([10, 9, 0, 10, 3, 3], ["web", "web", "web", "app", "app", "app"])
    >>> df[["group", "value", "n"]].round(2).values.tolist()
    [['app', -33.33, 3], ['web', 33.33, 3]]
    """
    spec = metric_spec(metric)
    codes, labels = factorize(by, "by")
    method = _compare_option(compare)
    columns = _cxkit.score_by(
        scores, codes, weights, spec, interval, level, missing, min_n, method, adjust, alpha
    )
    keys = columns["key"] if labels is None else labels[columns["key"]]
    return _score_by_frame(columns, spec, getattr(by, "name", None) or "group", keys, level, adjust)


def _compare_option(compare: Union[bool, str, None]) -> Optional[str]:
    """``compare=`` of the grouped calls as the core's method name (None: no comparison)."""
    return None if compare is None or compare is False else "default" if compare is True else compare


def _score_by_frame(
    columns: Dict[str, Any], spec: MetricSpec, group: str, keys: Any, level: float, adjust: str
) -> "pd.DataFrame":
    """The DataFrame of :func:`score_by` from the core's columns and the group labels."""
    pd = _pandas()
    compared = columns["compare_method"] is not None
    out = _estimate_frame(columns, spec, {group: keys})
    if compared:
        _comparison_frame(pd, columns, out, "delta")
    out["suppressed"] = columns["suppressed"]
    df = pd.DataFrame(out)
    df.attrs.update(
        metric=spec.name,
        scoring=spec.scoring,
        method=columns["method"],
        level=level,
        compare_method=columns["compare_method"],
        adjust=adjust if compared else None,
    )
    return df


def trend(
    scores: Any,
    dates: Any,
    weights: Any = None,
    *,
    metric: Metric = "nps",
    period: str = "month",
    fiscal_year_start: int = 1,
    interval: Optional[str] = None,
    level: float = 0.95,
    missing: str = "skip",
    compare: Optional[str] = None,
    min_n: int = 1,
    adjust: str = "none",
    alpha: float = 0.05,
) -> "pd.DataFrame":
    """Scores each period and compares it with the previous one.

    ``period``: ``day``, ``week`` (ISO), ``month``, ``quarter`` or ``year``; quarters and years start in
    ``fiscal_year_start`` (1 = January; 4 = April gives FY2025 = 2025-04..2026-03, labelled ``FY2025-Q1``...).
    Every period from the first to the last date has a row; one without responses (or fewer than ``min_n``)
    has NaN statistics, not 0. ``compare`` names the period-over-period method (default for the metric);
    ``adjust`` corrects the p-values for the number of changes tested.

    Columns: ``period`` (label), ``start``, ``end`` (dates), ``n``, ``n_missing``, ``value``, ``ci_low``,
    ``ci_high``, ``se``, ``n_effective``, category shares (as in :func:`score_by`), ``change`` (this period − the
    previous), ``change_se``, ``change_ci_low``, ``change_ci_high``, ``p_value``, ``p_adjusted``,
    ``significant`` (``p_adjusted < alpha``; NA where no comparison was possible).

    >>> import datetime as dt
    >>> d = [dt.date(2025, 1, 3), dt.date(2025, 1, 20), dt.date(2025, 3, 2)]
    >>> trend([10, 2, 9], d)[["period", "n", "value"]].values.tolist()
    [['2025-01', 2, 0.0], ['2025-02', 0, nan], ['2025-03', 1, 100.0]]
    """
    spec = metric_spec(metric)
    columns = _cxkit.trend(
        scores,
        as_days(dates),
        weights,
        spec,
        period,
        fiscal_year_start,
        interval,
        level,
        missing,
        compare,
        min_n,
        alpha,
        adjust,
    )
    return _trend_frame(columns, spec, level, adjust, period, fiscal_year_start)


def _trend_frame(
    columns: Dict[str, Any], spec: MetricSpec, level: float, adjust: str, period: str, fiscal_year_start: int
) -> "pd.DataFrame":
    """The DataFrame of :func:`trend` from the core's columns."""
    pd = _pandas()
    lead = {
        "period": columns["period"],
        "start": columns["start"].view("datetime64[D]"),
        "end": columns["end"].view("datetime64[D]"),
    }
    out = _estimate_frame(columns, spec, lead)
    _comparison_frame(pd, columns, out, "change")
    df = pd.DataFrame(out)
    df.attrs.update(
        metric=spec.name,
        scoring=spec.scoring,
        method=columns["method"],
        level=level,
        compare_method=columns["compare_method"],
        adjust=adjust,
        period=period,
        fiscal_year_start=fiscal_year_start,
    )
    return df


def rolling(
    scores: Any,
    dates: Any,
    weights: Any = None,
    *,
    metric: Metric = "nps",
    window: int = 90,
    step: str = "month",
    fiscal_year_start: int = 1,
    interval: Optional[str] = None,
    level: float = 0.95,
    missing: str = "skip",
    min_n: int = 1,
) -> "pd.DataFrame":
    """Trailing-window estimates: the last ``window`` days up to the end of each ``step`` period (e.g. trailing
    90 days at each month end).

    Columns: ``start``, ``end`` (the window's first and last day), ``n``, ``value``, ``ci_low``, ``ci_high``,
    ``se``, ``n_effective`` and the category shares.
    """
    pd = _pandas()
    spec = metric_spec(metric)
    columns = _cxkit.rolling(
        scores, as_days(dates), weights, spec, window, step, fiscal_year_start, interval, level, missing, min_n
    )
    lead = {"start": columns["start"].view("datetime64[D]"), "end": columns["end"].view("datetime64[D]")}
    df = pd.DataFrame(_estimate_frame(columns, spec, lead))
    df.attrs.update(metric=spec.name, method=columns["method"], level=level, window=window, step=step)
    return df


def latest_per_respondent(
    respondents: Any,
    dates: Any,
    *,
    within: Optional[str] = None,
    fiscal_year_start: int = 1,
) -> np.ndarray:
    """A boolean mask keeping each respondent's latest response (overall, or within each ``within`` period such
    as ``"quarter"``); of two responses on the same date the later row wins.

    >>> import datetime as dt
    >>> d = [dt.date(2025, 1, day) for day in (5, 6, 9, 2)]
    >>> latest_per_respondent(["a", "b", "a", "a"], d).tolist()
    [False, True, True, False]
    """
    codes, _ = factorize(respondents, "respondents")
    kept = _cxkit.latest_per_respondent(codes, as_days(dates), within, fiscal_year_start)
    mask = np.zeros(len(codes), dtype=bool)
    mask[kept] = True
    return mask


def sample_size(
    margin: Optional[float] = None,
    *,
    delta: Optional[float] = None,
    metric: Metric = "nps",
    variance: Optional[float] = None,
    variance_b: Optional[float] = None,
    level: float = 0.95,
    power: float = 0.8,
    population: Optional[int] = None,
) -> int:
    """Responses needed, in the metric's reported unit (NPS points, percent, scale points).

    With ``margin``: for an interval of ± margin, n₀ = z²σ²/E², with the finite population correction when
    ``population`` is given. With ``delta``: per group, to detect a difference of ``delta`` between two groups
    with ``power`` in a two-sided test at 1 − ``level``. ``variance`` is the per-respondent variance in the
    reported unit squared (NPS points²: 10 000 × σ² on the −1..1 scale); it defaults to the metric's worst case.

    >>> sample_size(5)  # ±5 NPS points at 95%, worst case
    1537
    >>> sample_size(delta=1, variance=6000)  # a 1-point NPS change with σ² = 0.6
    94187
    """
    spec = metric_spec(metric)
    var = spec.worst_case_variance if variance is None else variance
    if (margin is None) == (delta is None):
        raise InvalidArgumentError("give exactly one of margin (for an interval) or delta (for a difference)")
    if margin is not None:
        return _cxkit.sample_size_for_margin(margin, var, level, population)
    assert delta is not None
    var_b = var if variance_b is None else variance_b
    return _cxkit.sample_size_per_group(delta, var, var_b, 1.0 - level, power)


def margin_of_error(
    n: int,
    *,
    metric: Metric = "nps",
    variance: Optional[float] = None,
    level: float = 0.95,
    population: Optional[int] = None,
) -> float:
    """The margin of error (interval half-width) that ``n`` responses buy, in the metric's reported unit;
    ``variance`` as in :func:`sample_size`.

    >>> round(margin_of_error(400, variance=6000), 2)  # 400 responses a quarter, σ² = 0.6
    7.59
    """
    spec = metric_spec(metric)
    var = spec.worst_case_variance if variance is None else variance
    return _cxkit.margin_of_error(n, var, level, population)


def adjust_pvalues(p_values: Sequence[float], method: str = "holm") -> np.ndarray:
    """p-values adjusted for multiple comparisons (``holm``, ``bh`` for Benjamini–Hochberg, or ``none``), in
    input order.

    >>> adjust_pvalues([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    return _cxkit.adjust_pvalues(p_values, method)
