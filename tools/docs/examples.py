#!/usr/bin/env python3
"""Regenerates the worked examples in docs/ from the release binary: every block between
`<!-- example: ARGS -->` and `<!-- /example -->` is replaced by the output of `onnxcost ARGS`
(optionally filtered to the lines from a section heading, `| from HEADING`).

    python3 tools/docs/examples.py            # all docs/*.md"""
import glob, os, re, shlex, subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BINARY = os.path.join(ROOT, ".build", "release", "onnxcost")
PATTERN = re.compile(r"<!-- example: (.*?) -->\n.*?<!-- /example -->", re.S)


def run(spec):
    args, _, section = spec.partition(" | from ")
    out = subprocess.run([BINARY] + shlex.split(args), cwd=ROOT, capture_output=True, text=True).stdout
    lines = out.splitlines()
    if section:
        start = next((i for i, l in enumerate(lines) if l.startswith(section)), 0)
        end = next((i for i in range(start + 1, len(lines)) if lines[i] == ""), len(lines))
        lines = lines[start:end]
    return f"<!-- example: {spec} -->\n```\n$ onnxcost {args}\n" + "\n".join(lines) + "\n```\n<!-- /example -->"


def main():
    subprocess.run([os.path.join(ROOT, "tools", "onnxcost"), "--help"], capture_output=True)
    for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
        text = open(path).read()
        new = PATTERN.sub(lambda m: run(m.group(1)), text)
        if new != text:
            open(path, "w").write(new)
            print("updated", os.path.relpath(path, ROOT))


if __name__ == "__main__":
    main()
