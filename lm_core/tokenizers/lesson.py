"""Chapter 1: four ways to cut text into tokens, and what each one keeps or loses.

- :class:`LessonWordTokenizer`: one id per whole word of a vocabulary built from a corpus;
  any other word becomes ``[UNK]`` (lost for good).
- :class:`LessonCharTokenizer`: one id per character seen in the corpus.
- :class:`LessonBpeTokenizer`: byte-level BPE trained live with Hugging Face ``tokenizers``
  (:func:`train_bpe`); it never needs ``[UNK]`` because every text is bytes.
- :class:`LessonWordPieceTokenizer`: the real WordPiece vocabulary of MiniLM / BERT.

All four follow :class:`lm_core.tokenizers.base.Tokenizer` (``encode`` -> ids, ``decode``,
``id_to_token``, ``vocab_size``, ``kind``), like the tiny models' tokenizers; for the lesson
their ``tokenize`` returns the same :class:`Tokenized` (tokens with ids and character spans,
the decoded text, what was lost), so a page can show them side by side. The BPE helpers
(:func:`bpe_merge_steps`, :func:`bpe_word_history`) replay training merge by merge, to
watch "rained" become "rain" + "ed".
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from lm_core.core.errors import InputError
from lm_core.core.once import once
from lm_core.data.segment import lesson_words as words
from lm_core.data.segment import split_words

UNK = "[UNK]"
BYTE_ALPHABET_SIZE = 256
MAX_BPE_VOCAB = 8000

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Token:
    """One token: what the learner sees, its id, and where it came from in the text."""

    text: str  # the piece as the tokenizer writes it ("Ġrain", "##ed", "[UNK]")
    id: int
    start: int  # character span in the input text (start == end for added tokens)
    end: int
    unknown: bool = False  # True for [UNK]: the original characters are gone
    special: bool = False  # [CLS] / [SEP]: added by the tokenizer, not from the text
    display: str | None = None  # readable form when ``text`` is coded (byte-level BPE)

    @property
    def shown(self) -> str:
        """What to print on the token's chip."""
        return self.text if self.display is None else self.display


@dataclass(frozen=True)
class Tokenized:
    """The result of one tokenizer on one text, ready to draw."""

    kind: str  # "word" | "char" | "bpe" | "wordpiece"
    text: str
    tokens: tuple[Token, ...]
    decoded: str  # ids turned back into text
    lost: tuple[str, ...] = ()  # pieces of the input that became [UNK]

    @property
    def ids(self) -> list[int]:
        return [token.id for token in self.tokens]

    @property
    def count(self) -> int:
        """Number of tokens from the text (added [CLS]/[SEP] not counted)."""
        return sum(1 for token in self.tokens if not token.special)

    @property
    def unknown_count(self) -> int:
        return sum(1 for token in self.tokens if token.unknown)

    @property
    def round_trip(self) -> str:
        """``"exact"``: decoding gives the text back; ``"normalised"``: same words but
        case, accents or spacing changed; ``"lossy"``: some of it became [UNK]."""
        if self.lost:
            return "lossy"
        if self.decoded == self.text:
            return "exact"
        if _loose(self.decoded) == _loose(self.text):
            return "normalised"
        return "lossy"


