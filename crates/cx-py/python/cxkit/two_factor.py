"""Two-factor classification: which attributes are hygiene factors and which are motivators (Herzberg).

- :func:`kano` / :func:`kano_summary`: the Kano questionnaire (standard or Pouliot table; ``mode``, ``m_o_a_i`` or
  ``oam_vs_irq`` rule; strengths, Fong test, Better / Worse, DuMouchel scores, importance weighting, Herzberg view).
- :func:`prca`: penalty–reward contrast analysis of ordinary ratings, with impact asymmetry and its classes.
- :func:`tag_feedback` with a :class:`Lexicon`: themes of comments (English and Japanese by default) and their
  factor, with Wilson intervals.
- :func:`effortless`: the effortless-experience metric and the silent share.

Shares here are fractions in [0, 1]. Every DataFrame's ``attrs`` names the table, rule, cut points or bands.

>>> import cxkit as cx
>>> k = cx.kano(["like", "like", "must-be", "like"], ["dislike", "neutral", "dislike", "neutral"])
>>> k[["A", "O", "M", "category", "herzberg", "better"]].values.tolist()
[[2, 1, 1, 'A', 'motivator', 0.75]]
>>> s = cx.kano_summary({"checkout": {"M": 9, "O": 10, "A": 1, "I": 2, "R": 3, "Q": 0}}, rule="m_o_a_i")
>>> s.loc["checkout", "category"], s.loc["checkout", "contenders"], round(float(s.loc["checkout", "category_strength"]), 4)
('M', 'M,O', 0.04)
>>> t = cx.tag_feedback(["ログインできない", "Great product, very durable", None])
>>> t.items["themes"].tolist()
[['login'], ['product_quality'], None]
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from cxkit import _cxkit
from cxkit._input import _invalid, _unwrap, as_float64
from cxkit.errors import InvalidArgumentError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["kano", "kano_summary", "prca", "Lexicon", "Tagging", "tag_feedback", "Effortless", "effortless"]

CATEGORIES = ("A", "O", "M", "I", "R", "Q")


def _labels(x: Any, name: str) -> Tuple[np.ndarray, List[Any]]:
    """Answers → (int64 codes into the uniques, −1 where missing; the uniques as Python str or int)."""
    import pandas as pd

    arr = np.asarray(_unwrap(x, missing_as_nan=False))
    if arr.ndim != 1:
        raise _invalid(f"{name} must be one-dimensional, got an array of shape {arr.shape}")
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)

    def plain(u: Any) -> Any:
        # Floats that are whole numbers are integer codes (a column of codes with NaN is float in pandas).
        if isinstance(u, (float, np.floating)) and float(u).is_integer():
            return int(u)
        return u.item() if isinstance(u, np.generic) else u

    return np.ascontiguousarray(codes, dtype=np.int64), [plain(u) for u in uniques]


def _attributes(attribute: Any) -> Tuple[Optional[np.ndarray], List[str]]:
    """Attribute keys → (uint32 codes in order of first appearance, names); ``None`` → one attribute "all"."""
    if attribute is None:
        return None, ["all"]
    import pandas as pd

    arr = np.asarray(_unwrap(attribute, missing_as_nan=False))
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    if len(codes) and codes.min() < 0:
        i = int(np.argmax(codes < 0))
        raise _invalid(f"missing attribute (None/NaN) at index {i}", "MissingValue", i)
    return np.ascontiguousarray(codes, dtype=np.uint32), [str(u) for u in uniques]


def kano(
    functional: Any,
    dysfunctional: Any,
    attribute: Any = None,
    *,
    importance: Any = None,
    table: str = "standard",
    rule: str = "mode",
    gap: float = 0.06,
    codes: Optional[Mapping[int, str]] = None,
    labels: Optional[Mapping[str, str]] = None,
    missing: str = "skip",
    dumouchel_split: float = 2.0,
) -> "pd.DataFrame":
    """Kano analysis, one row per attribute (in order of first appearance).

    ``functional`` and ``dysfunctional`` hold one answer per respondent and attribute: text labels (``like``,
    ``must-be``, ``neutral``, ``live-with``, ``dislike``, their letters L M N W D, the usual English and Japanese
    wordings, plus your ``labels={"Love it": "like"}``) or integer codes, which need an explicit
    ``codes={1: "like", ...}`` because survey tools number the answers differently. None / NaN is missing:
    skipped and counted (``missing="skip"``) or an error (``"error"``). ``importance`` (self-stated, non-negative)
    weights each pair.

    Columns: ``n``, ``n_missing``, counts ``A O M I R Q``, shares ``share_A`` ..., ``category`` (None on a tie
    under ``mode``), ``contenders``, ``herzberg``, ``category_strength``, ``total_strength``, ``fong_threshold``,
    ``fong_significant``, ``better``, ``worse``, DuMouchel's ``functional_mean``, ``functional_sd``,
    ``dysfunctional_mean``, ``dysfunctional_sd``, ``quadrant``, and ``importance`` (mean) with ``weighted_A`` ...
    when weighted.

    Categories are decided on the counts, so exact ties stay ties. At most 100,000 attributes are analysed in one
    call; more raise :class:`LimitExceededError` before anything is allocated per attribute.
    """
    f_codes, f_labels = _labels(functional, "functional")
    d_codes, d_labels = _labels(dysfunctional, "dysfunctional")
    attr_codes, names = _attributes(attribute)
    text = _cxkit._kano(
        f_codes, f_labels, d_codes, d_labels, attr_codes, names, importance, table, rule, gap, dumouchel_split,
        missing, dict(codes) if codes is not None else None, dict(labels) if labels is not None else None,
    )
    result = json.loads(text)
    rows = []
    for a in result["attributes"]:
        row = _summary_row(a)
        du = a["dumouchel"]
        row.update(
            n_missing=a["n_missing"],
            functional_mean=du["functional_mean"],
            functional_sd=du["functional_sd"],
            dysfunctional_mean=du["dysfunctional_mean"],
            dysfunctional_sd=du["dysfunctional_sd"],
            quadrant=du["quadrant"],
            importance=a["importance"],
        )
        if result["weighted"]:
            row.update({f"weighted_{c}": a["weighted_counts"][c] for c in CATEGORIES})
        row["attribute"] = a["attribute"]
        rows.append(row)
    df = _frame(rows)
    df.attrs.update(table=result["table"], rule=result["rule"]["name"], gap=result["rule"].get("gap"),
                    weighted=result["weighted"], dumouchel_split=dumouchel_split)
    return df


def _summary_row(s: Mapping[str, Any]) -> Dict[str, Any]:
    shares = s["shares"] or {c: None for c in CATEGORIES}
    fong = s["fong"] or {"threshold": None, "significant": None}
    row: Dict[str, Any] = {"n": s["n"]}
    row.update({c: s["counts"][c] for c in CATEGORIES})
    row.update({f"share_{c}": shares[c] for c in CATEGORIES})
    row.update(
        category=s["category"],
        contenders=",".join(s["contenders"]),
        herzberg=s["herzberg"],
        category_strength=s["category_strength"],
        total_strength=s["total_strength"],
        fong_threshold=fong["threshold"],
        fong_significant=fong["significant"],
        better=s["better"],
        worse=s["worse"],
    )
    return row


# Columns holding names (None when undefined); every other column of numbers and None is float with NaN.
_TEXT_COLUMNS = frozenset({"category", "contenders", "herzberg", "quadrant", "class", "factor", "label", "terms"})


def _frame(rows: List[Dict[str, Any]], index: str = "attribute") -> "pd.DataFrame":
    import pandas as pd

    df = pd.DataFrame(rows)
    # Undefined statistics (None) become NaN in number columns, never 0; undefined names stay None.
    for column in df.columns:
        values = df[column]
        if column not in _TEXT_COLUMNS and values.dtype == object and all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values
        ):
            df[column] = values.astype(float)
    return df.set_index(index) if index in df.columns else df


def kano_summary(counts: Any, *, rule: str = "mode", gap: float = 0.06) -> "pd.DataFrame":
    """Kano summaries of counts per category: a DataFrame with columns ``A O M I R Q`` (one row per attribute)
    or a mapping ``{attribute: {"A": 3, ...}}``. Same columns as :func:`kano` without DuMouchel."""
    import pandas as pd

    frame = pd.DataFrame.from_dict(counts, orient="index") if isinstance(counts, Mapping) else pd.DataFrame(counts)
    absent = [c for c in CATEGORIES if c not in frame.columns]
    if absent:
        raise _invalid(f"counts need a column for every Kano category; missing {', '.join(absent)}")
    values = frame[list(CATEGORIES)].to_numpy()
    bad = ~np.isfinite(values.astype(float)) | (values.astype(float) < 0) | (values.astype(float) % 1 != 0)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise _invalid(f"count {values[i, j]!r} of {CATEGORIES[j]} for {frame.index[i]!r} is not a non-negative "
                       f"whole number", "InvalidInput", i)
    summaries = json.loads(_cxkit._kano_summary(values.astype(np.uint64).tolist(), rule, gap))
    rows = [dict(_summary_row(s), attribute=name) for name, s in zip(frame.index, summaries)]
    df = _frame(rows)
    df.attrs.update(rule=rule, gap=gap if rule == "m_o_a_i" else None)
    return df


def _per_attribute(value: Any, names: Sequence[str], what: str) -> List[float]:
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise InvalidArgumentError(f"{what} names attributes that are not columns of the ratings: {unknown}")
        absent = [n for n in names if n not in value]
        if absent:
            raise InvalidArgumentError(f"{what} has no cut point for {absent}")
        return [float(value[n]) for n in names]
    return [float(value)]


def prca(
    ratings: Any,
    overall: Any,
    *,
    low: Union[float, Mapping[str, float]],
    high: Union[float, Mapping[str, float]],
    names: Optional[Sequence[str]] = None,
    bands: Tuple[float, float] = (0.2, 0.6),
    min_group: int = 10,
    missing: str = "skip",
) -> "pd.DataFrame":
    """Penalty–reward contrast analysis: ``overall`` regressed by OLS on a low dummy (rating ≤ ``low``) and a
    high dummy (rating ≥ ``high``) per attribute. ``ratings`` is a pandas or polars DataFrame or a mapping (one
    column per attribute), or a 2-D array with ``names``; cut points are one number or a mapping per attribute; ``bands`` = (hybrid,
    extreme) IA bands.

    Columns: ``n_low``, ``n_mid``, ``n_high``, ``low``, ``high``, ``penalty``, ``penalty_se``, ``penalty_p``,
    ``reward``, ``reward_se``, ``reward_p``, ``riocs``, ``sgp``, ``dgp``, ``ia``, ``class``, ``factor``. The
    model (n, n_missing, df, intercept, R², σ) and the bands are in ``attrs``.
    """
    if isinstance(ratings, Mapping):
        import pandas as pd

        ratings = pd.DataFrame(dict(ratings))
    if hasattr(ratings, "columns"):
        cols = [str(c) for c in ratings.columns]
        names = list(names) if names is not None else cols
        module = type(ratings).__module__.split(".", 1)[0]
        matrix = ratings.to_numpy() if module == "polars" else ratings.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        matrix = np.asarray(ratings)
        if names is None:
            raise InvalidArgumentError("prca needs names= for the columns of a ratings array")
        names = [str(n) for n in names]
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(names):
        raise _invalid(f"ratings must be a 2-D table with one column per attribute ({len(names)}), got shape "
                       f"{matrix.shape}")
    lows, highs = _per_attribute(low, names, "low"), _per_attribute(high, names, "high")
    if len(lows) != len(highs):
        lows, highs = (lows * len(names) if len(lows) == 1 else lows), (highs * len(names) if len(highs) == 1 else highs)
    hybrid, extreme = bands
    text = _cxkit._prca(np.ascontiguousarray(matrix).ravel(), as_float64(overall, "overall"), list(names), lows,
                        highs, float(hybrid), float(extreme), int(min_group), missing)
    result = json.loads(text)
    rows = []
    for a in result["attributes"]:
        row = {k: v for k, v in a.items() if k != "cuts"}
        row.update(low=a["cuts"]["low"], high=a["cuts"]["high"])
        rows.append(row)
    df = _frame(rows)
    df = df[["n_low", "n_mid", "n_high", "low", "high", "penalty", "penalty_se", "penalty_p", "reward",
             "reward_se", "reward_p", "riocs", "sgp", "dgp", "ia", "class", "factor"]]
    df.attrs.update({k: result[k] for k in ("n", "n_missing", "df", "intercept", "intercept_se", "r_squared",
                                            "adj_r_squared", "sigma", "min_group")})
    df.attrs["bands"] = (result["bands"]["hybrid"], result["bands"]["extreme"])
    return df


class Lexicon:
    """Themes of feedback, each with a factor (hygiene or motivator) and terms in any language.

    A term matches whole words where its edge is an ASCII letter or digit and anywhere otherwise (Japanese); a
    trailing ``*`` makes it a prefix. ``Lexicon.default()`` holds the seed's examples in English and Japanese.
    """

    def __init__(self, json_text: str) -> None:
        self._json = _cxkit._lexicon(json_text)
        self._data = json.loads(self._json)

    @classmethod
    def default(cls) -> "Lexicon":
        """The default lexicon (English and Japanese)."""
        return cls(_cxkit._default_lexicon())

    @classmethod
    def from_json(cls, source: Union[str, "os.PathLike[str]", Mapping[str, Any]]) -> "Lexicon":
        """From JSON text, a path to a JSON file, or a dict."""
        if isinstance(source, Mapping):
            return cls(json.dumps(source))
        text = str(source)
        if isinstance(source, os.PathLike) or (not text.lstrip().startswith("{") and os.path.exists(text)):
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
        return cls(text)

    def to_json(self) -> str:
        """The lexicon as JSON."""
        return self._json

    @property
    def name(self) -> str:
        """The lexicon's name."""
        return str(self._data["name"])

    @property
    def themes(self) -> "pd.DataFrame":
        """One row per theme: label, factor, terms."""
        return _frame([dict(t) for t in self._data["themes"]], index="id")

    def __repr__(self) -> str:
        return f"Lexicon({self.name!r}, {len(self._data['themes'])} themes)"


