"""word2vec, trained live: skip-gram (and CBOW) with negative sampling in PyTorch.

This file is written to be read. It follows Mikolov et al. (2013) and the original
``word2vec.c`` closely, with one change of *shape* (not of meaning) that makes it fast
in PyTorch: instead of looping over one (centre, context) pair at a time, one epoch's
training examples are built up front with vectorised numpy and then processed in large
batches with hand-written gradients.

The model in one paragraph
--------------------------
Every word ``w`` owns two vectors: an *input* vector ``W_in[w]`` (the embedding we keep)
and an *output* vector ``W_out[w]``. For a word ``c`` seen near a centre word ``w``,
skip-gram wants ``sigmoid(W_in[c] · W_out[w])`` close to 1 ("these two are neighbours"),
and for ``K`` random "negative" words ``n`` drawn from the unigram distribution raised to
the power 0.75, ``sigmoid(W_in[c] · W_out[n])`` close to 0 ("these are not"). The loss is

    -log σ(x·y_w) - Σ_n log σ(-x·y_n)            with x = W_in[c], y = W_out[·]

and its gradient is tiny and explicit: for a score ``s = x·y`` with label ``l`` (1 for the
true neighbour, 0 for a negative), ``d loss / d s = σ(s) - l``. So plain SGD does

    g = (l - σ(s)) * learning_rate
    x += g * y          y += g * x

That is all of word2vec's training: no autograd and no optimizer object are needed, and
skipping them is one reason this file is fast.

The speed tricks (each one explained where it happens)
------------------------------------------------------
1. *Precompute an epoch's examples with numpy* (:func:`build_epoch_examples`): subsampling
   of frequent words, the random "dynamic" window per position, and the context indices
   are all computed as whole arrays, not in a Python loop.
2. *One row per centre position, negatives shared by its window* (the BlazingText trick,
   Gupta & Khare 2017): all context words around one position are scored against the same
   ``1 + K`` output vectors (the centre word and K negatives). That turns ~6 separate
   dot-product problems into one small matrix product, and it gathers 16 rows of the
   embedding matrices per position instead of ~42.
3. *Padding to a fixed width with a zero row*: positions have between 1 and ``2*window``
   context words. Missing slots point at an extra all-zero row of ``W_in``; a mask zeroes
   their gradient. Every batch is then one rectangular ``bmm``.
4. *Hand-written sparse updates*: ``index_add_`` adds the gradients straight into the two
   embedding matrices, summing correctly when a word occurs several times in a batch.
5. *Negatives in bulk* from a precomputed unigram^0.75 table (as ``word2vec.c`` does), by
   indexing it with random integers: one call per epoch.
6. *Learning rate decays linearly* from ``alpha`` to ``alpha * 1e-4`` over the whole run,
   like ``word2vec.c`` and gensim.
7. *Several workers, no locks on the weights* ("Hogwild", as ``word2vec.c`` and gensim do):
   with ``workers=2`` two Python threads take alternate batches and update the shared
   matrices at the same time. PyTorch releases Python's global lock inside each operation,
   so the threads really run on two cores; the rare collisions on one row are harmless
   noise for SGD. This beats torch's own 2-thread mode by far: each operation here is too
   small to split, and OpenMP's worker threads spin-wait on a busy machine.
8. *Batches grouped by window reach*: a batch holds only positions that drew the same
   reach b, so it computes 2*b context slots instead of 2*window (see the training loop).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from lm_core.core.errors import InputError
from lm_core.core.once import once
from lm_core.data.curriculum import TOY_ANALOGIES  # noqa: F401 (asked by the script, tests, bench)
from lm_core.data.segment import has_cjk, split_sentences, words
from lm_core.embeddings.vectors import WordVectors

# ---------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word2VecConfig:
    """Hyperparameters, named as in gensim's ``Word2Vec`` where they overlap."""

    dim: int = 50  # length of each word vector ("vector_size" in gensim)
    window: int = 5  # largest distance between a centre word and a context word
    negative: int = 5  # negative samples per positive example
    epochs: int = 5
    min_count: int = 2  # words seen fewer times are dropped from the vocabulary
    sg: bool = True  # True: skip-gram; False: CBOW (context average predicts the centre)
    alpha: float | None = None  # start learning rate; None: 0.025 (sg) or 0.05 (CBOW)
    sample: float = 1e-3  # subsampling threshold for frequent words (0 = off)
    ns_exponent: float = 0.75  # negatives are drawn from unigram counts ** ns_exponent
    batch_positions: int = 256  # centre positions per SGD batch
    seed: int = 0

    def start_alpha(self) -> float:
        return self.alpha if self.alpha is not None else (0.025 if self.sg else 0.05)

    def validate(self) -> None:
        if not 2 <= self.dim <= 1000:
            raise InputError("errors.setting.impossible", name="dim", value=self.dim)
        if not 1 <= self.window <= 20:
            raise InputError("errors.setting.impossible", name="window", value=self.window)
        if not 1 <= self.negative <= 50:
            raise InputError("errors.setting.impossible", name="negative", value=self.negative)
        if not 1 <= self.epochs <= 1000:
            raise InputError("errors.setting.impossible", name="epochs", value=self.epochs)
        if self.min_count < 1:
            raise InputError("errors.setting.impossible", name="min_count", value=self.min_count)


