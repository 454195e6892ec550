#!/usr/bin/env python3
"""Prepares the benchmark inputs that are not committed (docs/benchmarks.md).

Writes into OUT_DIR (default /tmp/onnxcost-bench):
  vgg16_inline.onnx      Fixtures/models/vgg16.onnx with every weight INLINE (~528 MB, one file)
  resnet50_inline.onnx   Fixtures/models/resnet50.onnx with every weight inline (~98 MB), for the
                         Python tools (onnx-tool, onnxsim) that need the weights in the file
  relu_chain_100k.onnx   a generated chain of 100,000 Relu nodes, input [batch, 1024] float
  relu_chain_{250k,500k,1m}.onnx  the same chain at 250,000, 500,000 and 1,000,000 nodes (scaling fit)

Only the benchmark needs Python; onnxcost and its tests never run it.  Up-to-date files are kept:
an inline copy whose OUT.source stamp names its graph's digest, a chain whose stamp names
CHAIN_VERSION.
Fixtures/models/{vgg16,resnet50}.onnx.data (not committed) are exported again when an inline copy
must be written without them; that writes the weights file only, never a tracked file.  Usage:
  python3 tools/bench/prepare_inputs.py [OUT_DIR] [--force]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import onnx
from onnx import TensorProto, helper

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(REPO, "Fixtures", "models")


def graph_digest(path: str) -> str:
    """sha256 of the committed graph file (weights external): what an inline copy was made from."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def same_structure(inline: onnx.ModelProto, graph: onnx.ModelProto) -> bool:
    """Whether an inline copy holds the graph of `graph`: nodes, inputs, outputs, opsets, initializer
    names, types and dims (the weight bytes are random exports, not compared)."""
    def signature(model: onnx.ModelProto):
        g = model.graph
        return (list(g.node), list(g.input), list(g.output), list(model.opset_import),
                [(t.name, t.data_type, list(t.dims)) for t in g.initializer])
    return signature(inline) == signature(graph)


def regenerate_weights(name: str) -> None:
    """Writes Fixtures/models/NAME.onnx.data and nothing else.

    tools/fixtures/export_models.py writes the graph, the weights and Fixtures/expected/*.json (with
    its version stamps) into the repository; here it runs with its output folders pointed at a
    temporary directory, and only the weights file is moved into Fixtures/models, after checking that
    the fresh export lays every external tensor out at the offsets the committed graph names (the
    export is seeded, so it does). Tracked files are never written.
    """
    src = os.path.join(MODELS, f"{name}.onnx")
    data = src + ".data"
    print(f"{data} missing: exporting {name} again (tools/fixtures/export_models.py, into a temporary folder)",
          file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix=f"onnxcost-export-{name}-") as tmp:
        driver = (
            "import importlib.util, sys\n"
            "spec = importlib.util.spec_from_file_location('export_models', sys.argv[1])\n"
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
            "module.MODELS_DIR = sys.argv[2] + '/models'; module.EXPECTED_DIR = sys.argv[2] + '/expected'\n"
            "sys.argv = ['export_models.py', '--only', sys.argv[3], '--no-published']\n"
            "module.main()\n"
        )
        script = os.path.join(REPO, "tools", "fixtures", "export_models.py")
        subprocess.run([sys.executable, "-c", driver, script, tmp, name], check=True, stdout=sys.stderr)
        fresh_graph = os.path.join(tmp, "models", f"{name}.onnx")
        if not os.path.exists(fresh_graph + ".data"):
            sys.exit(f"the export of {name} wrote no weights (see its log above)")

        def layout(path: str):
            model = onnx.load(path, load_external_data=False)
            return {t.name: sorted((e.key, e.value) for e in t.external_data) for t in model.graph.initializer}

        if layout(fresh_graph) != layout(src):
            sys.exit(f"the fresh export of {name} places its weights differently from the committed {src} "
                     f"(another torch/onnx version?): its {name}.onnx.data would not match; left in nothing")
        shutil.move(fresh_graph + ".data", data)
    print(f"wrote {data} ({os.path.getsize(data):,} bytes); tracked files untouched", file=sys.stderr)


