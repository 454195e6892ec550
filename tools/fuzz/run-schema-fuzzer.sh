#!/usr/bin/env bash
# Runs the schema-directed fuzzer (tools/fuzz/Schema) for SECONDS (default 600), seed after seed.
# A case that kills the process (a trap) is logged from --last and the run goes on after it.
# Usage: tools/fuzz/run-schema-fuzzer.sh [SECONDS] [FIRST_SEED]   (log: $LOG, default /tmp/schema-fuzz.log)
set -u
cd "$(dirname "$0")/../.."
seconds=${1:-600}
seed=${2:-1}
log=${LOG:-/tmp/schema-fuzz.log}
bin=${FUZZ_BIN:-.build/debug/onnxcost-schema-fuzz}
[ -x "$bin" ] || swift build --product onnxcost-schema-fuzz >&2
last=$(mktemp)
end=$((SECONDS + seconds))
total=0 crashes=0 findings=0
: > "$log"
while [ $SECONDS -lt $end ]; do
    first=0
    while [ $SECONDS -lt $end ]; do
        out=$(timeout 120 "$bin" --seed "$seed" --first "$first" --cases 5000 --seconds $((end - SECONDS)) --last "$last" 2>&1)
        rc=$?
        echo "$out" | grep -E '^(seed|finding)' >> "$log"
        if [ $rc -ge 124 ]; then
            read -r s index op < "$last"
            echo "crash: seed $s case $index ops $op (exit $rc)" >> "$log"
            echo "seed $s cases $((index - first + 1)) (ended by the crash)" >> "$log"
            crashes=$((crashes + 1))
            first=$((index + 1))
            continue
        fi
        break
    done
    seed=$((seed + 1))
done
rm -f "$last"
cases=$(awk '/^seed/ {n += $4} END {print n + 0}' "$log")
findings=$(grep -c '^finding' "$log")
echo "schema fuzz: $cases cases, $crashes crashes, $findings findings, seeds up to $((seed - 1)) (log $log)"
