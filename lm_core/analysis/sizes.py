"""What sets a transformer's size: parameters, compute and memory from a handful of numbers.

Pure functions over a frozen :class:`ModelShape` (vocabulary, width, layers, heads and
key/value heads, feed-forward width and kind, context length, tied or untied embeddings,
how positions are encoded, encoder and decoder layers). :func:`count_parameters` gives the
count broken down into embeddings, attention, feed-forward, norms and head;
:func:`flops_per_token`, :func:`training_flops` (≈ 6·N·D) and :func:`memory` the rest.

Presets (:data:`PRESETS`) describe published models; each carries the parameter count
of its released weights (or the paper's figure when no weights were released), and a test
checks the calculator against it. The app's own models are described from their
checkpoint configs (:func:`gpt_shape`, :func:`encoder_shape`, :func:`encoder_decoder_shape`)
and a test checks those counts against the sum of the real tensors.

Conventions (the same for every family):

* attention: queries and output projection ``d_model × (heads·d_head)`` each, keys and
  values ``d_model × (kv_heads·d_head)`` each (grouped-query attention shares key/value
  heads), plus biases when ``bias``;
* feed-forward: GELU/ReLU = two matrices ``d_model × d_ff``; SwiGLU = three (gate, up, down);
* norms: ``d_model`` gains, plus as many biases when ``norm_bias`` (LayerNorm with bias);
  two per block (three in a decoder block with cross-attention), one final norm per stack
  when ``final_norm`` (pre-LN models), one on the embeddings when ``embedding_norm`` (BERT);
* positions: ``learned`` = a ``context × d_model`` table per stack; ``rotary``,
  ``sinusoidal`` = no parameters; ``relative`` = T5's ``buckets × heads`` bias per stack;
* head: the output projection ``d_model × vocab`` counted only when untied, plus BERT's
  pooler and any classifier (``n_classes``).

Bad shapes raise :class:`~lm_core.core.errors.InputError` (keys ``errors.setting.*``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from lm_core.core.errors import InputError

FAMILIES = ("decoder", "encoder", "encoder_decoder")
FF_KINDS = ("gelu", "relu", "swiglu")
POSITIONS = ("learned", "rotary", "sinusoidal", "relative")
PRECISIONS = {"fp32": 4.0, "bf16": 2.0, "int8": 1.0, "int4": 0.5}
PARTS = ("embeddings", "attention", "feed_forward", "norms", "head")

# The largest values the calculator accepts: beyond any model built so far, and small
# enough that every product stays an exact float.
LIMITS = {
    "vocab_size": 10_000_000,
    "d_model": 1_000_000,
    "n_layers": 10_000,
    "n_encoder_layers": 10_000,
    "n_heads": 100_000,
    "n_kv_heads": 100_000,
    "d_ff": 10_000_000,
    "context": 100_000_000,
    "d_head": 100_000,
}


@dataclass(frozen=True)
class ModelShape:
    """The numbers that decide a transformer's size.

    ``n_layers`` is the decoder's depth (or the encoder's, for an encoder-only model);
    ``n_encoder_layers`` is the encoder's depth in an encoder-decoder (0 otherwise).
    ``d_head`` defaults to ``d_model // n_heads``; ``n_kv_heads`` to ``n_heads``.
    """

    family: str = "decoder"
    vocab_size: int = 50257
    d_model: int = 768
    n_layers: int = 12
    n_heads: int = 12
    n_kv_heads: int | None = None
    d_ff: int | None = None  # default 4 · d_model
    ff_kind: str = "gelu"
    context: int = 1024
    tied: bool = True
    positions: str = "learned"
    n_encoder_layers: int = 0
    d_head: int | None = None
    bias: bool = True  # biases in the linear layers
    norm_bias: bool = True  # LayerNorm (gain + bias) or RMSNorm-like (gain only)
    final_norm: bool = True
    embedding_norm: bool = False
    segments: int = 0  # segment ("token type") embeddings, BERT: 2
    pooler: bool = False
    n_classes: int = 0  # a classifier on the first token (next-sentence prediction: 2)
    relative_buckets: int = 32

    @property
    def kv_heads(self) -> int:
        return self.n_heads if self.n_kv_heads is None else self.n_kv_heads

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads if self.d_head is None else self.d_head

    @property
    def ff_width(self) -> int:
        return 4 * self.d_model if self.d_ff is None else self.d_ff

    @property
    def n_stacks(self) -> int:
        return 2 if self.family == "encoder_decoder" else 1

    @property
    def total_layers(self) -> int:
        return self.n_layers + (self.n_encoder_layers if self.family == "encoder_decoder" else 0)


def validate(shape: ModelShape) -> ModelShape:
    """``shape`` if it describes a buildable model, else :class:`InputError`."""
    if shape.family not in FAMILIES:
        raise InputError("errors.setting.not_a_choice", name="family", value=str(shape.family)[:40])
    if shape.ff_kind not in FF_KINDS:
        raise InputError("errors.setting.not_a_choice", name="ff_kind", value=str(shape.ff_kind)[:40])
    if shape.positions not in POSITIONS:
        raise InputError("errors.setting.not_a_choice", name="positions", value=str(shape.positions)[:40])
    values = {
        "vocab_size": shape.vocab_size,
        "d_model": shape.d_model,
        "n_layers": shape.n_layers,
        "n_heads": shape.n_heads,
        "n_kv_heads": shape.kv_heads,
        "d_ff": shape.ff_width,
        "context": shape.context,
        "d_head": shape.d_head if shape.d_head is not None else 1,
    }
    if shape.family == "encoder_decoder":
        values["n_encoder_layers"] = shape.n_encoder_layers
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or not math.isfinite(value):
            raise InputError("errors.setting.not_whole", name=name)
        if value < 1:
            raise InputError("errors.setting.at_least_one", name=name)
        if value > LIMITS[name]:
            raise InputError("errors.setting.too_big", name=name, limit=f"{LIMITS[name]:,}")
    if shape.d_head is None and shape.d_model % shape.n_heads:
        raise InputError("errors.setting.width_heads", width=shape.d_model, heads=shape.n_heads)
    if shape.n_heads % shape.kv_heads:
        raise InputError("errors.setting.kv_heads", heads=shape.n_heads, kv_heads=shape.kv_heads)
    for name in ("segments", "n_classes", "relative_buckets", "n_encoder_layers"):
        value = getattr(shape, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > LIMITS["n_layers"]:
            raise InputError("errors.setting.not_whole", name=name)
    return shape


@dataclass(frozen=True)
class ParameterCount:
    """Parameters by part (see the module docstring for what each part holds)."""

    embeddings: int
    attention: int
    feed_forward: int
    norms: int
    head: int
    # Finer detail for explanations: token table, position tables, per-layer counts.
    detail: dict = field(default_factory=dict, compare=False)

    @property
    def total(self) -> int:
        return self.embeddings + self.attention + self.feed_forward + self.norms + self.head

    @property
    def non_embedding(self) -> int:
        """Everything but the embedding tables (the N of the scaling laws)."""
        return self.total - self.embeddings

    def share(self, part: str) -> float:
        return getattr(self, part) / self.total

    def as_dict(self) -> dict[str, int]:
        return {part: getattr(self, part) for part in PARTS}


def _attention_block(shape: ModelShape) -> int:
    d, q_width, kv_width = shape.d_model, shape.n_heads * shape.head_dim, shape.kv_heads * shape.head_dim
    weights = 2 * d * q_width + 2 * d * kv_width  # query + output, key + value
    biases = (q_width + 2 * kv_width + d) if shape.bias else 0  # query, key, value, output
    return weights + biases


def _feed_forward_block(shape: ModelShape) -> int:
    d, f = shape.d_model, shape.ff_width
    if shape.ff_kind == "swiglu":
        return 3 * d * f + ((2 * f + d) if shape.bias else 0)
    return 2 * d * f + ((f + d) if shape.bias else 0)


def count_parameters(shape: ModelShape) -> ParameterCount:
    """Parameters of ``shape``, broken down by part."""
    shape = validate(shape)
    d, vocab = shape.d_model, shape.vocab_size
    norm = d * (2 if shape.norm_bias else 1)
    attention_one = _attention_block(shape)
    ff_one = _feed_forward_block(shape)

    token = vocab * d
    positions = shape.context * d * shape.n_stacks if shape.positions == "learned" else 0
    segments = shape.segments * d
    embedding_norm = norm if shape.embedding_norm else 0
    embeddings = token + positions + segments + embedding_norm

    relative = shape.relative_buckets * shape.n_heads * shape.n_stacks if shape.positions == "relative" else 0
    if shape.family == "encoder_decoder":
        self_layers = shape.n_encoder_layers + shape.n_layers
        cross_layers = shape.n_layers
    else:
        self_layers, cross_layers = shape.n_layers, 0
    attention = (self_layers + cross_layers) * attention_one + relative
    feed_forward = shape.total_layers * ff_one
    norms = (2 * self_layers + cross_layers) * norm + (shape.n_stacks * norm if shape.final_norm else 0)
    head = 0 if shape.tied else d * vocab
    if shape.pooler:
        head += d * d + d
    if shape.n_classes:
        head += d * shape.n_classes + shape.n_classes
    detail = {
        "token_embedding": token,
        "position_embedding": positions,
        "segment_embedding": segments,
        "attention_per_layer": attention_one,
        "feed_forward_per_layer": ff_one,
        "layers": shape.total_layers,
        "cross_attention_layers": cross_layers,
    }
    return ParameterCount(embeddings - embedding_norm, attention, feed_forward, norms + embedding_norm, head, detail)


def flops_per_token(shape: ModelShape, context: int | None = None) -> dict[str, float]:
    """Floating-point operations to process one token (PaLM appendix B, as nanoGPT counts).

    ``forward`` = 2 per weight a token passes through (every matrix, and the output
    projection even when it is tied to the embedding) + 4·layers·(heads·d_head)·context
    for the attention scores and the weighted sum; ``training`` = 3 × forward
    (the backward pass costs about twice the forward pass).
    """
    shape = validate(shape)
    count = count_parameters(shape)
    context = shape.context if context is None else context
    matmul = count.non_embedding
    if shape.tied:
        matmul += shape.vocab_size * shape.d_model  # the tied head still multiplies
    attention_layers = shape.total_layers + (shape.n_layers if shape.family == "encoder_decoder" else 0)
    attention = 4.0 * attention_layers * shape.n_heads * shape.head_dim * context
    forward = 2.0 * matmul + attention
    return {"forward": forward, "training": 3.0 * forward, "attention_share": attention / forward}


def training_flops(parameters: int, tokens: float) -> float:
    """The rule of thumb C ≈ 6·N·D: six operations per parameter per training token."""
    if not (math.isfinite(tokens) and tokens >= 0):
        raise InputError("errors.setting.not_whole", name="tokens")
    return 6.0 * parameters * tokens


def kv_cache_bytes(shape: ModelShape, context: int | None = None, precision: str = "bf16", batch: int = 1) -> float:
    """Memory for the keys and values a decoder keeps while generating ``context`` tokens.

    2 (keys and values) × decoder layers × key/value heads × d_head × context × bytes;
    an encoder-decoder also keeps the cross-attention keys and values of the encoder's
    output (the same size again for a source of ``context`` tokens). An encoder-only model
    generates nothing and keeps no cache: 0.
    """
    shape = validate(shape)
    if precision not in PRECISIONS:
        raise InputError("errors.setting.not_a_choice", name="precision", value=str(precision)[:20])
    context = shape.context if context is None else context
    if shape.family == "encoder":
        return 0.0
    per_token = 2 * shape.n_layers * shape.kv_heads * shape.head_dim * PRECISIONS[precision]
    stacks = 2 if shape.family == "encoder_decoder" else 1
    return per_token * context * batch * stacks


def memory(shape: ModelShape, precision: str = "bf16", context: int | None = None) -> dict[str, float]:
    """Bytes for the weights and for one sequence's KV cache at ``precision``."""
    if precision not in PRECISIONS:
        raise InputError("errors.setting.not_a_choice", name="precision", value=str(precision)[:20])
    weights = count_parameters(shape).total * PRECISIONS[precision]
    return {"weights": weights, "kv_cache": kv_cache_bytes(shape, context, precision)}


