"""cx inside PySpark (local mode): NPS by segment and by month, health scoring and its validation, on the bundled
sample data, each computed from the partitions' partial states and checked against the one-machine call.

    .venv/bin/python examples/python/dist_spark.py      (needs a Java runtime, 17 or later)
"""

import os
import sys
import warnings
from pathlib import Path

import pandas as pd
from pyspark.sql import SparkSession

import cxkit as cx
import cxkit.dist as dist

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
# PySpark warns that it does not yet fully support pandas 3; the example checks its numbers against cxkit's.
warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)

spark = (
    SparkSession.builder.master("local[2]")
    .appName("cx-example")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.session.timeZone", "UTC")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")

survey = pd.read_csv(SAMPLE / "survey_responses.csv", parse_dates=["date"])
responses = spark.createDataFrame(survey[["segment", "date", "weight", "nps"]]).repartition(4)

by_segment = dist.score_by(responses, "nps", "segment", "weight", compare=True)
print(by_segment[["segment", "n", "value", "ci_low", "ci_high", "delta", "p_adjusted"]].round(2).to_string())
assert (by_segment["n"] == cx.score_by(survey["nps"], survey["segment"], survey["weight"])["n"]).all()

monthly = dist.trend(responses, "nps", "date", period="month")
print(monthly[["period", "n", "value", "ci_low", "ci_high"]].round(1).tail(4).to_string())

accounts = pd.read_csv(SAMPLE / "accounts.csv")
card = cx.Scorecard.from_json((SAMPLE / "scorecard.json").read_text())
table = spark.createDataFrame(accounts).repartition(3)
scored = dist.health_scores(table, card)  # still a Spark DataFrame
scored.groupBy("band").count().orderBy("band").show()

with_churn = scored.join(table.select("account_id", "churned_next_quarter"), scored.account == table.account_id)
validation = dist.validate_scores(with_churn, "score", "churned_next_quarter", scorecard=card)
print(f"AUC {validation['auc']:.3f}, top-decile lift {validation['top_decile']['lift']:.2f}")
one_machine = cx.validate_scores(card.score(accounts)["score"], accounts["churned_next_quarter"], scorecard=card)
assert validation == one_machine, "the distributed validation equals the one-machine one"
spark.stop()
