#!/usr/bin/env python3
"""Turns tools/bench/profile.sh's callgrind_annotate listings into the Markdown of docs/benchmarks.md.

  python3 tools/bench/summarize_profile.py PROFILE_DIR NAME[=LABEL] ...

For each NAME it reads NAME.self.txt and NAME.inclusive.txt (demangled) and writes: the total
instruction count, the top 10 functions by self (exclusive) count, and the top onnxcost functions
by inclusive count (entry-point wrappers left out).
"""
from __future__ import annotations

import os
import re
import sys

LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\*\s+)?(.*)$")
WRAPPERS = re.compile(r"^(\(below main\)|onnxcost_main|specialized static OnnxCost\.main\(\)|static OnnxCost\.main\(\)|"
                      r"protocol witness for ParsableCommand\.run\(\).*|Analyze\.run\(\)|0x[0-9a-f]+)$")


def entries(path: str):
    """(Ir, percent, function, object) for each function row of a callgrind_annotate listing."""
    rows = []
    with open(path, encoding="utf-8", errors="replace") as listing:
        in_functions = False
        for line in listing:
            if "file:function" in line:
                in_functions = True
                continue
            if not in_functions:
                continue
            match = LINE.match(line.rstrip("\n"))
            if not match:
                if rows and not line.strip():
                    break
                continue
            ir, percent, _, rest = match.groups()
            obj = ""
            if rest.endswith("]") and " [" in rest:
                rest, obj = rest[: rest.rindex(" [")], os.path.basename(rest[rest.rindex(" [") + 2: -1])
            function = rest.split(":", 1)[1] if ":" in rest else rest
            rows.append((int(ir.replace(",", "")), float(percent), function, obj))
    return rows


def short(function: str, obj: str) -> str:
    if "::" in function:
        # C++ runtime names: drop template and parameter lists, keep the path of names.
        function = function.replace("(anonymous namespace)::", "")
        previous = None
        while previous != function:
            previous = function
            function = re.sub(r"<[^<>]*>", "", function)
        previous = None
        while previous != function:
            previous = function
            function = re.sub(r"\([^()]*\)", "()", function)
    function = function.replace("|", "\\|")
    return function if len(function) <= 110 else function[:107] + "…"


def total(path: str) -> int:
    with open(path, encoding="utf-8", errors="replace") as listing:
        for line in listing:
            if "PROGRAM TOTALS" in line:
                return int(line.split()[0].replace(",", ""))
    return 0


def main() -> None:
    directory, names = sys.argv[1], sys.argv[2:]
    out = []
    for spec in names:
        name, _, label = spec.partition("=")
        label = label or name
        self_rows = entries(os.path.join(directory, f"{name}.self.txt"))
        inclusive_rows = entries(os.path.join(directory, f"{name}.inclusive.txt"))
        out.append(f"#### {label}: {total(os.path.join(directory, name + '.self.txt')):,} instructions")
        out.append("")
        out.append("Top 10 by self (exclusive) instructions:")
        out.append("")
        out.append("| # | Function | Object | Self Ir | Share |")
        out.append("|---|---|---|---|---|")
        for rank, (ir, percent, function, obj) in enumerate(self_rows[:10], 1):
            out.append(f"| {rank} | `{short(function, obj)}` | {obj} | {ir:,} | {percent:.1f}% |")
        out.append("")
        out.append("Heaviest onnxcost functions by inclusive instructions (callees included; entry points left out):")
        out.append("")
        out.append("| Function | Inclusive Ir | Share |")
        out.append("|---|---|---|")
        shown = 0
        for ir, percent, function, obj in inclusive_rows:
            if not obj.startswith("onnxcost") or WRAPPERS.match(function):
                continue
            out.append(f"| `{short(function, obj)}` | {ir:,} | {percent:.1f}% |")
            shown += 1
            if shown == 15:
                break
        out.append("")
    print("\n".join(out).rstrip("\n"))


if __name__ == "__main__":
    main()