@dataclasses.dataclass(frozen=True, eq=False)
class Tagging:
    """Themes found per item and their shares with Wilson intervals."""

    lexicon: str
    n: int
    n_missing: int
    level: float
    items: "pd.DataFrame"
    """One row per input item: ``themes``, ``matched`` (the term that matched each), ``hygiene``, ``motivator``;
    None for a missing or blank item."""
    themes: "pd.DataFrame"
    """One row per theme: ``label``, ``factor``, ``count``, ``share``, ``ci_low``, ``ci_high``."""
    factors: "pd.DataFrame"
    """Items mentioning any hygiene / motivator theme."""
    untagged: Dict[str, Any]
    unmatched_tags: Dict[str, int]


def _texts(texts: Any) -> Tuple[List[Any], bool]:
    """Items as Python objects and whether they are tag lists."""
    arr = _unwrap(texts, missing_as_nan=False)
    items = list(arr.tolist() if isinstance(arr, np.ndarray) else arr)

    def missing(v: Any) -> bool:
        return v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NAType", "NaTType")

    lists = any(isinstance(v, (list, tuple, np.ndarray)) for v in items)
    out: List[Any] = []
    for i, v in enumerate(items):
        if missing(v):
            out.append(None)
        elif lists and isinstance(v, (list, tuple, np.ndarray)) and all(isinstance(t, str) for t in v):
            out.append([str(t) for t in v])
        elif not lists and isinstance(v, str):
            out.append(v)
        else:
            want = "a list of tags" if lists else "a text"
            raise _invalid(f"feedback item {v!r} at index {i} is not {want} (or None)", "InvalidInput", i)
    return out, lists


