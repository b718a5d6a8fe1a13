"""The curriculum's examples, in one place that pages and tests both import.

An example sentence, a head the lesson claims a real model has, the words a chapter starts
from: change one here and every page and test follows. (Prose about them lives in
``assets/content``; this module holds only the data the computations need.)
"""

from __future__ import annotations

from typing import NamedTuple

# --------------------------------------------------------------------------- chapter 3: word2vec

#: Words the lesson talks about, per language: defaults of the chapter's boxes.
WORD_EXAMPLES: dict[str, dict] = {
    "en": dict(word="king", analogy=("king", "man", "woman"),
               heatmap="morning, sunrise, rain, thunder, apple, baby, newborn, king, queen",
               pairs=(("morning", "sunrise"), ("rain", "thunder"), ("baby", "newborn"), ("apple", "baby"))),
    "zh": dict(word="国王", analogy=("国王", "男人", "女人"), heatmap="早上, 日出, 雨, 雷, 苹果, 婴儿, 新生儿, 国王, 王后",
               pairs=(("早上", "日出"), ("雨", "雷"), ("婴儿", "新生儿"), ("苹果", "婴儿"))),
}

#: MiniLM was trained on English: the two senses of "bank" are shown in English sentences
#: in both languages of the page (in Chinese they are two different words, 河岸 and 银行).
BANK_SENTENCES: tuple[str, str] = (
    "We sat on the bank of the river and watched the water.",
    "She put her money in the bank and asked for a loan.",
)

#: Analogy questions written for the toy world: a - b + c -> expected (the shipped
#: checkpoints' script, the tests and bench/bench_word2vec.py ask them).
TOY_ANALOGIES: dict[str, list[tuple[str, str, str, str]]] = {
    "toy_en": [
        ("king", "man", "woman", "queen"),
        ("paris", "france", "japan", "tokyo"),
        ("prince", "boy", "girl", "princess"),
        ("queen", "woman", "man", "king"),
        ("father", "man", "woman", "mother"),
        ("tokyo", "japan", "france", "paris"),
        ("berlin", "germany", "italy", "rome"),
        ("rome", "italy", "egypt", "cairo"),
        ("madrid", "spain", "russia", "moscow"),
        ("london", "england", "greece", "athens"),
        ("beijing", "china", "peru", "lima"),
        ("princess", "girl", "boy", "prince"),
    ],
    "toy_zh": [
        ("国王", "男人", "女人", "王后"),
        ("巴黎", "法国", "日本", "东京"),
        ("王子", "男孩", "女孩", "公主"),
        ("王后", "女人", "男人", "国王"),
        ("父亲", "男人", "女人", "母亲"),
        ("东京", "日本", "法国", "巴黎"),
        ("柏林", "德国", "意大利", "罗马"),
        ("罗马", "意大利", "埃及", "开罗"),
        ("马德里", "西班牙", "俄罗斯", "莫斯科"),
        ("伦敦", "英国", "希腊", "雅典"),
        ("北京", "中国", "秘鲁", "利马"),
        ("公主", "女孩", "男孩", "王子"),
    ],
}

# --------------------------------------------------------------------------- chapter 5: self-attention

#: The chapter's sentences (the first two in English, for MiniLM's English vocabulary).
ATTENTION_SENTENCES: dict[str, str] = {
    "rained": "It rained this morning",
    "keys": "She looked for her keys because they were not on the table",
    "zh": "今天早上下雨了，所以我带了伞",
}


class HeadSearch(NamedTuple):
    """A claim the lesson makes about a real model: in ``sentence``, some head makes
    ``source`` look at ``targets`` (searched for, never hard-coded to a layer and head)."""

    sentence: str  # a key of ATTENTION_SENTENCES
    source: str
    targets: tuple[str, ...]


HEAD_SEARCHES: dict[str, HeadSearch] = {
    "keys": HeadSearch("keys", "they", ("keys",)),
    "rained": HeadSearch("rained", "rained", ("this", "morning")),
}

# --------------------------------------------------------------------------- chapter 6: model families


class FamilyExample(NamedTuple):
    """The sentence chapter 6 opens on (one the toy world really contains) and what the
    lesson does with it: the tokens the encoder hides, the span the encoder-decoder writes
    back, and the query of the sentence-vector search."""

    sentence: str
    masked: tuple[int, ...]  # token positions hidden behind [MASK]
    span: tuple[int, int]  # first and last token position hidden behind a sentinel
    query: str


FAMILY_EXAMPLES: dict[str, FamilyExample] = {
    # "speech" masked; "whole kingdom" rebuilt.
    "en": FamilyExample("The king gave a speech to the whole kingdom.", (4,), (7, 8), "profits fell sharply"),
    # "钥" (first character of "keys") masked; "面包" (bread) rebuilt.
    "zh": FamilyExample("我的钥匙找了一整天，原来它们在面包旁边。", (2,), (15, 16), "利润大幅下降"),
}

# --------------------------------------------------------------------------- chapter 7: steering


class SteeringExample(NamedTuple):
    """Chapter 7's steering: the prompt to continue, two small sets of sentences whose mean
    residual difference is the steering vector (``toward`` minus ``away``), and the layer and
    strength it opens on (a negative strength steers toward ``away``). The tiny GPTs' sentences
    are ones the toy world contains."""

    prompt: str
    toward: tuple[str, ...]
    away: tuple[str, ...]
    layer: int
    strength: float


STEERING_EXAMPLES: dict[str, SteeringExample] = {
    "gpt_toy_en": SteeringExample(
        "This morning it",
        ("It rained all night.", "The rain shook the windows.", "It will rain tonight."),
        ("It is sunny today.", "The sun rose slowly in the morning.", "Today it is sunny."),
        1, 2.0),
    "gpt_toy_zh": SteeringExample(
        "今天",
        ("今晚会下雨。", "今天早上一直在下雨。", "每天晚上都下雨。"),
        ("今天是晴天。", "太阳慢慢升起来了。", "今天是晴天，很暖和。"),
        1, 2.0),
    "smollm2": SteeringExample(
        "My favourite weekend is",
        ("The astronauts floated inside the space station.", "The rocket flew past the Moon toward Mars.",
         "Stars and planets filled the dark night sky."),
        ("The meeting was held in the office on Monday.", "She wrote a report and sent it to her manager.",
         "The train left the station at noon."),
        8, 1.5),
}
