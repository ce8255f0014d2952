"""cx inside Spark and Dask: the common jobs as one call on a distributed DataFrame.

Each call runs cx on every partition with the engine's own machinery — ``mapInPandas`` on a Spark DataFrame,
``map_partitions`` on a Dask DataFrame — and merges the partitions' partial states (:mod:`cxkit.partial`), so the
answer equals the single-machine call on the whole table (counts exactly, statistics to ~1e-15) however the
table is partitioned. Only the small states travel to the driver, never the rows.

- :func:`score` — one metric over the table (an :class:`cxkit.Estimate`), like :func:`cxkit.score`.
- :func:`score_by` — by group, like :func:`cxkit.score_by`; :func:`trend` — by period, like :func:`cxkit.trend`.
- :func:`health_scores` — scores every account of a partitioned accounts table; the result stays distributed.
- :func:`validate_scores` — health scores against churn, like :func:`cxkit.validate_scores`.
- :func:`funnel` — like :func:`cxkit.funnel`; the table is first repartitioned by account, so that each
  account's events are counted together.

PySpark and Dask are optional: neither is imported until a call receives one of their DataFrames.

Spark, with ``df`` a ``pyspark.sql.DataFrame``::

    import cxkit.dist as dist
    by_region = dist.score_by(df, "nps", "region", metric="nps")   # a pandas DataFrame, one row per region

Dask, with ``ddf`` a ``dask.dataframe.DataFrame``::

    monthly = dist.trend(ddf, "nps", "answered_on", period="month")
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Protocol, Sequence, TypeVar, Union

from cxkit._cxkit import Estimate, Histogram
from cxkit.errors import InvalidArgumentError
from cxkit.health import Population, Scorecard
from cxkit.partial import FunnelState, GroupedHistogram, ValidationCounts
from cxkit.survey import Metric, metric_spec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["score", "score_by", "trend", "health_scores", "validate_scores", "funnel", "engine_of"]

class _Mergeable(Protocol):
    def merge(self, other: Any) -> Any: ...


State = TypeVar("State", bound=_Mergeable)


def engine_of(df: Any) -> str:
    """``"spark"`` for a PySpark DataFrame, ``"dask"`` for a Dask DataFrame; anything else is an error."""
    module = type(df).__module__
    if module.startswith("pyspark."):
        return "spark"
    if module.startswith(("dask.", "dask_expr")):
        return "dask"
    raise InvalidArgumentError(
        f"expected a Spark or Dask DataFrame, got {type(df).__module__}.{type(df).__name__}; "
        "for a pandas or polars DataFrame call the cxkit function directly"
    )


def _partial_states(
    df: Any, columns: List[str], build: Callable[["pd.DataFrame"], Any], whole_partitions: bool = False
) -> List[bytes]:
    """Runs ``build`` on every partition of ``df[columns]`` (as pandas) and returns each partition's state bytes.

    Spark hands a partition over in Arrow batches: each batch's state is merged into the partition's, unless
    ``whole_partitions`` (the funnel, whose accounts must not be cut) asks for the batches concatenated first."""
    import pandas as pd

    if engine_of(df) == "spark":

        def per_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            if whole_partitions:
                frames = list(batches)
                batches = iter([pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)])
            state = None
            for batch in batches:
                part = build(batch)
                state = part if state is None else _merge_into(state, part)
            if state is None:  # an empty partition
                state = build(pd.DataFrame(columns=columns))
            yield pd.DataFrame({"state": [state.to_bytes()]})

        rows = df.select(*columns).mapInPandas(per_partition, schema="state binary").collect()
        return [bytes(r["state"]) for r in rows]

    def per_dask_partition(part: pd.DataFrame) -> pd.Series:
        return pd.Series([build(part).to_bytes()], dtype=object)

    states = df[columns].map_partitions(per_dask_partition, meta=pd.Series([], dtype=object))
    return list(states.compute())


def _merge_into(state: State, other: State) -> State:
    state.merge(other)  # the states' merge returns the state or None; either way `state` holds the sum
    return state


def _merged(states: List[bytes], empty: State, read: Callable[[bytes], State]) -> State:
    """Merges the partitions' states into ``empty`` (in partition order; the result does not depend on it)."""
    for data in states:
        _merge_into(empty, read(data))
    return empty


def _missing(df: Any, columns: Sequence[Optional[str]]) -> None:
    present = set(df.columns)
    absent = [c for c in columns if c is not None and c not in present]
    if absent:
        raise InvalidArgumentError(f"columns {absent} are not in the table (it has {sorted(present)})")


def score(
    df: Any,
    score: str,
    weights: Optional[str] = None,
    *,
    metric: Metric = "nps",
    interval: Optional[str] = None,
    level: float = 0.95,
    missing: str = "skip",
) -> Estimate:
    """One metric over the column ``score`` (and optional ``weights`` column) of a distributed table."""
    _missing(df, [score, weights])
    spec = metric_spec(metric)
    columns = [score] + ([weights] if weights else [])

    def build(part: "pd.DataFrame") -> Histogram:
        h = Histogram(spec)
        h.add(part[score].to_numpy(), part[weights].to_numpy() if weights else None, missing)
        return h

    merged = _merged(_partial_states(df, columns, build), Histogram(spec), Histogram.from_bytes)
    return merged.estimate(interval=interval, level=level)