# ---------------------------------------------------------------------------------------
# Text -> sentences of words
# ---------------------------------------------------------------------------------------

def tokenize(sentence: str, lang: str | None = None) -> list[str]:
    """One sentence as lowercase words (:func:`lm_core.data.segment.words`: jieba for Chinese).

    Punctuation and emoji are dropped: word2vec only sees words.
    """
    return words(sentence, lang)


def tokenize_corpus(sentences: Iterable[str], lang: str | None = None) -> list[list[str]]:
    """Tokenize every sentence, dropping the ones left without words."""
    out = [tokenize(s, lang) for s in sentences]
    return [s for s in out if s]


# ---------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------


@dataclass
class Vocab:
    """Words kept for training, most frequent first, with their counts."""

    words: list[str]
    counts: np.ndarray  # int64, same order as words
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def build(cls, sentences: Sequence[Sequence[str]], min_count: int) -> Vocab:
        counter = Counter(w for s in sentences for w in s)
        kept = [(w, c) for w, c in counter.items() if c >= min_count]
        # Most frequent first; ties broken alphabetically so the order is reproducible.
        kept.sort(key=lambda wc: (-wc[1], wc[0]))
        return cls([w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64))


# ---------------------------------------------------------------------------------------
# One epoch of training examples, built with numpy (speed trick 1)
# ---------------------------------------------------------------------------------------


