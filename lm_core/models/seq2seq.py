"""An RNN encoder-decoder (English -> Dutch), with or without attention, in one readable file.

Two models of the same size, one switch apart (``Seq2SeqConfig.attention``):

* **plain** (Cho et al., 2014): a bidirectional GRU reads the English words; its two final
  states, side by side, are *the context vector*: one fixed-length vector for the whole
  sentence. The decoder (a GRU cell) starts from it and is handed the same vector again at
  every output step.
* **attention** (Bahdanau et al., 2014): the same encoder and decoder, but at every output
  step the decoder scores every encoder state with an additive score
  ``v · tanh(W_query s + W_key h_i)``, turns the scores into weights with a softmax and takes
  the weighted average of the encoder states as that step's context. The scores are
  computed here (they are the lesson); masking, softmax and the weighted sum go through
  the one attention of the project, :func:`lm_core.models.attention.attend`: each input
  word's score is handed in as a one-number key against a query of 1, so ``Q·Kᵀ`` *is* the
  additive score (scale 1).

Forcing the attention to one input word (a "what if") masks every other word, so the
softmax puts all weight there and the rest of the translation follows from it.

Names recorded by the capture path (B batch, S source words, E ``embed_dim``, H
``hidden_dim``, V target vocabulary, t = output step from 0):

================================  ================  ==========================================
name                              shape             what
================================  ================  ==========================================
``encoder.embed``                 (B, S, E)         the input words' embeddings (static)
``encoder.states``                (B, S, 2H)        encoder state at each input word
                                                    (forward half, backward half)
``context``                       (B, 2H)           the one context vector: forward final
                                                    state and backward final state
``decoder.init``                  (B, H)            the decoder's first state, tanh(W context)
``decoder.{t}.input``             (B, E)            embedding of the decoder's input word
``decoder.{t}.attn.q|k|v``        (B,1,1,1) (B,1,S,1) (B,1,S,2H)  attention model only: a 1, the
                                                    additive scores as keys, encoder states
``decoder.{t}.attn.scores``       (B, 1, 1, S)      additive score of each input word
``decoder.{t}.attn.masked``       (B, 1, 1, S)      padding (and forced-away words) at -inf
``decoder.{t}.attn.weights``      (B, 1, 1, S)      softmax: where step t looks (rows sum to 1)
``decoder.{t}.context``           (B, 2H)           the context this step used
``decoder.{t}.state``             (B, H)            decoder state after reading its input
``decoder.{t}.logits``            (B, V)            scores of every Dutch word for this step
``logits``                        (B, T, V)         all steps stacked
================================  ================  ==========================================

All captured tensors are detached float32 copies on the CPU.
"""

from __future__ import annotations

import difflib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_model, save_model
from torch import nn

from lm_core.core.errors import InputError
from lm_core.core.paths import CHECKPOINT_DIR
from lm_core.core.text import clean_text, has_cjk
from lm_core.data.segment import words as sentence_words
from lm_core.models.attention import attend
from lm_core.models.capture import Capture, record
from lm_core.models.config import ConfigMixin, require_positive

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = range(4)

MAX_INPUT_CHARS = 300
MAX_INPUT_WORDS = 30

# The shipped pair of models and the curriculum's example (CURRICULUM.md §4).
SHIPPED = ("seq2seq_plain", "seq2seq_attention")
EXAMPLE_SENTENCE = "I love llamas."
EXAMPLE_TRANSLATION = "Ik hou van lama's."
EXAMPLES = (
    EXAMPLE_SENTENCE,
    "The king loved white horses.",
    "In the evening the man sees the black horses.",
    "My mother knows that he will eat a sweet cake tomorrow.",
)
# The same English word in two senses: "zoete" (of food) and "lief" (lovable).
CONTEXT_EXAMPLE = ("The children love the sweet pears.", "I love cats because they are sweet.", "sweet")


# --------------------------------------------------------------------------- vocabularies


@dataclass(frozen=True)
class Vocab:
    """Words <-> ids; ids 0-3 are ``<pad> <bos> <eos> <unk>``."""

    words: tuple[str, ...]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {word: i for i, word in enumerate(self.words)})

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1) -> Vocab:
        counts = Counter(word for sentence in sentences for word in sentence)
        kept = sorted(word for word, count in counts.items() if count >= min_count)
        return cls(SPECIALS + tuple(kept))

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index and word not in SPECIALS

    def encode(self, words: Sequence[str]) -> list[int]:
        return [self.index.get(word, UNK_ID) for word in words]

    def word(self, i: int) -> str:
        return self.words[i]

    def suggestions(self, word: str, n: int = 3) -> list[str]:
        return difflib.get_close_matches(word, self.words[len(SPECIALS) :], n=n, cutoff=0.6)


