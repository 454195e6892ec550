#!/usr/bin/env python3
"""Runs the release onnxcost on every real-architecture fixture and writes docs/validation.md:
onnxcost's numbers next to independent references (onnxruntime-measured MACs, torchvision's
published figures, closed-form transformer MACs, the file's own weight counts).

    python3 tools/validation.py                       # build if stale, run, write docs/validation.md
    python3 tools/validation.py --binary PATH         # use this onnxcost binary as is
    python3 tools/validation.py --out -               # print the Markdown instead
    python3 tools/validation.py --strict              # exit 1 when any comparison that should match does not

The binary is `.build/release/onnxcost`, built with `swift build -c release --product onnxcost` when
missing or older than Sources/ (what `tools/onnxcost` does). Python 3.8+, standard library only; if
the `onnx` package is importable it also counts the initializers the TorchScript exporter
de-duplicated (Identity aliases), to explain parameter differences.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Fixtures")
COMMAND = "python3 tools/validation.py"

# torchvision names of the fixtures made from a torchvision model (variants share the architecture).
VARIANT_SUFFIXES = ("_dynamo", "_fp16", "_int8_qdq")

# Why the parameter count of an exported graph differs from torch's `num_params`, per architecture
# (Fixtures/README.md, "weight_elements vs torch parameter counts"; each checked against the files).
# The numbers the script can compute (Identity aliases, Constant-node scalars, int64/bool
# initializers) are added to these notes at run time.
BATCHNORM_CNNS = {"resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "inception_v3",
                  "deeplabv3_mobilenet_v3_large", "ssdlite320_mobilenet_v3_large"}
PARAM_NOTES = {
    "resnet50": "BatchNorm folded into Conv: γ, β → one bias per channel, −26,560 (one per BN channel); the identical "
                "(zero) folded biases then de-duplicated, −22,528. Together exactly −49,088.",
    "mobilenet_v2": "BatchNorm folded into Conv; identical initializers de-duplicated.",
    "mobilenet_v3_small": "BatchNorm folded into Conv; identical initializers de-duplicated.",
    "efficientnet_b0": "BatchNorm folded into Conv; identical initializers de-duplicated.",
    "convnext_tiny": "No BatchNorm: identical initializers (at random init: LayerNorm γ/β, zero biases, layer scales) de-duplicated.",
    "vit_b_16": "Identical initializers (LayerNorm γ/β, zero biases at random init) de-duplicated.",
    "swin_t": "More than torch: the exporter constant-folds each block's relative-position-bias gather, storing a "
              "[heads, 49, 49] bias instead of the [169, heads] table (2,232 × Σheads = 2,232 × 138 = +308,016); "
              "identical initializers de-duplicated.",
    "inception_v3": "The AuxLogits branch does not run in eval mode, so it is not in the graph (≈3.3 M); BatchNorm folded into Conv.",
    "vgg16": "No BatchNorm: identical zero biases de-duplicated (exactly the 7,360 aliased elements).",
    "deeplabv3_mobilenet_v3_large": "Published `num_params` includes the aux head (absent here: `aux_loss=None`); BatchNorm folded into Conv.",
    "ssdlite320_mobilenet_v3_large": "BatchNorm folded into Conv; identical initializers de-duplicated.",
    "resnet50_fp16": "Same graph as resnet50 with float16 initializers.",
    "resnet50_int8_qdq": "QDQ: the int8 weights are stored once per consumer (the fp32 file's aliases become separate tensors), "
                         "plus per-channel float32 scales, uint8 zero points and int32 biases (params by the convention).",
    "gpt2": "TorchScript stores the tied LM head a second time (a transposed copy of `wte`, 38,597,376 elements).",
    "gpt2_dynamo": "The tied LM head is one shared tensor.",
    "llama_tiny": "",
}
DYNAMO_NOTE = "Dynamo exporter: no Identity aliases; identical initializers are merged into one shared tensor (counted once)."


def fmt_int(value) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return "—" if value is None else f"`{value}`"


def rel(a, b) -> str:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or b == 0:
        return "—"
    error = (a - b) / b
    if error == 0:
        return "0"
    return f"{error * 100:+.3f} %"


def shape_text(shape) -> str:
    return "×".join(str(d) for d in shape) if shape else "scalar"


# ---------------------------------------------------------------------------------------------

def binary_path(requested: str | None) -> str:
    if requested:
        return os.path.abspath(requested)
    binary = os.path.join(ROOT, ".build", "release", "onnxcost")
    stale = not os.path.exists(binary)
    if not stale:
        built = os.path.getmtime(binary)
        for top in ("Sources", "Modules"):
            for folder, _, files in os.walk(os.path.join(ROOT, top)):
                if any(os.path.getmtime(os.path.join(folder, f)) > built for f in files):
                    stale = True
                    break
        stale = stale or os.path.getmtime(os.path.join(ROOT, "Package.swift")) > built
    if stale:
        print("validation: building the release binary (swift build -c release --product onnxcost) ...", file=sys.stderr)
        subprocess.run(["swift", "build", "-c", "release", "--product", "onnxcost"], cwd=ROOT, check=True,
                       stdout=sys.stderr)
    return binary


def run(binary: str, model: str, inputs: dict | None = None, extra: list[str] | None = None) -> dict:
    args = [binary, os.path.join(FIXTURES, model), "--format", "json", "--no-nodes"]
    for name, shape in (inputs or {}).items():
        args += ["--input", f"{name}={'x'.join(str(d) for d in shape)}"]
    args += extra or []
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        result = {"error": {"kind": "no-json", "message": (done.stderr or done.stdout).strip()[:300]}}
    result["_exit"] = done.returncode
    result["_command"] = "onnxcost " + " ".join(args[1:]).replace(ROOT + os.sep, "")
    return result


def evaluate_polynomial(text, bindings: dict) -> int | None:
    """Value of onnxcost's polynomial text (`18432*batch*sequence^2 + 123*batch`) at `bindings`."""
    if isinstance(text, int):
        return text
    if not isinstance(text, str) or not re.fullmatch(r"[\w\s*^+\-]+", text):
        return None
    expr = text.replace("^", "**")
    names = set(re.findall(r"[A-Za-z_]\w*", expr))
    if not names <= set(bindings):
        return None
    return int(eval(expr, {"__builtins__": {}}, dict(bindings)))  # digits, names, + - * ** only