def encode_corpus(sentences: Sequence[Sequence[str]], vocab: Vocab) -> tuple[np.ndarray, np.ndarray]:
    """Flatten the corpus into word ids and a parallel array of sentence numbers.

    Words outside the vocabulary are removed (as gensim and word2vec.c do), so windows
    reach past them. Windows never cross a sentence boundary: ``sentence_of`` tells them.
    """
    ids: list[int] = []
    sentence_of: list[int] = []
    index = vocab.index
    for number, sentence in enumerate(sentences):
        for word in sentence:
            i = index.get(word)
            if i is not None:
                ids.append(i)
                sentence_of.append(number)
    return np.asarray(ids, dtype=np.int64), np.asarray(sentence_of, dtype=np.int64)


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's subsampling: a word of frequency f is kept with probability
    (sqrt(f / t) + 1) * t / f, with t = sample * total. Rare words are always kept;
    "the" loses most of its occurrences, which both speeds training and improves it."""
    if sample <= 0:
        return np.ones(len(counts))
    threshold = sample * counts.sum()
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1.0) * threshold / counts)


def unigram_table(counts: np.ndarray, exponent: float = 0.75, size: int = 1_000_000) -> np.ndarray:
    """A lookup table where word i fills a share count_i^0.75 / Σ count^0.75 of the slots.

    Drawing a negative is then ``table[random_integer]`` (speed trick 5). The 0.75 power
    gives rare words a little more chance than their raw frequency.
    """
    weights = counts.astype(np.float64) ** exponent
    cumulative = np.cumsum(weights / weights.sum())
    slots = (np.arange(size) + 0.5) / size
    return np.searchsorted(cumulative, slots).astype(np.int64).clip(0, len(counts) - 1)


@dataclass
class EpochExamples:
    """Training examples for one epoch, one row per kept centre position.

    ``centres[p]`` is the centre word; ``contexts[p]`` holds up to ``2*window`` context word
    ids, with ``pad`` where the (random) window is shorter or hits the sentence edge;
    ``mask[p]`` is 1.0 where ``contexts`` is a real word.
    """

    centres: np.ndarray  # (P,) int64
    contexts: np.ndarray  # (P, 2*window) int64
    mask: np.ndarray  # (P, 2*window) float32
    words_kept: int  # "effective words": positions that survived subsampling
    reach: np.ndarray | None = None  # (P,) the random window drawn for each position


def build_epoch_examples(
    ids: np.ndarray,
    sentence_of: np.ndarray,
    keep_prob: np.ndarray,
    window: int,
    pad: int,
    rng: np.random.Generator,
) -> EpochExamples:
    # Subsampling: flip one biased coin per token, all at once.
    kept = rng.random(len(ids)) < keep_prob[ids]
    ids, sentence_of = ids[kept], sentence_of[kept]
    n = len(ids)
    # Dynamic window: each position draws its own reach b in 1..window, so nearer words
    # are used more often (distance k is used with probability (window - k + 1) / window).
    reach = rng.integers(1, window + 1, size=n)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # (2w,)
    neighbour = np.arange(n)[:, None] + offsets[None, :]  # (n, 2w) positions
    inside = (neighbour >= 0) & (neighbour < n)
    neighbour = neighbour.clip(0, max(n - 1, 0))
    valid = inside & (np.abs(offsets)[None, :] <= reach[:, None])
    valid &= sentence_of[neighbour] == sentence_of[:, None]
    contexts = np.where(valid, ids[neighbour], pad)
    has_context = valid.any(axis=1)  # one-word sentences teach nothing
    order = rng.permutation(int(has_context.sum()))  # shuffle positions (SGD likes it)
    return EpochExamples(
        centres=ids[has_context][order],
        contexts=contexts[has_context][order],
        mask=valid[has_context][order].astype(np.float32),
        words_kept=n,
        reach=reach[has_context][order],
    )


# ---------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------


@dataclass
class TrainProgress:
    """What the training loop reports to its callback."""

    epoch: int  # 0-based epoch in progress
    step: int  # batches done so far (over all epochs)
    total_steps: int  # estimate of all batches (exact after the first epoch)
    loss: float  # mean loss per positive example over the batches since the last report
    words_done: int  # effective words processed so far
    learning_rate: float
    elapsed_s: float
    snapshot: np.ndarray | None = None  # input vectors (float32) when one was just taken


@dataclass
class TrainResult:
    vectors: np.ndarray  # (V, dim) float32: the input vectors, the embeddings we keep
    vocab: Vocab
    config: Word2VecConfig
    losses: list[tuple[int, float]]  # (step, mean loss) at each report
    snapshots: list[tuple[int, np.ndarray]]  # (step, vectors of snapshot_words) for replay
    snapshot_words: int  # how many (most frequent) words each snapshot holds
    words_trained: int  # effective words, summed over epochs
    seconds: float  # the whole call
    stopped: bool  # True when should_stop ended the run early
    setup_seconds: float = 0.0  # vocabulary, encoding, initialisation (before epoch 1)
    #: For an upload whose vocabulary was capped: kept/dropped word counts, the share of running
    #: words dropped and the most frequent dropped words (see embeddings.vocabulary_cap); else None.
    vocabulary_cap: dict | None = None

    @property
    def words_per_second(self) -> float:
        """Effective (kept after subsampling) words per second of training proper."""
        train = self.seconds - self.setup_seconds
        return self.words_trained / train if train > 0 else float("nan")


def train_word2vec(
    sentences: Sequence[Sequence[str]],
    config: Word2VecConfig = Word2VecConfig(),
    *,
    callback: Callable[[TrainProgress], None] | None = None,
    report_every: int = 20,
    snapshots_per_epoch: int = 2,
    snapshot_words: int = 400,
    extra_snapshot_steps: Sequence[int] = (),
    should_stop: Callable[[], bool] | None = None,
    device: torch.device | str | None = None,
    workers: int = 1,
) -> TrainResult:
    """Train word vectors on tokenized ``sentences`` (lists of words).

    ``callback`` gets a :class:`TrainProgress` every ``report_every`` batches and at every
    snapshot; ``snapshots_per_epoch`` copies of the first ``snapshot_words`` vectors are
    kept (plus one of the random start) so a page can replay the training; add
    ``extra_snapshot_steps`` (global batch numbers) to catch the fast early changes.
    ``should_stop`` is polled between batches; when it returns True the vectors trained so
    far are returned (``TrainResult.stopped``).
    ``workers`` > 1 trains on that many threads at once (see trick 7); run torch itself on
    one thread then (``lm_core.core.device.training_threads``).
    Raises :class:`InputError` when the corpus is too small to train.
    """
    config.validate()
    start_time = time.perf_counter()
    vocab = Vocab.build(sentences, config.min_count)
    if len(vocab) < 2:
        raise InputError("errors.corpus.too_small", words=len(vocab), min_count=config.min_count)
    ids, sentence_of = encode_corpus(sentences, vocab)
    if not (sentence_of[1:] == sentence_of[:-1]).any():
        raise InputError("errors.corpus.too_small", words=len(vocab), min_count=config.min_count)

    device = torch.device(device) if device is not None else torch.device("cpu")
    rng = np.random.default_rng(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    vocab_size, dim, window, negative = len(vocab), config.dim, config.window, config.negative
    pad = vocab_size  # the extra all-zero row of W_in that padded slots point at (trick 3)

    # word2vec's initialisation: input vectors uniform in ±0.5/dim, output vectors zero.
    w_in = torch.zeros(vocab_size + 1, dim)
    w_in[:vocab_size] = (torch.rand(vocab_size, dim, generator=generator) - 0.5) / dim
    w_in = w_in.to(device)
    w_out = torch.zeros(vocab_size, dim, device=device)

    keep_prob = keep_probabilities(vocab.counts, config.sample)
    table = unigram_table(vocab.counts, config.ns_exponent)
    expected_words = float(keep_prob[ids].sum()) * config.epochs
    # Label of each output column: the centre word first (1), then K negatives (0).
    labels = torch.zeros(1 + negative, device=device)
    labels[0] = 1.0
    alpha0 = config.start_alpha()
    min_alpha = alpha0 * 1e-4

    n_snap = min(snapshot_words, vocab_size)
    snapshots: list[tuple[int, np.ndarray]] = [(0, w_in[:n_snap].cpu().numpy().copy())]
    losses: list[tuple[int, float]] = []
    step, words_done, total_steps = 0, 0, 0
    loss_sum, loss_count = 0.0, 0
    stopped = False
    lr = alpha0
    last_report = 0
    batch_size = config.batch_positions
    worker_errors: list[BaseException] = []
    workers = max(1, int(workers))
    stop_flag = threading.Event()
    lock = threading.Lock()

    def report(epoch: int, lr: float, snapshot: np.ndarray | None = None) -> None:
        nonlocal loss_sum, loss_count
        mean = loss_sum / max(loss_count, 1)
        if loss_count:
            losses.append((step, mean))
        loss_sum, loss_count = 0.0, 0
        if callback is not None:
            callback(
                TrainProgress(epoch, step, total_steps, mean, words_done, lr,
                              time.perf_counter() - start_time, snapshot)
            )

    setup_seconds = time.perf_counter() - start_time
    for epoch in range(config.epochs):
        ex = build_epoch_examples(ids, sentence_of, keep_prob, window, pad, rng)
        positions = len(ex.centres)
        # Trick 8: batches never mix reaches, so a batch of positions that drew reach b
        # only computes the 2*b window slots around the centre, not all 2*window (on
        # average 6 of 10 slots for window 5). Positions are sorted by reach (they are
        # already shuffled, and the sort is stable), cut into batches, and the batches
        # are shuffled, so the order of training stays random.
        by_reach = np.argsort(ex.reach, kind="stable")
        ex = EpochExamples(ex.centres[by_reach], ex.contexts[by_reach], ex.mask[by_reach], ex.words_kept,
                           ex.reach[by_reach])
        group_starts = np.searchsorted(ex.reach, np.arange(1, window + 2))
        plan = [(lo, min(lo + batch_size, int(group_starts[r])), r)
                for r in range(1, window + 1) for lo in range(int(group_starts[r - 1]), int(group_starts[r]), batch_size)]
        plan = [plan[i] for i in rng.permutation(len(plan))]
        batches = len(plan)
        total_steps = step + batches * (config.epochs - epoch)
        # Negatives for the whole epoch in one draw (trick 5).
        negatives = table[rng.integers(0, len(table), size=(positions, negative))]
        outputs = torch.from_numpy(np.concatenate([ex.centres[:, None], negatives], axis=1)).to(device)
        # A negative that happens to be the centre word itself is skipped, like word2vec.c.
        out_mask = torch.ones(positions, 1 + negative)
        out_mask[:, 1:] = torch.from_numpy(negatives != ex.centres[:, None]).float()
        out_mask = out_mask.to(device)
        contexts = torch.from_numpy(ex.contexts).to(device)
        ctx_mask = torch.from_numpy(ex.mask).to(device)
        # Snapshot moments of this epoch, in global steps; the last one is the epoch's end.
        pending_snaps = sorted({step + round(batches * (k + 1) / snapshots_per_epoch)
                                for k in range(snapshots_per_epoch)}
                               | {int(x) for x in extra_snapshot_steps if step < x < step + batches})
        epoch_end = step + batches

        def run_worker(worker: int, e: _Epoch) -> None:
            """Batches worker, worker + workers, ... of this epoch's plan (trick 7, Hogwild)."""
            nonlocal step, words_done, loss_sum, loss_count, stopped, lr, last_report
            for lo, hi, reach in e.plan[worker::workers]:
                if stop_flag.is_set():
                    return
                if worker == 0 and should_stop is not None and should_stop():
                    stopped = True
                    stop_flag.set()
                    return
                slots = slice(window - reach, window + reach)  # the 2*reach slots in use
                # Linear decay by the share of (expected) words already seen (trick 6).
                batch_lr = max(min_alpha, alpha0 * (1.0 - words_done / max(expected_words, 1.0)))
                loss = _sgd_batch(w_in, w_out, e.contexts[lo:hi, slots], e.ctx_mask[lo:hi, slots],
                                  e.outputs[lo:hi], e.out_mask[lo:hi], labels, batch_lr, config.sg)
                with lock:
                    loss_sum += loss
                    loss_count += 1
                    step += 1
                    words_done += round(e.words_kept * (hi - lo) / e.positions)
                    lr = batch_lr
                if worker != 0:
                    continue
                # Worker 0 runs in the caller's thread: only it reports (a page's callback
                # may draw, which must happen in the thread that called us).
                if e.pending_snaps and e.pending_snaps[0] <= step and e.pending_snaps[0] < e.epoch_end:
                    e.pending_snaps.pop(0)
                    snap = w_in[:n_snap].cpu().numpy().copy()
                    snapshots.append((step, snap))
                    last_report = step
                    report(e.epoch, lr, snap)
                elif step - last_report >= report_every:
                    last_report = step
                    report(e.epoch, lr)

        this_epoch = _Epoch(epoch, positions, plan, ex.words_kept, contexts, ctx_mask, outputs, out_mask,
                            pending_snaps, epoch_end)

        def helper(worker: int, e: _Epoch) -> None:
            try:
                run_worker(worker, e)
            except BaseException as exc:  # surfaced in the caller's thread below
                worker_errors.append(exc)
                stop_flag.set()

        helpers = [threading.Thread(target=helper, args=(k, this_epoch), daemon=True) for k in range(1, workers)]
        for thread in helpers:
            thread.start()
        try:
            run_worker(0, this_epoch)
        except BaseException:
            stop_flag.set()  # e.g. the page was interrupted: stop the helpers too
            raise
        finally:
            for thread in helpers:
                thread.join()
        if worker_errors:
            raise worker_errors[0]
        if stopped:
            break
        snap = w_in[:n_snap].cpu().numpy().copy()  # the end of the epoch
        snapshots.append((step, snap))
        last_report = step
        report(epoch, lr, snap)

    if loss_count:
        report(epoch, lr)
    seconds = time.perf_counter() - start_time
    return TrainResult(
        vectors=w_in[:vocab_size].cpu().numpy().copy(),
        vocab=vocab,
        config=config,
        losses=losses,
        snapshots=snapshots,
        snapshot_words=n_snap,
        words_trained=words_done,
        seconds=seconds,
        stopped=stopped,
        setup_seconds=setup_seconds,
    )