def inline_copy(name: str, out: str, force: bool) -> None:
    """OUT gets NAME's graph with every weight inline. Kept when its stamp (OUT.source: the digest of
    the graph it was made from) matches, or, without a stamp, when it holds the same graph."""
    src = os.path.join(MODELS, f"{name}.onnx")
    data = src + ".data"
    stamp = out + ".source"
    digest = graph_digest(src)
    if not force and os.path.exists(out):
        if os.path.exists(stamp) and open(stamp).read().strip() == digest:
            print(f"kept {out} ({os.path.getsize(out):,} bytes)")
            return
        if not os.path.exists(stamp) and same_structure(onnx.load(out), onnx.load(src, load_external_data=False)):
            open(stamp, "w").write(digest + "\n")
            print(f"kept {out} ({os.path.getsize(out):,} bytes; same graph as {src}, stamped)")
            return
    if not os.path.exists(data):
        regenerate_weights(name)
    model = onnx.load(src)  # loads the external data: every tensor gets its raw_data, location DEFAULT
    for tensor in model.graph.initializer:
        assert tensor.data_location == TensorProto.DEFAULT and not tensor.external_data, tensor.name
    tmp = out + ".tmp"
    onnx.save(model, tmp)  # save_as_external_data=False: one file, weights inline
    os.replace(tmp, out)
    open(stamp, "w").write(digest + "\n")
    print(f"wrote {out} ({os.path.getsize(out):,} bytes, weights inline)")


#: Bumped when relu_chain's output changes: a chain whose OUT.source stamp names another version is rewritten.
CHAIN_VERSION = 1


def relu_chain(out: str, nodes: int, force: bool) -> None:
    stamp = out + ".source"
    expected = f"relu_chain version {CHAIN_VERSION}, {nodes} nodes"
    if not force and os.path.exists(out):
        if os.path.exists(stamp) and open(stamp).read().strip() == expected:
            print(f"kept {out} ({os.path.getsize(out):,} bytes)")
            return
        if not os.path.exists(stamp):  # made before stamps: keep it if it is this chain
            model = onnx.load(out)
            if (model.producer_name == "onnxcost-bench" and len(model.graph.node) == nodes
                    and all(node.op_type == "Relu" for node in model.graph.node)):
                open(stamp, "w").write(expected + "\n")
                print(f"kept {out} ({os.path.getsize(out):,} bytes, {nodes:,} Relu nodes; stamped)")
                return
    chain = [helper.make_node("Relu", [f"t{i}" if i else "x"], [f"t{i + 1}" if i + 1 < nodes else "y"], name=f"relu{i}")
             for i in range(nodes)]
    graph = helper.make_graph(
        chain, "relu_chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1024])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnxcost-bench")
    model.ir_version = 8
    tmp = out + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, out)
    open(stamp, "w").write(expected + "\n")
    print(f"wrote {out} ({os.path.getsize(out):,} bytes, {nodes:,} Relu nodes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?", default="/tmp/onnxcost-bench")
    parser.add_argument("--force", action="store_true", help="rewrite files that are up to date")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    inline_copy("vgg16", os.path.join(args.out_dir, "vgg16_inline.onnx"), args.force)
    inline_copy("resnet50", os.path.join(args.out_dir, "resnet50_inline.onnx"), args.force)
    # The scaling benchmark fits a line through these four sizes (issue 15: linear up to 1,000,000 nodes).
    for nodes, tag in ((100_000, "100k"), (250_000, "250k"), (500_000, "500k"), (1_000_000, "1m")):
        relu_chain(os.path.join(args.out_dir, f"relu_chain_{tag}.onnx"), nodes, args.force)


if __name__ == "__main__":
    main()
