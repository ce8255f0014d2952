"""Every core error variant maps to its Python class; messages name the bad value and its index."""

import pickle

import numpy as np
import pytest

import cxkit as cx
from cxkit import _cxkit

EXPECTED = {
    "EmptyInput": cx.EmptyInputError,
    "ScoreOutOfRange": cx.InvalidInputError,
    "NonIntegerScore": cx.InvalidInputError,
    "MissingValue": cx.InvalidInputError,
    "InvalidDate": cx.InvalidInputError,
    "LengthMismatch": cx.InvalidInputError,
    "InvalidWeight": cx.InvalidInputError,
    "ZeroTotalWeight": cx.EmptyInputError,
    "InvalidGroupCode": cx.InvalidInputError,
    "InvalidConfig": cx.ConfigError,
    "InvalidArgument": cx.InvalidArgumentError,
    "UnknownName": cx.InvalidArgumentError,
    "MethodNotApplicable": cx.NotApplicableError,
    "IncompatibleHistograms": cx.IncompatibleError,
    "InsufficientData": cx.InsufficientDataError,
    "UnsupportedVersion": cx.ConfigError,
    "UnknownId": cx.ConfigError,
    "Cycle": cx.ConfigError,
    "UnknownLabel": cx.InvalidInputError,
    "RankDeficient": cx.InsufficientDataError,
    "LimitExceeded": cx.LimitExceededError,
    "Overflow": cx.LimitExceededError,
}


def test_every_core_variant_has_an_expected_class():
    assert sorted(_cxkit._error_kinds()) == sorted(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_variant_maps_to_its_class(kind):
    with pytest.raises(EXPECTED[kind]) as info:
        _cxkit._sample_error(kind)
    assert info.value.kind == kind
    assert isinstance(info.value, cx.CxError) and isinstance(info.value, ValueError)


def provoke():
    """The variants reachable through the public API, provoked for real."""
    yield "EmptyInput", lambda: cx.nps([])
    yield "ScoreOutOfRange", lambda: cx.nps([9, 10, 11])
    yield "NonIntegerScore", lambda: cx.csat([4, 4.5])
    yield "MissingValue", lambda: cx.nps([9, None], missing="error")
    yield "InvalidDate", lambda: cx.trend([9, 9], np.array(["2025-01-01", "NaT"], dtype="datetime64[D]"))
    yield "LengthMismatch", lambda: cx.nps([9, 9], [1.0])
    yield "InvalidWeight", lambda: cx.nps([9, 9], [1.0, -2.0])
    yield "ZeroTotalWeight", lambda: cx.nps([9, 9], [0.0, 0.0])
    yield "InvalidConfig", lambda: cx.MetricSpec.from_json("{not json")
    yield "InvalidArgument", lambda: cx.nps([9, 9], level=1.5)
    yield "UnknownName", lambda: cx.nps([9, 9], interval="magic")
    yield "MethodNotApplicable", lambda: cx.csat([5, 4], interval="tango")
    yield "IncompatibleHistograms", lambda: cx.compare(cx.Histogram(cx.NPS), cx.Histogram(cx.CSAT))
    yield "InsufficientData", lambda: cx.ces([5])
    yield "UnsupportedVersion", lambda: cx.MetricSpec.from_json(cx.NPS.to_json().replace('"version":1', '"version":2'))
    yield "UnknownId", lambda: cx.GoalTree([cx.Goal("kpi", "t", parent="nope")])
    yield "Cycle", lambda: cx.GoalTree([cx.Goal("a", "A", parent="b"), cx.Goal("b", "B", parent="a")])
    yield "UnknownLabel", lambda: cx.kano(["like", "likes"], ["dislike", "dislike"])
    yield "RankDeficient", lambda: cx.prca(
        {"a": [1, 3, 5] * 20, "b": [1, 3, 5] * 20}, list(range(60)), low=2, high=4, min_group=1
    )


@pytest.mark.parametrize("kind, call", list(provoke()), ids=[k for k, _ in provoke()])
def test_real_calls_raise_the_mapped_class(kind, call):
    with pytest.raises(EXPECTED[kind]) as info:
        call()
    assert info.value.kind == kind


def test_messages_name_value_and_index():
    with pytest.raises(cx.InvalidInputError) as info:
        cx.nps(np.array([9, 10, 11, 3], dtype=np.int64))
    assert str(info.value) == "score 11 at index 2 is outside the scale 0..=10"
    assert info.value.index == 2
    with pytest.raises(cx.InvalidInputError, match=r"invalid weight -2 at index 1"):
        cx.nps([9, 9], [1.0, -2.0])


def test_value_errors_are_catchable_as_value_error():
    with pytest.raises(ValueError):
        cx.nps([])


@pytest.mark.parametrize("detached", [False, True])
def test_a_panic_is_an_internal_error_not_a_base_exception(detached):
    """A panic in the extension (here the test-only hook) reaches Python as cxkit's InternalError, which
    `except Exception` catches (pyo3's PanicException is a BaseException and escaped Spark/Dask workers)."""
    try:
        _cxkit._debug_panic(detached)
    except Exception as e:  # noqa: BLE001 - the point: an ordinary handler catches it
        caught = e
    assert isinstance(caught, cx.InternalError) and isinstance(caught, cx.CxError)
    assert isinstance(caught, RuntimeError) and not isinstance(caught, ValueError)
    assert caught.kind == "Panic" and caught.index is None
    assert "_debug_panic was called" in str(caught) and "please report it" in str(caught)
    assert cx.nps([10, 9]).value == 100.0  # the library keeps working


def test_every_entry_point_is_guarded():
    """Each function, method and static method of the compiled module goes through the guard
    (a new one is covered without being listed anywhere)."""
    missed = []
    for name, value in vars(_cxkit).items():
        if callable(value) and not isinstance(value, type) and not name.startswith("__"):
            if not hasattr(value, "__wrapped__") and name != "_PanicException":
                missed.append(name)
        if isinstance(value, type) and value.__module__ == "cxkit._cxkit":
            for attr, member in vars(value).items():
                if callable(member) and not attr.startswith("__"):
                    inner = member.__func__ if isinstance(member, staticmethod) else member
                    if not hasattr(inner, "__wrapped__"):
                        missed.append(f"{name}.{attr}")
    assert missed == []


def test_internal_errors_pickle():
    back = pickle.loads(pickle.dumps(cx.InternalError("x")))
    assert type(back) is cx.InternalError and "x" in str(back)