@dataclass
class _Epoch:
    """What the workers of one epoch share (tensors on the training device)."""

    epoch: int
    positions: int
    plan: list[tuple[int, int, int]]  # batches as (first position, end, reach), in training order
    words_kept: int
    contexts: torch.Tensor
    ctx_mask: torch.Tensor
    outputs: torch.Tensor
    out_mask: torch.Tensor
    pending_snaps: list[int]
    epoch_end: int


@torch.no_grad()
def _sgd_batch(
    w_in: torch.Tensor,
    w_out: torch.Tensor,
    contexts: torch.Tensor,  # (B, 2w) word ids, pad where empty
    ctx_mask: torch.Tensor,  # (B, 2w) 1.0 for real context words
    outputs: torch.Tensor,  # (B, 1+K) centre word, then K negatives
    out_mask: torch.Tensor,  # (B, 1+K) 0.0 for a negative equal to the centre
    labels: torch.Tensor,  # (1+K,) 1, 0, 0, ...
    lr: float,
    sg: bool,
) -> float:
    """One SGD step on a batch of centre positions; returns the mean loss per positive.

    Shapes: B positions, C = 2*window context slots, O = 1 + K output words, d = dim.
    """
    batch, slots = contexts.shape
    contexts = contexts.contiguous()
    dim = w_in.shape[1]
    # Gathers use index_select on the flattened ids: 2-3x faster than w_out[outputs].
    y = w_out.index_select(0, outputs.reshape(-1)).view(batch, -1, dim)  # (B, O, d)
    if sg:
        # Skip-gram: every context word predicts the centre word, against the same K
        # negatives (trick 2). One bmm scores all (context, output) combinations.
        x = w_in.index_select(0, contexts.reshape(-1)).view(batch, slots, dim)  # (B, C, d); pads read the zero row
        scores = torch.bmm(x, y.transpose(1, 2))  # (B, C, O)
        weight = ctx_mask.unsqueeze(2) * out_mask.unsqueeze(1)  # (B, C, O)
        g = (labels - torch.sigmoid(scores)) * weight  # d(-loss)/d(score), masked
        loss = -(torch.nn.functional.logsigmoid(scores * (2 * labels - 1)) * weight).sum()
        positives = ctx_mask.sum()
        g = g * lr
        grad_x = torch.bmm(g, y)  # (B, C, d)  how each context vector should move
        grad_y = torch.bmm(g.transpose(1, 2), x)  # (B, O, d)  how each output vector should move
        w_in.index_add_(0, contexts.reshape(-1), grad_x.reshape(-1, dim))
    else:
        # CBOW: the average of the context vectors predicts the centre word.
        x = w_in.index_select(0, contexts.reshape(-1)).view(batch, slots, dim)  # (B, C, d)
        count = ctx_mask.sum(1, keepdim=True)  # (B, 1), at least 1
        h = (x * ctx_mask.unsqueeze(2)).sum(1) / count  # (B, d)
        scores = torch.bmm(y, h.unsqueeze(2)).squeeze(2)  # (B, O)
        g = (labels - torch.sigmoid(scores)) * out_mask
        loss = -(torch.nn.functional.logsigmoid(scores * (2 * labels - 1)) * out_mask).sum()
        positives = torch.tensor(float(batch))
        g = g * lr
        grad_h = torch.bmm(g.unsqueeze(1), y).squeeze(1)  # (B, d)
        grad_y = g.unsqueeze(2) * h.unsqueeze(1)  # (B, O, d)
        # word2vec.c adds the full hidden-layer gradient to every context word.
        grad_x = grad_h.unsqueeze(1) * ctx_mask.unsqueeze(2)  # (B, C, d)
        w_in.index_add_(0, contexts.reshape(-1), grad_x.reshape(-1, dim))
    w_out.index_add_(0, outputs.reshape(-1), grad_y.reshape(-1, w_out.shape[1]))
    w_in[-1].zero_()  # the pad row must stay zero (its gradient was masked, keep it exact)
    return float(loss) / max(float(positives), 1.0)


