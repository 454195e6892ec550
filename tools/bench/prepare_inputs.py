#!/usr/bin/env python3
"""Prepares the benchmark inputs that are not committed (docs/benchmarks.md).

Writes into OUT_DIR (default /tmp/onnxcost-bench):
  vgg16_inline.onnx      Fixtures/models/vgg16.onnx with every weight INLINE (~528 MB, one file)
  resnet50_inline.onnx   Fixtures/models/resnet50.onnx with every weight inline (~98 MB), for the
                         Python tools (onnx-tool, onnxsim) that need the weights in the file
  relu_chain_100k.onnx   a generated chain of 100,000 Relu nodes, input [batch, 1024] float
  relu_chain_{250k,500k,1m}.onnx  the same chain at 250,000, 500,000 and 1,000,000 nodes (scaling fit)

Only the benchmark needs Python; onnxcost and its tests never run it.  Files that exist and are
newer than their source are kept.  Usage:
  python3 tools/bench/prepare_inputs.py [OUT_DIR] [--force]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import onnx
from onnx import TensorProto, helper

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(REPO, "Fixtures", "models")


def fresh(out: str, *sources: str) -> bool:
    return os.path.exists(out) and all(os.path.getmtime(out) >= os.path.getmtime(s) for s in sources)


def inline_copy(name: str, out: str, force: bool) -> None:
    src = os.path.join(MODELS, f"{name}.onnx")
    data = src + ".data"
    if not os.path.exists(data):
        print(f"{data} missing: regenerating it with tools/fixtures/export_models.py --only {name}", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(REPO, "tools", "fixtures", "export_models.py"), "--only", name],
                       check=True)
    if not force and fresh(out, src, data):
        print(f"kept {out} ({os.path.getsize(out):,} bytes)")
        return
    model = onnx.load(src)  # loads the external data: every tensor gets its raw_data, location DEFAULT
    for tensor in model.graph.initializer:
        assert tensor.data_location == TensorProto.DEFAULT and not tensor.external_data, tensor.name
    tmp = out + ".tmp"
    onnx.save(model, tmp)  # save_as_external_data=False: one file, weights inline
    os.replace(tmp, out)
    print(f"wrote {out} ({os.path.getsize(out):,} bytes, weights inline)")


def relu_chain(out: str, nodes: int, force: bool) -> None:
    if not force and os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(__file__):
        print(f"kept {out} ({os.path.getsize(out):,} bytes)")
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
