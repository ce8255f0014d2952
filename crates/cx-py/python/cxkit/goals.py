"""SMART goals: checks with numbers, progress with projections, goal trees that roll KPIs up into their KGI.

A goal says what metric should move which way, from a baseline to a target, by when, for whom and why. The core
does the arithmetic; this module takes DataFrames or arrays and returns result objects and DataFrames.

>>> import cxkit as cx
>>> goal = cx.Goal("nps-q3", "Raise NPS by 1 point this quarter", metric="nps", unit="points",
...                baseline=32.0, change=1.0, start="2026-07-01", due="2026-09-30",
...                segment="all customers", owner="Head of CX", rationale="loyalty drives renewals",
...                responses=400, variance=0.6)
>>> report = goal.check()
>>> report.measurable.verdict, round(report.noise["margin_of_error"], 2), report.noise["responses_needed"]
('fail', 7.59, 94187)
>>> p = goal.progress((["2026-07-31", "2026-08-31"], [32.4, 33.1]), as_of="2026-08-31")
>>> p.status, p.progress
('achieved', 1.0)
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from cxkit import _cxkit
from cxkit._input import as_days, as_float64
from cxkit.errors import InvalidArgumentError, InvalidInputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Goal", "GoalTree", "SmartCheck", "Letter", "Progress", "Projection", "quarter_of", "fiscal_year_of"]

_EPOCH = _dt.date(1970, 1, 1)
_LETTERS = ("specific", "measurable", "achievable", "relevant", "time_bound")


def _day(value: Any, name: str) -> int:
    """One date (datetime.date, datetime64, pandas Timestamp or ISO string) as days since 1970-01-01."""
    return int(as_days(np.array([value]) if isinstance(value, str) else [value], name)[0])


def _date(days: int) -> _dt.date:
    return _EPOCH + _dt.timedelta(days=days)


def _iso(text: Optional[str]) -> Optional[_dt.date]:
    return None if text is None else _dt.date.fromisoformat(text)


def _iso_text(value: Any, name: str) -> Optional[str]:
    return None if value is None else _date(_day(value, name)).isoformat()


def _columns(data: Any, names: Sequence[str], what: str) -> List[Any]:
    out = []
    for name in names:
        try:
            out.append(data[name])
        except (KeyError, IndexError, TypeError):
            error = InvalidInputError(f"{what} has no column {name!r}")
            error.kind = "MissingColumn"
            raise error from None
    return out


def _dates_values(observations: Any, date: str, value: str) -> Tuple[np.ndarray, np.ndarray]:
    """Observations as (int64 days, float64 values): a DataFrame or mapping with `date` and `value` columns, a
    pair (dates, values), or a pandas Series indexed by date."""
    if isinstance(observations, tuple) and len(observations) == 2:
        dates, values = observations
    elif hasattr(observations, "index") and hasattr(observations, "dtype") and not hasattr(observations, "columns"):
        dates, values = observations.index, observations
    else:
        dates, values = _columns(observations, (date, value), "observations")
    return as_days(dates, "dates"), as_float64(values, "values")


class Letter(NamedTuple):
    """One SMART letter: ``verdict`` is ``"pass"``, ``"warn"`` or ``"fail"``; ``reason`` says why."""

    verdict: str
    reason: str


class SmartCheck:
    """The SMART report of one goal: a :class:`Letter` per letter, the overall (worst) ``verdict``, and the numbers
    behind Measurable (``noise``: margin of error, detectable change, responses needed) and Achievable (``pace``:
    required against historical change per day)."""

    def __init__(self, data: Dict[str, Any]):
        self._data = data

    @property
    def goal(self) -> str:
        return str(self._data["goal"])

    @property
    def verdict(self) -> str:
        return str(self._data["verdict"])

    def _letter(self, name: str) -> Letter:
        return Letter(self._data[name]["verdict"], self._data[name]["reason"])

    @property
    def specific(self) -> Letter:
        return self._letter("specific")

    @property
    def measurable(self) -> Letter:
        return self._letter("measurable")

    @property
    def achievable(self) -> Letter:
        return self._letter("achievable")

    @property
    def relevant(self) -> Letter:
        return self._letter("relevant")

    @property
    def time_bound(self) -> Letter:
        return self._letter("time_bound")

    @property
    def letters(self) -> Dict[str, Letter]:
        return {name: self._letter(name) for name in _LETTERS}

    @property
    def noise(self) -> Optional[Dict[str, Any]]:
        return self._data["noise"]

    @property
    def pace(self) -> Optional[Dict[str, Any]]:
        return self._data["pace"]

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(json.dumps(self._data))

    def __repr__(self) -> str:
        marks = " ".join(f"{n[0].upper()}:{self._data[n]['verdict']}" for n in _LETTERS)
        return f"SmartCheck({self.goal!r}: {self.verdict}; {marks})"

    def _repr_html_(self) -> str:
        colour = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e"}
        rows = "".join(
            f"<tr><th>{n.replace('_', '-').capitalize()}</th>"
            f"<td style='color:{colour[l.verdict]}'>{l.verdict}</td><td>{html.escape(l.reason)}</td></tr>"
            for n, l in self.letters.items()
        )
        caption = html.escape(f"SMART check of {self.goal}: {self.verdict}")
        return f"<table><caption>{caption}</caption>{rows}</table>"


@dataclass(frozen=True)
class Projection:
    """The least-squares line through the observations since the start, at the due date."""

    value_at_due: float
    slope_per_day: float
    n: int
    reaches_target: bool


@dataclass(frozen=True)
class Progress:
    """A goal's progress at ``as_of``: ``progress`` and ``expected_progress`` in 0..1, ``status`` (``not_started``,
    ``on_track``, ``at_risk``, ``off_track``, ``achieved``, ``missed``) with its ``reason``, the ``current`` value
    used, the projection to the due date, and how many observations were used or left out (before the start,
    after the cut-off)."""

    goal: str
    as_of: _dt.date
    status: str
    reason: str
    baseline: float
    target: float
    current: Optional[float]
    current_date: Optional[_dt.date]
    progress: float
    expected_progress: float
    projection: Optional[Projection]
    n_used: int
    n_before_start: int
    n_after_cutoff: int
    at_risk_gap: float
    off_track_gap: float

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Progress":
        p = d["projection"]
        return cls(
            goal=d["goal"],
            as_of=_dt.date.fromisoformat(d["as_of"]),
            status=d["status"],
            reason=d["reason"],
            baseline=float(d["baseline"]),
            target=float(d["target"]),
            current=None if d["current"] is None else float(d["current"]),
            current_date=_iso(d["current_date"]),
            progress=float(d["progress"]),
            expected_progress=float(d["expected_progress"]),
            projection=None if p is None else Projection(float(p["value_at_due"]), float(p["slope_per_day"]), int(p["n"]), bool(p["reaches_target"])),
            n_used=int(d["n_used"]),
            n_before_start=int(d["n_before_start"]),
            n_after_cutoff=int(d["n_after_cutoff"]),
            at_risk_gap=float(d["tolerances"]["at_risk_gap"]),
            off_track_gap=float(d["tolerances"]["off_track_gap"]),
        )

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:
        return (
            f"Progress({self.goal!r}: {self.status}, {self.progress:.0%} done, "
            f"{self.expected_progress:.0%} expected by {self.as_of})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("status", self.status),
            ("progress", f"{self.progress:.0%} (expected {self.expected_progress:.0%})"),
            ("current", "–" if self.current is None else f"{self.current:g} on {self.current_date}"),
            ("baseline → target", f"{self.baseline:g} → {self.target:g}"),
            (
                "projection at due",
                "–"
                if self.projection is None
                else f"{self.projection.value_at_due:.3g} ({'reaches' if self.projection.reaches_target else 'falls short of'} the target)",
            ),
            ("why", self.reason),
        ]
        body = "".join(f"<tr><th>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        return f"<table><caption>{html.escape(self.goal)} at {self.as_of}</caption>{body}</table>"


def _target(target: Optional[float], change: Optional[float], change_pct: Optional[float]) -> Optional[Dict[str, Any]]:
    given = [(k, v) for k, v in (("target", target), ("change", change), ("change_pct", change_pct)) if v is not None]
    if len(given) > 1:
        raise InvalidArgumentError(f"give one of target, change, change_pct; got {', '.join(k for k, _ in given)}")
    if not given:
        return None
    kind, value = given[0]
    return {
        "target": {"kind": "value", "value": value},
        "change": {"kind": "change", "by": value},
        "change_pct": {"kind": "relative_change", "percent": value},
    }[kind]


class Goal:
    """A SMART goal (see ``docs/goals.md`` for the JSON form and every rule).

    The target is one of ``target`` (a value), ``change`` (a signed change from the baseline) or ``change_pct``
    (a signed percentage of the baseline: ``-20`` cuts by 20%). ``responses`` (per period) and ``variance``
    (per respondent, on the metric's own scale: 0.6 for a typical NPS; default the worst case) let the SMART check
    weigh the target against the survey's margin of error at ``level`` (0.95) and ``power`` (0.8). ``band`` is the
    allowed deviation of a ``maintain`` goal.
    """

    def __init__(
        self,
        id: str,
        title: str,
        *,
        metric: Optional[str] = None,
        unit: Optional[str] = None,
        direction: str = "increase",
        baseline: Optional[float] = None,
        baseline_date: Any = None,
        target: Optional[float] = None,
        change: Optional[float] = None,
        change_pct: Optional[float] = None,
        band: Optional[float] = None,
        start: Any = None,
        due: Any = None,
        owner: Optional[str] = None,
        segment: Optional[str] = None,
        touchpoint: Optional[str] = None,
        parent: Optional[str] = None,
        weight: float = 1.0,
        rationale: Optional[str] = None,
        responses: Optional[int] = None,
        variance: Optional[float] = None,
        level: Optional[float] = None,
        power: Optional[float] = None,
        outcome: Optional[str] = None,
    ):
        doc: Dict[str, Any] = {"version": 1, "id": id, "title": title, "direction": direction, "weight": weight}
        optional: Dict[str, Any] = {
            "metric": metric,
            "unit": unit,
            "target": _target(target, change, change_pct),
            "band": band,
            "start": _iso_text(start, "start"),
            "due": _iso_text(due, "due"),
            "owner": owner,
            "parent": parent,
            "rationale": rationale,
            "outcome": outcome,
        }
        # Arguments that only mean something with another one are errors alone, never silently ignored.
        for name, value, needs, present in (
            ("baseline_date", baseline_date, "baseline", baseline),
            ("variance", variance, "responses", responses),
            ("level", level, "responses", responses),
            ("power", power, "responses", responses),
        ):
            if value is not None and present is None:
                raise InvalidArgumentError(f"{name} needs {needs}")
        if baseline is not None:
            optional["baseline"] = {"value": baseline, "date": _iso_text(baseline_date, "baseline_date")}
            if baseline_date is None:
                del optional["baseline"]["date"]
        if segment is not None or touchpoint is not None:
            optional["scope"] = {k: v for k, v in (("segment", segment), ("touchpoint", touchpoint)) if v is not None}
        if responses is not None:
            m = {"responses": responses, "variance": variance, "level": level, "power": power}
            optional["measurement"] = {k: v for k, v in m.items() if v is not None}
        doc.update({k: v for k, v in optional.items() if v is not None})
        self._goal = _cxkit._Goal.from_json(json.dumps(doc))

    @classmethod
    def _wrap(cls, handle: Any) -> "Goal":
        goal = cls.__new__(cls)
        goal._goal = handle
        return goal

    @classmethod
    def from_json(cls, text: str) -> "Goal":
        """A goal from its versioned JSON document; errors name the bad field."""
        return cls._wrap(_cxkit._Goal.from_json(text))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> "Goal":
        """A goal from a dict of its JSON document."""
        return cls.from_json(json.dumps(doc))

    def to_json(self) -> str:
        return str(self._goal.to_json())

    def to_dict(self) -> Dict[str, Any]:
        return dict(json.loads(self.to_json()))

    @property
    def id(self) -> str:
        return str(self.to_dict()["id"])

    @property
    def title(self) -> str:
        return str(self.to_dict()["title"])

    def __repr__(self) -> str:
        d = self.to_dict()
        return f"Goal({d['id']!r}: {d['title']!r}, {d['direction']}, due {d.get('due', '–')})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Goal) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def check(self, history: Any = None, *, date: str = "date", value: str = "value") -> SmartCheck:
        """The SMART check. ``history`` (the metric's past, as for :meth:`progress`) lets Achievable compare the
        pace the goal needs with the pace the history shows."""
        if history is None:
            return SmartCheck(json.loads(self._goal.check()))
        days, values = _dates_values(history, date, value)
        return SmartCheck(json.loads(self._goal.check(days, values)))

    def progress(
        self,
        observations: Any,
        as_of: Any,
        *,
        date: str = "date",
        value: str = "value",
        at_risk_gap: float = 0.10,
        off_track_gap: float = 0.25,
    ) -> Progress:
        """Progress at ``as_of`` from observations: a DataFrame (or mapping) with ``date`` and ``value`` columns, a
        pair ``(dates, values)``, or a Series indexed by date. Unsorted input is fine; two values on one date, a
        missing value or a bad date is an error naming its index."""
        days, values = _dates_values(observations, date, value)
        data = self._goal.progress(days, values, _day(as_of, "as_of"), (at_risk_gap, off_track_gap))
        return Progress._from(json.loads(data))


class GoalTree:
    """Goals linked by ``parent`` (KGI → KPIs): unique ids, known parents, no cycles. :meth:`progress` rolls
    progress up by weight and status worst-of; :meth:`success_rate` scores closed goals."""

    def __init__(self, goals: Sequence[Goal]):
        docs = [g.to_dict() for g in goals]
        self._tree = _cxkit._GoalTree.from_json(json.dumps({"version": 1, "goals": docs}))

    @classmethod
    def from_json(cls, text: str) -> "GoalTree":
        """A tree from ``{"version": 1, "goals": [...]}``."""
        tree = cls.__new__(cls)
        tree._tree = _cxkit._GoalTree.from_json(text)
        return tree

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> "GoalTree":
        return cls.from_json(json.dumps(doc))

    def to_json(self) -> str:
        return str(self._tree.to_json())

    @property
    def goals(self) -> List[Goal]:
        return [Goal.from_json(text) for text in self._tree.goals()]

    def __len__(self) -> int:
        return len(self._tree.goals())

    def __repr__(self) -> str:
        return f"GoalTree({[g.id for g in self.goals]})"

    def progress(
        self,
        observations: Any,
        as_of: Any,
        *,
        goal: str = "goal",
        date: str = "date",
        value: str = "value",
        at_risk_gap: float = 0.10,
        off_track_gap: float = 0.25,
    ) -> "pd.DataFrame":
        """Progress of every goal, parents first: a DataFrame with the goal's own progress and status, the
        rolled-up progress (children weighted) and worst-of status, the projection and the reason.

        ``observations`` is a long table with ``goal``, ``date`` and ``value`` columns, or a mapping from goal id to
        observations as :meth:`Goal.progress` takes them. An id that is not in the tree is an error."""
        import pandas as pd

        if isinstance(observations, Mapping) and goal not in observations:
            ids: List[str] = []
            parts_d, parts_v = [], []
            for gid, obs in observations.items():
                d, v = _dates_values(obs, date, value)
                ids.extend([str(gid)] * len(d))
                parts_d.append(d)
                parts_v.append(v)
            days = np.concatenate(parts_d) if parts_d else np.zeros(0, np.int64)
            values = np.concatenate(parts_v) if parts_v else np.zeros(0)
        else:
            g, d, v = _columns(observations, (goal, date, value), "observations")
            ids = [str(x) for x in (g.tolist() if hasattr(g, "tolist") else list(g))]
            days, values = as_days(d, "dates"), as_float64(v, "values")
        data = json.loads(self._tree.progress(ids, days, values, _day(as_of, "as_of"), (at_risk_gap, off_track_gap)))
        rows = []
        for node in data["goals"]:
            own = Progress._from(node["own"])
            rows.append(
                {
                    "goal": node["goal"],
                    "parent": node["parent"],
                    "depth": node["depth"],
                    "weight": node["weight"],
                    "cancelled": node["cancelled"],
                    "status": own.status,
                    "progress": own.progress,
                    "expected_progress": own.expected_progress,
                    "current": np.nan if own.current is None else own.current,
                    "current_date": own.current_date,
                    "baseline": own.baseline,
                    "target": own.target,
                    "projection_at_due": np.nan if own.projection is None else own.projection.value_at_due,
                    "projection_reaches_target": None if own.projection is None else own.projection.reaches_target,
                    "rolled_progress": node["rolled_progress"],
                    "rolled_status": node["rolled_status"],
                    "reason": own.reason,
                }
            )
        frame = pd.DataFrame(rows)
        frame.attrs.update(as_of=_dt.date.fromisoformat(data["as_of"]), at_risk_gap=at_risk_gap, off_track_gap=off_track_gap)
        return frame

    def check(self, history: Any = None, *, goal: str = "goal", date: str = "date", value: str = "value") -> "pd.DataFrame":
        """The SMART check of every goal, one row per goal and letter (``goal``, ``letter``, ``verdict``,
        ``reason``). ``history`` is a long table or mapping as for :meth:`progress`; goals without history are
        checked without."""
        import pandas as pd

        per_goal: Dict[str, Any] = {}
        if isinstance(history, Mapping) and goal not in history:
            per_goal = dict(history)
        elif history is not None:
            g, d, v = _columns(history, (goal, date, value), "history")
            ids = np.asarray([str(x) for x in (g.tolist() if hasattr(g, "tolist") else list(g))], dtype=object)
            days, values = as_days(d, "dates"), as_float64(v, "values")
            per_goal = {gid: (days[ids == gid], values[ids == gid]) for gid in dict.fromkeys(ids.tolist())}
        self._tree.codes([str(gid) for gid in per_goal])  # an id not in the tree is the core's UnknownId error
        known = {g.id: g for g in self.goals}
        rows = []
        for gid, g in known.items():
            report = g.check(per_goal.get(gid), date=date, value=value)
            for name, letter in report.letters.items():
                rows.append({"goal": gid, "letter": name, "verdict": letter.verdict, "reason": letter.reason})
        return pd.DataFrame(rows)

    def success_rate(self) -> Dict[str, Any]:
        """Closed goals: ``rate`` (achieved 1, partially 0.5, missed 0; cancelled and open excluded) and the counts.
        No closed goal is an :class:`~cxkit.EmptyInputError`, not 0."""
        return dict(json.loads(self._tree.success_rate()))


def quarter_of(date: Any, fiscal_start_month: int = 1) -> Tuple[_dt.date, _dt.date]:
    """First and last day of the (fiscal) quarter holding ``date``: "this quarter" for a goal.

    >>> import cxkit as cx
    >>> cx.quarter_of("2026-05-20", fiscal_start_month=4)
    (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    """
    a, b = _cxkit._quarter_of(_day(date, "date"), fiscal_start_month)
    return _date(a), _date(b)


def fiscal_year_of(date: Any, fiscal_start_month: int = 1) -> Tuple[_dt.date, _dt.date]:
    """First and last day of the fiscal year holding ``date`` (named by the year it starts in).

    >>> import cxkit as cx
    >>> cx.fiscal_year_of("2026-02-10", fiscal_start_month=4)
    (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    """
    a, b = _cxkit._fiscal_year_of(_day(date, "date"), fiscal_start_month)
    return _date(a), _date(b)
