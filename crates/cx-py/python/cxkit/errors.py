"""The exceptions cxkit raises, all rooted at :class:`CxError`.

Every error of the Rust core maps to exactly one class here (the mapping lives in ``crates/cx-py/src/error.rs``).
Each exception carries ``kind`` (the core's variant name, e.g. ``"ScoreOutOfRange"``) and ``index`` (the position
of the bad element in its input, or ``None``). Apart from :class:`CxError` itself, each class also derives from
``ValueError``, so existing ``except ValueError`` code keeps working.

>>> import cxkit as cx
>>> try:
...     cx.nps([10, 11])
... except cx.InvalidInputError as e:
...     (e.kind, e.index)
('ScoreOutOfRange', 1)
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "CxError",
    "InvalidInputError",
    "InvalidArgumentError",
    "ConfigError",
    "EmptyInputError",
    "InsufficientDataError",
    "NotApplicableError",
    "IncompatibleError",
    "LimitExceededError",
]


class CxError(Exception):
    """Root of every cxkit error."""

    kind: str = "CxError"
    index: Optional[int] = None


class InvalidInputError(CxError, ValueError):
    """A bad element in the data: a score off the scale or not a whole point, a missing score under
    ``missing="error"``, a negative or non-finite weight, a bad group key or date, or inputs of different lengths."""


class InvalidArgumentError(CxError, ValueError):
    """A bad scalar argument (a level of 1.5, a negative margin) or an unknown name (interval method, preset)."""


class ConfigError(CxError, ValueError):
    """A metric spec or stored state that is inconsistent, malformed, or of an unsupported version."""


class EmptyInputError(CxError, ValueError):
    """Nothing to compute on: no responses, or a total weight of zero. An NPS of nothing is not 0."""


class InsufficientDataError(CxError, ValueError):
    """Some data, but too little for the statistic asked for (a t interval from one response)."""


class NotApplicableError(CxError, ValueError):
    """A method asked for a metric it does not apply to (a Wilson interval for a mean)."""


class IncompatibleError(CxError, ValueError):
    """Two accumulators of different metrics or scales merged or compared."""


class LimitExceededError(CxError, ValueError):
    """An input beyond one of cx's resource limits (a condition nested too deeply, too many periods × points,
    too many evaluation days), or counts that no longer fit in 64 bits. The message names the limit."""