def _loose(text: str) -> str:
    """Text without case, accents and whitespace: what survives every tokenizer here."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not ch.isspace() and not unicodedata.combining(ch))


# --------------------------------------------------------------------------- words


# Words (and punctuation pieces) come from the one segmenter, lm_core.data.segment.


# --------------------------------------------------------------------------- word and character level


@dataclass(frozen=True)
class _VocabularyTokenizer:
    """A fixed vocabulary looked up piece by piece; id 0 is ``[UNK]`` (what the piece was is lost)."""

    vocab: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    kind = ""
    separator = ""  # how decoding joins the pieces

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {piece: i for i, piece in enumerate(self.vocab)})

    def _pieces(self, text: str) -> Iterable[tuple[str, int, int]]:
        raise NotImplementedError

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def token_to_id(self, piece: str) -> int:
        return self._index.get(piece, 0)

    def encode(self, text: str) -> list[int]:
        return self.tokenize(text).ids

    def tokenize(self, text: str) -> Tokenized:
        tokens, lost = [], []
        for piece, start, end in self._pieces(text):
            token_id = self.token_to_id(piece)
            unknown = token_id == 0
            if unknown:
                lost.append(piece)
            tokens.append(Token(self.vocab[token_id], token_id, start, end, unknown=unknown))
        return Tokenized(self.kind, text, tuple(tokens), self.decode([token.id for token in tokens]), tuple(lost))

    def id_to_token(self, token_id: int) -> str:
        return self.vocab[token_id] if 0 <= token_id < len(self.vocab) else UNK

    def decode(self, ids: Sequence[int]) -> str:
        return self.separator.join(self.id_to_token(i) for i in ids)


@dataclass(frozen=True)
class LessonWordTokenizer(_VocabularyTokenizer):
    """Word-level tokenizer: id 0 is ``[UNK]``, then the corpus words, most frequent first.

    Lower-cases everything (so "It" and "it" share an id) and drops spaces; decoding
    joins words with single spaces.
    """

    kind = "word"
    separator = " "

    def _pieces(self, text: str) -> Iterable[tuple[str, int, int]]:
        return split_words(text)

    def token_to_id(self, word: str) -> int:
        return self._index.get(word.lower(), 0)


def build_word_tokenizer(sentences: Iterable[str], max_vocab: int | None = None, min_count: int = 1) -> LessonWordTokenizer:
    """Count the (lower-cased) words of a corpus and keep the frequent ones.

    ``max_vocab`` counts ``[UNK]``; ties are broken alphabetically so the ids are stable.
    """
    counts = Counter(word for sentence in sentences for word in words(sentence))
    ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    if max_vocab is not None:
        ranked = ranked[: max(0, max_vocab - 1)]
    if not ranked:
        raise InputError("errors.text.no_words")
    return LessonWordTokenizer((UNK, *ranked))


@dataclass(frozen=True)
class LessonCharTokenizer(_VocabularyTokenizer):
    """Character-level tokenizer: one id per character seen in the corpus (id 0 = [UNK]).

    Keeps case and spaces, so decoding is exact unless a character was never seen.
    """

    kind = "char"

    def _pieces(self, text: str) -> Iterable[tuple[str, int, int]]:
        return ((ch, position, position + 1) for position, ch in enumerate(text))


def build_char_tokenizer(sentences: Iterable[str]) -> LessonCharTokenizer:
    """Every distinct character of the corpus, most frequent first (ties by code point)."""
    counts = Counter(ch for sentence in sentences for ch in sentence)
    ranked = sorted(counts, key=lambda ch: (-counts[ch], ch))
    if not ranked:
        raise InputError("errors.text.empty")
    return LessonCharTokenizer((UNK, *ranked))


# --------------------------------------------------------------------------- byte-level BPE


@lru_cache(maxsize=1)
def byte_to_symbol() -> dict[int, str]:
    """The byte-level alphabet: each of the 256 bytes drawn as one printable character.

    Printable Latin-1 bytes stand for themselves; the others (space, control bytes…) are
    shifted to code points from 256 up, which is why a space shows as "Ġ" (256 + 32).
    This is the table GPT-2's and HF ``ByteLevel``'s tokenizers use.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    shift = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + shift)
            shift += 1
    return table


@lru_cache(maxsize=1)
def symbol_to_byte() -> dict[str, int]:
    return {symbol: b for b, symbol in byte_to_symbol().items()}


def symbols_to_bytes(symbols: str) -> bytes:
    """The bytes a byte-level token stands for ("Ġrain" -> b" rain", "ä¸" -> b"\\xe4\\xb8")."""
    table = symbol_to_byte()
    return bytes(table[s] for s in symbols if s in table)


