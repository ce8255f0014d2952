#!/usr/bin/env bash
# Fuzzing of cx (docs/fuzzing.md): builds the cargo-fuzz targets of fuzz/ with overflow checks and debug
# assertions on, and runs each on a temporary copy of its committed seed corpus.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   build, then run each target (all by default) SECONDS (default 10)
#                                           one at a time; fails if any target crashes
#   scripts/fuzz.sh build                   build only
#   scripts/fuzz.sh build-dir OUT           build, then copy stripped standalone binaries, corpora, regressions
#                                           and a run script into OUT (for a machine without Rust: OUT/run.sh)
#   scripts/fuzz.sh regressions [TARGET...] replay the saved crash inputs of fuzz/regressions/ (each must pass
#                                           once its issue is fixed)
#   scripts/fuzz.sh list                    the targets
#
# Environment: FUZZ_RSS_MB (2048) and FUZZ_TIMEOUT (10 s per input): memory or time blow-ups are crashes.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
FUZZ=$ROOT/fuzz
RSS_MB=${FUZZ_RSS_MB:-2048}
TIMEOUT=${FUZZ_TIMEOUT:-10}

# Stable Rust is enough: cargo-fuzz's flags (-Cpasses=sancov-module, -Cllvm-args=...) are stable, and
# `--sanitizer none` avoids the one nightly flag (-Zsanitizer). RUSTC_BOOTSTRAP=1 keeps the build working if
# cargo-fuzz or libfuzzer-sys add an unstable flag; it changes nothing else.
export RUSTC_BOOTSTRAP=1
# cargo-fuzz builds with --release; fuzz/Cargo.toml's release profile keeps overflow checks and debug
# assertions on (so counts that wrap crash) and -a passes -Cdebug-assertions as well. No AddressSanitizer:
# cx-core is #![forbid(unsafe_code)] (the one unsafe prefetch hint in cx-prefetch reads nothing), so ASan would
# find nothing Rust's bounds checks miss, at half the speed and twice the memory.
BUILD_FLAGS=(-O -a --sanitizer none)

TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN_DIR=$FUZZ/target/$TRIPLE/release

targets() {
    ls "$FUZZ/fuzz_targets" | sed 's/\.rs$//'
}

# Longest input per target: state payloads and names are small; conditions and configurations get room for
# deep nesting (the depth limits of issue 20 item 2 must be reachable).
max_len() {
    case $1 in
        state_* | names | kano_mapping | results_json) echo 4096 ;;
        condition | roadmap | facts | scorecard | goal_tree) echo 65536 ;;
        *) echo 16384 ;;
    esac
}

ensure_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "installing cargo-fuzz" >&2
        cargo install cargo-fuzz --locked
    fi
}

build() {
    ensure_cargo_fuzz
    (cd "$ROOT" && cargo fuzz build "${BUILD_FLAGS[@]}")
}

# Runs target $1 for $2 seconds on a fresh copy of its corpus; prints executions and the rate; returns non-zero
# on a crash (the input is in fuzz/artifacts/$1/).
run_one() {
    local t=$1 secs=$2 log
    local work=$FUZZ/corpus-run/$t
    rm -rf "$work" && mkdir -p "$work" "$FUZZ/artifacts/$t"
    cp -r "$FUZZ/corpus/$t/." "$work/" 2>/dev/null || true
    log=$FUZZ/corpus-run/$t.log
    local rc=0
    "$BIN_DIR/$t" "$work" -max_total_time="$secs" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
        -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$FUZZ/artifacts/$t/" >"$log" 2>&1 || rc=$?
    local execs rate
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "$rc" -eq 0 ]; then
        printf '%-20s ok     %12s execs %8s/s\n' "$t" "${execs:-?}" "${rate:-?}"
    else
        printf '%-20s CRASH  %12s execs %8s/s  (log %s)\n' "$t" "${execs:-?}" "${rate:-?}" "$log"
        grep -m1 -E "panicked at|ERROR: libFuzzer" -A2 "$log" | sed 's/^/    /' || true
        ls -1 "$FUZZ/artifacts/$t" | sed 's/^/    artifact: /' || true
    fi
    rm -rf "$work"
    return "$rc"
}

