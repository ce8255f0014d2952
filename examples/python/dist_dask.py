"""cx inside Dask (local scheduler): NPS by segment and by quarter, the overall CSAT and the event-log funnel,
on the bundled sample data, each computed from the partitions' partial states and checked against the one-machine
call.

    .venv/bin/python examples/python/dist_dask.py
"""

import json
from pathlib import Path

import dask.dataframe as dd
import pandas as pd

import cxkit as cx
import cxkit.dist as dist

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

survey = pd.read_csv(SAMPLE / "survey_responses.csv", parse_dates=["date"])
responses = dd.from_pandas(survey[["segment", "date", "weight", "nps", "csat"]], npartitions=5)

by_segment = dist.score_by(responses, "nps", "segment", "weight")
print(by_segment[["segment", "n", "value", "ci_low", "ci_high"]].round(2).to_string())
quarterly = dist.trend(responses, "nps", "date", period="quarter", fiscal_year_start=4)
print(quarterly[["period", "n", "value"]].round(1).to_string())
csat = dist.score(responses, "csat", metric="csat")
print(f"CSAT {csat.value:.1f}% [{csat.ci_low:.1f}, {csat.ci_high:.1f}] over {csat.n} responses")
assert csat.value == cx.csat(survey["csat"]).value

# The event-log funnel over the sample journeys' events (dates as datetimes): the table is shuffled by account
# before counting, so each account's events are counted together.
facts = json.loads((SAMPLE / "journey_facts.json").read_text())
events = pd.DataFrame(
    [(a["account"], event, day) for a in facts["accounts"] for event, days in a["events"].items() for day in days],
    columns=["account", "event", "day"],
)
events["day"] = pd.to_datetime(events["day"])
steps = ["trial_start", "first_login", "setup_complete", "feature_adopted"]
funnel = dist.funnel(dd.from_pandas(events, npartitions=4), "account", "event", "day", steps, window="60D")
print(funnel[["event", "reached", "dropped", "conversion_from_entry", "time_to_convert_p50"]].round({"conversion_from_entry": 3}).to_string())
one_machine = cx.funnel(events["account"], events["event"], events["day"], steps, "60D")
assert funnel["reached"].tolist() == one_machine["reached"].tolist()
