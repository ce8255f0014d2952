"""Customer journeys: success roadmaps evaluated per account and over a portfolio, and the event-log funnel.

A roadmap is an ordered list of stages with exit criteria, standard tasks by owner, guided actions ("when X, do
Y") and touchpoints. Facts about accounts arrive as long tables; the core replays each account day by day to
``as_of`` and returns where it stands, which tasks are open or overdue and which actions fired with the values
that fired them.

>>> import cxkit as cx
>>> roadmap = cx.Roadmap.from_json('''{"version": 1, "name": "trial", "stages": [
...     {"id": "trial", "name": "Trial", "exit": "decided >= 1", "expected_days": 14, "max_days": 30},
...     {"id": "use", "name": "Use"}],
...   "actions": [{"id": "nudge", "name": "Call the admin", "kind": "risk", "target": "admin",
...                "when": "logins < 3"}]}''')
>>> accounts = {"account": ["acme"], "start": ["2025-01-01"]}
>>> metrics = {"account": ["acme", "acme"], "metric": ["logins", "logins"],
...            "date": ["2025-01-03", "2025-01-10"], "value": [1.0, 5.0]}
>>> e = roadmap.evaluate(accounts, metrics=metrics, as_of="2025-01-20")
>>> row = e.accounts.iloc[0]
>>> row.stage, row.status, int(row.days_in_stage)
('trial', 'behind', 19)
>>> e.fired[["action", "date", "values"]].values.tolist()
[['nudge', Timestamp('2025-01-03 00:00:00'), {'logins': 1.0}]]
>>> cx.funnel([1, 1, 2], ["visit", "buy", "visit"], [0, 5, 3], steps=["visit", "buy"], window=10)[
...     ["event", "reached", "conversion_from_entry"]].values.tolist()
[['visit', 2, 1.0], ['buy', 1, 0.5]]
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from cxkit import _cxkit
from cxkit._input import as_days, as_float64
from cxkit.errors import InvalidArgumentError, InvalidInputError
from cxkit.goals import _day
from cxkit.health import Scorecard
from cxkit.survey import Metric, metric_spec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Roadmap", "Evaluation", "Portfolio", "funnel"]

Table = Any
"""A pandas or polars DataFrame, or a mapping of column name to a sequence."""

# The long tables of dated facts beside metrics: (argument, its name column).
_LONG_TABLES = (("events", "event"), ("tasks", "task"), ("executions", "action"))


def _column(table: Table, name: str, column: str) -> Any:
    try:
        return table[column]
    except (KeyError, TypeError, IndexError):
        raise InvalidInputError(f"{name} needs a column `{column}`") from None


def _strings(table: Table, name: str, column: str) -> List[str]:
    values = _column(table, name, column)
    values = values.to_list() if hasattr(values, "to_list") else list(values)
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise InvalidInputError(f"{name}.{column} at row {i} is {v!r}, not a string")
    return values


def _days(table: Table, name: str, column: str) -> List[int]:
    return as_days(_column(table, name, column), f"{name}.{column}").tolist()


def _columns_of(table: Table) -> List[str]:
    return list(table.columns) if hasattr(table, "columns") else list(table.keys())


def _empty_table() -> Tuple[List[str], List[str], List[int]]:
    return [], [], []


def _facts_tables(
    accounts: Union[Table, Sequence[str]],
    metrics: Optional[Table],
    events: Optional[Table],
    tasks: Optional[Table],
    executions: Optional[Table],
) -> Tuple[Any, ...]:
    """The long tables the core builds account facts from."""
    if isinstance(accounts, Mapping) or hasattr(accounts, "columns"):
        table: Any = accounts
        ids = _strings(table, "accounts", "account")
        names = _columns_of(table)
        starts: Tuple[List[str], List[int]] = ([], [])
        if "start" in names:
            days = as_days(table["start"], "accounts.start")
            known = days != np.iinfo(np.int64).min  # NaT: no start date for that account
            starts = ([a for a, k in zip(ids, known) if k], days[known].tolist())
        anchors = _empty_table()
        for column in names:
            if column in ("account", "start"):
                continue
            days = as_days(table[column], f"accounts.{column}")
            known = days != np.iinfo(np.int64).min
            anchors[0].extend(a for a, k in zip(ids, known) if k)
            anchors[1].extend([str(column)] * int(known.sum()))
            anchors[2].extend(days[known].tolist())
    else:
        ids = [str(a) for a in accounts]
        starts, anchors = ([], []), _empty_table()
    metric_table: Tuple[List[str], List[str], List[int], List[float]] = ([], [], [], [])
    if metrics is not None:
        metric_table = (
            _strings(metrics, "metrics", "account"),
            _strings(metrics, "metrics", "metric"),
            _days(metrics, "metrics", "date"),
            as_float64(_column(metrics, "metrics", "value"), "metrics.value").tolist(),
        )
    tables = {"events": events, "tasks": tasks, "executions": executions}
    long = []
    for name, label in _LONG_TABLES:
        table = tables[name]
        long.append(
            _empty_table()
            if table is None
            else (_strings(table, name, "account"), _strings(table, name, label), _days(table, name, "date"))
        )
    return (ids, starts, anchors, metric_table, *long)


def _frame(rows: List[Dict[str, Any]], columns: Sequence[str], dates: Sequence[str] = ()) -> "pd.DataFrame":
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(columns))
    for c in dates:
        df[c] = pd.to_datetime(df[c])
    return df


class Evaluation:
    """Every account at ``as_of``: ``accounts`` (one row each), ``tasks`` and ``fired`` (long), and the raw
    evaluations (``raw``, the core's JSON as dicts)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.raw: List[Dict[str, Any]] = json.loads(handle.to_json())

    def to_json(self) -> str:
        """The core's JSON (a list, one element per account)."""
        return str(self._handle.to_json())

    @property
    def accounts(self) -> "pd.DataFrame":
        """One row per account: stage, entered, days_in_stage, status, reason, task counts by owner, actions fired
        and open, next tasks."""
        rows = []
        for e in self.raw:
            row = {k: e[k] for k in ("account", "stage", "entered", "days_in_stage", "status", "reason")}
            for o in e["tasks_by_owner"]:
                for state in ("done", "open", "overdue"):
                    row[f"{o['owner']}_{state}"] = o[state]
            row["fired"] = len(e["fired"])
            row["open_actions"] = sum(f["executed"] is None for f in e["fired"])
            row["next_tasks"] = e["next_tasks"]
            row["facts_after_as_of"] = e["facts_after_as_of"]
            rows.append(row)
        owners = [f"{o}_{s}" for o in ("customer", "vendor", "joint") for s in ("done", "open", "overdue")]
        columns = ["account", "stage", "entered", "days_in_stage", "status", "reason", *owners, "fired",
                   "open_actions", "next_tasks", "facts_after_as_of"]  # fmt: skip
        df = _frame(rows, columns, ["entered"])
        df["days_in_stage"] = df["days_in_stage"].astype("Int64")
        return df

    @property
    def tasks(self) -> "pd.DataFrame":
        """One row per task of a stage each account entered: due, done, status, on_time."""
        rows = [{"account": e["account"], **t} for e in self.raw for t in e["tasks"]]
        columns = ["account", "task", "stage", "owner", "required", "due", "done", "status", "on_time"]
        return _frame(rows, columns, ["due", "done"])

    @property
    def fired(self) -> "pd.DataFrame":
        """One row per guided action fired: kind, target, date, stage, the values that fired it (a dict), executed."""
        rows = [
            {"account": e["account"], **f, "values": {v["what"]: v["value"] for v in f["values"]}}
            for e in self.raw
            for f in e["fired"]
        ]
        columns = ["account", "action", "kind", "target", "date", "stage", "values", "executed"]
        return _frame(rows, columns, ["date", "executed"])

    def portfolio(self) -> "Portfolio":
        """The portfolio view of these evaluations."""
        return Portfolio(json.loads(self._handle.portfolio()))

    def __repr__(self) -> str:
        return f"Evaluation({len(self.raw)} accounts)"


class Portfolio:
    """The portfolio at ``as_of``: ``stages`` (the stage funnel, ending with the ``completed`` row), ``tasks``
    (execution rate per stage and owner), ``actions`` (guided-action execution rate), ``stalled``; ``raw`` holds the
    core's JSON as a dict."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        self.raw = raw
        self.as_of = raw["as_of"]
        self.n_accounts: int = raw["n_accounts"]
        self.not_started: int = raw["not_started"]

    def to_json(self) -> str:
        """The core's JSON."""
        return json.dumps(self.raw)

    @property
    def stages(self) -> "pd.DataFrame":
        """One row per stage and a last ``completed`` row; NaN where undefined."""
        columns = ["stage", "current", "on_track", "behind", "stuck", "reached", "in_progress", "dropped",
                   "conversion_from_previous", "conversion_from_entry", "days_to_reach_p50", "days_to_reach_p90"]  # fmt: skip
        return _nan_for_null(_frame(self.raw["stages"], columns), columns[8:])

    @property
    def tasks(self) -> "pd.DataFrame":
        """Standard-task execution: completed by due / due, per stage and owner."""
        columns = ["stage", "owner", "due", "done_by_due", "rate"]
        return _nan_for_null(_frame(self.raw["tasks"], columns), ["rate"])

    @property
    def actions(self) -> "pd.DataFrame":
        """Guided-action execution: executed / triggered, per action."""
        columns = ["action", "kind", "triggered", "executed", "open", "rate"]
        return _nan_for_null(_frame(self.raw["actions"], columns), ["rate"])

    @property
    def stalled(self) -> "pd.DataFrame":
        """Stuck accounts first, then behind, longest in stage first."""
        return _frame(self.raw["stalled"], ["account", "stage", "days_in_stage", "status", "reason"])

    def __repr__(self) -> str:
        return f"Portfolio({self.raw['roadmap']!r}, {self.n_accounts} accounts at {self.as_of})"


def _nan_for_null(df: "pd.DataFrame", columns: Sequence[str]) -> "pd.DataFrame":
    for c in columns:
        df[c] = df[c].astype(float)
    return df


class Roadmap:
    """A validated success roadmap. Build it with :meth:`from_json`."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._doc: Dict[str, Any] = json.loads(handle.to_json())

    @classmethod
    def from_json(cls, source: Union[str, "os.PathLike[str]", Mapping[str, Any]]) -> "Roadmap":
        """From the JSON text, a path to a ``.json`` file, or the dict of the JSON."""
        if isinstance(source, Mapping):
            text = json.dumps(source)
        elif isinstance(source, os.PathLike) or (isinstance(source, str) and source.endswith(".json")):
            with open(source, encoding="utf-8") as f:
                text = f.read()
        else:
            text = source
        return cls(_cxkit._Roadmap.from_json(text))

    def to_json(self) -> str:
        """The roadmap as versioned JSON."""
        return str(self._handle.to_json())

    @property
    def name(self) -> str:
        """The roadmap's name."""
        return str(self._doc["name"])

    @property
    def stages(self) -> List[str]:
        """The stage ids, in order."""
        return [s["id"] for s in self._doc["stages"]]

    def evaluate(
        self,
        accounts: Union[Table, Sequence[str]],
        metrics: Optional[Table] = None,
        events: Optional[Table] = None,
        tasks: Optional[Table] = None,
        executions: Optional[Table] = None,
        *,
        as_of: Any,
    ) -> Evaluation:
        """Every account at ``as_of``.

        ``accounts``: a table with column ``account``, optionally ``start``, and one date column per anchor
        (``go_live``...; NaT where unknown), or a list of account ids. ``metrics``: columns ``account``, ``metric``,
        ``date``, ``value``. ``events``: ``account``, ``event``, ``date``. ``tasks`` (completions): ``account``,
        ``task``, ``date``. ``executions`` (of guided actions): ``account``, ``action``, ``date``.
        """
        tables = _facts_tables(accounts, metrics, events, tasks, executions)
        return Evaluation(self._handle.evaluate(_day(as_of, "as_of"), *tables))

    def portfolio(
        self,
        accounts: Union[Table, Sequence[str]],
        metrics: Optional[Table] = None,
        events: Optional[Table] = None,
        tasks: Optional[Table] = None,
        executions: Optional[Table] = None,
        *,
        as_of: Any,
    ) -> Portfolio:
        """The portfolio view at ``as_of`` (same tables as :meth:`evaluate`)."""
        return self.evaluate(accounts, metrics, events, tasks, executions, as_of=as_of).portfolio()

    def evaluate_json(self, facts: Union[str, Mapping[str, Any]], *, as_of: Any) -> Evaluation:
        """Every account of a facts document (``{"accounts": [...]}``, JSON text or dict) at ``as_of``."""
        text = facts if isinstance(facts, str) else json.dumps(facts)
        return Evaluation(self._handle.evaluate_json(text, _day(as_of, "as_of")))

    def candidates(self) -> "pd.DataFrame":
        """Health-score candidates from the guided actions' measurable conditions."""
        rows = json.loads(self._handle.candidates())
        return _frame(rows, ["measure", "label", "actions", "kind", "condition", "scoring"])

    def scorecard_skeleton(self) -> Scorecard:
        """The candidates as a :class:`Scorecard` to tune."""
        return Scorecard.from_json(self._handle.scorecard_skeleton())

    def touchpoint_scores(
        self,
        touchpoints: Any,
        scores: Any,
        metric: Metric = "csat",
        *,
        interval: Optional[str] = None,
        level: float = 0.95,
        missing: str = "skip",
        min_n: int = 1,
    ) -> "pd.DataFrame":
        """A survey metric per touchpoint (``touchpoints[i]`` is the touchpoint response ``i`` is about), one row per
        touchpoint of the roadmap with its phase, channel, owner and factor."""
        keys = touchpoints.to_list() if hasattr(touchpoints, "to_list") else [str(t) for t in touchpoints]
        spec = metric_spec(metric)
        rows = json.loads(self._handle.touchpoint_scores(scores, keys, spec, interval, level, missing, min_n))
        out = []
        for r in rows:
            e = r.pop("estimate") or {}
            out.append({**r, **{k: e.get(k) for k in ("value", "ci_low", "ci_high", "n")}})
        columns = ["touchpoint", "phase", "channel", "owner", "factor", "value", "ci_low", "ci_high", "n", "note"]
        df = _frame(out, columns)
        return _nan_for_null(df, ["value", "ci_low", "ci_high"])

    def __repr__(self) -> str:
        return f"Roadmap({self.name!r}, stages={self.stages})"


def _numpy(x: Any) -> np.ndarray:
    """A pandas or polars Series (``to_numpy``), or any sequence, as a numpy array."""
    return np.asarray(x.to_numpy() if hasattr(x, "to_numpy") else x)


def _is_datetime(x: Any) -> bool:
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return str(dtype).startswith("datetime64")
    return len(x) > 0 and hasattr(next(iter(x)), "year")


def funnel(
    account_ids: Any,
    events: Any,
    timestamps: Any,
    steps: Sequence[Any],
    window: Any,
    mode: str = "ordered",
    as_of: Any = None,
) -> "pd.DataFrame":
    """The event-log funnel: how far accounts get through ``steps`` within ``window`` of their entry event.

    ``account_ids``: integers or strings; ``events``: any labels (those not in ``steps`` are other events);
    ``timestamps``: integers in any unit (then ``window`` and ``as_of`` are in that unit) or datetimes (then
    ``window`` is a ``pandas.Timedelta`` or its text, ``as_of`` a date-time, and times come back as Timedeltas).
    ``mode``: ``ordered``, ``strict`` or ``any_order``. Input need not be sorted. Ties at one timestamp are taken in
    step order. Accounts still inside their window at ``as_of`` are ``in_progress``, not dropped.
    """
    steps = list(steps)
    plan = _FunnelPlan(steps, _is_datetime(timestamps), window, as_of)
    ids, ts = plan.accounts(account_ids), plan.timestamps(timestamps)
    events_in, step_ids = plan.events(events)
    if step_ids is not None:
        result = json.loads(_cxkit._funnel_ids(ids, events_in, ts, step_ids, plan.step_codes, plan.window, mode,
                                               plan.as_of))  # fmt: skip
    else:
        result = json.loads(_cxkit._funnel(ids, events_in, ts, plan.step_codes, plan.window, mode, plan.as_of))
    return plan.frame(result)


class _FunnelPlan:
    """How a funnel call's columns reach the core: step labels as codes 0..k (event ids kept as int64 when both
    they and the steps are integers, for coding in Rust), account ids as int64, times in integer units (ns for
    datetimes); and how the core's JSON result becomes the DataFrame."""

    def __init__(self, steps: List[Any], dated: bool, window: Any, as_of: Any) -> None:
        import pandas as pd

        if not steps:
            raise InvalidArgumentError("steps must name at least one event")
        self.steps, self.dated = steps, dated
        self.labels = pd.Index(pd.unique(pd.Index(steps)))
        self.step_codes = [int(c) for c in self.labels.get_indexer(steps)]
        if dated:
            self.window = int(pd.Timedelta(window).value)
            self.as_of = None if as_of is None else int(pd.Timestamp(as_of).value)
        else:
            self.window, self.as_of = int(window), None if as_of is None else int(as_of)

    @staticmethod
    def accounts(account_ids: Any) -> np.ndarray:
        import pandas as pd

        ids = _numpy(account_ids)
        return ids if ids.dtype.kind in "iu" else pd.factorize(ids)[0].astype(np.int64)

    def timestamps(self, timestamps: Any) -> np.ndarray:
        import pandas as pd

        if _is_datetime(timestamps) != self.dated:
            kind = "date-times" if self.dated else "integers"
            raise InvalidInputError(f"timestamps must be {kind} for this funnel (its window is given in those units)")
        if self.dated:
            return pd.to_datetime(timestamps).to_numpy(dtype="datetime64[ns]").view(np.int64)
        return _numpy(timestamps)

    def events(self, events: Any) -> Tuple[np.ndarray, Optional[List[int]]]:
        """(int64 event ids, step ids) when both are integers, else (uint32 codes, None)."""
        raw = _numpy(events)
        if raw.dtype.kind in "iu" and all(isinstance(s, (int, np.integer)) for s in self.labels):
            return raw, [int(s) for s in self.labels]
        codes = self.labels.get_indexer(raw.astype(object))
        return np.where(codes < 0, len(self.labels), codes).astype(np.uint32), None

    def frame(self, result: Dict[str, Any]) -> "pd.DataFrame":
        import pandas as pd

        rows = [{**s, "event": self.steps[s["step"]]} for s in result["steps"]]
        columns = ["step", "event", "reached", "in_progress", "dropped", "conversion_from_previous",
                   "conversion_from_entry", "time_to_convert_p50", "time_to_convert_p90"]  # fmt: skip
        df = _nan_for_null(_frame(rows, columns), columns[5:])
        if self.dated:
            for c in ("time_to_convert_p50", "time_to_convert_p90"):
                df[c] = pd.to_timedelta(df[c], unit="ns")
        df.attrs.update({k: result[k] for k in ("mode", "ties", "n_events", "n_accounts")})
        return df