# ---------------------------------------------------------------------------------------
# Checkpoints: safetensors weights + JSON (never pickle)
# ---------------------------------------------------------------------------------------


def save_vectors(path_stem: str | Path, vectors: np.ndarray, words: Sequence[str],
                 counts: Sequence[int], config: Word2VecConfig, extra: dict | None = None,
                 snapshots: Sequence[tuple[int, np.ndarray]] = ()) -> None:
    """Write ``<stem>.safetensors`` (vectors, optional snapshots) and ``<stem>.json``."""
    from safetensors.numpy import save_file

    stem = Path(path_stem)
    tensors = {"vectors": np.ascontiguousarray(vectors, dtype=np.float32)}
    for i, (_, snap) in enumerate(snapshots):
        tensors[f"snapshot_{i:03d}"] = np.ascontiguousarray(snap, dtype=np.float16)
    save_file(tensors, str(stem.with_suffix(".safetensors")))
    stem.with_suffix(".safetensors").chmod(0o644)  # safetensors writes 0600; these are shared assets
    meta = {
        "config": asdict(config),
        "words": list(words),
        "counts": [int(c) for c in counts],
        "snapshot_steps": [int(s) for s, _ in snapshots],
        **(extra or {}),
    }
    stem.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def load_vectors(path_stem: str | Path) -> tuple[np.ndarray, dict, list[tuple[int, np.ndarray]]]:
    """Read what :func:`save_vectors` wrote: (vectors, metadata, snapshots).

    Missing or damaged files raise ``InputError("errors.model.checkpoint_broken")`` naming the
    script that rebuilds them."""
    from safetensors.numpy import load_file

    stem = Path(path_stem)
    try:
        tensors = load_file(str(stem.with_suffix(".safetensors")))
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        steps = meta.get("snapshot_steps", [])
        snapshots = [(steps[i], tensors[f"snapshot_{i:03d}"].astype(np.float32)) for i in range(len(steps))]
        return tensors["vectors"].astype(np.float32), meta, snapshots
    except Exception as exc:  # any damage to the files: say what to rebuild
        raise InputError("errors.model.checkpoint_broken", name=stem.name, script="scripts/train_word2vec.py") from exc


