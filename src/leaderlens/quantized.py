"""The tone encoders' transformer layers as an 8-bit ONNX graph, run by ONNX Runtime.

:func:`leaderlens.encoder.forward` runs the layers of an encoder either in float32 numpy (the
reference, checked against Hugging Face) or, for the fine-tuned tone encoders, through the
graph built here: the same layers, with each linear map computed in 8-bit integers. That is
2-3 times faster on one thread here (ONNX Runtime's integer matrix products use the CPU's
8-bit dot-product instructions) and changes the tone labels of about 1 row in 700 (see
``src/leaderlens/resources/README.md``).

The quantisation is chosen so that a text's result never depends on the other texts in its
batch, and stays close to float32:

- weights: symmetric int8 with one scale per output unit (``w = q * scale``, q in ±127);
- inputs of each linear map: quantised per word piece (per row), after subtracting the row's
  midrange ``m``: ``x = m + q * s`` with q in ±127, stored as uint8 with zero point 128. The
  product is ``x @ W = s * (q @ Wq) * scale + m * colsum(Wq * scale)``: the midrange term
  uses the quantised weights' column sums, so it cancels exactly (GELU outputs, which sit
  mostly near 0 with a few large values, would otherwise carry a large bias).

Everything else (attention scores, softmax, layer norms, GELU) stays in float32.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from leaderlens.encoder import Encoder

OPSET = 17
"""ONNX operator set of the graph (LayerNormalization is in it since 17)."""
IR_VERSION = 8
"""ONNX IR version written (ONNX Runtime reads up to its own maximum; 8 goes with opset 17)."""
LEVELS = 127
"""Largest integer of the symmetric 8-bit codes (weights and centred inputs)."""
ZERO_POINT = 128
"""uint8 code of a centred input's 0."""
QKV = ("query", "key", "value")
"""The attention's input maps, computed as one product."""


@dataclasses.dataclass
class _Graph:
    """Nodes and constants of the graph being built, with unique value names."""

    onnx: Any
    """The ``onnx`` module (imported by :func:`layers_model`)."""
    nodes: list[Any] = dataclasses.field(default_factory=list)
    constants: list[Any] = dataclasses.field(default_factory=list)
    count: int = 0

    def constant(self, value: np.ndarray | np.generic) -> str:
        self.count += 1
        name = f"const{self.count}"
        self.constants.append(self.onnx.numpy_helper.from_array(np.asarray(value), name))
        return name

    def split(self, x: str, size: int, parts: int) -> list[str]:
        """``x`` cut into ``parts`` pieces of ``size`` along its last axis."""
        names = [f"value{self.count + 1 + part}" for part in range(parts)]
        self.count += parts
        sizes = self.constant(np.full(parts, size, dtype=np.int64))
        self.nodes.append(self.onnx.helper.make_node("Split", [x, sizes], names, axis=-1))
        return names

    def node(self, op: str, inputs: list[str], **attributes: Any) -> str:
        self.count += 1
        name = f"value{self.count}"
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [name], **attributes))
        return name


