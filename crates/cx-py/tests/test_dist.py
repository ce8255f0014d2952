"""cxkit.dist on PySpark (local mode) and Dask (local scheduler): the distributed result equals the one-machine
call exactly for counts and to 1e-12 for statistics, with the table split into uneven partitions, empty ones
included. Both engines are required here (scripts/test.sh installs them); nothing is skipped."""

import json
import os
import sys
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxkit as cx
import cxkit.dist as dist

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "sample"

# Uneven partitions: row fractions at the cuts; the repeated 0.1 makes an empty partition.
FRACTIONS = (0.0, 0.1, 0.1, 0.55, 0.93, 1.0)


def chunks(df: pd.DataFrame):
    at = sorted(int(f * len(df)) for f in FRACTIONS)
    return [df.iloc[a:b] for a, b in zip(at[:-1], at[1:])]


def frames_equal(got: pd.DataFrame, want: pd.DataFrame, check_dtype: bool = True) -> None:
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        want.reset_index(drop=True),
        check_exact=False,
        rtol=1e-12,
        atol=1e-12,
        check_dtype=check_dtype,
    )


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    df = pd.read_csv(SAMPLE / "survey_responses.csv", parse_dates=["date"])
    return df[["segment", "date", "weight", "nps", "csat", "ces"]]


@pytest.fixture(scope="module")
def accounts() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "accounts.csv")


@pytest.fixture(scope="module")
def scorecard() -> cx.Scorecard:
    return cx.Scorecard.from_json((SAMPLE / "scorecard.json").read_text())


@pytest.fixture(scope="module")
def event_log() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    for a in range(400):
        t = int(rng.integers(0, 100))
        for _ in range(int(rng.integers(1, 9))):
            t += int(rng.integers(0, 5))
            rows.append((f"acct-{a:03d}", str(rng.choice(["visit", "signup", "trial", "buy", "other"])), t))
    return pd.DataFrame(rows, columns=["account", "event", "t"]).sample(frac=1.0, random_state=3)


# --- engines -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("cxkit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "3")
        # Small Arrow batches, so a partition arrives in several and its states are merged on the worker.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "300")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def python_value(v):
    """A cell as Spark takes it from Python: None for missing, datetimes and plain numbers."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v.item() if isinstance(v, np.generic) else v


def to_spark(spark, df: pd.DataFrame):
    """A Spark DataFrame with one partition per chunk (uneven, one empty), placed by an identity partitioner."""
    schema = spark.createDataFrame(df.head(5)).schema
    keyed = [
        (i, tuple(python_value(v) for v in row))
        for i, chunk in enumerate(chunks(df))
        for row in chunk.itertuples(index=False)
    ]
    n = len(chunks(df))
    rdd = spark.sparkContext.parallelize(keyed, n).partitionBy(n, lambda k: k).values()
    sdf = spark.createDataFrame(rdd, schema)
    sizes = sdf.rdd.glom().map(len).collect()
    assert 0 in sizes and len(set(sizes)) > 2 and sum(sizes) == len(df), sizes
    return sdf


def to_dask(df: pd.DataFrame):
    import dask.dataframe as dd

    ddf = dd.concat([dd.from_pandas(chunk, npartitions=1) for chunk in chunks(df)])
    sizes = list(ddf.map_partitions(len).compute())
    assert 0 in sizes and len(set(sizes)) > 2, sizes
    return ddf


@pytest.fixture(params=["spark", "dask"])
def engine(request):
    if request.param == "spark":
        session = request.getfixturevalue("spark")
        return lambda df: to_spark(session, df)
    import dask

    dask.config.set(scheduler="threads")
    return to_dask


# --- survey --------------------------------------------------------------------------------------------------


def test_overall_metric_equals_one_machine(engine, survey):
    table = engine(survey)
    for metric, column in [("nps", "nps"), ("csat", "csat"), ("ces2_mean", "ces")]:
        got = dist.score(table, column, "weight", metric=metric)
        want = cx.score(survey[column], survey["weight"], metric=metric)
        assert (got.n, got.n_missing) == (want.n, want.n_missing)
        for field in ("value", "se", "ci_low", "ci_high", "n_effective"):
            assert getattr(got, field) == pytest.approx(getattr(want, field), rel=1e-12, abs=1e-12), field


def test_by_group_with_intervals_equals_score_by(engine, survey):
    table = engine(survey)
    got = dist.score_by(table, "nps", "segment", "weight", compare=True, min_n=5)
    want = cx.score_by(survey["nps"], survey["segment"], survey["weight"], compare=True, min_n=5)
    frames_equal(got, want)
    got = dist.score_by(table, "csat", "segment", metric="csat", interval="wilson")
    frames_equal(got, cx.score_by(survey["csat"], survey["segment"], metric="csat", interval="wilson"))


def test_by_period_equals_trend(engine, survey):
    table = engine(survey)
    got = dist.trend(table, "nps", "date", period="month", compare="wald")
    frames_equal(got, cx.trend(survey["nps"], survey["date"], period="month", compare="wald"))
    got = dist.trend(table, "ces", "date", "weight", metric="ces2_mean", period="quarter", fiscal_year_start=4)
    want = cx.trend(survey["ces"], survey["date"], survey["weight"], metric="ces2_mean", period="quarter",
                    fiscal_year_start=4)  # fmt: skip
    frames_equal(got, want)


# --- health --------------------------------------------------------------------------------------------------


def test_health_scoring_of_a_partitioned_table(engine, accounts, scorecard):
    table = engine(accounts)
    scored = dist.health_scores(table, scorecard)
    got = scored.toPandas() if hasattr(scored, "toPandas") else scored.compute()
    got = got.sort_values("account").reset_index(drop=True)
    want = scorecard.score(accounts)
    want.attrs.clear()
    # The sample scorecard ranks one measure by percentile: equal scores prove the table-wide population.
    assert any(m["scoring"]["rule"] == "percentile" for m in json.loads(scorecard.to_json())["measures"])
    want = want.sort_values("account").reset_index(drop=True)
    # Text columns come back from Spark as pandas' string dtype (missing = NaN); compare them as objects.
    for frame in (got, want):
        for column in ("band", "override", "trend"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frames_equal(got, want, check_dtype=False)


def test_validation_equals_validate_scores(engine, accounts, scorecard):
    scores = scorecard.score(accounts)["score"].to_numpy()
    table = engine(pd.DataFrame({"score": scores, "churned": accounts["churned_next_quarter"]}))
    got = dist.validate_scores(table, "score", "churned", scorecard=scorecard, at_risk="yellow")
    want = cx.validate_scores(scores, accounts["churned_next_quarter"], scorecard=scorecard, at_risk="yellow")
    assert got == want


# --- journeys ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["ordered", "any_order"])
def test_funnel_is_repartitioned_by_account_and_equals_funnel(engine, event_log, mode):
    steps = ["visit", "signup", "buy"]
    got = dist.funnel(engine(event_log), "account", "event", "t", steps, window=25, mode=mode, as_of=150)
    want = cx.funnel(event_log["account"], event_log["event"], event_log["t"], steps, 25, mode, as_of=150)
    frames_equal(got, want)
    assert (got.attrs["n_accounts"], got.attrs["n_events"]) == (want.attrs["n_accounts"], want.attrs["n_events"])


def test_plain_frames_and_missing_columns_are_clear_errors(engine, survey):
    with pytest.raises(cx.InvalidArgumentError, match="Spark or Dask"):
        dist.score_by(survey, "nps", "segment")
    with pytest.raises(cx.InvalidArgumentError, match="not in the table"):
        dist.score_by(engine(survey), "nps", "region")
