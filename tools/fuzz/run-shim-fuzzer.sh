#!/usr/bin/env bash
# Builds tools/fuzz/FuzzShim.c with libFuzzer + ASan + UBSan over Sources/CONNX/*.c and runs it.
#
#   tools/fuzz/run-shim-fuzzer.sh [SECONDS] [CORPUS_DIR] [-- extra libFuzzer flags]
#
# SECONDS defaults to 60. Without CORPUS_DIR, a temporary corpus is seeded with the *.onnx and *.pb
# files under Fixtures/ (the corpus grows as the fuzzer finds new coverage; pass a directory to keep
# it). Crash inputs are written to $ARTIFACT_DIR (default: fuzz-artifacts/ under the build directory);
# replay one with `$BUILD_DIR/FuzzShim CRASH_FILE`. libFuzzer sizes inputs after the largest seed;
# with megabyte seeds, `-- -max_len=65536` trades whole-model mutations for ~10x more executions.
# Environment:
#   CLANG           a clang that ships libFuzzer (default /opt/swift/usr/bin/clang, else clang)
#   BUILD_DIR       where the binary goes (default /tmp/connx-fuzz)
#   PROTOBUF_C_SRC  optional protobuf-c source checkout: compile protobuf-c.c instrumented too,
#                   instead of linking the system libprotobuf-c (whose reads ASan cannot see)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=60
corpus=""
if [[ $# -gt 0 && "$1" != "--" ]]; then seconds=$1; shift; fi
if [[ $# -gt 0 && "$1" != "--" ]]; then corpus=$1; shift; fi
if [[ $# -gt 0 && "$1" == "--" ]]; then shift; fi
extra_flags=("$@")

clang=${CLANG:-/opt/swift/usr/bin/clang}
[[ -x "$clang" ]] || clang=$(command -v clang) || { echo "no clang found; set CLANG" >&2; exit 1; }
build_dir=${BUILD_DIR:-/tmp/connx-fuzz}
artifact_dir=${ARTIFACT_DIR:-$build_dir/fuzz-artifacts}
mkdir -p "$build_dir" "$artifact_dir"

sources=(tools/fuzz/FuzzShim.c Sources/CONNX/*.c)
includes=(-ISources/CONNX/include)
libs=()
# -fno-sanitize=function: protobuf-c calls each generated `*__init(Message *)` through a generic
# `void (*)(ProtobufCMessage *)` pointer by design; clang's UBSan flags every such call.
sanitize=(-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined)
if [[ -n "${PROTOBUF_C_SRC:-}" ]]; then
    # protobuf-c 1.4.1 (and 1.5.2) does memcpy(NULL, p, 0) for an empty packed field: formally UB,
    # harmless in practice, and not ours to fix, so that one check is off for protobuf-c.c only.
    "$clang" -std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link "${sanitize[@]}" \
        -fno-sanitize=nonnull-attribute -I"$PROTOBUF_C_SRC" \
        -c "$PROTOBUF_C_SRC/protobuf-c/protobuf-c.c" -o "$build_dir/protobuf-c.o"
    libs+=("$build_dir/protobuf-c.o")
    includes+=(-I"$PROTOBUF_C_SRC")
else
    read -r -a pkg_cflags <<<"$(pkg-config --cflags libprotobuf-c)"
    read -r -a pkg_libs <<<"$(pkg-config --libs libprotobuf-c)"
    includes+=(${pkg_cflags[@]+"${pkg_cflags[@]}"})
    libs+=(${pkg_libs[@]+"${pkg_libs[@]}"})
fi

binary=$build_dir/FuzzShim
"$clang" -std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer "${sanitize[@]}" \
    "${includes[@]}" "${sources[@]}" "${libs[@]}" -o "$binary"
echo "built $binary"

if [[ -z "$corpus" ]]; then
    corpus=$(mktemp -d "${TMPDIR:-/tmp}/connx-corpus.XXXXXX")
    trap 'rm -rf "$corpus"' EXIT
    if [[ -d Fixtures ]]; then
        find Fixtures -type f \( -name '*.onnx' -o -name '*.pb' \) -exec cp {} "$corpus"/ \;
    fi
    echo "seeded $(find "$corpus" -type f | wc -l) inputs from Fixtures/ into $corpus"
fi
mkdir -p "$corpus"

# -rss_limit_mb: protobuf-c allocates several times the input for inputs made of tiny messages.
# Not exec: the trap above must still remove a temporary corpus.
status=0
"$binary" "$corpus" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 \
    -artifact_prefix="$artifact_dir/" -print_final_stats=1 ${extra_flags[@]+"${extra_flags[@]}"} || status=$?
exit "$status"
