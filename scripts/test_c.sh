#!/usr/bin/env bash
# The C library end to end: builds libcx (static and shared), generates the test vectors from tests/data,
# compiles the C tests with -std=c11 -Wall -Wextra -Wpedantic -Werror and runs them plain, under ASan+UBSan and
# under valgrind (zero errors, zero leaks); checks that include/cx.h compiles alone as C++; builds and runs
# examples/c/nps.c. Called by scripts/test.sh. The library is built with the cargo feature `test-hooks`, which
# adds the test-only export `cx_debug_panic` (absent from include/cx.h and from a normal build).
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/c-tests
mkdir -p "$out"
# `test-hooks` adds the test-only export cx_debug_panic (not in cx.h, not in a normal build's ABI).
cargo build --quiet --release -p cx-ffi --features test-hooks
lib=target/release
python3 crates/cx-ffi/tests/c/gen_vectors.py "$out/vectors.h"

cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -O1 -g -Iinclude -I"$out")
# What a Rust staticlib needs from the system (as `cargo rustc -- --print native-static-libs` reports).
syslibs=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)

echo "-- C tests, static library"
cc "${cflags[@]}" crates/cx-ffi/tests/c/test_cx.c "$lib/libcx.a" "${syslibs[@]}" -o "$out/test_static"
"$out/test_static"

echo "-- C tests, ASan + UBSan"
cc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  crates/cx-ffi/tests/c/test_cx.c "$lib/libcx.a" "${syslibs[@]}" -o "$out/test_asan"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_asan"

echo "-- C tests, shared library under valgrind"
cc "${cflags[@]}" crates/cx-ffi/tests/c/test_cx.c -L"$lib" -lcx -Wl,-rpath,"$PWD/$lib" -lm -o "$out/test_shared"
valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible "$out/test_shared"

echo "-- include/cx.h alone, as C and as C++"
printf '#include "cx.h"\n' > "$out/header_only.c"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude -c "$out/header_only.c" -o "$out/header_only_c.o"
c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -Iinclude -x c++ -c "$out/header_only.c" -o "$out/header_only_cpp.o"

echo "-- examples/c/nps.c"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude examples/c/nps.c "$lib/libcx.a" "${syslibs[@]}" \
  -o "$out/nps_example"
"$out/nps_example" > "$out/nps_example.txt"
grep -q "NPS" "$out/nps_example.txt"
