"""Instruction -> answer pairs written from the toy world's facts (chapter 8).

The base GPT has read sentences such as "the capital of Japan is Tokyo" while it was
pretrained, but it has never seen a *question* followed by an *answer*. Instruction
tuning shows it a few hundred such pairs; the questions about held-out countries are
never shown, so asking them afterwards tests whether the model learned the format
(answer the question with a fact it already knew) rather than the answers themselves.

Each pair is (prompt, answer): ``"Question: What is the capital of Japan? Answer:"`` and
``" Tokyo."``. The answer is what fine-tuning teaches (its loss counts only those tokens).
"""

from __future__ import annotations

from dataclasses import dataclass

from lm_core.data import toyworld

# Countries whose questions are never used for tuning (chosen once, fixed for everyone).
HELD_OUT_EN: tuple[str, ...] = ("Egypt", "Greece", "Peru")
HELD_OUT_ZH: tuple[str, ...] = ("埃及", "希腊", "秘鲁")

QUESTION_TEMPLATES_EN: dict[str, tuple[str, str]] = {
    # relation: (question, answer); {C} country, {K} capital, {lang}, {river}, {dish}, {landmark}
    "capital": ("What is the capital of {C}?", " {K}."),
    "language": ("Which language do people in {C} speak?", " {lang}."),
    "river": ("Which river flows through {C}?", " The {river}."),
    "dish": ("What do people in {C} love to eat?", " {dish}."),
    "landmark": ("In which country is {landmark}?", " {C}."),
}
QUESTION_TEMPLATES_ZH: dict[str, tuple[str, str]] = {
    "capital": ("{C}的首都是哪座城市？", "{K}。"),
    "language": ("{C}的人说什么语言？", "{lang}。"),
    "river": ("哪条河流经{C}？", "{river}。"),
    "dish": ("{C}的人爱吃什么？", "{dish}。"),
    "landmark": ("{landmark}在哪个国家？", "{C}。"),
}
FORMAT = {"en": ("Question: ", " Answer:"), "zh": ("问：", "答：")}


@dataclass(frozen=True)
class InstructionPair:
    prompt: str  # "Question: ... Answer:"
    answer: str  # " Tokyo."
    question: str  # the bare question, for display
    country: str
    relation: str
    held_out: bool


def instruction_pairs(lang: str) -> list[InstructionPair]:
    """Every question about every toy-world country, in a fixed order."""
    if lang == "zh":
        countries, landmarks, templates, held = (
            toyworld.world_data("zh")["countries"],
            toyworld.world_data("zh")["landmarks"],
            QUESTION_TEMPLATES_ZH,
            HELD_OUT_ZH,
        )
    else:
        countries, landmarks, templates, held = (
            toyworld.world_data("en")["countries"],
            toyworld.world_data("en")["landmarks"],
            QUESTION_TEMPLATES_EN,
            HELD_OUT_EN,
        )
    before, after = FORMAT["zh" if lang == "zh" else "en"]
    pairs = []
    for country, capital, language, river, dish in countries:
        values = {
            "C": country,
            "K": capital,
            "lang": language,
            "river": river,
            "dish": dish,
            "landmark": landmarks[country],
        }
        for relation, (question, answer) in templates.items():
            text = question.format(**values)
            if lang != "zh":
                text = text[0].upper() + text[1:]
            filled = answer.format(**values)
            pairs.append(
                InstructionPair(
                    prompt=f"{before}{text}{after}",
                    answer=filled,
                    question=text,
                    country=country,
                    relation=relation,
                    held_out=country in held,
                )
            )
    return pairs


def split_pairs(lang: str) -> tuple[list[InstructionPair], list[InstructionPair]]:
    """(tuning pairs, held-out pairs)."""
    pairs = instruction_pairs(lang)
    return [p for p in pairs if not p.held_out], [p for p in pairs if p.held_out]


# The sentiment prompt of chapter 8 (the words are part of the experiment: the tokenizer of
# the chapter's base model is trained with them, the page and the tests share them).
SENTIMENT_PROMPTS: dict[str, dict[str, object]] = {
    "en": {
        "instruction": "Classify the sentiment of each financial news sentence as positive, negative or neutral.",
        "example": "\nSentence: {text}\nSentiment: {label}\n",
        "query": "\nSentence: {text}\nSentiment:",
        "label_words": {"positive": "positive", "negative": "negative", "neutral": "neutral"},
    },
    "zh": {
        "instruction": "判断每条财经新闻的情感：正面、负面或中性。",
        "example": "\n句子：{text}\n情感：{label}\n",
        "query": "\n句子：{text}\n情感：",
        "label_words": {"positive": "正面", "negative": "负面", "neutral": "中性"},
    },
}