# --------------------------------------------------------------------------- presets


@dataclass(frozen=True)
class Preset:
    """A published model: its shape, its reference parameter count and where that comes from."""

    key: str
    name: str
    year: int
    shape: ModelShape
    reference: int  # parameter count of the released weights (or the paper's figure)
    source: str  # where ``reference`` comes from
    tolerance: float = 0.01  # how close the calculator must come (a test checks)
    training_tokens: float | None = None


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            "transformer_base",
            "Transformer (base)",
            2017,
            ModelShape(
                family="encoder_decoder",
                vocab_size=37000,
                d_model=512,
                n_layers=6,
                n_encoder_layers=6,
                n_heads=8,
                d_ff=2048,
                ff_kind="relu",
                context=512,
                positions="sinusoidal",
                final_norm=False,
            ),
            65_000_000,
            # The paper's table rounds to 65 M; its stated dimensions (shared 37,000-token
            # vocabulary) give 63.1 M, so this preset alone is held to 3 %.
            "Vaswani et al. 2017, table 3 (rounded)",
            tolerance=0.03,
        ),
        Preset(
            "gpt1",
            "GPT-1",
            2018,
            ModelShape(vocab_size=40478, d_model=768, n_layers=12, n_heads=12, context=512, final_norm=False),
            116_534_784,
            "openai-gpt released weights (paper: 117 M)",
        ),
        Preset(
            "gpt2_small",
            "GPT-2 small",
            2019,
            ModelShape(vocab_size=50257, d_model=768, n_layers=12, n_heads=12, context=1024),
            124_439_808,
            "gpt2 released weights",
        ),
        Preset(
            "gpt2_medium",
            "GPT-2 medium",
            2019,
            ModelShape(vocab_size=50257, d_model=1024, n_layers=24, n_heads=16, context=1024),
            354_823_168,
            "gpt2-medium released weights",
        ),
        Preset(
            "gpt2_large",
            "GPT-2 large",
            2019,
            ModelShape(vocab_size=50257, d_model=1280, n_layers=36, n_heads=20, context=1024),
            774_030_080,
            "gpt2-large released weights",
        ),
        Preset(
            "gpt2_xl",
            "GPT-2 XL",
            2019,
            ModelShape(vocab_size=50257, d_model=1600, n_layers=48, n_heads=25, context=1024),
            1_557_611_200,
            "gpt2-xl released weights (paper: 1.5 B)",
        ),
        Preset(
            "gpt3",
            "GPT-3 175B",
            2020,
            ModelShape(vocab_size=50257, d_model=12288, n_layers=96, n_heads=96, context=2048),
            175_000_000_000,
            "Brown et al. 2020, table 2.1",
            training_tokens=300e9,
        ),
        Preset(
            "bert_base",
            "BERT base",
            2018,
            ModelShape(
                family="encoder",
                vocab_size=30522,
                d_model=768,
                n_layers=12,
                n_heads=12,
                context=512,
                final_norm=False,
                embedding_norm=True,
                segments=2,
                pooler=True,
            ),
            109_482_240,
            "bert-base-uncased released weights (paper: 110 M)",
        ),
        Preset(
            "bert_large",
            "BERT large",
            2018,
            ModelShape(
                family="encoder",
                vocab_size=30522,
                d_model=1024,
                n_layers=24,
                n_heads=16,
                context=512,
                final_norm=False,
                embedding_norm=True,
                segments=2,
                pooler=True,
            ),
            335_141_888,
            "bert-large-uncased released weights (paper: 340 M)",
        ),
        Preset(
            "t5_base",
            "T5 base",
            2019,
            ModelShape(
                family="encoder_decoder",
                vocab_size=32128,
                d_model=768,
                n_layers=12,
                n_encoder_layers=12,
                n_heads=12,
                d_ff=3072,
                ff_kind="relu",
                context=512,
                positions="relative",
                bias=False,
                norm_bias=False,
            ),
            222_903_552,
            "t5-base released weights (paper: 220 M)",
        ),
        Preset(
            "smollm2_135m",
            "SmolLM2-135M",
            2024,
            ModelShape(
                vocab_size=49152,
                d_model=576,
                n_layers=30,
                n_heads=9,
                n_kv_heads=3,
                d_ff=1536,
                ff_kind="swiglu",
                context=8192,
                positions="rotary",
                bias=False,
                norm_bias=False,
            ),
            134_515_008,
            "HuggingFaceTB/SmolLM2-135M released weights",
            training_tokens=2e12,
        ),
    )
}


