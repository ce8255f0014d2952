#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (warnings are errors), the Rust tests of the whole workspace
# (unit, integration, property and doc tests), and the tour on the bundled sample data.
# Python (cxkit) and C (libcx) suites join here as their issues land.
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

step "tour on the sample data"
cargo run --quiet --release --example tour >/dev/null

echo
echo "all checks passed"
