#!/usr/bin/env bash
# Builds the Swift libFuzzer target over loader + shape inference + costs + report
# (tools/fuzz/Analysis) and runs it for SECONDS (default 60) over a corpus seeded with the unit
# fixtures and the model graphs. Crashes land in $ARTIFACT_DIR; copy them into
# Tests/onnxcostTests/Regressions/ so the test suite replays them forever.
# Caveat (Swift 6.3.1 on Linux): swiftc's coverage instrumentation is trace-pc-guard, which this
# libFuzzer no longer reads, so the Swift target runs as an ASan-checked mutation fuzzer without
# coverage feedback; the C harness (run-shim-fuzzer.sh) is the coverage-guided one.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
corpus=${2:-/tmp/onnxcost-analysis-corpus}
artifacts=${ARTIFACT_DIR:-/tmp/onnxcost-analysis-artifacts}
mkdir -p "$corpus" "$artifacts"
if [ -z "$(ls -A "$corpus")" ]; then
  cp Tests/ONNXLoaderTests/Fixtures/*.onnx "$corpus"/
  cp Fixtures/models/*.onnx "$corpus"/
fi
swift build -c release --scratch-path .build-fuzz --product onnxcost-fuzz \
  -Xswiftc -sanitize=fuzzer -Xswiftc -sanitize=address -Xswiftc -DFUZZING -Xswiftc -parse-as-library \
  -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
.build-fuzz/release/onnxcost-fuzz "$corpus" -max_total_time="$seconds" -max_len=2000000 -rss_limit_mb=4096 \
  -timeout=20 -artifact_prefix="$artifacts/" -print_final_stats=1
