#!/usr/bin/env python3
"""Exports the MLPerf BERT benchmark's architecture, BERT-Large for SQuAD question answering
(24 layers, hidden 1024, 16 heads, intermediate 4096, vocab 30522), with random weights, to
Fixtures/models/bert_large_squad.onnx: graph only, weights as external data that is not kept.
Inputs input_ids / attention_mask / token_type_ids [batch, sequence]; outputs start/end logits.
Used by docs/validation.md against MLPerf Inference bert-99 results (sequence 384)."""
import os, sys, tempfile
import torch, onnx
from transformers import BertConfig, BertForQuestionAnswering

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
dst = os.path.join(root, "Fixtures", "models", "bert_large_squad.onnx")
torch.manual_seed(0)
config = BertConfig(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096)
model = BertForQuestionAnswering(config).eval()

class Wrapper(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m
    def forward(self, input_ids, attention_mask, token_type_ids):
        out = self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids, return_dict=True)
        return out.start_logits, out.end_logits

ids = torch.zeros(1, 384, dtype=torch.long)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "m.onnx")
    torch.onnx.export(Wrapper(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), path, opset_version=17,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["start_logits", "end_logits"],
                      dynamic_axes={n: {0: "batch", 1: "sequence"} for n in ["input_ids", "attention_mask", "token_type_ids", "start_logits", "end_logits"]},
                      dynamo=False, do_constant_folding=True)
    m = onnx.load(path)
    onnx.save_model(m, os.path.join(tmp, "bert_large_squad.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="bert_large_squad.onnx.data", size_threshold=1024)
    data = open(os.path.join(tmp, "bert_large_squad.onnx"), "rb").read()
    open(dst, "wb").write(data)
print(f"wrote {dst} ({len(data)} bytes); params {sum(p.numel() for p in model.parameters())}")