def quantize_weight(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 codes of a torch Linear weight, one scale per output unit.

    Args:
        weight: (out, in) float32 matrix.

    Returns:
        ``(codes, scales)``: (in, out) int8 codes, laid out for ``x @ codes``, and (out,)
        float32 scales, so that ``weight.T`` is about ``codes * scales``.
    """
    scales = np.abs(weight).max(axis=1) / np.float32(LEVELS)
    scales[scales == 0] = 1.0
    codes = np.clip(np.round(weight / scales[:, None]), -LEVELS, LEVELS).astype(np.int8)
    return np.ascontiguousarray(codes.T), scales.astype(np.float32)


def layers_model(encoder: Encoder) -> bytes:
    """The serialised ONNX model of an encoder's layers, linear maps in 8 bits.

    Inputs ``x`` (n, tokens, hidden: the embedding layer's output) and ``bias`` (what
    :func:`leaderlens.encoder.attention_bias` gives); output ``y``, the last layer's hidden
    states: what :func:`leaderlens.encoder.layer` computes in float32, to about 1% a layer.

    Args:
        encoder: The encoder (its weights under BERT's names).

    Raises:
        ImportError: If onnx is not installed (names what to run).
    """
    g = _Graph(_require("onnx"))
    helper, tensor = g.onnx.helper, g.onnx.TensorProto
    w = encoder.weights
    hidden = w["embeddings.word_embeddings.weight"].shape[1]
    size = hidden // encoder.heads
    heads_shape = g.constant(np.array([0, 0, encoder.heads, size], dtype=np.int64))
    hidden_shape = g.constant(np.array([0, 0, hidden], dtype=np.int64))
    x = "x"
    for i in range(encoder.layers):
        p = f"encoder.layer.{i}"
        # one product for query, key and value: they share their input's quantisation
        joined = _linear(g, x, *_parameters(w, *(f"{p}.attention.self.{name}" for name in QKV)))
        q, k, v = (g.node("Reshape", [part, heads_shape]) for part in g.split(joined, hidden, 3))
        scores = g.node(
            "MatMul",
            [
                g.node("Transpose", [q], perm=[0, 2, 1, 3]),
                g.node("Transpose", [k], perm=[0, 2, 3, 1]),
            ],
        )
        scores = g.node("Mul", [scores, g.constant(np.float32(1 / np.sqrt(size)))])
        weights = g.node("Softmax", [g.node("Add", [scores, "bias"])], axis=-1)
        context = g.node("MatMul", [weights, g.node("Transpose", [v], perm=[0, 2, 1, 3])])
        context = g.node(
            "Reshape", [g.node("Transpose", [context], perm=[0, 2, 1, 3]), hidden_shape]
        )
        attended = g.node(
            "Add", [x, _linear(g, context, *_parameters(w, f"{p}.attention.output.dense"))]
        )
        x = _layer_norm(g, attended, w, f"{p}.attention.output.LayerNorm", encoder.eps)
        inner = _gelu(g, _linear(g, x, *_parameters(w, f"{p}.intermediate.dense")))
        x = _layer_norm(
            g,
            g.node("Add", [x, _linear(g, inner, *_parameters(w, f"{p}.output.dense"))]),
            w,
            f"{p}.output.LayerNorm",
            encoder.eps,
        )
    g.nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(
        g.nodes,
        "encoder_layers",
        [
            helper.make_tensor_value_info("x", tensor.FLOAT, [None, None, hidden]),
            helper.make_tensor_value_info("bias", tensor.FLOAT, [None, None, None, None]),
        ],
        [helper.make_tensor_value_info("y", tensor.FLOAT, [None, None, hidden])],
        g.constants,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION
    )
    return model.SerializeToString()


def session(model: bytes, threads: int) -> Any:
    """An ONNX Runtime session of a model from :func:`layers_model`, on the CPU.

    Raises:
        ImportError: If onnxruntime is not installed (names what to run).
    """
    onnxruntime = _require("onnxruntime")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.use_deterministic_compute = True
    options.log_severity_level = 3  # errors only
    # Idle threads sleep instead of spinning. `score-targets` on 2,000 rows, 2 cores: with
    # spinning, two threads took 20 s idle but 42 s while another process held a core (one
    # thread: 28 s and 29 s); without it, 22 s and 28 s.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def run(runtime: Any, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The last layer's hidden states from a :func:`session` (see :func:`layers_model`)."""
    (y,) = runtime.run(["y"], {"x": x.astype(np.float32), "bias": bias.astype(np.float32)})
    return np.asarray(y, dtype=np.float32)


# --- internals -------------------------------------------------------------------------------


def _require(module: str) -> Any:
    """Import an encoder dependency, or say in one line what to install."""
    try:
        return __import__(module)
    except ImportError:
        raise ImportError(
            f"the encoder sentiment methods need {module}: run `make install` "
            "(or pip install -r requirements-encoder.lock)"
        ) from None


def _parameters(w: dict[str, np.ndarray], *names: str) -> tuple[np.ndarray, np.ndarray]:
    """Weight and bias of one linear map, or of several side by side (their outputs joined)."""
    weight = np.concatenate([w[f"{name}.weight"] for name in names])
    return weight, np.concatenate([w[f"{name}.bias"] for name in names])


def _linear(g: _Graph, x: str, weight: np.ndarray, bias: np.ndarray) -> str:
    """``x @ weight.T + bias`` with the weight in int8 and each row of x quantised on its own
    (module doc)."""
    tensor = g.onnx.TensorProto
    codes, scales = quantize_weight(weight)
    top = g.node("ReduceMax", [x], axes=[-1], keepdims=1)
    bottom = g.node("ReduceMin", [x], axes=[-1], keepdims=1)
    middle = g.node("Mul", [g.node("Add", [top, bottom]), g.constant(np.float32(0.5))])
    step = g.node(
        "Max",
        [
            g.node("Div", [g.node("Sub", [top, middle]), g.constant(np.float32(LEVELS))]),
            g.constant(np.float32(np.finfo(np.float32).tiny)),
        ],
    )
    centred = g.node("Round", [g.node("Div", [g.node("Sub", [x, middle]), step])])
    shifted = g.node("Add", [centred, g.constant(np.float32(ZERO_POINT))])
    codes_x = g.node("Cast", [shifted], to=tensor.UINT8)
    product = g.node(
        "MatMulInteger", [codes_x, g.constant(codes), g.constant(np.uint8(ZERO_POINT))]
    )
    y = g.node("Mul", [g.node("Cast", [product], to=tensor.FLOAT), step])
    y = g.node("Mul", [y, g.constant(scales)])
    column_sums = (codes.astype(np.float64) * scales[None, :]).sum(axis=0).astype(np.float32)
    offset = g.node("Mul", [middle, g.constant(column_sums)])
    return g.node("Add", [g.node("Add", [y, offset]), g.constant(bias)])


def _layer_norm(g: _Graph, x: str, w: dict[str, np.ndarray], name: str, eps: float) -> str:
    return g.node(
        "LayerNormalization",
        [x, g.constant(w[f"{name}.weight"]), g.constant(w[f"{name}.bias"])],
        axis=-1,
        epsilon=eps,
    )


def _gelu(g: _Graph, x: str) -> str:
    """``0.5 x (1 + erf(x / sqrt 2))`` (ONNX Runtime fuses it into one GELU kernel)."""
    erf = g.node("Erf", [g.node("Mul", [x, g.constant(np.float32(np.sqrt(0.5)))])])
    one_plus = g.node("Add", [erf, g.constant(np.float32(1.0))])
    return g.node("Mul", [g.node("Mul", [x, one_plus]), g.constant(np.float32(0.5))])