# --------------------------------------------------------------------------- the app's models


def _tiny_shape(config: dict, family: str, n_layers: int, **extra) -> ModelShape:
    """The shape every tiny model of this project shares, read from its checkpoint's config."""
    bias = bool(config.get("bias", False))
    return ModelShape(
        family=family,
        vocab_size=int(config["vocab_size"]),
        d_model=int(config["n_embd"]),
        n_layers=n_layers,
        n_heads=int(config["n_head"]),
        context=int(config["block_size"]),
        bias=bias,
        norm_bias=bias,
        **extra,
    )


def gpt_shape(config: dict) -> ModelShape:
    """The tiny GPT (``GPTConfig`` fields as in its checkpoint's config.json)."""
    return _tiny_shape(config, "decoder", int(config["n_layer"]))


def encoder_shape(config: dict) -> ModelShape:
    """The project's tiny BERT-like encoder (``EncoderConfig`` fields): MLM head tied, NSP classifier."""
    return _tiny_shape(config, "encoder", int(config["n_layer"]), segments=2, n_classes=2)


def encoder_decoder_shape(config: dict) -> ModelShape:
    """The project's tiny T5-like encoder-decoder (``EncoderDecoderConfig`` fields)."""
    return _tiny_shape(config, "encoder_decoder", int(config["n_decoder_layer"]),
                       n_encoder_layers=int(config["n_encoder_layer"]))


