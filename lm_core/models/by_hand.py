"""A transformer small enough to check with pencil and paper (chapter 5, "by hand").

Ten words, vectors of four numbers, one attention head, a feed-forward layer of eight and an
output matrix: a few hundred numbers in all, every one of which the learner can see and edit in
the browser. This module is the reference the browser's arithmetic is tested against:

- :func:`forward` returns every intermediate by name, in the order of chapter 5's steps
  (embedding + position, Q, K, V, scores, ÷√d, mask, softmax, weighted sum, W_O, residual,
  feed-forward, logits, softmax over the vocabulary);
- :func:`loss` and :func:`gradients` (torch autograd) give one training step's numbers;
- :func:`take_step` moves every weight against its gradient and rounds it to
  :data:`STEP_DECIMALS`, exactly as the browser does;
- the shipped weights are rounded to :data:`SHIPPED_DECIMALS` (by :func:`round_weights`) and the
  computation then uses those rounded numbers exactly (float64 throughout);
- :func:`to_json` / :func:`from_json` write and read the weights (plain JSON, no pickle);
- :func:`parse_edits` / :func:`encode_edits` turn an edited model into the link's text and back,
  checking every part of it (a tampered link raises :class:`InputError`, never a traceback).

No layer normalisation and no biases except the feed-forward's first one: every number on
screen is then a sum of products the learner can redo.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from lm_core.core.errors import InputError
from lm_core.core.once import once
from lm_core.core.paths import CHECKPOINT_DIR

DIM = 4  # the size of every vector (d)
HIDDEN = 8  # the feed-forward layer's width
MAX_WORDS = 5  # the longest sentence (one position vector per place)
SHIPPED_DECIMALS = 2  # the trained weights, rounded: what the learner reads and edits
STEP_DECIMALS = 4  # a weight after an edit or a training step keeps at most this many decimals
LIMIT = 99  # the largest size a weight may take (an edit beyond it is refused)
LANGUAGES = ("en", "zh")

#: The words of each language's model, in the order of the tables' rows and columns. They are
#: the words of the toy world's rain sentences ("It rained this morning."; see
#: lm_core/data/toyworld/*.json, ``rain_forms`` and ``rain_times``).
VOCABULARY: dict[str, tuple[str, ...]] = {
    "en": ("it", "rained", "rains", "this", "every", "morning", "afternoon", "evening", "night", "."),
    "zh": ("今天", "每天", "早上", "下午", "傍晚", "晚上", "下雨", "了", "都", "。"),
}
#: The sentence the section opens on, and the word a learner should see it predict.
EXAMPLE: dict[str, tuple[tuple[str, ...], str]] = {
    "en": (("it", "rained", "this"), "morning"),
    "zh": (("今天", "早上"), "下雨"),
}


def shapes(vocabulary_size: int) -> dict[str, tuple[int, ...]]:
    """Every weight's name and shape, in the order of the steps (the link's names too)."""
    return {
        "E": (vocabulary_size, DIM),  # one embedding row per word
        "P": (MAX_WORDS, DIM),  # one position row per place
        "WQ": (DIM, DIM),
        "WK": (DIM, DIM),
        "WV": (DIM, DIM),
        "WO": (DIM, DIM),
        "W1": (DIM, HIDDEN),
        "b1": (HIDDEN,),
        "W2": (HIDDEN, DIM),
        "Wout": (DIM, vocabulary_size),
    }


@dataclass
class ByHandModel:
    """The words and the weights (float64 numpy arrays, by the names of :func:`shapes`)."""

    lang: str
    words: tuple[str, ...]
    weights: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)

    def copy(self) -> ByHandModel:
        return ByHandModel(self.lang, self.words, {k: v.copy() for k, v in self.weights.items()}, dict(self.meta))

    def ids(self, sentence: Sequence[str]) -> list[int]:
        """The row of each word; an unknown word or a sentence of the wrong length is an InputError."""
        if not 1 <= len(sentence) <= MAX_WORDS:
            raise InputError("errors.edited_model.length", limit=MAX_WORDS)
        unknown = [word for word in sentence if word not in self.words]
        if unknown:
            raise InputError("errors.edited_model.word", word=unknown[0])
        return [self.words.index(word) for word in sentence]


# --------------------------------------------------------------------------- the computation


def _tensors(weights: Mapping[str, np.ndarray], requires_grad: bool = False) -> dict[str, torch.Tensor]:
    return {name: torch.tensor(np.asarray(value, dtype=np.float64), requires_grad=requires_grad)
            for name, value in weights.items()}


def forward(weights: Mapping[str, torch.Tensor | np.ndarray], ids: Sequence[int]) -> dict[str, torch.Tensor]:
    """Every intermediate of one pass over the words ``ids``, by name, in the order of the steps.

    Shapes (T words, V vocabulary): ``x`` T×4 (embedding + position), ``q``/``k``/``v`` T×4,
    ``scores``/``scaled``/``masked``/``attention`` T×T, ``mixed`` T×4 (weighted sum of values),
    ``attn_out`` T×4 (after W_O), ``resid`` T×4, ``pre``/``hidden`` T×8, ``ff_out`` T×4,
    ``out`` T×4, ``logits``/``probs`` T×V. Float64 throughout."""
    w = {name: value if isinstance(value, torch.Tensor) else torch.tensor(np.asarray(value, dtype=np.float64))
         for name, value in weights.items()}
    index = torch.tensor(list(ids), dtype=torch.long)
    n = len(ids)
    steps: dict[str, torch.Tensor] = {}
    steps["x"] = w["E"][index] + w["P"][:n]
    steps["q"] = steps["x"] @ w["WQ"]
    steps["k"] = steps["x"] @ w["WK"]
    steps["v"] = steps["x"] @ w["WV"]
    steps["scores"] = steps["q"] @ steps["k"].T
    steps["scaled"] = steps["scores"] / math.sqrt(DIM)
    later = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)  # a word never sees the words after it
    steps["masked"] = steps["scaled"].masked_fill(later, float("-inf"))
    steps["attention"] = torch.softmax(steps["masked"], dim=-1)
    steps["mixed"] = steps["attention"] @ steps["v"]
    steps["attn_out"] = steps["mixed"] @ w["WO"]
    steps["resid"] = steps["x"] + steps["attn_out"]
    steps["pre"] = steps["resid"] @ w["W1"] + w["b1"]
    steps["hidden"] = torch.relu(steps["pre"])
    steps["ff_out"] = steps["hidden"] @ w["W2"]
    steps["out"] = steps["resid"] + steps["ff_out"]
    steps["logits"] = steps["out"] @ w["Wout"]
    steps["probs"] = torch.softmax(steps["logits"], dim=-1)
    return steps


def loss(weights: Mapping[str, torch.Tensor | np.ndarray], ids: Sequence[int], target: int) -> torch.Tensor:
    """Cross-entropy of ``target`` as the word after the last one: −log p(target)."""
    logits = forward(weights, ids)["logits"][-1]
    return -torch.log_softmax(logits, dim=-1)[target]


def gradients(model: ByHandModel, ids: Sequence[int], target: int) -> tuple[float, dict[str, np.ndarray]]:
    """The loss and ∂loss/∂(each weight), by torch autograd (the reference for the browser's)."""
    tensors = _tensors(model.weights, requires_grad=True)
    value = loss(tensors, ids, target)
    value.backward()
    return float(value.detach()), {name: tensor.grad.numpy().copy() for name, tensor in tensors.items()}


def round_to(value: float | np.ndarray, decimals: int) -> np.ndarray:
    """Round half up, as ``Math.floor(v·10ᵈ + 0.5) / 10ᵈ`` does in the browser (bit for bit)."""
    scale = 10.0**decimals
    return np.floor(np.asarray(value, dtype=np.float64) * scale + 0.5) / scale


def round_weights(model: ByHandModel, decimals: int = SHIPPED_DECIMALS) -> ByHandModel:
    """The model with every weight rounded to ``decimals``: the numbers it then computes with."""
    rounded = model.copy()
    rounded.weights = {name: round_to(value, decimals) for name, value in model.weights.items()}
    return rounded


def take_step(model: ByHandModel, grads: Mapping[str, np.ndarray], learning_rate: float) -> ByHandModel:
    """One step of gradient descent: weight − learning rate × gradient, rounded to STEP_DECIMALS
    and kept within ±LIMIT (what a link can carry)."""
    stepped = model.copy()
    stepped.weights = {name: np.clip(round_to(value - learning_rate * grads[name], STEP_DECIMALS), -LIMIT, LIMIT)
                       for name, value in model.weights.items()}
    return stepped


def predict(model: ByHandModel, sentence: Sequence[str]) -> tuple[str, np.ndarray]:
    """The most probable next word and the probabilities of every word."""
    probs = forward(model.weights, model.ids(sentence))["probs"][-1].numpy()
    return model.words[int(np.argmax(probs))], probs


def attention_if_key_scaled(model: ByHandModel, sentence: Sequence[str], position: int, factor: float) -> np.ndarray:
    """The last word's attention weights when the key of word ``position`` is ``factor`` times
    bigger (the what-if a question asks the learner to predict)."""
    steps = forward(model.weights, model.ids(sentence))
    keys = steps["k"].clone()
    keys[position] *= factor
    scaled = (steps["q"][-1] @ keys.T) / math.sqrt(DIM)
    return torch.softmax(scaled, dim=-1).numpy()


# --------------------------------------------------------------------------- files


def to_json(model: ByHandModel) -> str:
    """The words, the weights (one matrix row per line, as rounded) and the training facts."""
    def rows(value: np.ndarray) -> str:
        grid = np.atleast_2d(value)
        lines = ",\n    ".join(json.dumps([float(x) for x in row]) for row in grid)
        return f"[\n    {lines}\n   ]" if np.ndim(value) == 2 else lines

    weights = ",\n".join(f"  {json.dumps(name)}: {rows(value)}" for name, value in model.weights.items())
    head = {"lang": model.lang, "words": list(model.words), "dim": DIM, "hidden": HIDDEN, "max_words": MAX_WORDS}
    return (json.dumps(head, ensure_ascii=False)[:-1] + ',\n "weights": {\n' + weights + "\n },\n"
            + ' "meta": ' + json.dumps(model.meta, ensure_ascii=False) + "\n}\n")


def from_json(text: str) -> ByHandModel:
    """A model from :func:`to_json`'s text; shapes are checked against :func:`shapes`."""
    data = json.loads(text)
    words = tuple(data["words"])
    expected = shapes(len(words))
    weights = {name: np.asarray(data["weights"][name], dtype=np.float64) for name in expected}
    for name, shape in expected.items():
        if weights[name].shape != shape:
            raise ValueError(f"{name}: shape {weights[name].shape}, expected {shape}")
    return ByHandModel(data["lang"], words, weights, data.get("meta", {}))


def shipped_path(lang: str):
    return CHECKPOINT_DIR / f"by_hand_{lang}.json"


@once(maxsize=4)
def _shipped_text(lang: str) -> str:
    return shipped_path(lang).read_text(encoding="utf-8")


def load_shipped(lang: str) -> ByHandModel:
    """The trained, rounded model of one language (a fresh copy: the caller may edit it)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no by-hand model for {lang!r}")
    return from_json(_shipped_text(lang))


# --------------------------------------------------------------------------- the link


_EDIT = re.compile(r"^(?P<name>[A-Za-z0-9]+)\.(?P<row>\d{1,2})\.(?P<col>\d{1,2}):(?P<value>-?\d{1,2}(\.\d{1,4})?)$")
MAX_LINK_CHARS = 8000


def encode_edits(base: ByHandModel, edited: ByHandModel) -> str:
    """The weights that differ from ``base`` as ``name.row.col:value`` joined by commas
    (a vector's row is 0). The browser writes the same text into the link."""
    parts = []
    for name, value in edited.weights.items():
        grid = np.atleast_2d(value)
        original = np.atleast_2d(base.weights[name])
        for row, col in zip(*np.nonzero(grid != original), strict=True):
            parts.append(f"{name}.{row}.{col}:{_number(grid[row, col])}")
    return ",".join(parts)


def _number(value: float) -> str:
    text = f"{float(round_to(value, STEP_DECIMALS)):.{STEP_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_edits(base: ByHandModel, text: str) -> ByHandModel:
    """``base`` with the link's edits applied; anything malformed raises InputError naming the
    part that is wrong (a known weight, a row and column inside it, a number up to ±99 with at
    most four decimals)."""
    edited = base.copy()
    if not text:
        return edited
    if len(text) > MAX_LINK_CHARS:
        raise InputError("errors.edited_model.link_long", limit=MAX_LINK_CHARS)
    shape_of = shapes(len(base.words))
    for part in text.split(","):
        match = _EDIT.match(part.strip())
        if match is None or match["name"] not in shape_of:
            raise InputError("errors.edited_model.link_part", part=part[:40], limit=LIMIT, decimals=STEP_DECIMALS)
        name, row, col = match["name"], int(match["row"]), int(match["col"])
        shape = shape_of[name]
        rows, cols = (1, shape[0]) if len(shape) == 1 else shape
        value = float(match["value"])
        if row >= rows or col >= cols or abs(value) > LIMIT:
            raise InputError("errors.edited_model.link_part", part=part[:40], limit=LIMIT, decimals=STEP_DECIMALS)
        if len(shape) == 1:
            edited.weights[name][col] = value
        else:
            edited.weights[name][row, col] = value
    return edited


def parse_words(model: ByHandModel, text: str) -> list[int]:
    """The link's sentence: word rows joined by dots ("0.1.3")."""
    try:
        ids = [int(part) for part in text.split(".")]
    except ValueError:
        raise InputError("errors.edited_model.link_words", part=text[:40]) from None
    if not 1 <= len(ids) <= MAX_WORDS or any(not 0 <= i < len(model.words) for i in ids):
        raise InputError("errors.edited_model.link_words", part=text[:40])
    return ids


def real_model(lang: str) -> dict | None:
    """Chapter 5's tiny GPT that reads the same language: its name, width and head size (the
    "same step with more dimensions" link), or None when it is not shipped."""
    from lm_core.models.checkpoints import CONFIG_FILE, checkpoint_path

    name = f"gpt_toy_{lang}"
    try:
        config = json.loads((checkpoint_path(name) / CONFIG_FILE).read_text(encoding="utf-8"))["model"]
    except (OSError, ValueError, KeyError):
        return None
    return {"model": name, "dims": int(config["n_embd"]), "head_dim": int(config["n_embd"]) // int(config["n_head"])}
