"""Partial states: what each partition of a Spark or Dask table computes, ships as bytes and merges.

Every state here is built from some rows (``add``), merges with another state of the same kind (``merge``:
associative and commutative, an empty state is the identity) and round-trips through ``to_bytes`` /
``from_bytes`` (the Rust core's compact, checksummed format, the same from C; damaged bytes raise
``ConfigError``). The merged state gives the single-machine answer: counts exactly, statistics to the last bits.

The checksum catches accidental damage, not forgery: anyone can compute it. ``from_bytes`` treats every state
as untrusted input (structure and bounds checked, no crash, no allocation beyond a bounded multiple of the
bytes), but cannot tell forged counts from real ones; authenticate states from sources you do not control
(an HMAC or signature checked where they travel) before reading them. See :meth:`GroupedHistogram.from_bytes`.

- :class:`GroupedHistogram`: a metric by group key (→ :func:`cxkit.score_by`) or by period (→ :func:`cxkit.trend`).
  The overall metric's state is :class:`cxkit.Histogram`.
- :class:`FunnelState`: a funnel over **whole accounts** (→ :func:`cxkit.funnel`): every account's events must be
  in one partition, so repartition by account first (:mod:`cxkit.dist` does).
- :class:`ValidationCounts`: accounts per distinct health score, retained and churned (→
  :func:`cxkit.validate_scores`).
- :class:`Population`: the values a scorecard's percentile measures rank against (→
  :meth:`cxkit.Scorecard.score` with ``population=``).

>>> import cxkit as cx
>>> east = cx.GroupedHistogram("nps").add([10, 9, 3], ["web", "web", "app"])
>>> west = cx.GroupedHistogram("nps").add([0, 10], ["web", "web"])
>>> merged = east.merge(cx.GroupedHistogram.from_bytes(west.to_bytes()))
>>> merged.score_by()[["group", "n", "value"]].values.tolist()
[['app', 1, -100.0], ['web', 4, 50.0]]
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from cxkit import _cxkit
from cxkit._input import as_days, factorize
from cxkit.errors import InvalidArgumentError
from cxkit.health import Population, Scorecard, _bands
from cxkit.journey import _FunnelPlan, _is_datetime
from cxkit.survey import Metric, _compare_option, _score_by_frame, _trend_frame, metric_spec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["GroupedHistogram", "FunnelState", "ValidationCounts", "Population"]


def _local_codes(by: Any) -> Tuple[np.ndarray, list]:
    """Group keys → (int64 codes into the labels, labels as Python ints or strings), for this batch only."""
    codes, labels = factorize(by, "by")
    if labels is None:
        distinct, codes = np.unique(codes, return_inverse=True)
        return codes.astype(np.int64), [int(v) for v in distinct]
    return codes, [v.item() if isinstance(v, np.generic) else v for v in labels]


class GroupedHistogram:
    """One metric's histograms by group key, or by ``period`` (``day``, ``week``, ``month``, ``quarter``,
    ``year``; quarters and years start in ``fiscal_year_start``).

    ``add(scores, by)`` (or ``add(scores, dates=...)`` by period) accumulates a batch, with optional weights;
    ``score_by()`` and ``trend()`` give the DataFrames of :func:`cxkit.score_by` and :func:`cxkit.trend` over
    everything added and merged. Group keys are integers or strings; a missing key is an error.
    """

    def __init__(self, metric: Metric = "nps", *, period: Optional[str] = None, fiscal_year_start: int = 1) -> None:
        self._inner = _cxkit._GroupedState(metric_spec(metric), period, fiscal_year_start)

    @property
    def period(self) -> Optional[str]:
        """The period's name, or None for a state by group key."""
        return self._inner.period

    @property
    def spec(self) -> Any:
        """The metric."""
        return self._inner.spec

    def add(
        self, scores: Any, by: Any = None, weights: Any = None, *, dates: Any = None, missing: str = "skip"
    ) -> "GroupedHistogram":
        """Adds a batch of responses (with their group keys, or their dates for a state by period); on error
        nothing is added. Returns the state, so calls chain."""
        if self.period is None:
            if by is None or dates is not None:
                raise InvalidArgumentError("a state by group key takes `by` (the group keys), not `dates`")
            codes, labels = _local_codes(by)
            self._inner.add_codes(scores, codes, labels, weights, missing)
        else:
            if dates is None or by is not None:
                raise InvalidArgumentError(f"a state by {self.period} takes `dates`, not `by`")
            self._inner.add_days(scores, as_days(dates), weights, missing)
        return self

    def merge(self, other: "GroupedHistogram") -> "GroupedHistogram":
        """Merges another state of the same metric and period into this one; returns this state."""
        self._inner.merge(other._inner)
        return self

    def score_by(
        self,
        *,
        group: str = "group",
        interval: Optional[str] = None,
        level: float = 0.95,
        min_n: int = 1,
        compare: Union[bool, str, None] = None,
        adjust: str = "holm",
        alpha: float = 0.05,
    ) -> "pd.DataFrame":
        """The rows of :func:`cxkit.score_by` over every response added and merged; ``group`` names the key
        column."""
        columns = self._inner.score_by(interval, level, min_n, _compare_option(compare), adjust, alpha)
        keys = np.array(columns["key"], dtype=object if any(isinstance(k, str) for k in columns["key"]) else np.int64)
        return _score_by_frame(columns, self.spec, group, keys, level, adjust)

    def trend(
        self,
        *,
        interval: Optional[str] = None,
        level: float = 0.95,
        compare: Optional[str] = None,
        min_n: int = 1,
        adjust: str = "none",
        alpha: float = 0.05,
    ) -> "pd.DataFrame":
        """The rows of :func:`cxkit.trend` over every response added and merged (a state by period)."""
        columns = self._inner.trend(interval, level, compare, min_n, alpha, adjust)
        return _trend_frame(columns, self.spec, level, adjust, str(self.period), self._inner.fiscal_start_month)

    def to_bytes(self) -> bytes:
        """The state as bytes (the core's format)."""
        return bytes(self._inner.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> "GroupedHistogram":
        """Reads bytes written by :meth:`to_bytes` (from Python, Rust or C).

        Damaged, truncated or inconsistent bytes raise ``ConfigError`` naming the byte offset; a state whose
        period keys span more than 100,000 periods raises ``LimitExceededError``. Never a crash or a
        ``PanicException``.

        **Untrusted bytes.** The state's CRC-32 detects accidental damage (a truncated upload, a flipped bit),
        not forgery: anyone can compute it. Every state is read as untrusted input: lengths are bounded by the
        bytes, keys must be in order, period keys inside the calendar, each group's and the state's responses
        within 2**64 - 1, so a state that reads merges, scores and trends without crashing or allocating more
        than a bounded multiple of its size (empty periods of a trend cost no histogram). What cannot be checked
        is whether the counts are real: a well-formed forged state reads like any other. A service accepting
        states from sources it does not control must authenticate them where they travel (an HMAC with a key it
        holds, or a signature over the bytes, checked before ``from_bytes``) and bound the size it accepts.
        """
        state = cls.__new__(cls)
        state._inner = _cxkit._GroupedState.from_bytes(bytes(data))
        return state

    def __len__(self) -> int:
        return len(self._inner)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GroupedHistogram) and self._inner == other._inner

    def __reduce__(self) -> Any:
        return (GroupedHistogram.from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        by = f"by {self.period}" if self.period else "by group"
        return f"GroupedHistogram('{self.spec.name}' {by}, {len(self)} keys)"


class FunnelState:
    """A funnel's counts and times to convert over whole accounts, with the arguments of :func:`cxkit.funnel`.

    An integer ``window`` means integer timestamps; a ``pandas.Timedelta`` (or its text, e.g. ``"14D"``) means
    date-times. Each ``add`` must hold whole accounts, and no account may appear in two states that are merged.
    """

    def __init__(self, steps: Sequence[Any], window: Any, mode: str = "ordered", as_of: Any = None) -> None:
        import pandas as pd

        dated = isinstance(window, (str, pd.Timedelta, np.timedelta64)) or hasattr(window, "total_seconds")
        self._plan = _FunnelPlan(list(steps), dated, window, as_of)
        self._inner = _cxkit._FunnelState(self._plan.step_codes, self._plan.window, mode, self._plan.as_of)

    def add(self, account_ids: Any, events: Any, timestamps: Any) -> "FunnelState":
        """Adds the events of whole accounts; on error nothing is added. Returns the state."""
        plan = self._plan
        ids, ts = plan.accounts(account_ids), plan.timestamps(timestamps)
        events_in, step_ids = plan.events(events)
        self._inner.add(ids, events_in, ts, step_ids)
        return self

    def merge(self, other: "FunnelState") -> "FunnelState":
        """Merges the state of other accounts under the same funnel; returns this state."""
        if list(other._plan.steps) != list(self._plan.steps):
            raise InvalidArgumentError(f"funnel steps differ: {self._plan.steps} vs {other._plan.steps}")
        self._inner.merge(other._inner)
        return self

    def result(self) -> "pd.DataFrame":
        """The DataFrame of :func:`cxkit.funnel` over every account added and merged."""
        return self._plan.frame(json.loads(self._inner.finish()))

    def to_bytes(self) -> bytes:
        """The core's state (step codes, window and counts; the step labels are this object's)."""
        return bytes(self._inner.to_bytes())

    def from_bytes(self, data: bytes) -> "FunnelState":
        """A state like this one (same steps and labels) holding the accounts in ``data``; a state of another
        funnel or damaged bytes raise."""
        inner = _cxkit._FunnelState.from_bytes(bytes(data))
        if inner.spec_json() != self._inner.spec_json():
            raise InvalidArgumentError(f"the bytes hold another funnel: {inner.spec_json()}")
        state = FunnelState.__new__(FunnelState)
        state._plan, state._inner = self._plan, inner
        return state

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FunnelState) and self._plan.steps == other._plan.steps and self._inner == other._inner

    def __getstate__(self) -> Tuple[Any, bytes]:
        return self._plan, self.to_bytes()

    def __setstate__(self, state: Tuple[Any, bytes]) -> None:
        self._plan, self._inner = state[0], _cxkit._FunnelState.from_bytes(state[1])