# ---------------------------------------------------------------------------------------
# Corpora ready for training, and the shipped checkpoints
# ---------------------------------------------------------------------------------------

from lm_core.core.paths import CHECKPOINT_DIR  # noqa: E402

TOY_CORPORA = ("toy_en", "toy_zh")
# The settings of the shipped checkpoints and of the page's defaults.
TOY_CONFIG = Word2VecConfig(dim=50, window=5, negative=5, epochs=20, min_count=2, seed=0)
# Extra replay frames early in training, where words move most (batch numbers).
EARLY_SNAPSHOTS = (5, 15, 30, 60, 100, 150)




@dataclass
class TrainingCorpus:
    name: str
    lang: str
    sentences: list[list[str]]  # tokenized
    word_groups: dict[str, str]  # word -> semantic group (empty for uploads)

    @property
    def n_words(self) -> int:
        return sum(len(s) for s in self.sentences)


@once(maxsize=2)
def load_toy_corpus(name: str) -> TrainingCorpus:
    """The toy world (``toy_en`` / ``toy_zh``), tokenized (jieba for Chinese); once per
    process (a training job and the page read it, never change it)."""
    if name not in TOY_CORPORA:
        raise InputError("errors.setting.impossible", name="corpus", value=name)
    from lm_core.data.corpora import load_corpus

    corpus = load_corpus(name)
    groups = {k.lower(): v for k, v in dict(corpus.word_groups).items()}
    return TrainingCorpus(name, corpus.lang, tokenize_corpus(corpus.sentences, corpus.lang), groups)


