"""The .pyi stubs match the compiled module and the package (mypy.stubtest), and the docstring examples run."""

import doctest
import subprocess
import sys
from pathlib import Path

import cxkit
import cxkit.errors
import cxkit.goals
import cxkit.dist
import cxkit.health
import cxkit.partial
import cxkit.survey

HERE = Path(__file__).resolve().parent


def test_stubtest_finds_no_differences():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "cxkit",
            "--mypy-config-file",
            str(HERE.parent / "pyproject.toml"),
            "--allowlist",
            str(HERE / "stubtest_allowlist.txt"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_py_typed_marker_ships():
    assert (Path(cxkit.__file__).parent / "py.typed").exists()


def test_docstring_examples():
    for module in (cxkit, cxkit.errors, cxkit.goals, cxkit.health, cxkit.journey, cxkit.partial, cxkit.survey,
                   cxkit.two_factor):
        failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert tried > 0 and failures == 0, module.__name__
    runner = doctest.DocTestRunner()
    for cls in (cxkit.MetricSpec, cxkit.Histogram):
        runner.run(doctest.DocTestParser().get_doctest(cls.__doc__, {}, cls.__name__, None, 0))
    assert runner.summarize(verbose=False).failed == 0
