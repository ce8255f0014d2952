"""examples/python/quickstart.py runs, and its numbers agree with an independent pandas computation."""

import runpy
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT

QUICKSTART = ROOT / "examples" / "python" / "quickstart.py"
SAMPLE = ROOT / "data" / "sample" / "survey_responses.csv"


def test_quickstart_runs_as_a_script():
    out = subprocess.run([sys.executable, str(QUICKSTART)], capture_output=True, text=True, check=True).stdout
    for heading in ("1. Overall", "2. By segment", "3. Monthly trend", "4. Planning"):
        assert heading in out


def test_quickstart_numbers_match_pandas():
    results = runpy.run_path(str(QUICKSTART))["main"](show=False)
    df = pd.read_csv(SAMPLE, parse_dates=["date"])
    answered = df.dropna(subset=["nps"])
    s = np.where(answered["nps"] >= 9, 1.0, np.where(answered["nps"] <= 6, -1.0, 0.0))
    overall = results["overall"]
    assert overall.n == len(answered) and overall.n_missing == df["nps"].isna().sum()
    assert overall.value == pytest.approx(100 * s.mean(), abs=1e-9)
    w = answered["weight"].to_numpy()
    assert results["weighted"].value == pytest.approx(100 * np.sum(w * s) / np.sum(w), abs=1e-9)
    ref = answered.assign(s=s).groupby("segment")["s"].mean() * 100
    by = results["by_segment"].set_index("segment")["value"]
    assert np.allclose(by.loc[ref.index], ref, rtol=0, atol=1e-9)
    monthly = answered.assign(s=s).groupby(answered["date"].dt.strftime("%Y-%m"))["s"].mean() * 100
    trend = results["monthly"].set_index("period")["value"]
    assert np.allclose(trend.loc[monthly.index], monthly, rtol=0, atol=1e-9)
    assert results["sample_size"] < 1537
