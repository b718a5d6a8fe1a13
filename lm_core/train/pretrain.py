"""Pretraining a tiny GPT from scratch on a corpus (chapter 8).

Pretraining is next-token prediction on unlabelled text. This module picks a tokenizer
for the text (BPE sub-words for English, one token per character for Chinese), splits
the sentences into training and validation text, builds a GPT of a named size and runs
:func:`lm_core.train.loop.train`, generating a short greedy sample at every evaluation
so a learner can read the text getting better.

The model sizes are named (``xs`` .. ``l``); an unknown size or a corpus too small for
the context window raises :class:`~lm_core.core.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from lm_core.core.errors import InputError
from lm_core.decoding.generation import SamplingSettings, generate
from lm_core.models.gpt import GPT, GPTConfig
from lm_core.tokenizers.lm import BPETokenizer, CharTokenizer, LMTokenizer
from lm_core.train.loop import Progress, TrainConfig, TrainResult, train

# name: (layers, heads, embedding width). Same context window for all.
MODEL_SIZES: dict[str, tuple[int, int, int]] = {
    "xs": (1, 2, 32),
    "s": (2, 2, 64),
    "m": (3, 4, 96),
    "l": (4, 4, 128),
}
BLOCK_SIZE = 64
BPE_VOCAB = 1024
MIN_TRAIN_TOKENS = 4 * BLOCK_SIZE  # less than this cannot fill a few batches


def build_tokenizer(sentences: Sequence[str], lang: str, vocab_size: int = BPE_VOCAB) -> LMTokenizer:
    """BPE for English (or any space-separated text), characters for Chinese."""
    if lang == "zh":
        return CharTokenizer.train(sentences)
    return BPETokenizer.train(list(sentences), vocab_size=vocab_size)


def split_sentences(sentences: Sequence[str], seed: int, val_fraction: float = 0.1) -> tuple[list[str], list[str]]:
    """Shuffle with a private generator; keep ``val_fraction`` of the sentences for validation."""
    order = torch.randperm(len(sentences), generator=torch.Generator().manual_seed(seed)).tolist()
    n_val = max(1, int(len(sentences) * val_fraction))
    return [sentences[i] for i in order[n_val:]], [sentences[i] for i in order[:n_val]]


def make_gpt(size: str, vocab_size: int, block_size: int = BLOCK_SIZE, seed: int = 0, dropout: float = 0.0) -> GPT:
    """A freshly initialised GPT of a named size (weights drawn from a private seed)."""
    if size not in MODEL_SIZES:
        raise InputError("errors.setting.unknown_size", size=str(size)[:20], known=", ".join(MODEL_SIZES))
    layers, heads, width = MODEL_SIZES[size]
    config = GPTConfig(
        vocab_size=vocab_size, block_size=block_size, n_layer=layers, n_head=heads, n_embd=width, dropout=dropout
    )
    return seeded_gpt(config, seed)


def seeded_gpt(config: GPTConfig, seed: int) -> GPT:
    """A GPT whose initial weights come from ``seed`` alone (the same in every process and
    thread): the global generator is seeded for the construction, then put back."""
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        return GPT(config)
    finally:
        torch.random.set_rng_state(state)


@dataclass
class PretrainData:
    tokenizer: LMTokenizer
    train_ids: torch.Tensor
    val_ids: torch.Tensor
    sample_prompt: str


def prepare_data(sentences: Sequence[str], lang: str, seed: int = 0, sample_prompt: str | None = None) -> PretrainData:
    """Tokenizer + train/validation id streams. Raises ``errors.corpus.too_small_to_pretrain``."""
    sentences = [s for s in sentences if s.strip()]
    if len(sentences) < 3:
        raise InputError("errors.corpus.too_small_to_pretrain", tokens=0, needed=MIN_TRAIN_TOKENS)
    train_part, val_part = split_sentences(sentences, seed)
    tokenizer = build_tokenizer(train_part, lang)
    train_ids = torch.tensor(tokenizer.encode_corpus(train_part), dtype=torch.long)
    val_ids = torch.tensor(tokenizer.encode_corpus(val_part), dtype=torch.long)
    if train_ids.numel() < MIN_TRAIN_TOKENS or val_ids.numel() <= BLOCK_SIZE + 1:
        # Too little validation text: validate on the training text rather than refuse.
        if train_ids.numel() < MIN_TRAIN_TOKENS:
            raise InputError("errors.corpus.too_small_to_pretrain", tokens=int(train_ids.numel()), needed=MIN_TRAIN_TOKENS)
        val_ids = train_ids
    prompt = sample_prompt or sentences[0][: (4 if lang == "zh" else 12)]
    return PretrainData(tokenizer, train_ids, val_ids, prompt)


@dataclass
class Checkpoint:
    """What a learner sees at each evaluation: losses and a sample of the model's text."""

    step: int
    train_loss: float
    val_loss: float
    sample: str
    elapsed_s: float