def english_words(sentence: str) -> list[str]:
    return sentence_words(sentence, "en")


def dutch_words(sentence: str) -> list[str]:
    return sentence_words(sentence, "nl")


def dutch_sentence(words: Sequence[str]) -> str:
    """Words back into a sentence: capital first letter ("'s Avonds" keeps its 's) and a full stop."""
    if not words:
        return ""
    words = list(words)
    first = 1 if words[0] == "'s" and len(words) > 1 else 0
    words[first] = words[first][:1].upper() + words[first][1:]
    return " ".join(words) + "."


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Seq2SeqConfig(ConfigMixin):
    """Shape of an encoder-decoder. Frozen: a model's shape never changes after creation."""

    src_vocab_size: int
    tgt_vocab_size: int
    attention: bool = False
    embed_dim: int = 64
    hidden_dim: int = 128
    attn_dim: int = 64  # width of the additive score's hidden layer (attention model only)
    max_output: int = 32  # most Dutch words a translation may have

    def __post_init__(self) -> None:
        if min(self.src_vocab_size, self.tgt_vocab_size) <= len(SPECIALS):
            raise ValueError("vocabularies must hold more than the special tokens")
        require_positive(embed_dim=self.embed_dim, hidden_dim=self.hidden_dim, attn_dim=self.attn_dim,
                         max_output=self.max_output)


class Encoder(nn.Module):
    """Embeddings, then a bidirectional GRU over the English words."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(config.src_vocab_size, config.embed_dim, padding_idx=PAD_ID)
        self.gru = nn.GRU(config.embed_dim, config.hidden_dim, batch_first=True, bidirectional=True)

    def forward(
        self, src: torch.Tensor, lengths: torch.Tensor, capture: Capture | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder states (B, S, 2H) and the context vector (B, 2H)."""
        embedded = self.embedding(src)
        record(capture, "encoder.embed", embedded)
        packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, final = self.gru(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=src.shape[1])
        # final: (2, B, H): the forward GRU after the last word, the backward one after the first.
        context = torch.cat([final[0], final[1]], dim=-1)
        record(capture, "encoder.states", states)
        record(capture, "context", context)
        return states, context