def identity_aliases(model_path: str) -> int | None:
    """Elements of initializers that Identity nodes alias (the TorchScript exporter's de-duplication)."""
    try:
        import onnx  # optional
    except ImportError:
        return None
    graph = onnx.load(model_path, load_external_data=False).graph
    sizes = {}
    for t in graph.initializer:
        n = 1
        for d in t.dims:
            n *= d
        sizes[t.name] = n
    return sum(sizes[n.input[0]] for n in graph.node if n.op_type == "Identity" and n.input and n.input[0] in sizes)


# ---------------------------------------------------------------------------------------------

class Validation:
    def __init__(self, binary: str):
        self.binary = binary
        self.published = json.load(open(os.path.join(FIXTURES, "expected", "torchvision_published.json")))
        self.closed = json.load(open(os.path.join(FIXTURES, "expected", "closed_form.json")))
        self.models = []
        for name in sorted(os.listdir(os.path.join(FIXTURES, "expected"))):
            path = os.path.join(FIXTURES, "expected", name)
            expected = json.load(open(path))
            if isinstance(expected, dict) and "inputs" in expected and "file" in expected:
                self.models.append((name[:-5], expected))
        self.failures: list[str] = []
        self.results = {}
        self.alt = {}
        for name, expected in self.models:
            self.results[name] = run(binary, expected["file"], expected["inputs"])
            alt = expected.get("alt_run")
            if alt:
                self.alt[name] = run(binary, expected["file"], alt["inputs"])

    def base(self, name: str) -> str:
        for suffix in VARIANT_SUFFIXES:
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name

    def fail(self, text: str):
        self.failures.append(text)

    # -- sections ------------------------------------------------------------------------------

    def macs_section(self) -> list[str]:
        lines = [
            "## MACs",
            "",
            "*Reference*: `reference_macs.macs_total` of the expected JSON — Σ over the main graph's Conv,",
            "ConvTranspose, MatMul and Gemm nodes of output elements × reduction size, with every shape taken",
            "from an onnxruntime run (bias adds not counted). *torchvision*: the published `_ops` (what",
            "torchvision calls GFLOPS is **GMACs** of conv + linear + matmul, batch 1 at the weights' crop size,",
            "3 decimals), compared only where the run is like-for-like; ✓ = onnxcost's MACs round to the",
            "published figure (the error column is mostly that rounding: mobilenet_v3_small's 0.057 stands for",
            "0.0565 – 0.0575 G).",
            "",
            "| model | exporter | input | MACs (onnxcost) | reference MACs | error | torchvision `_ops` (GMACs) | error |",
            "|---|---|---|---:|---:|---:|---:|---:|",
        ]
        notes = []
        for name, expected in self.models:
            r = self.results[name]
            if "error" in r:
                self.fail(f"{name}: onnxcost failed: {r['error']}")
                lines.append(f"| {name} | {expected.get('exporter_kind')} | | **error** `{r['error'].get('message')}` | | | | |")
                continue
            macs = r["totals"]["macs"]
            reference = expected["reference_macs"]["macs_total"]
            if macs != reference:
                self.fail(f"{name}: MACs {macs} ≠ reference {reference}")
            published = self.published.get(self.base(name))
            pub_cell, pub_err = "—", "—"
            if published:
                gmacs = published["_ops"]
                crop = (published.get("crop_size") or [None])[0]
                shape = next(iter(expected["inputs"].values()))
                like = (crop is not None and shape == [1, 3, crop, crop]) or self.base(name).startswith("ssdlite")
                if like:
                    rounds = isinstance(macs, int) and abs(macs / 1e9 - gmacs) <= 0.0005 + 1e-12
                    pub_cell, pub_err = f"{gmacs:g}", rel(macs, gmacs * 1e9) + (" ✓" if rounds else " ✗")
                    if not rounds:
                        self.fail(f"{name}: MACs {macs} do not round to torchvision's {gmacs} GMACs")
                else:
                    pub_cell = f"({gmacs:g})"
                    pub_err = "not like-for-like¹"
                    notes.append("¹ deeplabv3: `_ops` is at 520×520 and includes the aux head; this fixture is run at "
                                 "224×288 and has no aux head.")
            inputs = ", ".join(f"{k} {shape_text(v)}" for k, v in expected["inputs"].items())
            lines.append(f"| {name} | {expected.get('exporter_kind')} | {inputs} | {fmt_int(macs)} | {fmt_int(reference)} | "
                         f"{rel(macs, reference)} | {pub_cell} | {pub_err} |")
        lines += [""] + sorted(set(notes))
        # The second binding: the dims really are dynamic.
        lines += [
            "",
            "At the second binding (`alt_run`: batch 3 for classifiers and transformers, other H×W for the",
            "dense models), against onnxruntime's shapes again:",
            "",
            "| model | input | MACs (onnxcost) | reference MACs | error |",
            "|---|---|---:|---:|---:|",
        ]
        for name, expected in self.models:
            alt = expected.get("alt_run")
            r = self.alt.get(name)
            if not alt or r is None or "reference_macs" not in alt:
                continue
            macs = r.get("totals", {}).get("macs")
            reference = alt["reference_macs"]["macs_total"]
            if macs != reference:
                self.fail(f"{name} (alt run): MACs {macs} ≠ reference {reference}")
            inputs = ", ".join(f"{k} {shape_text(v)}" for k, v in alt["inputs"].items())
            lines.append(f"| {name} | {inputs} | {fmt_int(macs)} | {fmt_int(reference)} | {rel(macs, reference)} |")
        return lines

    def params_section(self) -> list[str]:
        lines = [
            "## Parameters",
            "",
            "*file weight elements*: `file_weight_elements` of the expected JSON, counted from the `.onnx` with",
            "the onnx Python package by `tools/fixtures/file_weight_elements.py` under the same convention as",
            "onnxcost (constants feeding compute, no shape/axes/index constants, no int64/bool, shared tensors",
            "once). *all initializers*: `weight_elements`, every main-graph initializer of every dtype.",
            "*torch*: torchvision's published `num_params` (torch parameters, not buffers). *aliases*: elements",
            "of initializers that `Identity` nodes alias — what the TorchScript exporter de-duplicated.",
            "",
            "| model | params (onnxcost) | file weight elements | all initializers | torch `num_params` | onnxcost − torch | aliases | why they differ |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name, expected in self.models:
            r = self.results[name]
            if "error" in r:
                continue
            params = r["totals"]["params"]
            file_elements = expected.get("file_weight_elements")
            if params != file_elements:
                self.fail(f"{name}: params {params} ≠ file_weight_elements {file_elements}")
            published = self.published.get(self.base(name))
            torch = published["num_params"] if published else None
            delta = f"{params - torch:+,}" if isinstance(params, int) and torch else "—"
            aliases = identity_aliases(os.path.join(FIXTURES, expected["file"]))
            note = self.param_note(name, expected)
            lines.append(f"| {name} | {fmt_int(params)} | {fmt_int(file_elements)} | {fmt_int(expected.get('weight_elements'))} | "
                         f"{fmt_int(torch)} | {delta} | {fmt_int(aliases) if aliases is not None else 'n/a'} | {note} |")
        lines += [
            "",
            "onnxcost counts what the file stores and computes with; torch counts module parameters. Neither",
            "is wrong: a deployment engineer pays for the file's weights.",
        ]
        return lines

    def param_note(self, name: str, expected: dict) -> str:
        base = self.base(name)
        parts = []
        if name in PARAM_NOTES:
            parts.append(PARAM_NOTES[name])
        elif name.endswith("_dynamo"):
            parts.append(DYNAMO_NOTE)
            if base in BATCHNORM_CNNS:
                parts.append("BatchNorm folded away (no BatchNormalization node is left).")
            if base in PARAM_NOTES and base.startswith("gpt2"):
                parts.append(PARAM_NOTES["gpt2_dynamo"])
        else:
            parts.append(PARAM_NOTES.get(base, ""))
        # What the expected JSON lets us compute: initializers that are not params, Constant-node scalars.
        by_dtype = expected.get("initializer_elements_by_dtype", {})
        excluded = {k: v for k, v in by_dtype.items() if k in ("int64", "bool", "int16", "uint16", "uint32", "uint64", "string")
                    or (k == "int32" and "int8" not in by_dtype)}
        if excluded:
            parts.append("Not params: " + ", ".join(f"{v:,} {k}" for k, v in excluded.items()) + " initializer elements.")
        file_elements, weight_elements = expected.get("file_weight_elements"), expected.get("weight_elements")
        if isinstance(file_elements, int) and isinstance(weight_elements, int):
            constants = file_elements - (weight_elements - sum(excluded.values()))
            if constants > 0:
                parts.append(f"+{constants:,} scalar elements of Constant nodes feeding compute.")
        return " ".join(p for p in parts if p)

    def closed_form_section(self) -> list[str]:
        lines = [
            "## Transformers against the closed form",
            "",
            "`Fixtures/expected/closed_form.json`: MACs of every MatMul/Gemm of the architecture, from its",
            "sizes alone (element-wise work excluded — and onnxcost's MACs count only multiply-accumulates, so",
            "the two are the same quantity).",
            "",
        ]
        for model in ("bert_base", "gpt2", "llama_tiny"):
            cf = self.closed.get(model)
            if not cf:
                continue
            sizes = ", ".join(f"{k} = {cf[k]}" for k in ("H", "L", "I", "heads", "V") if k in cf)
            lines += [f"**{model}** ({sizes}):", "", "```", cf["formula"], "```", "",
                      "| file | binding | closed form | onnxcost | error |", "|---|---|---:|---:|---:|"]
            for variant in (model, model + "_dynamo"):
                if variant not in self.results:
                    continue
                r, a = self.results[variant], self.alt.get(variant)
                for label, run_result, value in ((f"B={cf['B']}, S={cf['S']}", r, cf["macs"]),
                                                 (f"B={cf['alt_run']['B']}, S={cf['alt_run']['S']}", a, cf["alt_run"]["macs"])):
                    macs = (run_result or {}).get("totals", {}).get("macs")
                    if macs != value:
                        self.fail(f"{variant} {label}: MACs {macs} ≠ closed form {value}")
                    lines.append(f"| {variant} | {label} | {fmt_int(value)} | {fmt_int(macs)} | {rel(macs, value)} |")
            lines.append("")
        return lines

    def shapes_section(self) -> list[str]:
        lines = [
            "## Output shapes and unresolved dims",
            "",
            "Output shapes inferred by onnxcost at the run binding vs the shapes onnxruntime produced.",
            "*unresolved*: dims onnxcost could not resolve (each is reported with the node that lost it).",
            "",
            "| model | outputs (onnxruntime) | outputs (onnxcost) | match | unresolved dims |",
            "|---|---|---|---|---|",
        ]
        for name, expected in self.models:
            r = self.results[name]
            if "error" in r:
                continue
            ours = {o["name"]: o["shape"] for o in r.get("outputs", [])}
            theirs = {k: v["shape"] for k, v in expected["outputs"].items()}
            symbolic = []
            match = True
            for key, shape in theirs.items():
                mine = ours.get(key)
                if mine is None or len(mine) != len(shape):
                    match = False
                    continue
                for a, b in zip(mine, shape):
                    if isinstance(a, int):
                        match &= a == b
                    else:
                        symbolic.append(str(a))
            if not match:
                self.fail(f"{name}: output shapes {ours} ≠ {theirs}")
            verdict = "yes" if match and not symbolic else ("no" if not match else
                      "yes, except data-dependent dims (" + ", ".join(sorted(set(symbolic))) + ")")
            unresolved = r.get("unresolved", [])
            def describe(u) -> str:
                if isinstance(u, dict):
                    dim = f"[{u['dim']}]" if u.get("dim") is not None else ""
                    return f"`{u.get('tensor')}`{dim}" + (f" lost at {u['lost_at']}" if u.get("lost_at") else "")
                return str(u)
            un = "none" if not unresolved else f"{len(unresolved)}: " + "; ".join(
                describe(u) for u in unresolved[:3]) + (" …" if len(unresolved) > 3 else "")
            fmt = lambda d: "; ".join(f"{k} [{', '.join(map(str, v))}]" for k, v in d.items())
            lines.append(f"| {name} | {fmt(theirs)} | {fmt(ours)} | {verdict} | {md(un)} |")
        return lines

    def precision_section(self) -> list[str]:
        lines = [
            "## Stored precision: int8 QDQ and fp16 ResNet-50",
            "",
            "Weight bytes as stored in the file (no `--dtype`), and the fp32 model re-costed with `--dtype`.",
            "",
            "| model | weight bytes | ÷ fp32 | weight bytes by dtype | MACs | MACs by compute dtype |",
            "|---|---:|---:|---|---:|---|",
        ]
        base = self.results.get("resnet50")
        rows = [("resnet50", base), ("resnet50_fp16", self.results.get("resnet50_fp16")),
                ("resnet50_int8_qdq", self.results.get("resnet50_int8_qdq"))]
        inputs = {"input": [1, 3, 224, 224]}
        for dtype in ("fp16", "int8", "int4"):
            rows.append((f"resnet50 `--dtype {dtype}`", run(self.binary, "models/resnet50.onnx", inputs, ["--dtype", dtype])))
        fp32 = base["totals"]["weight_bytes"] if base and "totals" in base else None
        for label, r in rows:
            if not r or "totals" not in r:
                continue
            t = r["totals"]
            ratio = t["weight_bytes"] / fp32 if isinstance(t["weight_bytes"], int) and fp32 else None
            by = ", ".join(f"{k} {v:,}" for k, v in t.get("weight_bytes_by_dtype", {}).items())
            macs_by = ", ".join(f"{k} {fmt_int(v)}" for k, v in t.get("macs_by_dtype", {}).items())
            lines.append(f"| {label} | {fmt_int(t['weight_bytes'])} | {f'{ratio:.4f}' if ratio else '—'} | {by} | "
                         f"{fmt_int(t['macs'])} | {macs_by} |")
        qdq = self.results.get("resnet50_int8_qdq", {}).get("totals")
        fp16 = self.results.get("resnet50_fp16", {}).get("totals")
        if qdq and fp32:
            if abs(qdq["weight_bytes"] / fp32 - 0.25) > 0.005:
                self.fail(f"int8 QDQ weight bytes ratio {qdq['weight_bytes'] / fp32:.4f} not ≈ 0.25")
            if set(qdq.get("macs_by_dtype", {})) - {"int8", "uint8"}:
                self.fail(f"int8 QDQ MACs not all attributed to int8: {qdq.get('macs_by_dtype')}")
        if fp16 and fp32 and fp16["weight_bytes"] * 2 != fp32:
            self.fail(f"fp16 weight bytes {fp16['weight_bytes']} × 2 ≠ fp32 {fp32}")
        lines += [
            "",
            "The QDQ file is a little over ¼ of fp32: besides the int8 weights it stores per-channel float32",
            "scales, uint8 zero points and int32 biases (and the de-duplicated fp32 aliases are separate",
            "quantized tensors). Its MACs are unchanged and attributed to int8 (DequantizeLinear of 8-bit",
            "tensors feeding a Conv/Gemm is read as one fused int8 kernel).",
        ]
        return lines

    def polynomial_section(self) -> list[str]:
        r = run(self.binary, "models/gpt2.onnx")
        if "totals" not in r:
            self.fail(f"gpt2 without inputs: {r.get('error')}")
            return ["## GPT-2 with symbols unbound", "", f"**error**: {r.get('error')}"]
        t = r["totals"]
        inputs = ", ".join(f"{i['name']} [{', '.join(map(str, i['shape']))}]" for i in r.get("inputs", []))
        bound = self.results.get("gpt2", {}).get("totals", {})
        cf = self.closed.get("gpt2", {})
        lines = [
            "## GPT-2 with symbols unbound",
            "",
            f"`onnxcost Fixtures/models/gpt2.onnx --format json` with no `--input`: the inputs stay {inputs},",
            "and every total is a polynomial in those symbols.",
            "",
            "| total | polynomial | at batch = 2, sequence = 7 | bound run |",
            "|---|---|---:|---:|",
        ]
        for key in ("macs", "flops", "transcendentals", "params", "activation_bytes", "peak_activation_bytes",
                    "memory_access_bytes"):
            value = t.get(key)
            at = evaluate_polynomial(value, {"batch": 2, "sequence": 7})
            mine = bound.get(key)
            if key in ("macs", "flops", "transcendentals", "params", "activation_bytes") and at != mine:
                self.fail(f"gpt2 polynomial {key} at (2, 7) = {at} ≠ bound run {mine}")
            lines.append(f"| {key} | `{value}` | {fmt_int(at)} | {fmt_int(mine)} |")
        lines += [
            "",
            f"The MAC polynomial is the closed form: 2·L·H = {2 * cf.get('L', 0) * cf.get('H', 0):,} per batch·sequence² "
            f"(QKᵀ and AV) and L·(4H² + 2HI) + HV = "
            f"{cf.get('L', 0) * (4 * cf.get('H', 0) ** 2 + 2 * cf.get('H', 0) * cf.get('I', 0)) + cf.get('H', 0) * cf.get('V', 0):,}"
            " per batch·sequence.",
            "The peak activation is chosen as if every symbol were 1024 (bind the symbols for an exact peak),",
            "so its polynomial need not equal the bound run's peak at small sizes.",
        ]
        return lines

    # ------------------------------------------------------------------------------------------

    def markdown(self) -> str:
        # The sections first: they collect the mismatches the summary lists.
        body: list[str] = []
        for section in (self.macs_section, self.closed_form_section, self.params_section, self.shapes_section,
                        self.precision_section, self.polynomial_section):
            body += section() + [""]
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "Sources"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        header = [
            "# Validation against independent references",
            "",
            f"<!-- Generated by `{COMMAND}`; do not edit by hand. -->",
            f"Regenerate: `{COMMAND}` (runs the release `onnxcost` with `--format json` on every model in",
            "`Fixtures/models`, with the input shapes of `Fixtures/expected/<name>.json`).",
            "",
            f"Source tree: `{commit}`{' with local changes under Sources/' if dirty else ''}. How each fixture and",
            "each reference number was made: `Fixtures/README.md`. Conventions: `docs/cost-model.md`.",
            "",
        ]
        if self.failures:
            header += ["**Mismatches:**", ""] + [f"- {md(f)}" for f in self.failures] + [""]
        else:
            header += [f"**Summary: every comparison that should match does** ({len(self.models)} models): MACs equal",
                       "the onnxruntime-measured reference at both bindings, transformer MACs equal the closed form,",
                       "params equal the file's weight elements, output shapes match, and the int8 QDQ / fp16 weight",
                       "bytes are ≈ ¼ / exactly ½ of fp32.", ""]
        return "\n".join(header + body).rstrip() + "\n"


def md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", help="onnxcost binary to run (default: .build/release/onnxcost, built if stale)")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "validation.md"), help="output file, or - for stdout")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a comparison that should match does not")
    args = parser.parse_args()
    validation = Validation(binary_path(args.binary))
    text = validation.markdown()
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"validation: {len(validation.models)} models → {os.path.relpath(args.out, ROOT)}", file=sys.stderr)
    for failure in validation.failures:
        print(f"validation: MISMATCH {failure}", file=sys.stderr)
    return 1 if args.strict and validation.failures else 0


if __name__ == "__main__":
    sys.exit(main())
