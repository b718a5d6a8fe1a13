"""One generator for the toy world, in any language whose words and templates are in a data file.

``en.json`` and ``zh.json`` (next to this file) hold the world: its words and their semantic
groups, the context templates of each kind of sentence, and the few things in which the
languages' sentences are built differently (end marks, capitals, "a"/"an", how a person is
introduced, measure words). The scenes below read them; nothing here is English or Chinese.

The order of random draws is part of the corpus: the same seed gives the same bytes
(``tests/unit/test_corpora.py`` regenerates every shipped file and compares).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lm_core.core.once import once

DATA_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")

_A_BEFORE_VOWEL = re.compile(r"\b([Aa]) (?=[aeiou])")


def capitalise(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:] if sentence else sentence


@once(maxsize=4)
def world_data(lang: str) -> MappingProxyType:
    """The toy world of one language, as read from ``<lang>.json`` (read-only)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no toy world for {lang!r}; have {LANGUAGES}")
    data = json.loads((DATA_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    return MappingProxyType(data)


class World:
    """The sentence makers of one language's toy world (see the module docstring)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.data = world_data(lang)
        frames = self.data["frames"]
        timed = tuple(self.data["timed_frame_prefixes"])
        self.frames = tuple(frames)
        # Frames without a point in time, for habits and states ("the mother raised three children").
        self.timeless_frames = tuple(f for f in frames if not f.startswith(timed))

    # ---------------------------------------------------------------- small helpers

    def finish(self, clause: str, rng: random.Random) -> str:
        """End punctuation (mostly a full stop, sometimes "!"), capitals and "a"/"an" where the language has them."""
        style = self.data["sentence"]
        end = style["exclaim"] if rng.random() < 0.05 else style["stop"]
        if style["capitalise"]:
            clause = capitalise(clause)
        if style["a_before_vowel"]:
            # 'a apple' -> 'an apple' (the toy world has no 'a unicorn').
            clause = _A_BEFORE_VOWEL.sub(lambda m: m.group(1) + "n ", clause)
        return clause + end

    def frame(self, clause: str, rng: random.Random, timeless: bool = True) -> str:
        """Optional framing ("once upon a time ...") that varies length without topical words."""
        return rng.choice(self.timeless_frames if timeless else self.frames).format(s=clause)

    def person_phrase(self, word: str, rng: random.Random) -> str:
        roll = rng.random()
        for rule in self.data["person_phrases"]:
            if "words" in rule and word not in rule["words"]:
                continue
            if word in rule.get("except", ()) or roll >= rule["below"]:
                continue
            option = rng.choice(rule["options"]) if "options" in rule else ""
            return rule["template"].format(option=option, word=word)
        return self.data["person_default"].format(word=word)

    def one_animal(self, word: str) -> str:
        """A measure phrase ("一匹" for a horse) where the language counts with one."""
        measure = self.data["measure_words"].get(word, self.data["default_measure"])
        return self.data["one_animal"].format(measure=measure)

    def time_slots(self, word: str) -> dict[str, str]:
        return {"t": word, "at_t": self.data["at_time"].get(word, word)}

    # ---------------------------------------------------------------- scenes

    def person(self, rng: random.Random) -> str:
        people = self.data["people"]
        word = rng.choice(list(people))
        features, gender = people[word]
        p = self.person_phrase(word, rng)
        if rng.random() < 0.5:
            clause = rng.choice(self.data["role_contexts"][rng.choice(features)]).format(p=p)
        else:
            g = gender if gender != "n" else rng.choice("mf")
            frames = self.data["infant_gender_contexts" if gender == "n" else "gender_contexts"]
            clause = rng.choice(frames).format(
                p=p, feeling=rng.choice(self.data["feelings"]), item=rng.choice(self.data["items"]),
                **self.data["pronouns"][g],
            )
        return self.finish(self.frame(clause, rng), rng)

    def country(self, rng: random.Random) -> str:
        country, capital, lang, river, dish = rng.choice(self.data["countries"])
        landmark = self.data["landmarks"][country]
        roll = rng.random()
        if roll < 0.16:
            clause = rng.choice(self.data["country_contexts"]).format(C=country)
        elif roll < 0.32:
            clause = rng.choice(self.data["capital_contexts"]).format(K=capital)
        elif roll < 0.90:
            place = rng.choice((country, capital))
            clause = rng.choice(self.data["pair_contexts"]).format(
                X=place, lang=lang, river=river, dish=dish, landmark=landmark)
        else:
            clause = rng.choice(self.data["capital_of"]).format(C=country, K=capital)
        return self.finish(clause, rng)

    def weather(self, rng: random.Random) -> str:
        weather = self.data["weather"]
        word = rng.choice(list(weather))
        group = rng.choice(("any", weather[word], weather[word]))
        clause = rng.choice(self.data["weather_contexts"][group]).format(w=word)
        return self.finish(self.frame(clause, rng, timeless=False), rng)

    def time(self, rng: random.Random) -> str:
        times = self.data["times"]
        word = rng.choice(list(times))
        group = rng.choice(("any", times[word], times[word]))
        return self.finish(rng.choice(self.data["time_contexts"][group]).format(**self.time_slots(word)), rng)

    def rain(self, rng: random.Random) -> str:
        """The tokenization chapter's sentence and its variants (rain + ed / s / ing)."""
        t = rng.choice(self.data["rain_times"])
        return rng.choice(self.data["rain_forms"]).format(t=t)

    def animal(self, rng: random.Random) -> str:
        animals = self.data["animals"]
        word = rng.choice(list(animals))
        if rng.random() < 0.2:
            love = self.data["animal_love"]
            who, verb = rng.choice(love["who"]), rng.choice(love["verbs"])
            plural = self.data["animal_plurals"].get(word, word)
            return self.finish(love["template"].format(who=who, verb=verb, animals=plural), rng)
        group = rng.choice(("any", animals[word], animals[word]))
        clause = rng.choice(self.data["animal_contexts"][group]).format(a=word, one=self.one_animal(word))
        return self.finish(self.frame(clause, rng), rng)

    def food(self, rng: random.Random) -> str:
        foods = self.data["foods"]
        word = rng.choice(list(foods))
        group = rng.choice(("any", foods[word], foods[word]))
        clause = rng.choice(self.data["food_contexts"][group]).format(f=word)
        return self.finish(self.frame(clause, rng), rng)

    def bank(self, rng: random.Random) -> str:
        """The two senses of "bank" (a river's, money's), and rivers without a bank."""
        roll = rng.random()
        pool = self.data["bank_river" if roll < 0.4 else "river" if roll < 0.55 else "bank_money"]
        if self.data["bank_frame_drawn_first"]:  # the order of draws the shipped corpus was made with
            frame = rng.choice(self.timeless_frames)
            return self.finish(frame.format(s=rng.choice(pool)), rng)
        return self.finish(self.frame(rng.choice(pool), rng), rng)

    def keys(self, rng: random.Random) -> str:
        """Chapter 5's pronoun: "... lost my keys ... but they were in my coat"."""
        who, poss = rng.choice(self.data["key_owners"])
        when = rng.choice(self.data["key_times"])
        place = rng.choice(self.data["key_places"]).format(poss=poss)
        sentence = rng.choice(self.data["key_forms"]).format(who=who, poss=poss, when=when, place=place)
        return capitalise(sentence) if self.data["sentence"]["capitalise"] else sentence

    def short_clause(self, rng: random.Random, kind: float) -> str:
        data = self.data
        if kind < 0.35:
            word = rng.choice(list(data["people"]))
            feature = rng.choice(data["people"][word][0])
            return rng.choice(data["role_contexts"][feature]).format(p=data["short_person"].format(word=word))
        if kind < 0.55:
            word = rng.choice(list(data["weather"]))
            return rng.choice(data["weather_contexts"][data["weather"][word]]).format(w=word)
        if kind < 0.75:
            word = rng.choice(list(data["times"]))
            return rng.choice(data["time_contexts"][data["times"][word]]).format(**self.time_slots(word))
        if kind < 0.9:
            word = rng.choice(list(data["animals"]))
            return rng.choice(data["animal_contexts"][data["animals"][word]]).format(a=word, one=self.one_animal(word))
        word = rng.choice(list(data["foods"]))
        return rng.choice(data["food_contexts"][data["foods"][word]]).format(f=word)

    def long(self, rng: random.Random) -> str:
        """Two clauses of one scene (two weather clauses, two animal clauses...) in one sentence."""
        kind = rng.choice((0.1, 0.4, 0.8))  # people, weather or animals: times would contradict
        joiners = self.data["long"]["joiners"]
        joiner = rng.choice(joiners) if self.data["long"]["joiner_first"] else None
        first = second = self.short_clause(rng, kind)
        while second == first:
            second = self.short_clause(rng, kind)
        if joiner is None:
            joiner = rng.choice(joiners)
        return self.finish(first + joiner + second, rng)

    # ---------------------------------------------------------------- the corpus

    def mix(self) -> tuple[tuple[Callable[[random.Random], str], float], ...]:
        """Each kind of sentence and its share of the corpus."""
        return (
            (self.person, 0.30),
            (self.country, 0.22),
            (self.weather, 0.09),
            (self.time, 0.08),
            (self.rain, 0.03),
            (self.animal, 0.07),
            (self.food, 0.06),
            (self.bank, 0.06),
            (self.keys, 0.04),
            (self.long, 0.05),
        )

    def sentences(self, seed: int | None = None, n_sentences: int = 10000) -> list[str]:
        """Toy-world sentences, one per item; the canonical ones always come first."""
        rng = random.Random(self.data["seed"] if seed is None else seed)
        canonical = list(self.data["canonical"])
        return canonical + mix(rng, self.mix(), n_sentences - len(canonical))


def mix(rng: random.Random, makers_and_weights: Sequence[tuple[Callable[[random.Random], Any], float]],
        n: int) -> list:
    makers = [m for m, _ in makers_and_weights]
    weights = [w for _, w in makers_and_weights]
    return [rng.choices(makers, weights)[0](rng) for _ in range(n)]


def world_words(lang: str) -> list[str]:
    """Every multi-character word of a toy world (groups, rivers, dishes, landmarks), longest first.

    The segmenter teaches them to jieba so it keeps them whole (e.g. 新生儿, 意大利语).
    """
    data = world_data(lang)
    words = {w for w in data["word_groups"] if len(w) > 1}
    for country, _, _, river, dish in data["countries"]:
        words.update((river, dish, data["landmarks"][country]))
    return sorted(words, key=lambda w: (-len(w), w))
