#!/usr/bin/env bash
# Checks that two onnxcost binaries print byte-identical reports (a speed change must not move a
# number): every fixture model (and any extra models given), each as text, JSON, CSV, Markdown and
# HTML, unbound, bound, with `--device t4 --dtype int8` and with `--no-fusion --device h100`, plus
# `shapes` and a `diff`. Exit code and stderr are compared too.
#
#   tools/bench/compare_outputs.sh BEFORE_BINARY AFTER_BINARY [extra.onnx ...]
set -uo pipefail
before="$1"; after="$2"; shift 2
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bind=(--dim batch=1 --dim sequence=128 --dim past_sequence=1024 --dim past_sequence+sequence=1152)
runs=0; diffs=0
check() {  # args: label, onnxcost arguments...
  local label="$1"; shift
  "$before" "$@" >"$work/a.out" 2>"$work/a.err"; local ra=$?
  "$after" "$@" >"$work/b.out" 2>"$work/b.err"; local rb=$?
  runs=$((runs + 1))
  if [ $ra != $rb ] || ! cmp -s "$work/a.out" "$work/b.out" || ! cmp -s "$work/a.err" "$work/b.err"; then
    diffs=$((diffs + 1)); echo "DIFFERS: $label ($*) rc $ra/$rb"
  fi
}
for model in Fixtures/models/*.onnx "$@"; do
  for format in text json csv md html; do
    check "$model $format" "$model" --format "$format"
    check "$model $format bound" "$model" --format "$format" "${bind[@]}"
    check "$model $format t4 int8" "$model" --format "$format" --device t4 --dtype int8
    check "$model $format t4 int8 bound" "$model" --format "$format" --device t4 --dtype int8 "${bind[@]}"
    check "$model $format no-fusion h100" "$model" --format "$format" --no-fusion --device h100
  done
  check "$model shapes" shapes "$model" --format csv
done
check "diff resnet50 int8" diff Fixtures/models/resnet50.onnx Fixtures/models/resnet50_int8_qdq.onnx --dim batch=1 --device t4
check "diff gpt2" diff Fixtures/models/gpt2.onnx Fixtures/models/gpt2_dynamo.onnx --device t4 --format json
echo "$runs runs, $diffs differ"
[ "$diffs" = 0 ]