def readable_bytes(raw: bytes) -> str:
    """Bytes as text when they are whole UTF-8 characters, else their values in hex,
    ``⟨e4 b8⟩``: a piece of a character is not text on its own (printed as Latin-1
    letters it would read "ä¸", which means nothing)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "⟨" + " ".join(f"{b:02x}" for b in raw) + "⟩"


def symbols_to_text(symbols: str) -> str:
    """A byte-level token back to readable text; bytes that are only part of a
    character (a third of a Chinese character, say) are shown as ``⟨e4⟩``."""
    return readable_bytes(symbols_to_bytes(symbols))


def characters_of_pieces(pieces: Sequence[bytes]) -> list[tuple[tuple[str, int, int, int], ...]]:
    """For byte pieces that together are the UTF-8 bytes of a text: per piece, the
    characters it holds, as (character, first byte, last byte, bytes in the character),
    1-based. A whole character reads ("下", 1, 3, 3); the first two bytes of 下, ("下", 1, 2, 3).
    Pieces that do not add up to UTF-8 text get no characters."""
    joined = b"".join(pieces)
    try:
        text = joined.decode("utf-8")
    except UnicodeDecodeError:
        return [() for _ in pieces]
    owner: list[tuple[str, int, int]] = []  # per byte: (character, its byte number, its length)
    for char in text:
        size = len(char.encode("utf-8"))
        owner.extend((char, k + 1, size) for k in range(size))
    out, cursor = [], 0
    for piece in pieces:
        parts: list[tuple[str, int, int, int]] = []
        for char, number, size in owner[cursor : cursor + len(piece)]:
            if parts and parts[-1][0] == char and number == parts[-1][2] + 1:
                parts[-1] = (char, parts[-1][1], number, size)
            else:
                parts.append((char, number, number, size))
        out.append(tuple(parts))
        cursor += len(piece)
    return out


def text_to_symbols(text: str) -> str:
    table = byte_to_symbol()
    return "".join(table[b] for b in text.encode("utf-8"))


@dataclass(frozen=True)
class MergeStep:
    """One BPE merge: at vocabulary size ``vocab_size`` the pair (left, right), seen
    ``count`` times in the corpus at that moment, became the new token ``left+right``."""

    rank: int  # 1 = the first merge
    left: str
    right: str
    count: int
    vocab_size: int

    @property
    def new_token(self) -> str:
        return self.left + self.right


class LessonBpeTokenizer:
    """Byte-level BPE trained with Hugging Face ``tokenizers`` (see :func:`train_bpe`).

    Holds only the serialised tokenizer and rebuilds the Rust object when needed, so one
    instance can be cached and shared by every session of the server.
    """

    kind = "bpe"

    def __init__(self, serialised: str) -> None:
        from tokenizers import Tokenizer

        self.serialised = serialised
        self._tokenizer = Tokenizer.from_str(serialised)
        model = json.loads(serialised)["model"]
        self.merges: tuple[tuple[str, str], ...] = tuple(
            tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in model["merges"]
        )

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return self.tokenize(text).ids

    def tokenize(self, text: str) -> Tokenized:
        encoding = self._tokenizer.encode(text)
        tokens = tuple(
            Token(piece, token_id, start, end, display=symbols_to_text(piece))
            for piece, token_id, (start, end) in zip(encoding.tokens, encoding.ids, encoding.offsets, strict=True)
        )
        return Tokenized("bpe", text, tokens, self.decode(encoding.ids))

    def id_to_token(self, token_id: int) -> str:
        return symbols_to_text(self._tokenizer.id_to_token(int(token_id)) or "")

    def decode(self, ids: Sequence[int]) -> str:
        return self._tokenizer.decode(list(ids))


def train_bpe(sentences: Sequence[str], vocab_size: int) -> LessonBpeTokenizer:
    """Train a byte-level BPE tokenizer on ``sentences`` up to ``vocab_size`` tokens.

    The vocabulary starts as the 256 bytes; each merge adds one token, so
    ``vocab_size - 256`` merges (fewer if the corpus runs out of pairs to merge).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if not BYTE_ALPHABET_SIZE <= vocab_size <= MAX_BPE_VOCAB:
        raise InputError("errors.setting.vocab_size", low=BYTE_ALPHABET_SIZE, high=MAX_BPE_VOCAB, value=vocab_size)
    if not any(s.strip() for s in sentences):
        raise InputError("errors.text.empty")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    tokenizer.train_from_iterator(sentences, trainer)
    return LessonBpeTokenizer(tokenizer.to_str())


def _pretokenized_word_counts(sentences: Iterable[str]) -> Counter[str]:
    """How often each pre-token (a word with its leading space, in byte symbols) occurs:
    BPE never merges across these boundaries."""
    from tokenizers import pre_tokenizers

    splitter = pre_tokenizers.ByteLevel(add_prefix_space=False)
    counts: Counter[str] = Counter()
    for sentence in sentences:
        counts.update(piece for piece, _ in splitter.pre_tokenize_str(sentence))
    return counts


def _merge_pair(symbols: list[str], left: str, right: str) -> list[str]:
    merged, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
            merged.append(left + right)
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged


def bpe_merge_steps(sentences: Sequence[str], tokenizer: LessonBpeTokenizer, limit: int = 30) -> list[MergeStep]:
    """Replay the first ``limit`` merges of a trained tokenizer on its corpus.

    The trainer does not report counts, so we recount: split the corpus into
    pre-tokens, start from single bytes, and before each merge count how often its pair
    occurs next to each other, then apply the merge everywhere. (Each merge the trainer
    chose is the most frequent pair at that moment; a unit test checks this.)
    """
    segmented = {word: list(word) for word in _pretokenized_word_counts(sentences)}
    frequency = _pretokenized_word_counts(sentences)
    steps = []
    for rank, (left, right) in enumerate(tokenizer.merges[:limit], start=1):
        count = 0
        for word, symbols in segmented.items():
            pairs = sum(1 for a, b in zip(symbols, symbols[1:], strict=False) if a == left and b == right)
            count += pairs * frequency[word]
        steps.append(MergeStep(rank, left, right, count, BYTE_ALPHABET_SIZE + rank))
        for word, symbols in segmented.items():
            if left in symbols:
                segmented[word] = _merge_pair(symbols, left, right)
    return steps


def apply_merges(word: str, merges: Sequence[tuple[str, str]]) -> list[str]:
    """Split one pre-token (in byte symbols) with a list of merges, the textbook way:
    start from bytes and keep merging the adjacent pair that was learned earliest."""
    return _apply_ranked(word, {pair: rank for rank, pair in enumerate(merges)}, len(merges))


def _apply_ranked(word: str, ranks: dict[tuple[str, str], int], limit: int) -> list[str]:
    """:func:`apply_merges` with only the merges of rank < ``limit`` allowed."""
    symbols = list(word)
    while len(symbols) > 1:
        candidates = [
            (rank, i)
            for i, pair in enumerate(zip(symbols, symbols[1:], strict=False))
            if (rank := ranks.get(pair, limit)) < limit
        ]
        if not candidates:
            break
        _, i = min(candidates)
        symbols[i : i + 2] = [symbols[i] + symbols[i + 1]]
    return symbols


def bpe_token_counts(text: str, tokenizer: LessonBpeTokenizer, sizes: Sequence[int]) -> list[tuple[int, int]]:
    """How many tokens ``text`` needs at each vocabulary size in ``sizes``, using the
    first ``size - 256`` merges of ``tokenizer`` (a smaller BPE is a prefix of a larger)."""
    from tokenizers import pre_tokenizers

    ranks = {pair: rank for rank, pair in enumerate(tokenizer.merges)}
    pre_tokens = [p for p, _ in pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str(text)]
    counts = []
    for size in sizes:
        limit = min(len(tokenizer.merges), max(0, size - BYTE_ALPHABET_SIZE))
        counts.append((size, sum(len(_apply_ranked(p, ranks, limit)) for p in pre_tokens)))
    return counts


def segment_with_merges(text: str, merges: Sequence[tuple[str, str]]) -> list[str]:
    """Split ``text`` the way a BPE tokenizer that knew only ``merges`` would (byte
    symbols, "Ġ" for a space): pre-tokenize, then merge inside each pre-token."""
    from tokenizers import pre_tokenizers

    pieces: list[str] = []
    for pre_token, _ in pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str(text):
        pieces.extend(apply_merges(pre_token, merges))
    return pieces


@dataclass(frozen=True)
class WordStage:
    """How a word is split once the vocabulary has grown to ``vocab_size``."""

    vocab_size: int
    pieces: tuple[str, ...]  # byte-level symbols ("Ġrain", "ed")
    merge: tuple[str, str] | None  # the merge that caused this split (None at the start)


def bpe_word_history(word: str, tokenizer: LessonBpeTokenizer, leading_space: bool = True) -> list[WordStage]:
    """Every change in how ``word`` is split as the merges of ``tokenizer`` are added one
    by one: from single bytes to, at most, the whole word.

    ``leading_space`` treats the word as it appears inside a sentence (" rained"), which
    is a different pre-token from the sentence-initial "rained".
    """
    target = text_to_symbols((" " if leading_space else "") + word.strip())
    stages = [WordStage(BYTE_ALPHABET_SIZE, tuple(target), None)]
    ranks = {pair: rank for rank, pair in enumerate(tokenizer.merges)}
    relevant = [(k, pair) for k, pair in enumerate(tokenizer.merges) if pair[0] in target and pair[1] in target]
    for k, pair in relevant:
        pieces = tuple(_apply_ranked(target, ranks, k + 1))
        if pieces != stages[-1].pieces:
            stages.append(WordStage(BYTE_ALPHABET_SIZE + k + 1, pieces, pair))
    return stages


# --------------------------------------------------------------------------- WordPiece (MiniLM)