def tag_feedback(texts: Any, lexicon: Optional[Lexicon] = None, *, level: float = 0.95) -> Tagging:
    """Tags comments (strings) or tag lists (lists of strings) with the lexicon's themes. None, NaN and blank
    comments are counted in ``n_missing``; tags naming no theme are counted in ``unmatched_tags``."""
    import pandas as pd

    items, lists = _texts(texts)
    lexicon_json = lexicon.to_json() if lexicon is not None else None
    run = _cxkit._tag_lists if lists else _cxkit._tag_texts
    result = json.loads(run(items, lexicon_json, level))
    per_item = pd.DataFrame(
        [i if i is not None else {"themes": None, "matched": None, "hygiene": None, "motivator": None}
         for i in result["items"]],
        columns=["themes", "matched", "hygiene", "motivator"],
    )

    return Tagging(
        lexicon=result["lexicon"],
        n=result["n"],
        n_missing=result["n_missing"],
        level=result["level"],
        items=per_item,
        themes=_frame(result["themes"], index="id"),
        factors=_frame(result["factors"], index="factor"),
        untagged=result["untagged"],
        unmatched_tags=result["unmatched_tags"],
    )


def _flags(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(_unwrap(x, missing_as_nan=True))
    if arr.ndim != 1:
        raise _invalid(f"{name} must be one-dimensional, got an array of shape {arr.shape}")
    if arr.dtype == np.bool_:
        return np.ascontiguousarray(arr)
    if arr.dtype.kind in "iuf":
        nan = np.isnan(arr) if arr.dtype.kind == "f" else np.zeros(len(arr), dtype=bool)
        if nan.any():
            i = int(np.argmax(nan))
            raise _invalid(f"missing value (NaN) in {name} at index {i}: a flag must be true or false",
                           "MissingValue", i)
        bad = (arr != 0) & (arr != 1)
        if bad.any():
            i = int(np.argmax(bad))
            raise _invalid(f"{name} holds {arr[i]!r} at index {i}; a flag is true/false or 1/0", "InvalidInput", i)
        return np.ascontiguousarray(arr != 0)
    for i, v in enumerate(arr.tolist()):
        if not isinstance(v, (bool, np.bool_)):
            raise _invalid(f"{name} holds {v!r} at index {i}; a flag is true/false or 1/0", "InvalidInput", i)
    return np.ascontiguousarray(arr.astype(bool))


@dataclasses.dataclass(frozen=True, eq=False)
class Effortless:
    """The effortless-experience metric: problem customers × offer rate × resolution rate, and the silent share."""

    customers: int
    problem: int
    offered: int
    effortless: int
    contacted: int
    silent: int
    silent_offered: int
    level: float
    factors: "pd.DataFrame"
    """One row per factor (``problem_share``, ``offer_rate``, ``resolution_rate``, ``effortless_share``,
    ``silent_share``, ``silent_reached``): ``count``, ``of``, ``share``, ``ci_low``, ``ci_high``."""


def _effortless_result(text: str) -> Effortless:
    r = json.loads(text)
    c = r["counts"]
    return Effortless(
        customers=c["customers"],
        problem=c["problem"],
        offered=c["offered"],
        effortless=r["effortless"],
        contacted=c["contacted"],
        silent=r["silent"],
        silent_offered=c["silent_offered"],
        level=r["level"],
        factors=_frame(r["factors"], index="name"),
    )


def effortless(
    problem: Any = None,
    offered: Any = None,
    resolved: Any = None,
    contacted: Any = None,
    *,
    counts: Optional[Mapping[str, int]] = None,
    level: float = 0.95,
) -> Effortless:
    """The effortless-experience metric of seed 004 from per-customer flags (hit a problem, offered a resolution
    experience, resolved, contacted support), or from ``counts={"customers", "problem", "offered",
    "resolved_offered", "contacted", "silent_offered"}``.

    >>> import cxkit as cx
    >>> m = cx.effortless([1, 1, 1, 1, 0], [1, 1, 0, 0, 0], [1, 0, 1, 0, 0], [0, 1, 1, 0, 0])
    >>> m.effortless, m.silent, float(m.factors.loc["offer_rate", "share"])
    (1, 2, 0.5)
    """
    if counts is not None:
        if any(x is not None for x in (problem, offered, resolved, contacted)):
            raise InvalidArgumentError("effortless takes either flags or counts=, not both")
        keys = ("customers", "problem", "offered", "resolved_offered", "contacted", "silent_offered")
        unknown = sorted(set(counts) - set(keys))
        if unknown:
            raise InvalidArgumentError(f"unknown counts {unknown}; expected {', '.join(keys)}")
        values = [int(counts.get(k, 0)) for k in keys]
        if min(values) < 0:
            raise InvalidArgumentError(f"counts must be non-negative, got {dict(zip(keys, values))}")
        return _effortless_result(_cxkit._effortless_from_counts(values, level))
    flags = {"problem": problem, "offered": offered, "resolved": resolved, "contacted": contacted}
    absent = [k for k, v in flags.items() if v is None]
    if absent:
        raise InvalidArgumentError(f"effortless needs the flags {', '.join(absent)} (or counts=)")
    p, o, r, c = (_flags(v, k) for k, v in flags.items())
    return _effortless_result(_cxkit._effortless(p, o, r, c, level))
