"""cxkit quickstart: the flow a data scientist follows with a pandas DataFrame of survey responses.

Run from the repository root (after `pip install ./crates/cx-py`):

    python examples/python/quickstart.py

It reads the bundled sample data (data/sample/survey_responses.csv: one row per response with respondent,
date, segment, weight and NPS / CSAT / CES answers; an empty cell is a missing answer) and prints:
1. the overall NPS with its 95% interval, weighted and unweighted;
2. NPS by segment, each segment against the rest, Holm-adjusted;
3. the monthly NPS trend with significant month-over-month changes flagged;
4. how many responses a target margin of error needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pandas as pd

import cxkit as cx

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "survey_responses.csv"


def main(path: Path = SAMPLE, show: bool = True) -> Dict[str, Any]:
    say = print if show else (lambda *a, **k: None)
    df = pd.read_csv(path, parse_dates=["date"], dtype={"nps": "Int64", "csat": "Int64", "ces": "Int64"})
    say(f"{len(df)} responses from {df['respondent_id'].nunique()} respondents, {df['date'].min():%Y-%m-%d} to "
        f"{df['date'].max():%Y-%m-%d}\n")

    # 1. Overall NPS. Missing answers (pd.NA) are skipped and counted, never read as 0.
    overall = cx.nps(df["nps"])
    weighted = cx.nps(df["nps"], df["weight"])
    say("1. Overall")
    say(f"   {overall}")
    say(f"   weighted: {weighted.value:.1f} [{weighted.ci_low:.1f}, {weighted.ci_high:.1f}], "
        f"effective n {weighted.n_effective:.0f} of {weighted.n} (design effect {weighted.design_effect:.2f})")
    say(f"   CSAT {cx.csat(df['csat']).value:.1f}% satisfied, CES {cx.ces(df['ces']).value:.2f} / 7\n")

    # 2. By segment, each against the rest of the responses.
    by_segment = cx.score_by(df["nps"], df["segment"], compare=True, min_n=30)
    say("2. By segment (vs the rest, Holm-adjusted)")
    say(by_segment[["segment", "value", "ci_low", "ci_high", "n", "delta", "p_adjusted", "significant"]]
        .round(2).to_string(index=False))
    say()

    # 3. Monthly trend: each month against the previous one.
    monthly = cx.trend(df["nps"], df["date"], period="month", adjust="holm")
    say("3. Monthly trend (change vs the previous month, Holm-adjusted)")
    say(monthly[["period", "n", "value", "ci_low", "ci_high", "change", "p_adjusted", "significant"]]
        .round(2).to_string(index=False))
    moved = monthly[monthly["significant"].fillna(False).astype(bool)]
    say(f"   significant changes: {', '.join(moved['period']) or 'none'}\n")

    # 4. Planning: responses for ±5 points at 95%, with the variance seen in the data instead of the worst case.
    observed_variance = (overall.se**2) * overall.n
    needed = cx.sample_size(5, variance=observed_variance)
    worst = cx.sample_size(5)
    say("4. Planning")
    say(f"   ±5 NPS points at 95% needs {needed} responses (worst case {worst}); "
        f"the current {overall.n} buy ±{cx.margin_of_error(overall.n, variance=observed_variance):.2f}")
    return {
        "overall": overall,
        "weighted": weighted,
        "by_segment": by_segment,
        "monthly": monthly,
        "sample_size": needed,
    }


if __name__ == "__main__":
    main()
