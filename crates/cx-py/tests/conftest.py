"""Shared fixtures: the repository's test data (golden vectors and the core's parity cases)."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def vectors():
    return json.loads((DATA / "survey.json").read_text())


@pytest.fixture(scope="session")
def parity_cases():
    return json.loads((DATA / "parity.json").read_text())["cases"]