class Seq2Seq(nn.Module):
    """Encoder + decoder. ``model(src, lengths, tgt_in)`` returns teacher-forced logits (B, T, V)."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.config = config
        hidden, embed = config.hidden_dim, config.embed_dim
        self.encoder = Encoder(config)
        self.tgt_embedding = nn.Embedding(config.tgt_vocab_size, embed, padding_idx=PAD_ID)
        self.bridge = nn.Linear(2 * hidden, hidden)  # context vector -> decoder's first state
        self.cell = nn.GRUCell(embed + 2 * hidden, hidden)
        self.out = nn.Linear(hidden + 2 * hidden + embed, config.tgt_vocab_size)
        if config.attention:
            self.attn_query = nn.Linear(hidden, config.attn_dim, bias=False)
            self.attn_key = nn.Linear(2 * hidden, config.attn_dim)
            self.attn_score = nn.Linear(config.attn_dim, 1, bias=False)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------------ pieces

    def encode(
        self, src: torch.Tensor, lengths: torch.Tensor, capture: Capture | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor]:
        """Encoder states, context vector, decoder's first state, attention keys, padding mask."""
        states, context = self.encoder(src, lengths, capture)
        first_state = torch.tanh(self.bridge(context))
        record(capture, "decoder.init", first_state)
        keys = self.attn_key(states) if self.config.attention else None  # computed once per sentence
        padding = src == PAD_ID
        return states, context, first_state, keys, padding

    def step(
        self,
        prev_ids: torch.Tensor,
        state: torch.Tensor,
        states: torch.Tensor,
        context: torch.Tensor,
        keys: torch.Tensor | None,
        padding: torch.Tensor,
        t: int,
        capture: Capture | None = None,
        force: int | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One output step: (logits (B, V), new decoder state (B, H)).

        ``force``: attention model only, look only at input word ``force`` at this step.
        """
        prefix = f"decoder.{t}"
        embedded = self.tgt_embedding(prev_ids)
        record(capture, f"{prefix}.input", embedded)
        if self.config.attention:
            # Additive score of every input word for the decoder's current state.
            energy = self.attn_score(torch.tanh(keys + self.attn_query(state)[:, None, :])).squeeze(-1)  # (B, S)
            looked_away = padding
            if force is not None:
                looked_away = torch.ones_like(padding)
                looked_away[:, force] = False
            ones = torch.ones(energy.shape[0], 1, 1, 1, dtype=energy.dtype, device=energy.device)
            heads = attend(
                ones,
                energy[:, None, :, None],
                states[:, None],
                key_padding=looked_away,
                capture=capture,
                prefix=f"{prefix}.attn",
                scale=1.0,
            )
            step_context = heads[:, 0, 0, :]
        else:
            step_context = context  # the same one vector at every step
        record(capture, f"{prefix}.context", step_context)
        state = self.cell(torch.cat([embedded, step_context], dim=-1), state)
        record(capture, f"{prefix}.state", state)
        logits = self.out(torch.cat([state, step_context, embedded], dim=-1))
        record(capture, f"{prefix}.logits", logits)
        return logits, state

    # ------------------------------------------------------------------ whole sentences

    def forward(
        self, src: torch.Tensor, lengths: torch.Tensor, tgt_in: torch.Tensor, capture: Capture | None = None
    ) -> torch.Tensor:
        """Teacher forcing: the decoder reads the true previous word at every step."""
        states, context, state, keys, padding = self.encode(src, lengths, capture)
        logits = []
        for t in range(tgt_in.shape[1]):
            step_logits, state = self.step(tgt_in[:, t], state, states, context, keys, padding, t, capture)
            logits.append(step_logits)
        stacked = torch.stack(logits, dim=1)
        record(capture, "logits", stacked)
        return stacked

    def loss(
        self, src: torch.Tensor, lengths: torch.Tensor, tgt_in: torch.Tensor, tgt_out: torch.Tensor
    ) -> torch.Tensor:
        logits = self(src, lengths, tgt_in)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1), ignore_index=PAD_ID)

    def greedy(
        self,
        src: torch.Tensor,
        lengths: torch.Tensor,
        max_len: int | None = None,
        capture: Capture | None = None,
        force: tuple[int, int] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy decoding: at each step take the most likely word and feed it back.

        Returns output ids (B, T) (``<pad>`` after ``<eos>``) and logits (B, T, V).
        ``force=(step, word)``: at output step ``step`` look only at input word ``word``.
        """
        max_len = max_len or self.config.max_output
        states, context, state, keys, padding = self.encode(src, lengths, capture)
        batch = src.shape[0]
        prev = torch.full((batch,), BOS_ID, dtype=torch.long, device=src.device)
        done = torch.zeros(batch, dtype=torch.bool, device=src.device)
        outputs, all_logits = [], []
        for t in range(max_len):
            forced = force[1] if force is not None and force[0] == t and self.config.attention else None
            logits, state = self.step(prev, state, states, context, keys, padding, t, capture, forced)
            prev = logits.argmax(dim=-1)
            outputs.append(prev.masked_fill(done, PAD_ID))
            all_logits.append(logits)
            done = done | (prev == EOS_ID)
            if bool(done.all()):
                break
        stacked = torch.stack(all_logits, dim=1)
        record(capture, "logits", stacked)
        return torch.stack(outputs, dim=1), stacked


# --------------------------------------------------------------------------- batches


def pad_batch(sequences: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Ids (B, max length) padded with ``<pad>``, and the lengths (B,)."""
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    batch = torch.full((len(sequences), int(lengths.max())), PAD_ID, dtype=torch.long)
    for row, sequence in enumerate(sequences):
        batch[row, : len(sequence)] = torch.tensor(sequence, dtype=torch.long)
    return batch, lengths


def strip_output(ids: Sequence[int]) -> list[int]:
    """Output ids up to (not including) ``<eos>``."""
    kept = []
    for i in ids:
        if i in (EOS_ID, PAD_ID):
            break
        kept.append(int(i))
    return kept


# --------------------------------------------------------------------------- a translator


@dataclass
class DecodeStep:
    """One output step as the page shows it."""

    index: int
    input_word: str  # what the decoder read (``<bos>`` first, then its own previous word)
    output_word: str  # what it chose (greedy)
    candidates: list[tuple[str, float]]  # most likely words with probabilities
    attention: list[float] | None  # weights over the input words (attention model)
    forced: bool = False


@dataclass
class Translation:
    source_words: list[str]
    output_words: list[str]
    steps: list[DecodeStep]

    @property
    def text(self) -> str:
        return dutch_sentence(self.output_words)


class Translator:
    """A model with its two vocabularies: checks English input, translates step by step."""

    def __init__(self, model: Seq2Seq, src_vocab: Vocab, tgt_vocab: Vocab, meta: dict | None = None) -> None:
        self.model = model
        self.src_vocab = src_vocab
        self.tgt_vocab = tgt_vocab
        self.meta = meta or {}

    @property
    def attention(self) -> bool:
        return self.model.config.attention

    def check(self, text: str | None) -> list[str]:
        """English words of ``text``, or :class:`InputError` naming what is wrong."""
        cleaned = clean_text(text, max_chars=MAX_INPUT_CHARS)
        if has_cjk(cleaned):  # Chinese: the one CJK test (lm_core.core.text)
            raise InputError("errors.text.not_english")
        words = english_words(cleaned)
        if not words:
            raise InputError("errors.text.no_words")
        if len(words) > MAX_INPUT_WORDS:
            raise InputError("errors.text.too_many_words", limit=MAX_INPUT_WORDS, count=len(words))
        unknown = [w for w in dict.fromkeys(words) if w not in self.src_vocab]
        if unknown:
            dutch = [w for w in dutch_words(cleaned) if w in self.tgt_vocab and w not in self.src_vocab]
            if len(dutch) >= max(1, len(unknown) // 2 + 1) and len(dutch) * 2 >= len(words):
                raise InputError("errors.text.looks_dutch", words=", ".join(dutch[:6]))
            hints = []
            for word in unknown[:8]:
                close = self.src_vocab.suggestions(word)
                hints.append(f"{word} → {' / '.join(close)}" if close else word)
            raise InputError("errors.word.unknown_many", words="; ".join(hints), count=len(unknown))
        return words

    @torch.inference_mode()
    def translate(self, text: str, force: tuple[int, int] | None = None, top: int = 5) -> Translation:
        """Greedy translation with every step's candidates and attention weights.

        ``force=(step, word index)``: the attention model looks only at that input word at
        that output step; the steps after it follow from what it then wrote.
        """
        words = self.check(text)
        src, lengths = pad_batch([self.src_vocab.encode(words)])
        if force is not None and not (0 <= force[1] < len(words) and 0 <= force[0] < self.model.config.max_output):
            raise InputError("errors.setting.no_such_step")
        capture = Capture(lambda name: name.endswith(("attn.weights", ".logits")))
        output, logits = self.model.greedy(src, lengths, capture=capture, force=force)
        probs = torch.softmax(logits[0], dim=-1)
        steps = []
        previous = BOS
        for t in range(probs.shape[0]):
            chosen = int(output[0, t])
            values, ids = probs[t].topk(min(top, probs.shape[1]))
            weights = None
            if self.attention:
                weights = capture[f"decoder.{t}.attn.weights"][0, 0, 0].tolist()
            word = self.tgt_vocab.word(chosen)
            steps.append(
                DecodeStep(
                    index=t,
                    input_word=previous,
                    output_word=word,
                    candidates=[(self.tgt_vocab.word(int(i)), float(v)) for v, i in zip(values, ids, strict=True)],
                    attention=weights,
                    forced=force is not None and force[0] == t and self.attention,
                )
            )
            previous = word
            if chosen == EOS_ID:
                break
        outputs = [self.tgt_vocab.word(i) for i in strip_output(output[0].tolist())]
        return Translation(source_words=words, output_words=outputs, steps=steps)

    @torch.inference_mode()
    def translate_batch(self, sentences: Sequence[Sequence[str]], batch_size: int = 256) -> list[list[str]]:
        """Greedy translations of many word lists at once (fast path, no capture)."""
        results: list[list[str]] = []
        for start in range(0, len(sentences), batch_size):
            chunk = sentences[start : start + batch_size]
            src, lengths = pad_batch([self.src_vocab.encode(words) for words in chunk])
            output, _ = self.model.greedy(src, lengths)
            results.extend([self.tgt_vocab.word(i) for i in strip_output(row)] for row in output.tolist())
        return results

    @torch.inference_mode()
    def encoder_states(self, text: str) -> tuple[list[str], torch.Tensor, torch.Tensor]:
        """Words, their encoder states (S, 2H) and their static embeddings (S, E)."""
        words = self.check(text)
        src, lengths = pad_batch([self.src_vocab.encode(words)])
        capture = Capture(("encoder.states", "encoder.embed"))
        self.model.encode(src, lengths, capture)
        return words, capture["encoder.states"][0], capture["encoder.embed"][0]

    def same_word_similarity(self, sentence_a: str, sentence_b: str, word: str) -> dict:
        """Cosine of the encoder states of ``word`` in two sentences, and of its embeddings.

        The embedding is one vector per word whatever the sentence (cosine 1, like
        word2vec's); the encoder's state depends on the words around it.
        """
        found = []
        for sentence in (sentence_a, sentence_b):
            words, states, embeds = self.encoder_states(sentence)
            if word not in words:
                raise InputError("errors.word.not_in_both_sentences", word=word)
            position = words.index(word)
            found.append((position, states[position], embeds[position]))
        state_cos = float(F.cosine_similarity(found[0][1], found[1][1], dim=0))
        embed_cos = float(F.cosine_similarity(found[0][2], found[1][2], dim=0))
        return {"state_cosine": state_cos, "embedding_cosine": embed_cos, "positions": (found[0][0], found[1][0])}


# --------------------------------------------------------------------------- checkpoints

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


def save_translator(folder: str | Path, translator: Translator) -> Path:
    """Weights (safetensors) + config, both vocabularies and training facts (JSON)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_model(translator.model, str(folder / WEIGHTS_FILE))
    data = {
        "model": translator.model.config.to_dict(),
        "src_words": list(translator.src_vocab.words),
        "tgt_words": list(translator.tgt_vocab.words),
        "meta": translator.meta,
    }
    (folder / CONFIG_FILE).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


def load_translator(folder: str | Path) -> Translator:
    """A saved translator; the model comes back ``.eval()`` with gradients off."""
    folder = Path(folder)
    data = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    config = Seq2SeqConfig.from_dict(data["model"])
    model = Seq2Seq(config)
    load_model(model, str(folder / WEIGHTS_FILE))
    model.eval().requires_grad_(False)
    src_vocab, tgt_vocab = Vocab(tuple(data["src_words"])), Vocab(tuple(data["tgt_words"]))
    if len(src_vocab) != config.src_vocab_size or len(tgt_vocab) != config.tgt_vocab_size:
        raise ValueError("vocabulary sizes do not match the model")
    return Translator(model, src_vocab, tgt_vocab, data.get("meta", {}))


def load_shipped(name: str) -> Translator:
    """``seq2seq_plain`` or ``seq2seq_attention`` from ``assets/checkpoints``."""
    if name not in SHIPPED:
        raise ValueError(f"no shipped encoder-decoder named {name!r}; available: {SHIPPED}")
    try:
        return load_translator(CHECKPOINT_DIR / name)
    except Exception as exc:  # a missing or damaged file: say what rebuilds it
        raise InputError("errors.model.checkpoint_broken", name=name, script="scripts/train_seq2seq.py") from exc


# --------------------------------------------------------------------------- why transformers won


@torch.inference_mode()
def time_sequential_vs_parallel(
    lengths: Sequence[int] = (8, 16, 32, 64, 128, 256), width: int = 128, repeats: int = 7, heads: int = 4
) -> list[dict]:
    """Seconds (fastest of ``repeats``: the least disturbed by other work on a shared
    machine) to read ``n`` tokens of width ``width``.

    * recurrence: a GRU cell applied ``n`` times, each step waiting for the one before;
    * self-attention: one pass over all ``n`` tokens at once (query/key/value projection,
      then :func:`attend`), every token computed in parallel.
    """
    generator = torch.Generator().manual_seed(0)
    cell = nn.GRUCell(width, width)
    qkv = nn.Linear(width, 3 * width)
    rows = []
    for n in lengths:
        x = torch.randn(1, n, width, generator=generator)

        def recurrent(x: torch.Tensor = x, n: int = n) -> None:
            state = torch.zeros(1, width)
            for position in range(n):
                state = cell(x[:, position], state)

        def parallel(x: torch.Tensor = x, n: int = n) -> None:
            q, k, v = (part.view(1, n, heads, width // heads).transpose(1, 2) for part in qkv(x).split(width, dim=-1))
            attend(q, k, v)

        timings = {}
        for name, run in (("recurrent", recurrent), ("parallel", parallel)):
            run()  # warm-up
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                run()
                samples.append(time.perf_counter() - started)
            timings[name] = min(samples)
        rows.append({"length": n, "recurrent_s": timings["recurrent"], "parallel_s": timings["parallel"]})
    return rows