MAX_UPLOAD_WORDS = 400_000


def corpus_from_upload(text: str) -> TrainingCorpus:
    """An uploaded text as a training corpus: split into sentences, tokenized."""
    text = (text or "").strip()
    if not text:
        raise InputError("errors.text.empty")
    lang = "zh" if has_cjk(text) else "en"
    sentences = tokenize_corpus(split_sentences(text), lang)
    n_words = sum(len(s) for s in sentences)
    if n_words == 0:
        raise InputError("errors.text.no_words")
    if n_words > MAX_UPLOAD_WORDS:
        raise InputError("errors.corpus.too_big", words=n_words, limit=MAX_UPLOAD_WORDS)
    return TrainingCorpus("upload", lang, sentences, {})


def checkpoint_stem(name: str) -> Path:
    return CHECKPOINT_DIR / f"w2v_{name}"


@dataclass
class Word2VecModel:
    """A trained word2vec as chapter 3 shows it: the vectors, how training went, where it came from.

    ``snapshots`` hold the vectors of the ``snapshot_words`` (the most frequent words) at
    ``snapshot_steps``, for the replay of training; ``losses`` are (step, mean loss) pairs.
    """

    corpus: str  # toy_en, toy_zh or upload
    id: str  # names the model in caches: same training request, same id
    vectors: WordVectors
    snapshot_words: list[str]
    snapshot_steps: list[int]
    snapshots: list[np.ndarray]
    losses: list[tuple[int, float]]
    config: dict  # the Word2VecConfig fields it was trained with
    shipped: bool  # a checkpoint of the app (True) or this learner's own run
    seconds: float | None = None  # training time of the learner's own run

    @classmethod
    def from_checkpoint(cls, name: str, word_groups: dict[str, str] | None = None) -> Word2VecModel:
        """The shipped checkpoint of ``name`` (``toy_en`` / ``toy_zh``), read-only vectors."""
        vectors, meta, snapshots = load_vectors(checkpoint_stem(name))
        vectors.setflags(write=False)
        return cls(
            corpus=name,
            id=f"shipped-{name}",
            vectors=WordVectors(meta["words"], vectors, np.asarray(meta["counts"]), word_groups or {}),
            snapshot_words=list(meta["snapshot_words"]),
            snapshot_steps=[step for step, _ in snapshots],
            snapshots=[vectors_at for _, vectors_at in snapshots],
            losses=[(int(step), float(loss)) for step, loss in meta.get("losses", [])],
            config=dict(meta["config"]),
            shipped=True,
        )

    @classmethod
    def from_result(cls, result: TrainResult, corpus: str, model_id: str,
                    word_groups: dict[str, str] | None = None) -> Word2VecModel:
        """A learner's own training run."""
        return cls(
            corpus=corpus,
            id=model_id,
            vectors=WordVectors(result.vocab.words, result.vectors, result.vocab.counts, word_groups or {}),
            snapshot_words=list(result.vocab.words[: result.snapshot_words]),
            snapshot_steps=[step for step, _ in result.snapshots],
            snapshots=[vectors_at for _, vectors_at in result.snapshots],
            losses=list(result.losses),
            config=asdict(result.config),
            shipped=False,
            seconds=result.seconds,
        )


