#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (warnings are errors), the Rust tests of the whole workspace
# (unit, integration, property and doc tests), the tour on the bundled sample data, and the Python package:
# built with `pip install ./crates/cx-py` into .venv (created if absent) and tested with pytest (including
# mypy.stubtest and the quickstart example); and the C library (scripts/test_c.sh): C tests under strict
# warnings, ASan+UBSan and valgrind, the header as C++, and examples/c/nps.c; and a short run of every fuzz target
# (scripts/fuzz.sh, which installs cargo-fuzz if it is missing) after replaying the saved crash inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (workspace)"
cargo test --workspace

step "sample data is what the committed generator makes"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cargo run --quiet --release --example generate_sample -- "$tmp" >/dev/null
cmp "$tmp" data/sample/survey_responses.csv
cargo run --quiet --release --example generate_accounts -- "$tmp" >/dev/null
cmp "$tmp" data/sample/accounts.csv
tmpdir=$(mktemp -d)
cargo run --quiet --release --example generate_journeys -- "$tmpdir" >/dev/null
cmp "$tmpdir/journey_facts.json" data/sample/journey_facts.json
cmp "$tmpdir/golive_facts.json" data/sample/golive_facts.json
cargo run --quiet --release --example generate_two_factor -- "$tmpdir" >/dev/null
for f in kano_answers.csv attribute_ratings.csv support_feedback.csv; do cmp "$tmpdir/$f" "data/sample/$f"; done
rm -r "$tmpdir"

step "tour on the sample data"
cargo run --quiet --release --example tour >/dev/null

step "python: .venv with the test tools, then pip install ./crates/cx-py"
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# pyspark, dask and pyarrow for cxkit.dist's tests (Spark in local mode needs a Java runtime: .ci/run installs one).
.venv/bin/python -m pip install --quiet maturin numpy pandas polars pytest mypy pyspark "dask[dataframe]" pyarrow scipy statsmodels
.venv/bin/python -m pip install --quiet ./crates/cx-py

step "pytest crates/cx-py/tests"
.venv/bin/python -m pytest crates/cx-py/tests -q

step "python: the README's Spark and Dask examples (cxkit.dist)"
.venv/bin/python examples/python/dist_spark.py
.venv/bin/python examples/python/dist_dask.py

step "benches/python/compare.py --quick (every competitor's result equals cxkit's; timings not asserted)"
.venv/bin/python benches/python/compare.py --quick --repeat 1

step "C: libcx tests (strict C11, ASan+UBSan, valgrind), header as C++, examples/c"
bash scripts/test_c.sh

step "fuzz: every saved crash input replayed, then each target for 5 s (overflow checks on; docs/fuzzing.md)"
bash scripts/fuzz.sh regressions
bash scripts/fuzz.sh 5

echo
echo "all checks passed"