run_all() {
    local secs=$1
    shift
    local list=("$@")
    [ ${#list[@]} -gt 0 ] || mapfile -t list < <(targets)
    build
    local failed=()
    for t in "${list[@]}"; do
        run_one "$t" "$secs" || failed+=("$t")
    done
    if [ ${#failed[@]} -gt 0 ]; then
        echo "crashed: ${failed[*]}" >&2
        exit 1
    fi
}

regressions() {
    local list=("$@")
    [ ${#list[@]} -gt 0 ] || mapfile -t list < <(targets)
    build
    local failed=()
    for t in "${list[@]}"; do
        [ -d "$FUZZ/regressions/$t" ] || continue
        for f in "$FUZZ/regressions/$t"/*; do
            [ -f "$f" ] || continue
            if "$BIN_DIR/$t" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" "$f" >/dev/null 2>&1; then
                echo "pass  $t/${f##*/}"
            else
                echo "FAIL  $t/${f##*/}"
                failed+=("$t/${f##*/}")
            fi
        done
    done
    [ ${#failed[@]} -eq 0 ] || { echo "failing: ${failed[*]}" >&2; exit 1; }
}

build_dir() {
    local out=${1:?usage: scripts/fuzz.sh build-dir OUT}
    build
    mkdir -p "$out/bin" "$out/corpus" "$out/regressions"
    out=$(cd "$out" && pwd)
    local t
    for t in $(targets); do
        # No debug info: the binaries travel; panics still name file and line.
        strip --strip-debug -o "$out/bin/$t" "$BIN_DIR/$t"
        mkdir -p "$out/corpus/$t"
        cp -r "$FUZZ/corpus/$t/." "$out/corpus/$t/"
        [ -d "$FUZZ/regressions/$t" ] && cp -r "$FUZZ/regressions/$t" "$out/regressions/"
        echo "$t $(max_len "$t")" >>"$out/targets.txt.tmp"
    done
    mv "$out/targets.txt.tmp" "$out/targets.txt"
    cat >"$out/run.sh" <<'EOF'
#!/usr/bin/env bash
# Runs every cx fuzz target in parallel for SECONDS (default 480), each one process on its own corpus copy.
# Needs no Rust. Crash inputs land in artifacts/<target>/, logs in logs/; exits non-zero if any target crashed.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-480}
mkdir -p logs artifacts run-corpus
pids=()
while read -r t len; do
    mkdir -p "artifacts/$t" && rm -rf "run-corpus/$t" && cp -r "corpus/$t" "run-corpus/$t"
    ./bin/$t "run-corpus/$t" -max_total_time="$secs" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
        -timeout="${FUZZ_TIMEOUT:-10}" -max_len="$len" -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" >"logs/$t.log" 2>&1 &
    pids+=("$!:$t")
done <targets.txt
rc=0
for p in "${pids[@]}"; do
    if wait "${p%%:*}"; then s=ok; else s=CRASH; rc=1; fi
    t=${p#*:}
    printf '%-20s %-6s %12s execs %8s/s\n' "$t" "$s" \
        "$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)" \
        "$(sed -n 's/^stat::average_exec_per_sec: *//p' "logs/$t.log" | tail -1)"
done
exit $rc
EOF
    chmod +x "$out/run.sh"
    du -sh "$out/bin"/* | sort -k2
}

case ${1:-} in
    build) build ;;
    build-dir) build_dir "${2:-}" ;;
    regressions) shift && regressions "$@" ;;
    list) targets ;;
    "" ) run_all 10 ;;
    *[!0-9]*) echo "unknown mode: $1 (see the head of $0)" >&2 && exit 2 ;;
    *) secs=$1 && shift && run_all "$secs" "$@" ;;
esac