def score_by(
    df: Any,
    score: str,
    by: str,
    weights: Optional[str] = None,
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
    """The rows of :func:`cxkit.score_by` for the column ``score`` by the column ``by`` of a distributed table
    (a pandas DataFrame: one row per group is small)."""
    _missing(df, [score, by, weights])
    columns = [score, by] + ([weights] if weights else [])

    def build(part: "pd.DataFrame") -> GroupedHistogram:
        w = part[weights].to_numpy() if weights else None
        state = GroupedHistogram(metric)
        return state.add(part[score].to_numpy(), part[by], w, missing=missing) if len(part) else state

    merged = _merged(_partial_states(df, columns, build), GroupedHistogram(metric), GroupedHistogram.from_bytes)
    return merged.score_by(
        group=by, interval=interval, level=level, min_n=min_n, compare=compare, adjust=adjust, alpha=alpha
    )


def trend(
    df: Any,
    score: str,
    date: str,
    weights: Optional[str] = None,
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
    """The rows of :func:`cxkit.trend` for the column ``score`` dated by the column ``date``."""
    _missing(df, [score, date, weights])
    columns = [score, date] + ([weights] if weights else [])

    def empty() -> GroupedHistogram:
        return GroupedHistogram(metric, period=period, fiscal_year_start=fiscal_year_start)

    def build(part: "pd.DataFrame") -> GroupedHistogram:
        w = part[weights].to_numpy() if weights else None
        return empty().add(part[score].to_numpy(), weights=w, dates=part[date], missing=missing)

    merged = _merged(_partial_states(df, columns, build), empty(), GroupedHistogram.from_bytes)
    return merged.trend(interval=interval, level=level, compare=compare, min_n=min_n, adjust=adjust, alpha=alpha)


def validate_scores(
    df: Any,
    score: str = "score",
    churned: str = "churned",
    *,
    scorecard: Optional[Scorecard] = None,
    bands: Optional[Sequence[str]] = None,
    cuts: Optional[Sequence[float]] = None,
    at_risk: Optional[str] = None,
) -> Dict[str, Any]:
    """The result of :func:`cxkit.validate_scores` for the numeric column ``score`` against the 0/1 (or boolean)
    column ``churned`` of a distributed table."""
    _missing(df, [score, churned])

    def build(part: "pd.DataFrame") -> ValidationCounts:
        return ValidationCounts().add(part[score].to_numpy(dtype=float), part[churned].to_numpy())

    merged = _merged(_partial_states(df, [score, churned], build), ValidationCounts(), ValidationCounts.from_bytes)
    return merged.validate(scorecard=scorecard, bands=bands, cuts=cuts, at_risk=at_risk)


def funnel(
    df: Any,
    account: str,
    event: str,
    timestamp: str,
    steps: Sequence[Any],
    window: Any,
    mode: str = "ordered",
    as_of: Any = None,
) -> "pd.DataFrame":
    """The funnel of :func:`cxkit.funnel` over the columns ``account``, ``event`` and ``timestamp``. The table is
    repartitioned by account first (Spark ``repartition``, Dask ``shuffle``), so every account is counted in one
    partition."""
    _missing(df, [account, event, timestamp])
    template = FunnelState(steps, window, mode, as_of)
    whole = df.repartition(account) if engine_of(df) == "spark" else df.shuffle(on=account)

    def build(part: "pd.DataFrame") -> FunnelState:
        state = template.from_bytes(template.to_bytes())  # an empty state with the template's labels
        return state.add(part[account].to_numpy(), part[event].to_numpy(), part[timestamp]) if len(part) else state

    states = _partial_states(whole, [account, event, timestamp], build, whole_partitions=True)
    merged = _merged(states, template, template.from_bytes)
    return merged.result()


def health_scores(
    df: Any,
    scorecard: Scorecard,
    *,
    account: str = "account_id",
    as_of: Any = None,
) -> Any:
    """Scores every account of a partitioned accounts table with ``scorecard`` (measure columns named by the
    scorecard's measure ids, ages from ``<measure>_age_days`` columns when present). Returns a table of the same
    engine, still distributed, with the columns of :meth:`cxkit.Scorecard.score`: ``account``, ``score``,
    ``band``, ``coverage``, ``override``, ``delta``, ``trend`` and ``contrib_<measure>``."""
    import pandas as pd

    _missing(df, [account, *scorecard.measures])
    card_json = scorecard.to_json()
    # Percentile measures rank within the whole table: a first pass merges the partitions' populations.
    population: Optional[bytes] = None
    if _has_percentile(scorecard):

        def observed(part: pd.DataFrame) -> Population:
            return Scorecard.from_json(card_json).population(part.reset_index(drop=True), as_of)

        states = _partial_states(df, list(df.columns), observed)
        population = _merged(states[1:], Population.from_bytes(states[0]), Population.from_bytes).to_bytes()

    def score_part(part: pd.DataFrame) -> pd.DataFrame:
        reference = None if population is None else Population.from_bytes(population)
        out = Scorecard.from_json(card_json).score(
            part.reset_index(drop=True), as_of, account=account, population=reference
        )
        out.attrs.clear()
        return out

    if engine_of(df) == "spark":
        from pyspark.sql.types import DoubleType, StringType, StructField, StructType

        text = ("band", "override", "trend")
        fields = [StructField("account", df.schema[account].dataType)]
        names = ["score", "band", "coverage", "override", "delta", "trend"] + [f"contrib_{m}" for m in scorecard.measures]
        fields += [StructField(n, StringType() if n in text else DoubleType()) for n in names]

        def per_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                yield score_part(batch)

        return df.mapInPandas(per_partition, schema=StructType(fields))
    meta = score_part(df._meta)
    return df.map_partitions(score_part, meta=meta)


def _has_percentile(scorecard: Scorecard) -> bool:
    return any(m["scoring"]["rule"] == "percentile" for m in json.loads(scorecard.to_json())["measures"])
