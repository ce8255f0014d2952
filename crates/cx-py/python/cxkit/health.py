"""Health scoring: scorecards that explain themselves.

A scorecard (versioned JSON; schema in docs/scorecard.md) turns raw account measures into a 0–100 score, a band,
coverage, the override that fired, the trend against a previous snapshot, and an explanation whose contributions
add up to the score.

>>> import cxkit as cx
>>> card = cx.Scorecard.from_dict({
...     "version": 1, "name": "demo", "min_coverage": 0.5,
...     "measures": [
...         {"id": "logins", "weight": 2, "scoring": {"rule": "linear", "bad": 0, "good": 20}},
...         {"id": "tickets", "weight": 1, "scoring": {"rule": "linear", "bad": 10, "good": 0}}],
...     "bands": {"names": ["red", "yellow", "green"], "cuts": [50, 75]}})
>>> df = card.score({"account_id": ["a", "b"], "logins": [20, 5], "tickets": [0, 8]})
>>> df[["score", "band"]].round(1).values.tolist()
[[100.0, 'green'], [23.3, 'red']]
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from cxkit import _cxkit
from cxkit._input import as_days, as_float64
from cxkit.errors import ConfigError, InvalidArgumentError, InvalidInputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Scorecard", "Explanation", "validate_scores"]


def _column(data: Any, name: str) -> Any:
    try:
        return data[name]
    except (KeyError, IndexError, TypeError):
        return None


def _has(data: Any, name: str) -> bool:
    return _column(data, name) is not None


def _labels(out: Dict[str, Any], column: str) -> np.ndarray:
    """A label column of the core's batch (codes into ``<column>_names``, -1 = none) as an object array of the
    names and None."""
    names = np.array([*out[f"{column}_names"], None], dtype=object)
    return names[out[column]]  # code -1 picks the trailing None


def _missing_column(name: str, what: str) -> InvalidInputError:
    error = InvalidInputError(f"the data has no column {name!r} ({what})")
    error.kind = "MissingColumn"
    return error


class Explanation:
    """Why an account has its score: per measure the raw value, status, points, nominal and effective weight,
    contribution (contributions add up to the score) and band; per group the same. ``to_dict()`` gives it all."""

    def __init__(self, account: Any, data: Dict[str, Any]):
        self.account = account
        self._data = data

    @property
    def score(self) -> float:
        s = self._data["score"]
        return float("nan") if s is None else float(s)

    @property
    def band(self) -> Optional[str]:
        return self._data["band"]

    @property
    def coverage(self) -> float:
        return float(self._data["coverage"])

    @property
    def override(self) -> Optional[str]:
        return self._data["override_fired"]

    @property
    def measures(self) -> List[Dict[str, Any]]:
        return list(self._data["measures"])

    @property
    def groups(self) -> List[Dict[str, Any]]:
        return list(self._data["groups"])

    def to_dict(self) -> Dict[str, Any]:
        return dict(self._data, account=self.account)

    def __repr__(self) -> str:
        band = self.band or "no band"
        extra = f", override {self.override}" if self.override else ""
        return f"Explanation({self.account!r}: {self.score:.1f} {band}, coverage {self.coverage:.0%}{extra})"

    def _repr_html_(self) -> str:
        def cell(v: Any) -> str:
            if v is None or (isinstance(v, float) and v != v):
                return "–"
            return f"{v:.2f}" if isinstance(v, float) else html.escape(str(v))

        head = "".join(f"<th>{h}</th>" for h in ("measure", "raw", "status", "points", "weight", "contribution", "band"))
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{cell(x)}</td>"
                for x in (
                    m["label"],
                    m["raw"],
                    m["status"] + (" (imputed)" if m["imputed"] else ""),
                    m["points"],
                    f"{100 * m['effective_weight']:.0f}%",
                    m["contribution"],
                    m["band"],
                )
            )
            + "</tr>"
            for m in self._data["measures"]
        )
        return f"<table><caption>{html.escape(repr(self))}</caption><tr>{head}</tr>{rows}</table>"


class Scorecard:
    """A health scorecard. Build it with :meth:`from_json` or :meth:`from_dict`; score a DataFrame (or a dict
    of arrays) with one column per measure id with :meth:`score`; explain one account with :meth:`explain`."""

    def __init__(self, inner: Any):
        self._inner = inner
        self._last: Optional[Dict[str, Any]] = None

    @classmethod
    def from_json(cls, text: str) -> "Scorecard":
        """Parses and validates; a bad scorecard raises ConfigError naming the field."""
        return cls(_cxkit._Scorecard.from_json(text))

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Scorecard":
        """As :meth:`from_json`, from the dict of that JSON."""
        return cls.from_json(json.dumps(spec))

    def to_json(self) -> str:
        return str(self._inner.to_json())

    @property
    def name(self) -> str:
        return str(self._inner.name)

    @property
    def measures(self) -> List[str]:
        return list(self._inner.measures)

    @property
    def bands(self) -> List[str]:
        return list(self._inner.bands)

    def __repr__(self) -> str:
        return f"Scorecard({self.name!r}, measures={self.measures}, bands={self.bands})"

    def _inputs(
        self,
        data: Any,
        as_of: Any,
        previous: Any,
        ages: Optional[Mapping[str, Any]],
        observed: Optional[Mapping[str, Any]],
    ) -> Dict[str, Any]:
        values, age_columns = [], []
        for m in self.measures:
            column = _column(data, m)
            if column is None:
                raise _missing_column(m, "a measure of the scorecard")
            values.append(as_float64(column, m))
            age = None
            if ages and m in ages:
                age = as_float64(_column(data, ages[m]) if isinstance(ages[m], str) else ages[m], f"ages of {m}")
            elif observed and m in observed:
                if as_of is None:
                    raise InvalidArgumentError(f"observation dates for {m!r} need as_of to turn them into ages")
                dates = _column(data, observed[m]) if isinstance(observed[m], str) else observed[m]
                today = as_days([as_of], "as_of")[0]
                age = (today - as_days(dates, f"dates of {m}")).astype(np.float64)
            elif _has(data, f"{m}_age_days"):
                age = as_float64(_column(data, f"{m}_age_days"), f"{m}_age_days")
            age_columns.append(age)
        if isinstance(previous, str):
            prev_column = _column(data, previous)
            if prev_column is None:
                raise _missing_column(previous, "the previous scores")
            previous = prev_column
        prev = None if previous is None else as_float64(previous, "previous")
        return {"values": values, "ages": age_columns, "previous": prev}

    def _accounts(self, data: Any, account: str, n: int) -> Any:
        column = _column(data, account)
        if column is not None:
            return np.asarray(column)
        index = getattr(data, "index", None)
        return np.asarray(index) if index is not None else np.arange(n)

    def score(
        self,
        data: Any,
        as_of: Any = None,
        previous: Any = None,
        *,
        account: str = "account_id",
        ages: Optional[Mapping[str, Any]] = None,
        observed: Optional[Mapping[str, Any]] = None,
        population: Optional["Population"] = None,
    ) -> "pd.DataFrame":
        """Scores every account of ``data`` (a DataFrame or a dict of arrays with one column per measure id;
        NaN / None / NA = missing).

        Ages: ``ages`` maps a measure to a column (or array) of ages in days; ``observed`` maps a measure to a column
        of observation dates, turned into ages at ``as_of``; otherwise a column ``<measure>_age_days`` is used when
        present. ``previous`` is an array of last snapshot's scores, or the name of such a column.

        Columns of the result: ``account`` (from the ``account`` column, else the index), ``score`` (NaN with
        insufficient data), ``band``, ``coverage`` (0–1), ``override`` (the rule that fired), ``delta`` and
        ``trend`` (``up`` / ``down`` / ``flat`` against ``previous``), and ``contrib_<measure>`` for every measure
        (they add up to the score).

        Percentile measures rank each account within ``data``, or within ``population`` when given (see
        :meth:`population`): scoring the partitions of a table against the table's population gives the scores
        of the whole table.
        """
        import pandas as pd

        inputs = self._inputs(data, as_of, previous, ages, observed)
        reference = None if population is None else population.to_bytes()
        out = self._inner.score(inputs["values"], inputs["ages"], inputs["previous"], reference)
        n = len(out["score"])
        self._last = {"data": data, "inputs": inputs, "accounts": self._accounts(data, account, n)}
        frame: Dict[str, Any] = {
            "account": self._last["accounts"],
            "score": out["score"],
            "band": _labels(out, "band"),
            "coverage": out["coverage"],
            "override": _labels(out, "override"),
            "delta": out["delta"],
            "trend": _labels(out, "trend"),
        }
        for m, contribution in zip(self.measures, out["contributions"]):
            frame[f"contrib_{m}"] = contribution
        df = pd.DataFrame(frame)
        df.attrs.update(scorecard=self.name, bands=self.bands)
        return df

    def population(
        self,
        data: Any,
        as_of: Any = None,
        *,
        ages: Optional[Mapping[str, Any]] = None,
        observed: Optional[Mapping[str, Any]] = None,
    ) -> "Population":
        """The observed values of the percentile measures in ``data`` (same arguments as :meth:`score`): a
        partial state that merges over the partitions of a table and is passed to :meth:`score` as
        ``population``."""
        inputs = self._inputs(data, as_of, None, ages, observed)
        return Population(bytes(self._inner.population(inputs["values"], inputs["ages"])))

    def explain(
        self,
        account: Any,
        data: Any = None,
        as_of: Any = None,
        previous: Any = None,
        *,
        account_column: str = "account_id",
        ages: Optional[Mapping[str, Any]] = None,
        observed: Optional[Mapping[str, Any]] = None,
    ) -> Explanation:
        """Explains one account, by id (or row number when the data have no ids), of ``data`` or, when ``data``
        is None, of the data last given to :meth:`score` (percentile points are relative to the whole data)."""
        if data is None:
            if self._last is None:
                raise InvalidArgumentError("explain needs data, or a previous call to score")
            inputs, accounts = self._last["inputs"], self._last["accounts"]
        else:
            inputs = self._inputs(data, as_of, previous, ages, observed)
            accounts = self._accounts(data, account_column, len(inputs["values"][0]))
        rows = np.flatnonzero(accounts == account)
        if rows.size != 1:
            found = "no" if rows.size == 0 else f"{rows.size}"
            raise InvalidArgumentError(f"account {account!r}: {found} matching rows")
        result = self._inner.explain(inputs["values"], inputs["ages"], inputs["previous"], int(rows[0]))
        return Explanation(account, result)


class Population:
    """The values a scorecard's percentile measures rank against (from :meth:`Scorecard.population`): merges
    with the populations of other partitions (``merge``) and travels as bytes (``to_bytes`` / ``from_bytes``)."""

    def __init__(self, data: bytes) -> None:
        kind = _cxkit._state_kind(data)
        if kind != "population":
            raise ConfigError(f"the bytes hold a {kind}, not a population")
        self._bytes = data

    def merge(self, other: "Population") -> "Population":
        """Adds another partition's values; returns this population."""
        self._bytes = bytes(_cxkit._merge_states(self._bytes, other._bytes))
        return self

    def to_bytes(self) -> bytes:
        """The state as bytes (the core's format)."""
        return self._bytes

    @classmethod
    def from_bytes(cls, data: bytes) -> "Population":
        """Reads bytes written by :meth:`to_bytes`; damaged bytes raise ``ConfigError``."""
        return cls(bytes(data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Population) and self._bytes == other._bytes


def _bands(
    scorecard: Optional[Scorecard], bands: Union[Sequence[str], None], cuts: Optional[Sequence[float]]
) -> Tuple[List[str], List[float], str]:
    """(names worst first, cuts, cut_belongs) from a scorecard, or from names and cuts (default red / yellow /
    green at 50 and 75)."""
    if scorecard is not None:
        return list(scorecard.bands), list(scorecard._inner.band_cuts), str(scorecard._inner.cut_belongs)
    return list(bands or ["red", "yellow", "green"]), list(cuts) if cuts is not None else [50.0, 75.0], "upper"


def validate_scores(
    scores_or_bands: Any,
    churned: Any,
    *,
    scorecard: Optional[Scorecard] = None,
    bands: Union[Sequence[str], None] = None,
    cuts: Optional[Sequence[float]] = None,
    at_risk: Optional[str] = None,
) -> Dict[str, Any]:
    """How well scores (or bands) separated later churn: ROC AUC (mid-ranks; the chance that a retained account
    scored higher than a churned one), churn rate and lift per band, top-decile lift and capture, and precision /
    recall of flagging ``at_risk`` and worse bands (default: the worst band).

    Bands come from ``scorecard``, or ``bands`` (names, worst first) and ``cuts`` (default red / yellow / green
    at 50 and 75). Band labels instead of scores are ranked in the order of ``bands``.

    >>> v = validate_scores([10, 20, 60, 70, 80, 30], [1, 1, 0, 0, 0, 0])
    >>> v["auc"], v["threshold"]["recall"]
    (1.0, 1.0)
    """
    names, cut_list, belongs = _bands(scorecard, bands, cuts)
    values = np.asarray(scores_or_bands, dtype=object if not isinstance(scores_or_bands, np.ndarray) else None)
    if values.dtype.kind in "OUS" and any(isinstance(v, str) for v in values):
        rank = {name: i for i, name in enumerate(names)}
        unknown = [i for i, v in enumerate(values) if v is not None and v == v and v not in rank]
        if unknown:
            raise InvalidInputError(f"unknown band {values[unknown[0]]!r} at index {unknown[0]}; bands are {names}")
        numeric = np.array([rank[v] if isinstance(v, str) else np.nan for v in values], dtype=np.float64)
        cut_list, belongs = [i + 0.5 for i in range(len(names) - 1)], "upper"
    else:
        numeric = as_float64(scores_or_bands, "scores")
    churn = np.asarray(churned)
    churn = churn.astype(np.float64) if churn.dtype == np.bool_ else churn
    return dict(_cxkit.validate_scores(numeric, churn, names, cut_list, at_risk or names[0], belongs))