def minilm_shape(hf_config) -> ModelShape:  # noqa: ANN001 (transformers BertConfig)
    """MiniLM (a ``BertModel``) from its transformers config."""
    return ModelShape(
        family="encoder",
        vocab_size=int(hf_config.vocab_size),
        d_model=int(hf_config.hidden_size),
        n_layers=int(hf_config.num_hidden_layers),
        n_heads=int(hf_config.num_attention_heads),
        d_ff=int(hf_config.intermediate_size),
        context=int(hf_config.max_position_embeddings),
        final_norm=False,
        embedding_norm=True,
        segments=int(hf_config.type_vocab_size),
        pooler=True,
    )


def with_changes(shape: ModelShape, **changes: object) -> ModelShape:
    """A copy of ``shape`` with some numbers changed (validated)."""
    return validate(replace(shape, **changes))


# --------------------------------------------------------------------------- the calculator's controls

#: The steps of the calculator's sliders; every preset's own value is added (slider_options).
SLIDER_GRIDS: dict[str, tuple[int, ...]] = {
    "vocab_size": (256, 512, 1000, 2000, 4000, 8000, 16000, 32000, 50000, 64000, 100000, 128000, 256000),
    "d_model": (32, 64, 96, 128, 256, 384, 512, 768, 1024, 1536, 2048, 4096, 8192, 12288, 16384),
    "d_ff": (128, 256, 384, 512, 1024, 1536, 2048, 3072, 4096, 8192, 16384, 32768, 49152, 65536),
    "context": (64, 128, 256, 512, 1024, 2048, 4096, 8192, 32768, 131072, 1048576),
}
#: Training-set sizes in tokens the calculator offers (for the training compute).
TRAINING_TOKENS: tuple[float, ...] = (0, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 3e11, 1e12, 2e12, 1e13, 1.5e13)
#: The training size the calculator starts from when a preset names none.
DEFAULT_TRAINING_TOKENS = 3e11
#: The most layers, heads or key/value heads a slider offers (a larger preset is shown at this).
MAX_COUNT = 128