@dataclass
class PretrainRun:
    model: GPT
    tokenizer: LMTokenizer
    checkpoints: list[Checkpoint] = field(default_factory=list)
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, batch loss) every step
    result: TrainResult | None = None


def greedy_sample(model: GPT, tokenizer: LMTokenizer, prompt: str, n: int = 24) -> str:
    try:
        ids = tokenizer.encode(prompt)
    except InputError:
        ids = [tokenizer.eos_id]
    was_training = model.training
    model.eval()
    out = generate(model, ids[-model.config.block_size :], SamplingSettings(greedy=True), n, end_id=tokenizer.eos_id)
    model.train(was_training)
    return tokenizer.decode(ids + out).strip()


def pretrain(
    data: PretrainData,
    size: str,
    steps: int,
    seed: int = 0,
    batch_size: int = 16,
    learning_rate: float = 2e-3,
    evaluations: int = 8,
    on_step: Callable[[PretrainRun, Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    run: PretrainRun | None = None,
) -> PretrainRun:
    """Train a new GPT of ``size`` for ``steps`` steps; ``on_step(run, progress)`` after each.

    ``run`` may be given (created by :func:`new_run`) so a caller holds the model before
    training starts (a page keeps it even if the learner stops halfway).
    """
    if not 1 <= steps <= 20000:
        raise InputError("errors.setting.steps", low=1, high=20000)
    run = run or new_run(data, size, seed)
    config = TrainConfig(
        max_iters=steps,
        batch_size=batch_size,
        learning_rate=learning_rate,
        min_lr=learning_rate / 10,
        warmup_iters=min(50, steps // 10),
        eval_interval=max(1, steps // max(1, evaluations)),
        eval_iters=5,
        seed=seed,
        weight_decay=0.1,
    )

    def callback(progress: Progress) -> None:
        run.losses.append((progress.step, progress.loss))
        if progress.val_loss is not None:
            run.checkpoints.append(
                Checkpoint(
                    progress.step,
                    float(progress.train_loss),
                    float(progress.val_loss),
                    greedy_sample(run.model, data.tokenizer, data.sample_prompt),
                    progress.elapsed_s,
                )
            )
        if on_step is not None:
            on_step(run, progress)

    run.result = train(run.model, data.train_ids, data.val_ids, config, callback=callback, should_stop=should_stop)
    run.model.eval().requires_grad_(False)
    return run


def new_run(data: PretrainData, size: str, seed: int = 0, block_size: int = BLOCK_SIZE) -> PretrainRun:
    return PretrainRun(make_gpt(size, data.tokenizer.vocab_size, block_size, seed), data.tokenizer)


def ch8_base_texts(lang: str) -> tuple[list[str], list[str]]:
    """The text chapter 8's base GPT is pretrained on, and extra text its tokenizer sees.

    Pretraining text: the toy world's sentences plus the *unlabelled* sentences of the
    sentiment training split (three times, so news makes up a fair share): a base model
    that has read some news, as real ones have read the web. The tokenizer also sees the
    instruction-tuning questions and the sentiment prompt's words, so those can be
    written in tokens (the model itself meets them only when it is tuned or prompted).
    """
    from lm_core.data.corpora import load_corpus
    from lm_core.data.instructions import SENTIMENT_PROMPTS, split_pairs

    lang = "zh" if lang == "zh" else "en"
    toy = list(load_corpus(f"toy_{lang}").sentences)
    news = [text for text, _ in load_corpus(f"sentiment_{lang}").split("train")]
    texts = toy + news * 3
    template = SENTIMENT_PROMPTS[lang]
    tuning, _ = split_pairs(lang)
    # Repeated so that BPE learns the prompt's words as whole tokens (short prompts fit the window).
    extra = [pair.prompt + pair.answer for pair in tuning] * 4
    extra += [str(template["instruction"])] * 100 + [str(template["query"]).format(text="")] * 300
    extra += [str(word) for word in template["label_words"].values()] * 300  # type: ignore[union-attr]
    return texts, extra


def upload_sentences(text: str) -> tuple[list[str], str]:
    """A learner's uploaded text as (sentences, language). Raises ``errors.corpus.too_small_to_pretrain``
    when it holds fewer than three sentences (whether it is enough is decided once tokenized)."""
    from lm_core.data.segment import detect_language
    from lm_core.data.segment import split_sentences as sentences_of

    sentences = sentences_of(text or "")
    if len(sentences) < 3:
        raise InputError("errors.corpus.too_small_to_pretrain", tokens=len((text or "").split()), needed=MIN_TRAIN_TOKENS)
    return sentences, detect_language(text)