class ValidationCounts:
    """Scored accounts per distinct health score, retained and churned, plus the unscored: ``validate()`` gives
    :func:`cxkit.validate_scores` over every account added and merged."""

    def __init__(self) -> None:
        self._inner = _cxkit._ValidationState()

    def add(self, scores: Any, churned: Any) -> "ValidationCounts":
        """Counts numeric scores (NaN = unscored) against churn flags (booleans or 0/1). Returns the state."""
        churn = np.asarray(churned)
        self._inner.add(scores, churn.astype(np.float64) if churn.dtype == np.bool_ else churn)
        return self

    def merge(self, other: "ValidationCounts") -> "ValidationCounts":
        """Adds another state's counts; returns this state."""
        self._inner.merge(other._inner)
        return self

    @property
    def n(self) -> int:
        """Scored accounts."""
        return int(self._inner.n)

    @property
    def n_unscored(self) -> int:
        """Accounts without a score."""
        return int(self._inner.n_unscored)

    def validate(
        self,
        *,
        scorecard: Optional[Scorecard] = None,
        bands: Union[Sequence[str], None] = None,
        cuts: Optional[Sequence[float]] = None,
        at_risk: Optional[str] = None,
    ) -> Dict[str, Any]:
        """The result of :func:`cxkit.validate_scores` with these bands."""
        names, cut_list, belongs = _bands(scorecard, bands, cuts)
        return dict(self._inner.validate(names, cut_list, at_risk or names[0], belongs))

    def to_bytes(self) -> bytes:
        """The state as bytes (the core's format)."""
        return bytes(self._inner.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> "ValidationCounts":
        """Reads bytes written by :meth:`to_bytes`; damaged bytes raise ``ConfigError``."""
        state = cls.__new__(cls)
        state._inner = _cxkit._ValidationState.from_bytes(bytes(data))
        return state

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValidationCounts) and self._inner == other._inner

    def __reduce__(self) -> Any:
        return (ValidationCounts.from_bytes, (self.to_bytes(),))