class LessonWordPieceTokenizer:
    """MiniLM's / BERT's WordPiece tokenizer (uncased, 30,522 pieces).

    Lower-cases, strips accents, splits each Chinese character off on its own, and
    marks a piece that continues a word with "##". A word it cannot build from its
    pieces becomes ``[UNK]``. Adds ``[CLS]`` and ``[SEP]`` around the text.
    """

    kind = "wordpiece"

    def __init__(self, serialised: str) -> None:
        from tokenizers import Tokenizer

        # Our own copy: padding/truncation are switched off (we show every token) without
        # touching the shared tokenizer the other chapters use.
        self._tokenizer = Tokenizer.from_str(serialised)
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._special = {self._tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]")}
        self._unk_id = self._tokenizer.token_to_id(UNK)

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return self.tokenize(text).ids

    def tokenize(self, text: str) -> Tokenized:
        encoding = self._tokenizer.encode(text)
        tokens, lost = [], []
        for piece, token_id, (start, end) in zip(encoding.tokens, encoding.ids, encoding.offsets, strict=True):
            unknown = token_id == self._unk_id
            if unknown:
                lost.append(text[start:end])
            tokens.append(Token(piece, token_id, start, end, unknown=unknown, special=token_id in self._special))
        return Tokenized("wordpiece", text, tuple(tokens), self.decode(encoding.ids), tuple(lost))

    def id_to_token(self, token_id: int) -> str:
        return self._tokenizer.id_to_token(int(token_id)) or UNK

    def decode(self, ids: Sequence[int]) -> str:
        return self._tokenizer.decode(list(ids), skip_special_tokens=True)


@once(maxsize=1)
def load_wordpiece() -> LessonWordPieceTokenizer:
    """MiniLM's WordPiece tokenizer from the offline package (see ``lm_core.models.minilm``)."""
    from lm_core.tokenizers.pretrained import load_minilm_tokenizer

    return LessonWordPieceTokenizer(load_minilm_tokenizer().to_str())


# --------------------------------------------------------------------------- corpora

CORPUS_CHOICES: dict[str, tuple[str, ...]] = {
    "toy_en": ("toy_en",),
    "toy_zh": ("toy_zh",),
    "both": ("toy_en", "toy_zh"),
}


def _load_corpus(name: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """Sentences and word -> semantic group of one toy-world corpus."""
    from lm_core.data.corpora import load_corpus

    corpus = load_corpus(name)
    return corpus.sentences, dict(corpus.word_groups)


def corpus_sentences(choice: str) -> list[str]:
    """The sentences the self-trained tokenizers learn from: one toy-world corpus or
    both languages together."""
    names = CORPUS_CHOICES.get(choice)
    if names is None:
        raise InputError("errors.corpus.none_chosen")
    sentences: list[str] = []
    for name in names:
        sentences.extend(_load_corpus(name)[0])
    return sentences


def corpus_word_groups(choice: str) -> dict[str, str]:
    """word -> semantic group ("weather", "animal"…) over the chosen corpora."""
    names = CORPUS_CHOICES.get(choice)
    if names is None:
        raise InputError("errors.corpus.none_chosen")
    groups: dict[str, str] = {}
    for name in names:
        groups.update(_load_corpus(name)[1])
    return groups


def single_word(text: str) -> str:
    """``text`` if it is one word (no spaces), else ``InputError("errors.word.not_one_word")``."""
    word = text.strip()
    if not word or any(ch.isspace() for ch in word) or not any(ch.isalnum() for ch in word):
        raise InputError("errors.word.not_one_word")
    return word


# --------------------------------------------------------------------------- chapter 1's tokenizers, once per process


@once(maxsize=64)
def lesson_bpe(choice: str, vocab_size: int) -> LessonBpeTokenizer:
    """One BPE training per (corpus choice, vocabulary size) per process: the tokenizer is
    read-only once trained, so every session of the server shares it."""
    return train_bpe(corpus_sentences(choice), vocab_size)


@once(maxsize=4)
def lesson_word_and_char(choice: str) -> tuple[LessonWordTokenizer, LessonCharTokenizer]:
    """The word and the character tokenizer of a corpus choice, built once per process."""
    sentences = corpus_sentences(choice)
    return build_word_tokenizer(sentences), build_char_tokenizer(sentences)


def byte_parts(symbol_pieces: Sequence[str]) -> list[tuple[tuple[str, int, int, int], ...]]:
    """:func:`characters_of_pieces` for byte-level pieces as the tokenizer stores them
    ("ä¸"): per piece, the characters it is (part of)."""
    return characters_of_pieces([symbols_to_bytes(piece) for piece in symbol_pieces])


def tokens_per_character(token_count: int, text: str) -> float:
    """The "token tax" of a text: tokens per character (0 characters count as 1)."""
    return token_count / max(1, len(text))