# ---------------------------------------------------------------------------------------
# Chapter 3's page: a training request, its job on the shared queue, the example words
# ---------------------------------------------------------------------------------------

#: The words a toy-world corpus's lesson talks about (defaults of the page's word boxes).
EXAMPLES_BY_CORPUS = {"toy_en": "en", "toy_zh": "zh"}


def text_digest(text: str) -> str:
    """A short fingerprint of a text (names an uploaded corpus in a training request)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_model_id(corpus: str, request: object) -> str:
    """The id of a learner's model, named after its training request: sessions that shared
    one run share the cached views of it too."""
    return f"{corpus}-{hashlib.sha256(repr(request).encode('utf-8')).hexdigest()[:16]}"


def training_corpus(corpus: str, upload_text: str | None = None) -> TrainingCorpus:
    """A toy-world corpus by name, or (``corpus == "upload"``) the uploaded text."""
    if corpus == "upload":
        return corpus_from_upload(upload_text or "")
    return load_toy_corpus(corpus)


def train_job(corpus: str, upload_text: str | None, config: Word2VecConfig,
              progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> TrainResult:
    """A training run as a job of the shared queue (``functools.partial(train_job, corpus,
    upload_text, config)``): it loads its corpus itself and reports plain dicts, so it can
    run in a worker process. Returns the :class:`TrainResult` (numpy arrays and numbers)."""
    from lm_core.core.device import pick_device, training_threads
    from lm_core.embeddings import vocabulary_cap  # here: it imports this module

    corpus_data, cap = training_corpus(corpus, upload_text), None
    if corpus == "upload":  # an upload keeps its most frequent words only (bounded memory)
        corpus_data, cap = vocabulary_cap.cap_vocabulary(corpus_data, vocabulary_cap.MAX_UPLOAD_VOCABULARY)
    sentences = corpus_data.sentences

    def on_progress(p: TrainProgress) -> None:
        progress({"step": p.step, "total_steps": p.total_steps, "loss": p.loss, "epoch": p.epoch,
                  "words_done": p.words_done})

    with training_threads():
        result = train_word2vec(
            sentences, config, callback=on_progress, report_every=10,
            snapshots_per_epoch=max(1, 40 // config.epochs), snapshot_words=400,
            extra_snapshot_steps=EARLY_SNAPSHOTS, should_stop=should_stop, device=pick_device(),
        )
    if cap is not None and cap.capped:
        result.vocabulary_cap = {"kept": cap.kept_words, "dropped": cap.dropped_words,
                                 "share": cap.dropped_share, "examples": list(cap.dropped_examples)}
    return result


def example_words(corpus: str, words_by_frequency: Sequence[str]) -> dict:
    """Default words of the page's boxes: the lesson's for the toy world, frequent words of
    an upload (``word``, ``analogy`` (three words), ``heatmap`` (comma-separated), ``pairs``)."""
    from lm_core.data.curriculum import WORD_EXAMPLES

    if corpus in EXAMPLES_BY_CORPUS:
        return WORD_EXAMPLES[EXAMPLES_BY_CORPUS[corpus]]
    # An upload: skip the very frequent little words, prefer longer ones.
    long_enough = [w for w in words_by_frequency[5:] if len(w) >= (2 if has_cjk(w) else 4)] or list(words_by_frequency)
    picks = (long_enough * 3)[:8]
    return dict(word=picks[0], analogy=tuple(picks[:3]), heatmap=", ".join(dict.fromkeys(picks)), pairs=())


def lesson_words(examples: dict) -> list[str]:
    """The words the lesson talks about (labelled first on the maps), without repeats."""
    found = [examples["word"], *examples["analogy"], *(w for pair in examples["pairs"] for w in pair)]
    found += [w.strip() for w in examples["heatmap"].split(",")]
    return list(dict.fromkeys(w for w in found if w))
