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

import functools
import types
from typing import Any, Callable, Optional

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
    "InternalError",
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


class InternalError(CxError, RuntimeError):
    """A bug in cx: the Rust core panicked. The library is still usable (nothing was half-updated) and the
    message says where; please report it. Unlike pyo3's ``PanicException`` (a ``BaseException``, which escapes the
    ``except Exception`` of Spark and Dask workers), it is an ordinary exception. ``kind`` is ``"Panic"``."""

    kind: str = "Panic"


def _guarded(call: Callable[..., Any], panic: type[BaseException]) -> Callable[..., Any]:
    """``call``, with a panic (``panic``, pyo3's ``PanicException``) raised as :class:`InternalError`."""

    @functools.wraps(call)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except panic as e:
            raise InternalError(f"internal error in cx (a bug, please report it): {e}") from None

    return guarded


# Slots of the compiled classes that run Rust code of ours (the comparison slots are derived and field reads).
_GUARDED_SLOTS = ("__repr__", "__len__")


def _contain_panics(module: types.ModuleType) -> None:
    """Makes every entry point of the compiled module raise :class:`InternalError` for a panic.

    pyo3 converts a panic into its ``PanicException`` at each entry point; this wraps every function of the
    module and every method, static method and custom slot (``__repr__``, ``__len__``) of its classes, once, at
    import, so a function or method added to the module later is covered without anything to remember. Field
    getters are left as they are (they only copy a stored value), and so are constructors: CPython refuses a
    wrapped ``__new__`` on an extension type, so a constructor must not do work that can panic (they only check
    and store their arguments). Called by ``cxkit/__init__.py`` before anything else
    imports from the module.
    """
    panic = module._PanicException
    for name, value in list(vars(module).items()):
        if isinstance(value, types.BuiltinFunctionType):
            setattr(module, name, _guarded(value, panic))
        elif isinstance(value, type) and value.__module__ == module.__name__:
            for attr, member in list(vars(value).items()):
                if isinstance(member, types.MethodDescriptorType):
                    setattr(value, attr, _guarded(member, panic))
                elif isinstance(member, staticmethod):
                    setattr(value, attr, staticmethod(_guarded(member.__func__, panic)))
                elif attr in _GUARDED_SLOTS and isinstance(member, types.WrapperDescriptorType):
                    setattr(value, attr, _guarded(member, panic))