def slider_value(shape: ModelShape, name: str) -> int:
    """The value of slider ``name`` (a key of SLIDER_GRIDS) for ``shape``."""
    return int(getattr(shape, "ff_width" if name == "d_ff" else name))


def slider_options(name: str, shapes: list[ModelShape]) -> list[int]:
    """The steps of slider ``name``: its grid plus the value of every shape offered."""
    return sorted({*SLIDER_GRIDS[name], *(slider_value(shape, name) for shape in shapes)})


def nearest_training_tokens(tokens: float) -> float:
    """The step of TRAINING_TOKENS closest to ``tokens`` (a preset's published figure)."""
    return min(TRAINING_TOKENS, key=lambda step: abs(step - tokens))


def calculator_settings(shape: ModelShape, training_tokens: float | None = None) -> dict[str, object]:
    """Every control of the calculator set to ``shape`` (counts kept within the sliders;
    ``tokens`` only when the preset names its training size)."""
    settings: dict[str, object] = {"family": shape.family}
    settings.update({name: slider_value(shape, name) for name in SLIDER_GRIDS})
    settings.update(
        n_layers=min(shape.n_layers, MAX_COUNT),
        n_encoder_layers=max(1, min(shape.n_encoder_layers, MAX_COUNT)),
        n_heads=min(shape.n_heads, MAX_COUNT),
        n_kv_heads=min(shape.kv_heads, MAX_COUNT),
        ff_kind=shape.ff_kind,
        tied=shape.tied,
        positions=shape.positions,
    )
    if training_tokens is not None:
        settings["tokens"] = nearest_training_tokens(training_tokens)
    return settings
