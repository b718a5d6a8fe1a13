"""The toy world: a small, seeded grammar that writes the app's teaching corpora.

Every corpus the app ships (``assets/corpora/``) is generated here, from a seed, by
plain Python (``random.Random``), so the same seed gives the same bytes on every machine
and ``scripts/make_corpora.py`` can rebuild the files at any time.

Why a grammar and not real text? The lessons need a corpus small enough to train on in
seconds that still shows the classic effects: word2vec analogies (king - man + woman
-> queen, paris - france + japan -> tokyo), clusters (morning near sunrise, rain near
thunder), one word with two senses ("bank" of a river and "bank" with money), a pronoun
with an antecedent ("I lost my keys ... but they were in my coat") and the sentence
"It rained this morning." that the tokenization chapter splits into "rain" + "ed".

How the analogies are made to hold (see ``STACK-FACTS.md``, "Toy-world corpora"): the
contexts are *factored*. A person word gets role contexts (royal / common, adult / young)
and gender contexts (he / his, she / her) in separate sentences, so each factor adds its
own direction to the vector. A country and its capital each get their shared contexts
("X is a country", "the streets of Y") plus context words of their own pair (a language,
a river, a dish) seen with both of them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

# ---------------------------------------------------------------------------------------
# The world: its words and their semantic groups (used to colour plots)
# ---------------------------------------------------------------------------------------

# People: word -> (features, gender). Features pick the role contexts; gender picks the
# pronoun contexts. "baby" and "newborn" have no gender: they get he and she equally.
PEOPLE_EN: dict[str, tuple[tuple[str, ...], str]] = {
    "king": (("royal", "adult"), "m"),
    "queen": (("royal", "adult"), "f"),
    "prince": (("royal", "young"), "m"),
    "princess": (("royal", "young"), "f"),
    "man": (("common", "adult"), "m"),
    "woman": (("common", "adult"), "f"),
    "boy": (("common", "young"), "m"),
    "girl": (("common", "young"), "f"),
    "father": (("parent", "adult"), "m"),
    "mother": (("parent", "adult"), "f"),
    "baby": (("infant",), "n"),
    "newborn": (("infant", "newborn"), "n"),
}

# Role contexts, one list per feature. "{p}" is the person phrase ("the king").
ROLE_CONTEXTS_EN: dict[str, tuple[str, ...]] = {
    "royal": (
        "{p} wore the golden crown",
        "{p} sat on the throne",
        "{p} ruled the kingdom wisely",
        "{p} spoke to the royal court",
        "{p} lived in the palace",
        "the knights bowed to {p}",
        "{p} gave a speech to the whole kingdom",
        "the servants of the palace waited for {p}",
    ),
    "common": (
        "{p} worked on the farm",
        "{p} walked to the village market",
        "{p} lived in a small cottage",
        "{p} sold vegetables in the village",
        "{p} carried water from the well",
        "the neighbours in the village greeted {p}",
        "{p} fixed the fence of the farm",
    ),
    "adult": (
        "{p} went to work early",
        "{p} paid the bills",
        "{p} drove the cart to town",
        "{p} signed the letter",
        "{p} read the newspaper after dinner",
        "{p} had many grown-up duties",
    ),
    "young": (
        "{p} played with toys all afternoon",
        "{p} learned to read at school",
        "{p} climbed the old tree",
        "{p} ran around the garden laughing",
        "{p} was too young to ride a horse",
        "the teacher praised {p}",
    ),
    "parent": (
        "{p} raised three children",
        "{p} cooked dinner for the family",
        "{p} told the children a story",
        "{p} tucked the children into bed",
        "{p} took the children to school",
    ),
    "infant": (
        "{p} cried in the cradle",
        "{p} drank warm milk",
        "{p} slept all day",
        "{p} could not walk yet",
        "{p} smiled at the nurse",
        "the nurse held {p}",
        "{p} was wrapped in a soft blanket",
        "{p} needed a new nappy",
    ),
    "newborn": (
        "{p} was born last night",
        "{p} was only a few hours old",
        "the midwife weighed {p}",
        "{p} opened its eyes for the first time",
    ),
}

# Gender contexts: the same sentence frames for every person, only the pronoun differs.
GENDER_CONTEXTS_EN: tuple[str, ...] = (
    "{p} said that {he} was {feeling}",
    "{p} put on {his} {item}",
    "{p} smiled and {he} waved",
    "{p} lost {his} {item}",
    "{p} washed {his} hands",
    "everyone knew that {he} was kind",
    "{p} looked in the mirror and {he} laughed",
    "{p} brushed {his} hair",
    "{p} told us {he} was {feeling}",
    "{p} closed {his} eyes",
)
# The frames that also make sense for a baby (the first ones above would not).
INFANT_GENDER_CONTEXTS_EN: tuple[str, ...] = (
    "{p} smiled and {he} waved",
    "{p} lost {his} {item}",
    "{p} closed {his} eyes",
    "{p} looked in the mirror and {he} laughed",
)
FEELINGS_EN: tuple[str, ...] = ("tired", "happy", "hungry", "cold", "sleepy", "busy")
ITEMS_EN: tuple[str, ...] = ("coat", "hat", "scarf", "boots", "gloves")
PRONOUNS_EN = {
    "m": {"he": "he", "his": "his"},
    "f": {"he": "she", "his": "her"},
}

# Countries and capitals, each pair with context words of its own.
# (country, capital, language, river, dish)
COUNTRIES_EN: tuple[tuple[str, str, str, str, str], ...] = (
    ("France", "Paris", "French", "Seine", "croissants"),
    ("Japan", "Tokyo", "Japanese", "Sumida", "sushi"),
    ("Italy", "Rome", "Italian", "Tiber", "pasta"),
    ("Germany", "Berlin", "German", "Spree", "pretzels"),
    ("Spain", "Madrid", "Spanish", "Manzanares", "paella"),
    ("China", "Beijing", "Chinese", "Yongding", "dumplings"),
    ("Egypt", "Cairo", "Arabic", "Nile", "falafel"),
    ("Russia", "Moscow", "Russian", "Moskva", "borscht"),
    ("Greece", "Athens", "Greek", "Ilisos", "olives"),
    ("England", "London", "English", "Thames", "scones"),
    ("Peru", "Lima", "Quechua", "Rimac", "ceviche"),
)

# A landmark per pair: one more context word that belongs to the country and its capital only.
LANDMARKS_EN: dict[str, str] = {
    "France": "the Louvre",
    "Japan": "Mount Fuji",
    "Italy": "the Colosseum",
    "Germany": "the Reichstag",
    "Spain": "the Prado",
    "China": "Tiananmen Square",
    "Egypt": "the Pyramids",
    "Russia": "the Kremlin",
    "Greece": "the Acropolis",
    "England": "Westminster Abbey",
    "Peru": "Machu Picchu",
}

COUNTRY_CONTEXTS_EN: tuple[str, ...] = (
    "{C} is a large country",
    "we travelled across {C} by train",
    "the border of {C} is very long",
    "the government of {C} met today",
    "{C} is a country with many regions",
    "the map shows the whole country of {C}",
    "farmers grow wheat in the countryside of {C}",
    "the president of {C} gave a speech",
    "{C} has mountains, forests and small towns",
)
CAPITAL_CONTEXTS_EN: tuple[str, ...] = (
    "{K} is a big city",
    "the streets of {K} were busy",
    "the mayor of {K} opened a new park",
    "we took the metro in {K}",
    "the city of {K} has tall buildings",
    "traffic in downtown {K} was slow",
    "{K} is a capital city",
    "the city lights of {K} shone at night",
    "the city hall of {K} is old",
)
# Sentences that link a pair: the country and the capital share these context words.
PAIR_CONTEXTS_EN: tuple[str, ...] = (
    "people in {X} speak {lang}",
    "the {river} flows through {X}",
    "people in {X} love {dish}",
    "in {X} you can eat {dish}",
    "{lang} is spoken everywhere in {X}",
    "we learned {lang} before our trip to {X}",
    "we walked along the {river} in {X}",
    "from {X} we went to see {landmark}",
    "postcards from {X} show {landmark}",
    "{landmark} is the pride of {X}",
)
CAPITAL_OF_EN: tuple[str, ...] = (
    "{K} is the capital of {C}",
    "the capital of {C} is {K}",
    "{K}, the capital of {C}, is full of visitors",
)

WEATHER_EN = {
    # stormy weather shares storm contexts; cold weather shares cold contexts
    "rain": "storm",
    "thunder": "storm",
    "storm": "storm",
    "lightning": "storm",
    "snow": "cold",
    "frost": "cold",
    "fog": "cold",
    "hail": "cold",
}
WEATHER_CONTEXTS_EN: dict[str, tuple[str, ...]] = {
    "any": (
        "the {w} lasted for hours",
        "we stayed inside because of the {w}",
        "the weather report warned of {w}",
        "the {w} came from the west",
        "the {w} surprised the farmers",
    ),
    "storm": (
        "dark clouds brought the {w} over the hills",
        "the {w} woke everyone in the night",
        "the {w} shook the windows",
        "after the {w} the streets were wet",
        "the dog hid under the bed during the {w}",
    ),
    "cold": (
        "the cold {w} covered the fields",
        "in winter the {w} came early",
        "the {w} made the roads icy",
        "we wore scarves because of the {w}",
    ),
}

TIMES_EN = {
    "morning": "early",
    "sunrise": "early",
    "dawn": "early",
    "evening": "late",
    "sunset": "late",
    "dusk": "late",
    "night": "dark",
    "midnight": "dark",
}
# "at sunrise", "at night", but "in the morning" / "in the evening"
AT_TIME_EN: dict[str, str] = {t: ("in the " + t if t in ("morning", "evening") else "at " + t) for t in TIMES_EN}
TIME_CONTEXTS_EN: dict[str, tuple[str, ...]] = {
    "any": (
        "we met {at_t}",
        "the town was quiet {at_t}",
        "the bells rang {at_t}",
    ),
    "early": (
        "the birds began to sing {at_t}",
        "the farmer woke up {at_t}",
        "the sun rose slowly {at_t}",
        "we drank coffee {at_t} before work",
        "the sky turned pink and gold {at_t}",
    ),
    "late": (
        "the sun went down {at_t}",
        "the sky turned orange and red {at_t}",
        "the family ate supper {at_t}",
        "the workers came home {at_t}",
        "the light faded {at_t}",
    ),
    "dark": (
        "the stars shone {at_t}",
        "the owls called {at_t}",
        "everyone was asleep {at_t}",
        "the moon was bright {at_t}",
    ),
}

ANIMALS_EN = {
    "llama": "mountain",
    "alpaca": "mountain",
    "camel": "mountain",
    "horse": "farm",
    "cow": "farm",
    "sheep": "farm",
    "goat": "farm",
    "dog": "pet",
    "cat": "pet",
}
ANIMAL_PLURALS_EN = {
    "llama": "llamas",
    "alpaca": "alpacas",
    "camel": "camels",
    "horse": "horses",
    "cow": "cows",
    "sheep": "sheep",
    "goat": "goats",
    "dog": "dogs",
    "cat": "cats",
}
ANIMAL_CONTEXTS_EN: dict[str, tuple[str, ...]] = {
    "any": (
        "the {a} ate fresh grass",
        "a {a} ran across the field",
        "the {a} drank from the stream",
        "the vet looked at the {a}",
    ),
    "mountain": (
        "the {a} carried heavy bags over the mountains",
        "the {a} has thick wool",
        "the {a} walked slowly up the steep path",
        "a {a} can live high in the mountains",
    ),
    "farm": (
        "the {a} slept in the barn",
        "the farmer fed the {a} hay",
        "the {a} stood in the muddy farmyard",
    ),
    "pet": (
        "the {a} slept by the fire",
        "the {a} played in the garden",
        "the children fed the {a} at home",
    ),
}

FOODS_EN = {
    "apple": "fruit",
    "pear": "fruit",
    "banana": "fruit",
    "plum": "fruit",
    "bread": "meal",
    "cheese": "meal",
    "rice": "meal",
    "soup": "meal",
}
FOOD_CONTEXTS_EN: dict[str, tuple[str, ...]] = {
    "any": (
        "we bought {f} at the market",
        "the {f} was on the kitchen table",
        "the {f} tasted good",
        "she cut the {f} with a knife",
    ),
    "fruit": (
        "he ate a sweet {f}",
        "the {f} was ripe and juicy",
        "a {f} fell from the tree",
        "we picked a {f} in the orchard",
    ),
    "meal": (
        "the {f} was warm and salty",
        "we had {f} for lunch",
        "the cook served {f} with butter",
    ),
}

# "bank": one English word, two senses.
BANK_RIVER_EN: tuple[str, ...] = (
    "we sat on the bank of the river",
    "the boat drifted slowly to the bank of the river",
    "fish swam near the muddy river bank",
    "tall grass grew on the river bank",
    "the ducks rested on the river bank",
    "the fisherman stood on the river bank and watched the water",
    "the flood washed away part of the river bank",
)
# The river on its own (no "bank"), so that "river" has a neighbourhood of its own.
RIVER_EN: tuple[str, ...] = (
    "the river flowed slowly to the sea",
    "we rowed a boat down the river",
    "fish jumped in the river",
    "the stream ran into the river below the hill",
    "the river was wide and deep after the rain",
    "the children threw stones into the river",
)
BANK_MONEY_EN: tuple[str, ...] = (
    "she put her money in the bank",
    "the bank gave him a loan",
    "he opened an account at the bank",
    "the bank charged interest on the loan",
    "we took cash out of the bank",
    "the bank keeps our savings safe",
    "the clerk at the bank counted the coins",
)

# Keys that are lost, then "they" are found: a pronoun with an antecedent.
KEY_OWNERS_EN: tuple[tuple[str, str], ...] = (
    ("I", "my"),
    ("she", "her"),
    ("he", "his"),
    ("we", "our"),
    ("my father", "his"),
    ("my mother", "her"),
    ("the king", "his"),
    ("the queen", "her"),
)
KEY_PLACES_EN: tuple[str, ...] = (
    "in {poss} coat",
    "in {poss} pocket",
    "under the sofa",
    "on the kitchen table",
    "in the car",
    "behind the door",
    "in {poss} bag",
    "next to the bread",
)
KEY_TIMES_EN: tuple[str, ...] = ("yesterday", "this morning", "last night", "on Monday", "in the evening")

WORD_GROUPS_EN: dict[str, str] = {
    **{w: "person" for w in PEOPLE_EN},
    **{c.lower(): "country" for c, *_ in COUNTRIES_EN},
    **{k.lower(): "capital" for _, k, *_ in COUNTRIES_EN},
    **{lang.lower(): "language" for _, _, lang, *_ in COUNTRIES_EN},
    **{w: "weather" for w in WEATHER_EN},
    "rained": "weather",
    "rains": "weather",
    "raining": "weather",
    **{w: "time" for w in TIMES_EN},
    **{w: "animal" for w in ANIMALS_EN},
    **{p: "animal" for p in ANIMAL_PLURALS_EN.values()},
    **{w: "food" for w in FOODS_EN},
    "bank": "ambiguous",
    "money": "money",
    "loan": "money",
    "cash": "money",
    "account": "money",
    "coins": "money",
    "interest": "money",
    "savings": "money",
    "river": "river",
    "boat": "river",
    "stream": "river",
    "water": "river",
    "fish": "river",
    "keys": "object",
    "coat": "object",
    "pocket": "object",
    "bag": "object",
    "crown": "royal",
    "throne": "royal",
    "palace": "royal",
    "kingdom": "royal",
    "he": "pronoun",
    "she": "pronoun",
    "they": "pronoun",
    "his": "pronoun",
    "her": "pronoun",
    "them": "pronoun",
    "it": "pronoun",
}

# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def _capitalise(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:] if sentence else sentence


_A_BEFORE_VOWEL = re.compile(r"\b([Aa]) (?=[aeiou])")


def _articles_en(text: str) -> str:
    """'a apple' -> 'an apple', 'a alpaca' -> 'an alpaca' (the toy world has no 'a unicorn')."""
    return _A_BEFORE_VOWEL.sub(lambda m: m.group(1) + "n ", text)


def _finish_en(clause: str, rng: random.Random) -> str:
    """Capitalise, fix a/an, add end punctuation (mostly '.', sometimes '!')."""
    end = "!" if rng.random() < 0.05 else "."
    return _articles_en(_capitalise(clause)) + end


def _person_phrase_en(word: str, rng: random.Random) -> str:
    roll = rng.random()
    if word in ("father", "mother") and roll < 0.4:
        return rng.choice(("my", "your", "our", "her", "his")) + " " + word
    if roll < 0.15 and word not in ("king", "queen", "newborn"):
        return "a " + word if word[0] not in "aeiou" else "an " + word
    if roll < 0.25 and word in ("man", "woman", "boy", "girl"):
        return "the " + rng.choice(("young", "old", "tall", "quiet", "happy")) + " " + word
    return "the " + word


# Optional framing that varies sentence length without adding topical words.
_FRAMES_EN: tuple[str, ...] = (
    "{s}",
    "{s}",
    "{s}",
    "{s}",
    "{s}",
    "{s}",
    "yesterday {s}",
    "once upon a time {s}",
    "as usual {s}",
    "I heard that {s}",
    "last week {s}",
    "they say that {s}",
    "in the story {s}",
    "{s} again",
)


# Frames without a point in time, for habits and states ("the mother raised three children").
_TIMELESS_FRAMES_EN: tuple[str, ...] = tuple(f for f in _FRAMES_EN if not f.startswith(("yesterday", "last week")))


def _frame(clause: str, rng: random.Random, timeless: bool = True) -> str:
    return rng.choice(_TIMELESS_FRAMES_EN if timeless else _FRAMES_EN).format(s=clause)


# ---------------------------------------------------------------------------------------
# English toy world
# ---------------------------------------------------------------------------------------


def _en_person(rng: random.Random) -> str:
    word = rng.choice(list(PEOPLE_EN))
    features, gender = PEOPLE_EN[word]
    p = _person_phrase_en(word, rng)
    if rng.random() < 0.5:
        feature = rng.choice(features)
        clause = rng.choice(ROLE_CONTEXTS_EN[feature]).format(p=p)
    else:
        g = gender if gender != "n" else rng.choice("mf")
        frames = INFANT_GENDER_CONTEXTS_EN if gender == "n" else GENDER_CONTEXTS_EN
        clause = rng.choice(frames).format(
            p=p, feeling=rng.choice(FEELINGS_EN), item=rng.choice(ITEMS_EN), **PRONOUNS_EN[g]
        )
    return _finish_en(_frame(clause, rng), rng)


def _en_country(rng: random.Random) -> str:
    country, capital, lang, river, dish = rng.choice(COUNTRIES_EN)
    landmark = LANDMARKS_EN[country]
    roll = rng.random()
    if roll < 0.16:
        clause = rng.choice(COUNTRY_CONTEXTS_EN).format(C=country)
    elif roll < 0.32:
        clause = rng.choice(CAPITAL_CONTEXTS_EN).format(K=capital)
    elif roll < 0.90:
        place = rng.choice((country, capital))
        clause = rng.choice(PAIR_CONTEXTS_EN).format(X=place, lang=lang, river=river, dish=dish, landmark=landmark)
    else:
        clause = rng.choice(CAPITAL_OF_EN).format(C=country, K=capital)
    return _finish_en(clause, rng)


def _en_weather(rng: random.Random) -> str:
    word = rng.choice(list(WEATHER_EN))
    group = rng.choice(("any", WEATHER_EN[word], WEATHER_EN[word]))
    clause = rng.choice(WEATHER_CONTEXTS_EN[group]).format(w=word)
    return _finish_en(_frame(clause, rng, timeless=False), rng)


def _en_time(rng: random.Random) -> str:
    word = rng.choice(list(TIMES_EN))
    group = rng.choice(("any", TIMES_EN[word], TIMES_EN[word]))
    clause = rng.choice(TIME_CONTEXTS_EN[group]).format(at_t=AT_TIME_EN[word])
    return _finish_en(clause, rng)


def _en_rain(rng: random.Random) -> str:
    """The tokenization chapter's sentence and its variants (rain + ed / s / ing)."""
    t = rng.choice(("morning", "evening", "afternoon", "night"))
    forms = (
        "It rained this morning.",
        f"It rained this {t}.",
        f"It rains every {t}.",
        f"It was raining this {t}.",
        f"It is raining again this {t}.",
        f"It rained all {t}, and the streets were wet.",
        f"The rain stopped before {t}.",
        "It will rain tonight, so take your coat.",
        f"It rained so hard this {t} that the river rose.",
        "Yesterday it rained, but today it is sunny.",
    )
    return rng.choice(forms)


def _en_animal(rng: random.Random) -> str:
    word = rng.choice(list(ANIMALS_EN))
    roll = rng.random()
    if roll < 0.2:
        who = rng.choice(("I", "we", "they", "the children"))
        verb = rng.choice(("love", "see", "feed", "like"))
        return _finish_en(f"{who} {verb} {ANIMAL_PLURALS_EN[word]}", rng)
    group = rng.choice(("any", ANIMALS_EN[word], ANIMALS_EN[word]))
    clause = rng.choice(ANIMAL_CONTEXTS_EN[group]).format(a=word)
    return _finish_en(_frame(clause, rng), rng)


def _en_food(rng: random.Random) -> str:
    word = rng.choice(list(FOODS_EN))
    group = rng.choice(("any", FOODS_EN[word], FOODS_EN[word]))
    clause = rng.choice(FOOD_CONTEXTS_EN[group]).format(f=word)
    return _finish_en(_frame(clause, rng), rng)


def _en_bank(rng: random.Random) -> str:
    roll = rng.random()
    pool = BANK_RIVER_EN if roll < 0.4 else RIVER_EN if roll < 0.55 else BANK_MONEY_EN
    return _finish_en(_frame(rng.choice(pool), rng), rng)


def _en_keys(rng: random.Random) -> str:
    who, poss = rng.choice(KEY_OWNERS_EN)
    when = rng.choice(KEY_TIMES_EN)
    place = rng.choice(KEY_PLACES_EN).format(poss=poss)
    forms = (
        "I lost my keys yesterday but they were in my coat.",
        f"{who} lost {poss} keys {when} but they were {place}.",
        f"{who} could not find {poss} keys {when}, but then they turned up {place}.",
        f"The keys were missing all day, but they were {place}.",
        f"{who} looked everywhere for the keys and finally found them {place}.",
        f"{who} thought the keys were lost, but they were {place} the whole time.",
    )
    return _capitalise(rng.choice(forms))


def _en_long(rng: random.Random) -> str:
    """Two clauses of one scene (two weather clauses, two animal clauses...) in one sentence."""
    kind = rng.choice((0.1, 0.4, 0.8))  # people, weather or animals: times would contradict
    first = second = _en_short_clause(rng, kind)
    while second == first:
        second = _en_short_clause(rng, kind)
    joiner = rng.choice((", and ", " while ", "; later "))
    return _finish_en(first + joiner + second, rng)


def _en_short_clause(rng: random.Random, kind: float) -> str:
    if kind < 0.35:
        word = rng.choice(list(PEOPLE_EN))
        feature = rng.choice(PEOPLE_EN[word][0])
        return rng.choice(ROLE_CONTEXTS_EN[feature]).format(p="the " + word)
    if kind < 0.55:
        word = rng.choice(list(WEATHER_EN))
        return rng.choice(WEATHER_CONTEXTS_EN[WEATHER_EN[word]]).format(w=word)
    if kind < 0.75:
        word = rng.choice(list(TIMES_EN))
        return rng.choice(TIME_CONTEXTS_EN[TIMES_EN[word]]).format(at_t=AT_TIME_EN[word])
    if kind < 0.9:
        word = rng.choice(list(ANIMALS_EN))
        return rng.choice(ANIMAL_CONTEXTS_EN[ANIMALS_EN[word]]).format(a=word)
    word = rng.choice(list(FOODS_EN))
    return rng.choice(FOOD_CONTEXTS_EN[FOODS_EN[word]]).format(f=word)


_EN_MIX: tuple[tuple[Callable[[random.Random], str], float], ...] = (
    (_en_person, 0.30),
    (_en_country, 0.22),
    (_en_weather, 0.09),
    (_en_time, 0.08),
    (_en_rain, 0.03),
    (_en_animal, 0.07),
    (_en_food, 0.06),
    (_en_bank, 0.06),
    (_en_keys, 0.04),
    (_en_long, 0.05),
)


def _mix(rng: random.Random, mix: Sequence[tuple[Callable[[random.Random], str], float]], n: int) -> list[str]:
    makers = [m for m, _ in mix]
    weights = [w for _, w in mix]
    return [rng.choices(makers, weights)[0](rng) for _ in range(n)]


def generate_toy_en(seed: int = 1, n_sentences: int = 10000) -> list[str]:
    """English toy-world sentences, one per item; the canonical ones always come first."""
    rng = random.Random(seed)
    canonical = ["It rained this morning.", "I lost my keys yesterday but they were in my coat."]
    return canonical + _mix(rng, _EN_MIX, n_sentences - len(canonical))


# ---------------------------------------------------------------------------------------
# Chinese toy world: the same world, written in natural Chinese (unsegmented text).
# In Chinese the two senses of "bank" are two different words: 河岸 (river) and 银行 (money).
# ---------------------------------------------------------------------------------------

PEOPLE_ZH: dict[str, tuple[tuple[str, ...], str]] = {
    "国王": (("royal", "adult"), "m"),
    "王后": (("royal", "adult"), "f"),
    "王子": (("royal", "young"), "m"),
    "公主": (("royal", "young"), "f"),
    "男人": (("common", "adult"), "m"),
    "女人": (("common", "adult"), "f"),
    "男孩": (("common", "young"), "m"),
    "女孩": (("common", "young"), "f"),
    "父亲": (("parent", "adult"), "m"),
    "母亲": (("parent", "adult"), "f"),
    "婴儿": (("infant",), "n"),
    "新生儿": (("infant", "newborn"), "n"),
}
ROLE_CONTEXTS_ZH: dict[str, tuple[str, ...]] = {
    "royal": (
        "{p}戴着金色的王冠",
        "{p}坐在王座上",
        "{p}英明地治理着王国",
        "{p}对王室的大臣们讲话",
        "{p}住在王宫里",
        "骑士们向{p}鞠躬",
        "{p}向整个王国发表了讲话",
        "王宫里的仆人们在等{p}",
    ),
    "common": (
        "{p}在农场干活",
        "{p}走路去村里的集市",
        "{p}住在一间小屋里",
        "{p}在村里卖蔬菜",
        "{p}从井里打水",
        "村里的邻居向{p}问好",
        "{p}修好了农场的篱笆",
    ),
    "adult": (
        "{p}一大早就去上班了",
        "{p}付清了账单",
        "{p}赶着马车进城",
        "{p}在信上签了名",
        "{p}晚饭后看报纸",
        "{p}有很多大人要操心的事",
    ),
    "young": (
        "{p}整个下午都在玩玩具",
        "{p}在学校里学认字",
        "{p}爬上了那棵老树",
        "{p}笑着在花园里跑来跑去",
        "{p}还太小，不能骑马",
        "老师表扬了{p}",
    ),
    "parent": (
        "{p}养大了三个孩子",
        "{p}给全家人做晚饭",
        "{p}给孩子们讲故事",
        "{p}哄孩子们上床睡觉",
        "{p}送孩子们去上学",
    ),
    "infant": (
        "{p}在摇篮里哭",
        "{p}喝了温牛奶",
        "{p}睡了一整天",
        "{p}还不会走路",
        "{p}对着护士笑",
        "护士抱着{p}",
        "{p}裹在一条软软的毯子里",
        "{p}该换尿布了",
    ),
    "newborn": (
        "{p}是昨天夜里出生的",
        "{p}才出生几个小时",
        "助产士给{p}称了体重",
        "{p}第一次睁开了眼睛",
    ),
}
GENDER_CONTEXTS_ZH: tuple[str, ...] = (
    "{p}说{he}{feeling}了",
    "{p}穿上了{he}的{item}",
    "{p}笑了，{he}挥了挥手",
    "{p}弄丢了{he}的{item}",
    "{p}洗了洗{he}的手",
    "大家都知道{he}很善良",
    "{p}照了照镜子，{he}笑了",
    "{p}梳了梳{he}的头发",
    "{p}告诉我们{he}{feeling}了",
    "{p}闭上了{he}的眼睛",
)
INFANT_GENDER_CONTEXTS_ZH: tuple[str, ...] = (
    "{p}笑了，{he}挥了挥手",
    "{p}弄丢了{he}的{item}",
    "{p}闭上了{he}的眼睛",
    "{p}照了照镜子，{he}笑了",
)
FEELINGS_ZH: tuple[str, ...] = ("累", "饿", "冷", "困", "高兴", "忙")
ITEMS_ZH: tuple[str, ...] = ("外套", "帽子", "围巾", "靴子", "手套")
PRONOUNS_ZH = {"m": "他", "f": "她"}

# (country, capital, language, river, dish)
COUNTRIES_ZH: tuple[tuple[str, str, str, str, str], ...] = (
    ("法国", "巴黎", "法语", "塞纳河", "牛角面包"),
    ("日本", "东京", "日语", "隅田川", "寿司"),
    ("意大利", "罗马", "意大利语", "台伯河", "意大利面"),
    ("德国", "柏林", "德语", "施普雷河", "椒盐卷饼"),
    ("西班牙", "马德里", "西班牙语", "曼萨纳雷斯河", "海鲜饭"),
    ("中国", "北京", "汉语", "永定河", "饺子"),
    ("埃及", "开罗", "阿拉伯语", "尼罗河", "炸豆丸子"),
    ("俄罗斯", "莫斯科", "俄语", "莫斯科河", "罗宋汤"),
    ("希腊", "雅典", "希腊语", "伊利索斯河", "橄榄"),
    ("英国", "伦敦", "英语", "泰晤士河", "司康饼"),
    ("秘鲁", "利马", "克丘亚语", "里马克河", "酸橘汁腌鱼"),
)
LANDMARKS_ZH: dict[str, str] = {
    "法国": "卢浮宫",
    "日本": "富士山",
    "意大利": "斗兽场",
    "德国": "国会大厦",
    "西班牙": "普拉多博物馆",
    "中国": "天安门广场",
    "埃及": "金字塔",
    "俄罗斯": "克里姆林宫",
    "希腊": "雅典卫城",
    "英国": "威斯敏斯特教堂",
    "秘鲁": "马丘比丘",
}

COUNTRY_CONTEXTS_ZH: tuple[str, ...] = (
    "{C}是一个大国",
    "我们坐火车穿过了{C}",
    "{C}的边境线很长",
    "{C}政府今天开了会",
    "{C}是一个有许多地区的国家",
    "地图上画着整个{C}",
    "农民们在{C}的乡下种小麦",
    "{C}总统发表了讲话",
    "{C}有高山、森林，也有许多小镇",
)
CAPITAL_CONTEXTS_ZH: tuple[str, ...] = (
    "{K}是一座大城市",
    "{K}的街道很热闹",
    "{K}市长开放了一座新公园",
    "我们在{K}坐了地铁",
    "{K}这座城市有很多高楼",
    "{K}市中心堵车很严重",
    "{K}是一座首都城市",
    "夜里{K}的城市灯火通明",
    "{K}的市政厅很古老",
)
PAIR_CONTEXTS_ZH: tuple[str, ...] = (
    "{X}的人说{lang}",
    "{river}流经{X}",
    "{X}的人很爱吃{dish}",
    "在{X}可以吃到{dish}",
    "在{X}到处都能听到{lang}",
    "去{X}旅行之前，我们学了{lang}",
    "我们在{X}沿着{river}散步",
    "我们从{X}出发去看{landmark}",
    "{X}的明信片上印着{landmark}",
    "{landmark}是{X}的骄傲",
)
CAPITAL_OF_ZH: tuple[str, ...] = (
    "{K}是{C}的首都",
    "{C}的首都是{K}",
    "{C}的首都{K}挤满了游客",
)

WEATHER_ZH = {
    "雨": "storm",
    "雷": "storm",
    "暴风雨": "storm",
    "闪电": "storm",
    "雪": "cold",
    "霜": "cold",
    "雾": "cold",
    "冰雹": "cold",
}
WEATHER_CONTEXTS_ZH: dict[str, tuple[str, ...]] = {
    "any": (
        "天气预报说会有{w}",
        "{w}从西边来了",
        "因为{w}，我们待在家里",
        "{w}让农民们吃了一惊",
        "{w}持续了好几个小时",
    ),
    "storm": (
        "乌云带来了{w}",
        "夏夜的{w}把大家都惊醒了",
        "{w}过后，街道湿漉漉的",
        "{w}来的时候，小狗躲到了床底下",
        "窗外的{w}一阵比一阵猛",
    ),
    "cold": (
        "寒冷的{w}笼罩着田野",
        "冬天的{w}来得很早",
        "{w}让路上的车开得很慢",
        "因为{w}，我们都围上了围巾",
    ),
}
TIMES_ZH = {
    "早上": "early",
    "日出": "early",
    "黎明": "early",
    "傍晚": "late",
    "日落": "late",
    "黄昏": "late",
    "夜晚": "dark",
    "午夜": "dark",
}
TIME_CONTEXTS_ZH: dict[str, tuple[str, ...]] = {
    "any": (
        "我们{t}的时候见了面",
        "{t}的时候镇上很安静",
        "{t}的时候钟声响了",
    ),
    "early": (
        "{t}的时候鸟儿开始唱歌",
        "农夫{t}的时候就起床了",
        "{t}的时候太阳慢慢升起",
        "{t}的时候我们先喝咖啡再去上班",
        "{t}的时候天空变成了粉色和金色",
    ),
    "late": (
        "{t}的时候太阳落山了",
        "{t}的时候天空变成了橙红色",
        "{t}的时候一家人吃晚饭",
        "工人们{t}的时候回家",
        "{t}的时候天色渐渐暗了",
    ),
    "dark": (
        "{t}的时候星星闪闪发光",
        "{t}的时候猫头鹰在叫",
        "{t}的时候大家都睡着了",
        "{t}的时候月亮很亮",
    ),
}
ANIMALS_ZH = {
    "羊驼": "mountain",
    "骆驼": "mountain",
    "牦牛": "mountain",
    "马": "farm",
    "奶牛": "farm",
    "绵羊": "farm",
    "山羊": "farm",
    "狗": "pet",
    "猫": "pet",
}
MEASURE_ZH = {"马": "匹", "奶牛": "头", "牦牛": "头", "骆驼": "峰"}
ANIMAL_CONTEXTS_ZH: dict[str, tuple[str, ...]] = {
    "any": (
        "{a}吃着新鲜的草",
        "{one}{a}跑过了田野",
        "{a}在小溪边喝水",
        "兽医给{a}做了检查",
    ),
    "mountain": (
        "{a}驮着沉重的袋子翻过大山",
        "{a}的毛很厚",
        "{a}沿着陡峭的小路慢慢往上走",
        "{a}能生活在高高的山上",
    ),
    "farm": (
        "{a}在谷仓里睡觉",
        "农夫给{a}喂干草",
        "{a}站在泥泞的院子里",
    ),
    "pet": (
        "{a}在火炉边睡觉",
        "{a}在花园里玩",
        "孩子们在家里喂{a}",
    ),
}
FOODS_ZH = {
    "苹果": "fruit",
    "梨": "fruit",
    "香蕉": "fruit",
    "李子": "fruit",
    "面包": "meal",
    "奶酪": "meal",
    "米饭": "meal",
    "汤": "meal",
}
FOOD_CONTEXTS_ZH: dict[str, tuple[str, ...]] = {
    "any": (
        "我们在集市上买了{f}",
        "{f}放在厨房的桌子上",
        "{f}很好吃",
        "她把{f}端上了桌",
    ),
    "fruit": (
        "他吃了一个甜甜的{f}",
        "{f}熟透了，汁很多",
        "一个{f}从树上掉了下来",
        "我们在果园里摘了一个{f}",
    ),
    "meal": (
        "{f}热乎乎的",
        "我们午饭吃了{f}",
        "厨师把{f}和黄油一起端了上来",
    ),
}
BANK_RIVER_ZH: tuple[str, ...] = (
    "我们坐在河岸上",
    "小船慢慢漂向河岸",
    "鱼在泥泞的河岸边游来游去",
    "河岸上长着高高的草",
    "鸭子在河岸上休息",
    "渔夫站在河岸上看着河水",
    "洪水冲走了一段河岸",
)
RIVER_ZH: tuple[str, ...] = (
    "河水慢慢流向大海",
    "我们划着小船顺河而下",
    "鱼在河里跳来跳去",
    "小溪在山脚下汇入了河里",
    "下过雨后，河又宽又深",
    "孩子们往河里扔石头",
)
BANK_MONEY_ZH: tuple[str, ...] = (
    "她把钱存进了银行",
    "银行给了他一笔贷款",
    "他在银行开了一个账户",
    "银行对这笔贷款收利息",
    "我们从银行取了现金",
    "银行把我们的存款保管得很安全",
    "银行的职员数了数硬币",
)
KEY_OWNERS_ZH: tuple[tuple[str, str], ...] = (
    ("我", "我的"),
    ("她", "她的"),
    ("他", "他的"),
    ("我们", "我们的"),
    ("我父亲", "他的"),
    ("我母亲", "她的"),
    ("国王", "他的"),
    ("王后", "她的"),
)
KEY_PLACES_ZH: tuple[str, ...] = (
    "{poss}外套里",
    "{poss}口袋里",
    "沙发底下",
    "厨房的桌子上",
    "车里",
    "门后面",
    "{poss}包里",
    "面包旁边",
)
KEY_TIMES_ZH: tuple[str, ...] = ("昨天", "今天早上", "昨天晚上", "星期一", "傍晚")

WORD_GROUPS_ZH: dict[str, str] = {
    **{w: "person" for w in PEOPLE_ZH},
    **{c: "country" for c, *_ in COUNTRIES_ZH},
    **{k: "capital" for _, k, *_ in COUNTRIES_ZH},
    **{lang: "language" for _, _, lang, *_ in COUNTRIES_ZH},
    **{w: "weather" for w in WEATHER_ZH},
    "下雨": "weather",
    **{w: "time" for w in TIMES_ZH},
    **{w: "animal" for w in ANIMALS_ZH},
    **{w: "food" for w in FOODS_ZH},
    "河岸": "river",
    "河水": "river",
    "小船": "river",
    "小溪": "river",
    "鱼": "river",
    "银行": "money",
    "钱": "money",
    "贷款": "money",
    "现金": "money",
    "账户": "money",
    "硬币": "money",
    "利息": "money",
    "存款": "money",
    "钥匙": "object",
    "外套": "object",
    "口袋": "object",
    "王冠": "royal",
    "王座": "royal",
    "王宫": "royal",
    "王国": "royal",
    "他": "pronoun",
    "她": "pronoun",
    "它们": "pronoun",
}

_FRAMES_ZH: tuple[str, ...] = (
    "{s}",
    "{s}",
    "{s}",
    "{s}",
    "{s}",
    "{s}",
    "昨天{s}",
    "从前，{s}",
    "和往常一样，{s}",
    "我听说{s}",
    "上个星期{s}",
    "听说{s}",
    "故事里，{s}",
)


_TIMELESS_FRAMES_ZH: tuple[str, ...] = tuple(f for f in _FRAMES_ZH if not f.startswith(("昨天", "上个星期")))


# Entries of jieba's own dictionary that would swallow a world word ("首都北京" as one
# token hides 北京); callers delete them with ``jieba.del_word`` (see lm_core.data.corpora).
JIEBA_SPLIT_ZH: tuple[str, ...] = (
    "首都北京",
    "北京市",
    "雨来",
    "王子笑",
    "喂狗",
    "吃饺子",
    "一个男孩",
    "有暴风雨",
    *(country + "政府" for country, *_ in COUNTRIES_ZH),
)


def world_words_zh() -> list[str]:
    """Every multi-character word of the Chinese toy world, longest first.

    Pass them to ``jieba.add_word`` so jieba keeps them whole (e.g. 新生儿, 意大利语).
    """
    words = {w for w in WORD_GROUPS_ZH if len(w) > 1}
    for country, _, _, river, dish in COUNTRIES_ZH:
        words.update((river, dish, LANDMARKS_ZH[country]))
    return sorted(words, key=lambda w: (-len(w), w))


def _finish_zh(clause: str, rng: random.Random) -> str:
    return clause + ("！" if rng.random() < 0.05 else "。")


def _person_phrase_zh(word: str, rng: random.Random) -> str:
    roll = rng.random()
    if word in ("父亲", "母亲") and roll < 0.4:
        return rng.choice(("我的", "你的", "我们的", "她的", "他的")) + word
    if word in ("男人", "女人", "男孩", "女孩") and roll < 0.25:
        return rng.choice(("那个", "一个", "年轻的", "高个子")) + word
    return word


def _zh_person(rng: random.Random) -> str:
    word = rng.choice(list(PEOPLE_ZH))
    features, gender = PEOPLE_ZH[word]
    p = _person_phrase_zh(word, rng)
    if rng.random() < 0.5:
        clause = rng.choice(ROLE_CONTEXTS_ZH[rng.choice(features)]).format(p=p)
    else:
        g = gender if gender != "n" else rng.choice("mf")
        frames = INFANT_GENDER_CONTEXTS_ZH if gender == "n" else GENDER_CONTEXTS_ZH
        clause = rng.choice(frames).format(
            p=p, he=PRONOUNS_ZH[g], feeling=rng.choice(FEELINGS_ZH), item=rng.choice(ITEMS_ZH)
        )
    return _finish_zh(rng.choice(_TIMELESS_FRAMES_ZH).format(s=clause), rng)


def _zh_country(rng: random.Random) -> str:
    country, capital, lang, river, dish = rng.choice(COUNTRIES_ZH)
    landmark = LANDMARKS_ZH[country]
    roll = rng.random()
    if roll < 0.16:
        clause = rng.choice(COUNTRY_CONTEXTS_ZH).format(C=country)
    elif roll < 0.32:
        clause = rng.choice(CAPITAL_CONTEXTS_ZH).format(K=capital)
    elif roll < 0.90:
        place = rng.choice((country, capital))
        clause = rng.choice(PAIR_CONTEXTS_ZH).format(X=place, lang=lang, river=river, dish=dish, landmark=landmark)
    else:
        clause = rng.choice(CAPITAL_OF_ZH).format(C=country, K=capital)
    return _finish_zh(clause, rng)


def _zh_weather(rng: random.Random) -> str:
    word = rng.choice(list(WEATHER_ZH))
    group = rng.choice(("any", WEATHER_ZH[word], WEATHER_ZH[word]))
    clause = rng.choice(WEATHER_CONTEXTS_ZH[group]).format(w=word)
    return _finish_zh(rng.choice(_FRAMES_ZH).format(s=clause), rng)


def _zh_time(rng: random.Random) -> str:
    word = rng.choice(list(TIMES_ZH))
    group = rng.choice(("any", TIMES_ZH[word], TIMES_ZH[word]))
    return _finish_zh(rng.choice(TIME_CONTEXTS_ZH[group]).format(t=word), rng)


def _zh_rain(rng: random.Random) -> str:
    t = rng.choice(("早上", "下午", "傍晚", "晚上"))
    forms = (
        "今天早上下雨了。",
        f"今天{t}下雨了。",
        f"每天{t}都下雨。",
        f"今天{t}一直在下雨。",
        f"今天{t}又下雨了。",
        f"今天{t}下了一场大雨，街道都湿了。",
        f"{t}之前雨就停了。",
        "今晚会下雨，记得带上外套。",
        f"今天{t}雨下得很大，河水都涨了。",
        "昨天下雨了，今天是晴天。",
    )
    return rng.choice(forms)


def _zh_animal(rng: random.Random) -> str:
    word = rng.choice(list(ANIMALS_ZH))
    if rng.random() < 0.2:
        who = rng.choice(("我", "我们", "他们", "孩子们"))
        verb = rng.choice(("喜欢", "看见了", "喂了", "养了"))  # not 爱: jieba reads 爱猫 as one word
        return _finish_zh(f"{who}{verb}{word}", rng)
    group = rng.choice(("any", ANIMALS_ZH[word], ANIMALS_ZH[word]))
    one = "一" + MEASURE_ZH.get(word, "只")
    clause = rng.choice(ANIMAL_CONTEXTS_ZH[group]).format(a=word, one=one)
    return _finish_zh(rng.choice(_TIMELESS_FRAMES_ZH).format(s=clause), rng)


def _zh_food(rng: random.Random) -> str:
    word = rng.choice(list(FOODS_ZH))
    group = rng.choice(("any", FOODS_ZH[word], FOODS_ZH[word]))
    clause = rng.choice(FOOD_CONTEXTS_ZH[group]).format(f=word)
    return _finish_zh(rng.choice(_TIMELESS_FRAMES_ZH).format(s=clause), rng)


def _zh_bank(rng: random.Random) -> str:
    roll = rng.random()
    pool = BANK_RIVER_ZH if roll < 0.4 else RIVER_ZH if roll < 0.55 else BANK_MONEY_ZH
    return _finish_zh(rng.choice(_TIMELESS_FRAMES_ZH).format(s=rng.choice(pool)), rng)


def _zh_keys(rng: random.Random) -> str:
    who, poss = rng.choice(KEY_OWNERS_ZH)
    when = rng.choice(KEY_TIMES_ZH)
    place = rng.choice(KEY_PLACES_ZH).format(poss=poss)
    forms = (
        "我昨天把钥匙弄丢了，但它们就在我的外套里。",
        f"{who}{when}把钥匙弄丢了，但它们其实在{place}。",
        f"{who}{when}找不到钥匙了，后来发现它们在{place}。",
        f"钥匙找了一整天，原来它们在{place}。",
        f"{who}到处找钥匙，最后在{place}找到了它们。",
        f"{who}以为钥匙丢了，其实它们一直在{place}。",
    )
    return rng.choice(forms)


def _zh_short_clause(rng: random.Random, kind: float) -> str:
    if kind < 0.35:
        word = rng.choice(list(PEOPLE_ZH))
        return rng.choice(ROLE_CONTEXTS_ZH[rng.choice(PEOPLE_ZH[word][0])]).format(p=word)
    if kind < 0.55:
        word = rng.choice(list(WEATHER_ZH))
        return rng.choice(WEATHER_CONTEXTS_ZH[WEATHER_ZH[word]]).format(w=word)
    if kind < 0.75:
        word = rng.choice(list(TIMES_ZH))
        return rng.choice(TIME_CONTEXTS_ZH[TIMES_ZH[word]]).format(t=word)
    if kind < 0.9:
        word = rng.choice(list(ANIMALS_ZH))
        one = "一" + MEASURE_ZH.get(word, "只")
        return rng.choice(ANIMAL_CONTEXTS_ZH[ANIMALS_ZH[word]]).format(a=word, one=one)
    word = rng.choice(list(FOODS_ZH))
    return rng.choice(FOOD_CONTEXTS_ZH[FOODS_ZH[word]]).format(f=word)


def _zh_long(rng: random.Random) -> str:
    kind = rng.choice((0.1, 0.4, 0.8))  # both clauses from one scene, as in English
    joiner = rng.choice(("，而且", "；后来", "，与此同时，"))
    first = second = _zh_short_clause(rng, kind)
    while second == first:
        second = _zh_short_clause(rng, kind)
    return _finish_zh(first + joiner + second, rng)


_ZH_MIX: tuple[tuple[Callable[[random.Random], str], float], ...] = (
    (_zh_person, 0.30),
    (_zh_country, 0.22),
    (_zh_weather, 0.09),
    (_zh_time, 0.08),
    (_zh_rain, 0.03),
    (_zh_animal, 0.07),
    (_zh_food, 0.06),
    (_zh_bank, 0.06),
    (_zh_keys, 0.04),
    (_zh_long, 0.05),
)


def generate_toy_zh(seed: int = 2, n_sentences: int = 10000) -> list[str]:
    """Chinese toy-world sentences (unsegmented); the canonical ones come first."""
    rng = random.Random(seed)
    canonical = ["今天早上下雨了。", "我昨天把钥匙弄丢了，但它们就在我的外套里。"]
    return canonical + _mix(rng, _ZH_MIX, n_sentences - len(canonical))


# ---------------------------------------------------------------------------------------
# English -> Dutch parallel corpus (for the encoder-decoder and attention chapter)
# ---------------------------------------------------------------------------------------
# A tiny, explicit grammar of Dutch: verb-second word order in main clauses (a fronted time
# phrase moves the verb before the subject), verb-final order after "dat" / "omdat",
# "niet" / "geen" for negation, de/het articles and adjective endings (een groot paard,
# de grote hond), plurals in -en, -s and -'s (lama's).

# subject: (English, Dutch, person) with person in 1s, 2s, 3s, 1p, 3p
NL_SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("I", "ik", "1s"),
    ("you", "jij", "2s"),
    ("he", "hij", "3s"),
    ("she", "zij", "3s"),
    ("we", "wij", "1p"),
    ("they", "zij", "3p"),
    ("the king", "de koning", "3s"),
    ("the queen", "de koningin", "3s"),
    ("the man", "de man", "3s"),
    ("the woman", "de vrouw", "3s"),
    ("the boy", "de jongen", "3s"),
    ("the girl", "het meisje", "3s"),
    ("my father", "mijn vader", "3s"),
    ("my mother", "mijn moeder", "3s"),
    ("the farmer", "de boer", "3s"),
    ("the children", "de kinderen", "3p"),
)

# verb: English (base, 3rd singular, past), Dutch present (ik, jij, hij, plural), past (sg, pl),
# infinitive, preposition that goes with it ("houden van"), object kinds it accepts.
NL_VERBS: dict[
    str, tuple[tuple[str, str, str], tuple[str, str, str, str], tuple[str, str], str, str, tuple[str, ...]]
] = {
    "love": (
        ("love", "loves", "loved"),
        ("hou", "houdt", "houdt", "houden"),
        ("hield", "hielden"),
        "houden",
        "van",
        ("animal", "food", "person"),
    ),
    "see": (
        ("see", "sees", "saw"),
        ("zie", "ziet", "ziet", "zien"),
        ("zag", "zagen"),
        "zien",
        "",
        ("animal", "thing", "person", "place"),
    ),
    "have": (
        ("have", "has", "had"),
        ("heb", "hebt", "heeft", "hebben"),
        ("had", "hadden"),
        "hebben",
        "",
        ("animal", "thing"),
    ),
    "want": (
        ("want", "wants", "wanted"),
        ("wil", "wilt", "wil", "willen"),
        ("wilde", "wilden"),
        "willen",
        "",
        ("food", "thing"),
    ),
    "eat": (("eat", "eats", "ate"), ("eet", "eet", "eet", "eten"), ("at", "aten"), "eten", "", ("food",)),
    "buy": (
        ("buy", "buys", "bought"),
        ("koop", "koopt", "koopt", "kopen"),
        ("kocht", "kochten"),
        "kopen",
        "",
        ("food", "thing"),
    ),
    "feed": (
        ("feed", "feeds", "fed"),
        ("voer", "voert", "voert", "voeren"),
        ("voerde", "voerden"),
        "voeren",
        "",
        ("animal",),
    ),
}

# noun: English singular, English plural ("" = mass noun), Dutch singular, Dutch plural,
# Dutch article of the singular (de / het), kind
NL_NOUNS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("llama", "llamas", "lama", "lama's", "de", "animal"),
    ("dog", "dogs", "hond", "honden", "de", "animal"),
    ("cat", "cats", "kat", "katten", "de", "animal"),
    ("horse", "horses", "paard", "paarden", "het", "animal"),
    ("cow", "cows", "koe", "koeien", "de", "animal"),
    ("sheep", "sheep", "schaap", "schapen", "het", "animal"),
    ("bird", "birds", "vogel", "vogels", "de", "animal"),
    ("camel", "camels", "kameel", "kamelen", "de", "animal"),
    ("goat", "goats", "geit", "geiten", "de", "animal"),
    ("apple", "apples", "appel", "appels", "de", "food"),
    ("pear", "pears", "peer", "peren", "de", "food"),
    ("banana", "bananas", "banaan", "bananen", "de", "food"),
    ("cake", "cakes", "taart", "taarten", "de", "food"),
    ("egg", "eggs", "ei", "eieren", "het", "food"),
    ("bread", "", "brood", "", "het", "food"),
    ("cheese", "", "kaas", "", "de", "food"),
    ("soup", "", "soep", "", "de", "food"),
    ("rice", "", "rijst", "", "de", "food"),
    ("book", "books", "boek", "boeken", "het", "thing"),
    ("house", "houses", "huis", "huizen", "het", "thing"),
    ("key", "keys", "sleutel", "sleutels", "de", "thing"),
    ("flower", "flowers", "bloem", "bloemen", "de", "thing"),
    ("car", "cars", "auto", "auto's", "de", "thing"),
    ("boat", "boats", "boot", "boten", "de", "thing"),
    ("letter", "letters", "brief", "brieven", "de", "thing"),
    ("coat", "coats", "jas", "jassen", "de", "thing"),
    ("king", "", "koning", "", "de", "person"),
    ("queen", "", "koningin", "", "de", "person"),
    ("baby", "", "baby", "", "de", "person"),
    ("river", "", "rivier", "", "de", "place"),
    ("sea", "", "zee", "", "de", "place"),
    ("moon", "", "maan", "", "de", "place"),
    ("city", "", "stad", "", "de", "place"),
    ("bank", "", "bank", "", "de", "place"),
    ("mountains", "", "bergen", "", "de", "place"),
    ("stars", "", "sterren", "", "de", "place"),
)
# adjective: English, Dutch without ending, Dutch with -e; which noun kinds it suits
NL_ADJECTIVES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("big", "groot", "grote", ("animal", "thing")),
    ("small", "klein", "kleine", ("animal", "thing")),
    ("old", "oud", "oude", ("animal", "thing")),
    ("young", "jong", "jonge", ("animal",)),
    ("white", "wit", "witte", ("animal", "thing")),
    ("black", "zwart", "zwarte", ("animal", "thing")),
    ("brown", "bruin", "bruine", ("animal",)),
    ("beautiful", "mooi", "mooie", ("animal", "thing")),
    ("red", "rood", "rode", ("thing",)),
    ("new", "nieuw", "nieuwe", ("thing",)),
    ("fresh", "vers", "verse", ("food",)),
    ("sweet", "zoet", "zoete", ("food",)),
)
NL_PLACES: tuple[tuple[str, str], ...] = (
    ("in the garden", "in de tuin"),
    ("near the river", "bij de rivier"),
    ("in the city", "in de stad"),
    ("on the farm", "op de boerderij"),
    ("in the mountains", "in de bergen"),
    ("at the market", "op de markt"),
    ("in the kitchen", "in de keuken"),
    ("at school", "op school"),
)
# time phrase: English, Dutch, tense it goes with
NL_TIMES: tuple[tuple[str, str, str], ...] = (
    ("yesterday", "gisteren", "past"),
    ("last week", "vorige week", "past"),
    ("this morning", "vanochtend", "past"),
    ("today", "vandaag", "pres"),
    ("every morning", "elke ochtend", "pres"),
    ("every day", "elke dag", "pres"),
    ("in the evening", "'s avonds", "pres"),
    ("tomorrow", "morgen", "fut"),
    ("next week", "volgende week", "fut"),
)
NL_NUMBERS: tuple[tuple[str, str], ...] = (("two", "twee"), ("three", "drie"), ("four", "vier"), ("five", "vijf"))
NL_CITIES: tuple[tuple[str, str], ...] = (
    ("Paris", "Parijs"),
    ("Tokyo", "Tokio"),
    ("Rome", "Rome"),
    ("Berlin", "Berlijn"),
    ("Madrid", "Madrid"),
    ("Beijing", "Peking"),
    ("Cairo", "Caïro"),
    ("London", "Londen"),
    ("Athens", "Athene"),
    ("Moscow", "Moskou"),
    ("France", "Frankrijk"),
    ("Japan", "Japan"),
    ("Italy", "Italië"),
    ("Germany", "Duitsland"),
    ("Spain", "Spanje"),
    ("Egypt", "Egypte"),
)
NL_REPORTERS: tuple[tuple[str, str], ...] = (
    ("I think", "ik denk"),
    ("she says", "zij zegt"),
    ("we know", "wij weten"),
    ("he believes", "hij gelooft"),
    ("they say", "zij zeggen"),
    ("my mother knows", "mijn moeder weet"),
)
NL_REASONS: tuple[tuple[str, str], ...] = (
    ("beautiful", "mooi"),
    ("friendly", "vriendelijk"),
    ("funny", "grappig"),
    ("soft", "zacht"),
    ("sweet", "lief"),
    ("clever", "slim"),
)

_PERSON_INDEX = {"1s": 0, "2s": 1, "3s": 2, "1p": 3, "3p": 3}


def _nl_object(rng: random.Random, kinds: tuple[str, ...], negated: bool) -> tuple[str, str, bool, str]:
    """Pick an object phrase. Returns (English, Dutch, uses_geen, English number)."""
    noun = rng.choice([n for n in NL_NOUNS if n[5] in kinds])
    en_sg, en_pl, nl_sg, nl_pl, article, kind = noun
    adjectives = [a for a in NL_ADJECTIVES if kind in a[3]]
    adj = rng.choice(adjectives) if adjectives and rng.random() < 0.3 else None
    if kind in ("person", "place"):
        return f"the {en_sg}", f"{article} {nl_sg}", False, "sg"
    countable = bool(en_pl)
    forms = ["def_sg", "bare"] if not countable else ["bare_pl", "bare_pl", "def_pl", "def_sg", "indef_sg", "number"]
    if negated:
        forms = [f for f in forms if f != "number"]
    form = rng.choice(forms)

    def nl_adj(inflect: bool) -> str:
        if adj is None:
            return ""
        return (adj[2] if inflect else adj[1]) + " "

    en_adj = adj[0] + " " if adj else ""
    if form == "bare_pl":
        return f"{en_adj}{en_pl}", f"{nl_adj(True)}{nl_pl}", True, "pl"
    if form == "def_pl":
        return f"the {en_adj}{en_pl}", f"de {nl_adj(True)}{nl_pl}", False, "pl"
    if form == "def_sg":
        return f"the {en_adj}{en_sg}", f"{article} {nl_adj(True)}{nl_sg}", False, "sg"
    if form == "indef_sg":
        en_art = "an" if (en_adj or en_sg)[0] in "aeiou" else "a"
        # "een groot paard" but "een grote hond": no -e before an indefinite het-noun
        return f"{en_art} {en_adj}{en_sg}", f"een {nl_adj(article == 'de')}{nl_sg}", True, "sg"
    if form == "number":
        en_num, nl_num = rng.choice(NL_NUMBERS)
        return f"{en_num} {en_adj}{en_pl}", f"{nl_num} {nl_adj(True)}{nl_pl}", False, "pl"
    # bare mass noun: "bread" / "brood", "fresh bread" / "vers brood"
    return f"{en_adj}{en_sg}", f"{nl_adj(article == 'de')}{nl_sg}", True, "sg"


def _geen(nl_object: str) -> str:
    """Negate an indefinite object: 'een hond' -> 'geen hond', "lama's" -> "geen lama's"."""
    return "geen " + (nl_object[4:] if nl_object.startswith("een ") else nl_object)


def _nl_clause(rng: random.Random, allow_time: bool = True) -> dict[str, str]:
    """One clause in English and in Dutch (main order, fronted-time order, subordinate order)."""
    en_subj, nl_subj, person = rng.choice(NL_SUBJECTS)
    verb = rng.choice(list(NL_VERBS))
    (en_base, en_3s, en_past), nl_pres, nl_past, nl_inf, prep, kinds = NL_VERBS[verb]
    time = rng.choice(NL_TIMES) if allow_time and verb != "love" and rng.random() < 0.4 else None
    tense = (
        time[2] if time else rng.choice(("pres", "pres", "past") if verb == "love" else ("pres", "pres", "past", "fut"))
    )
    negated = rng.random() < 0.15
    en_obj, nl_obj, indefinite, _ = _nl_object(rng, kinds, negated)
    while en_obj == en_subj:  # not "the queen loved the queen"
        en_obj, nl_obj, indefinite, _ = _nl_object(rng, kinds, negated)
    place = rng.choice(NL_PLACES) if (not negated and verb not in ("love", "want") and rng.random() < 0.3) else None

    # English verb group
    third = person == "3s"
    if tense == "pres":
        en_verb = (("does not " if third else "do not ") + en_base) if negated else (en_3s if third else en_base)
    elif tense == "past":
        en_verb = ("did not " + en_base) if negated else en_past
    else:
        en_verb = "will " + ("not " if negated else "") + en_base
    en_rest = f"{en_obj}" + (f" {place[0]}" if place else "")

    # Dutch finite verb (jij drops its -t when it follows the verb: "zie jij", "hou jij")
    idx = _PERSON_INDEX[person]
    plural = person in ("1p", "3p")
    if tense == "pres":
        finite, finite_inverted, infinitive = nl_pres[idx], nl_pres[0] if person == "2s" else nl_pres[idx], ""
    elif tense == "past":
        finite = finite_inverted = nl_past[1 if plural else 0]
        infinitive = ""
    else:
        zal = ("zal", "zult", "zal", "zullen")[idx]
        finite, finite_inverted, infinitive = zal, "zul" if person == "2s" else zal, nl_inf
    # Dutch middle field: [time] [niet] [van] object [niet] [place]
    obj = nl_obj
    niet_before = niet_after = ""
    if negated:
        if prep:
            niet_before = "niet "
        elif indefinite:
            obj = _geen(nl_obj)
        else:
            niet_after = " niet"
    prep_part = f"{prep} " if prep else ""
    middle = f"{niet_before}{prep_part}{obj}{niet_after}" + (f" {place[1]}" if place else "")
    tail = f" {infinitive}" if infinitive else ""

    if time and rng.random() < 0.5:
        en = f"{time[0]} {en_subj} {en_verb} {en_rest}"
        nl = f"{time[1]} {finite_inverted} {nl_subj} {middle}{tail}"
        en_end_time = ""
    else:
        en = f"{en_subj} {en_verb} {en_rest}"
        en_end_time = f" {time[0]}" if time else ""
        nl = f"{nl_subj} {finite}" + (f" {time[1]}" if time else "") + f" {middle}{tail}"
    en += en_end_time
    # verb-final order for a subordinate clause ("dat ik van lama's hou")
    sub_verbs = f"{finite} {infinitive}" if infinitive else finite
    nl_sub = f"{nl_subj}" + (f" {time[1]}" if time else "") + f" {middle} {sub_verbs}"
    en_sub = f"{en_subj} {en_verb} {en_rest}" + (f" {time[0]}" if time else "")
    return {"en": en, "nl": nl, "en_sub": en_sub, "nl_sub": nl_sub}


def _cap_pair(en: str, nl: str, end: str = ".") -> tuple[str, str]:
    nl = nl.strip()
    if nl.startswith("'s "):  # "'s avonds" keeps its apostrophe: "'s Avonds"
        nl = "'s " + _capitalise(nl[3:])
    else:
        nl = _capitalise(nl)
    return _capitalise(en.strip()) + end, nl + end


def _pair_simple(rng: random.Random) -> tuple[str, str]:
    clause = _nl_clause(rng)
    return _cap_pair(clause["en"], clause["nl"])


def _pair_love_see(rng: random.Random) -> tuple[str, str]:
    """Short "I love X" / "I see X" pairs: the alignments the attention chapter shows."""
    en_subj, nl_subj, person = rng.choice(NL_SUBJECTS[:6])
    noun = rng.choice([n for n in NL_NOUNS if n[5] in ("animal", "food") and n[1]])
    third = person == "3s"
    idx = _PERSON_INDEX[person]
    if rng.random() < 0.6:
        en = f"{en_subj} {'loves' if third else 'love'} {noun[1]}"
        nl = f"{nl_subj} {('hou', 'houdt', 'houdt', 'houden')[idx]} van {noun[3]}"
    else:
        en = f"{en_subj} {'sees' if third else 'see'} the {noun[1]}"
        nl = f"{nl_subj} {('zie', 'ziet', 'ziet', 'zien')[idx]} de {noun[3]}"
    return _cap_pair(en, nl)


def _pair_reported(rng: random.Random) -> tuple[str, str]:
    en_rep, nl_rep = rng.choice(NL_REPORTERS)
    clause = _nl_clause(rng)
    return _cap_pair(f"{en_rep} that {clause['en_sub']}", f"{nl_rep} dat {clause['nl_sub']}")


def _pair_because(rng: random.Random) -> tuple[str, str]:
    en_subj, nl_subj, person = rng.choice(NL_SUBJECTS)
    noun = rng.choice([n for n in NL_NOUNS if n[5] == "animal"])
    en_adj, nl_adj = rng.choice(NL_REASONS)
    idx = _PERSON_INDEX[person]
    third = person == "3s"
    en = f"{en_subj} {'loves' if third else 'love'} {noun[1]} because they are {en_adj}"
    nl = f"{nl_subj} {('hou', 'houdt', 'houdt', 'houden')[idx]} van {noun[3]} omdat ze {nl_adj} zijn"
    return _cap_pair(en, nl)


def _pair_coordinated(rng: random.Random) -> tuple[str, str]:
    first, second = _nl_clause(rng, allow_time=False), _nl_clause(rng)
    # Dutch writes no comma before "en" between two main clauses, but does before "maar"
    en_join, nl_join = rng.choice(((", and", " en"), (", but", ", maar")))
    return _cap_pair(f"{first['en']}{en_join} {second['en']}", f"{first['nl']}{nl_join} {second['nl']}")


def _pair_travel(rng: random.Random) -> tuple[str, str]:
    en_subj, nl_subj, person = rng.choice(NL_SUBJECTS)
    en_city, nl_city = rng.choice(NL_CITIES)
    idx = _PERSON_INDEX[person]
    time = rng.choice(NL_TIMES)
    if time[2] == "past":
        en = f"{time[0]} {en_subj} travelled to {en_city}"
        nl = f"{time[1]} {('reisde', 'reisde', 'reisde', 'reisden')[idx]} {nl_subj} naar {nl_city}"
    elif time[2] == "fut":
        zal = ("zal", "zul", "zal", "zullen")[idx]
        en = f"{time[0]} {en_subj} will travel to {en_city}"
        nl = f"{time[1]} {zal} {nl_subj} naar {nl_city} reizen"
    else:
        return _pair_love_see(rng)
    return _cap_pair(en, nl)


def _pair_copula(rng: random.Random) -> tuple[str, str]:
    """ "The horse is big." -> "Het paard is groot.": a predicate adjective takes no -e."""
    noun = rng.choice([n for n in NL_NOUNS if n[5] in ("animal", "thing") and n[1]])
    en_sg, en_pl, nl_sg, nl_pl, article, kind = noun
    adj = rng.choice([a for a in NL_ADJECTIVES if kind in a[3]])
    tense = rng.choice(("pres", "pres", "past"))
    if rng.random() < 0.5:
        en_verb, nl_verb = ("are", "zijn") if tense == "pres" else ("were", "waren")
        en, nl = f"the {en_pl} {en_verb} {adj[0]}", f"de {nl_pl} {nl_verb} {adj[1]}"
    else:
        en_verb, nl_verb = ("is", "is") if tense == "pres" else ("was", "was")
        en, nl = f"the {en_sg} {en_verb} {adj[0]}", f"{article} {nl_sg} {nl_verb} {adj[1]}"
    if rng.random() < 0.3:
        en_very, nl_very = rng.choice((("very", "heel"), ("not", "niet")))
        en = en.replace(f" {en_verb} ", f" {en_verb} {en_very} ")
        nl = nl.replace(f" {nl_verb} ", f" {nl_verb} {nl_very} ")
    return _cap_pair(en, nl)


_NL_MIX: tuple[tuple[Callable[[random.Random], tuple[str, str]], float], ...] = (
    (_pair_love_see, 0.25),
    (_pair_simple, 0.30),
    (_pair_copula, 0.05),
    (_pair_reported, 0.12),
    (_pair_because, 0.08),
    (_pair_coordinated, 0.12),
    (_pair_travel, 0.08),
)


def generate_toy_en_nl(seed: int = 3, n_pairs: int = 6000) -> list[tuple[str, str]]:
    """English -> Dutch sentence pairs, unique, canonical pair first."""
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = [("I love llamas.", "Ik hou van lama's.")]
    seen = {pairs[0][0]}
    makers = [m for m, _ in _NL_MIX]
    weights = [w for _, w in _NL_MIX]
    attempts = 0
    while len(pairs) < n_pairs and attempts < n_pairs * 20:
        attempts += 1
        en, nl = rng.choices(makers, weights)[0](rng)
        if en not in seen:
            seen.add(en)
            pairs.append((en, nl))
    return pairs


# ---------------------------------------------------------------------------------------
# Financial-news sentiment (positive / negative / neutral), English and Chinese
# ---------------------------------------------------------------------------------------
# Fictional companies, short news-wire sentences. About a quarter of each class comes from
# "hard" templates (negations, mixed clauses, "losses narrowed", "cut costs") so that a
# keyword rule gets some wrong and fine-tuning has something to learn beyond the words
# "rose" and "fell".

SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")

# (company, what it sells): the product always fits the company
COMPANIES_EN: tuple[tuple[str, str], ...] = (
    ("Northwind Traders", "coffee"),
    ("Bluefin Energy", "wind turbines"),
    ("Harbor Shipping", "container ships"),
    ("Pinecrest Foods", "frozen meals"),
    ("Aurora Motors", "trucks"),
    ("Silverline Telecom", "network equipment"),
    ("Redwood Pharma", "medicines"),
    ("Summit Steel", "steel pipes"),
    ("Lakeside Retail", "clothing"),
    ("Orion Electronics", "phones"),
    ("Cobalt Mining", "copper"),
    ("Meridian Chemicals", "paints"),
    ("Granite Construction", "cement"),
    ("Willow Paper", "paper"),
    ("Falcon Machines", "machine tools"),
    ("Nordic Timber", "timber"),
    ("Crescent Software", "software"),
    ("Evergreen Solar", "solar panels"),
)
COMPANIES_ZH: tuple[tuple[str, str], ...] = (
    ("北风贸易", "咖啡"),
    ("蓝鳍能源", "风力涡轮机"),
    ("港湾航运", "集装箱船"),
    ("松岭食品", "速冻食品"),
    ("曙光汽车", "卡车"),
    ("银线电信", "网络设备"),
    ("红杉制药", "药品"),
    ("峰顶钢铁", "钢管"),
    ("湖畔零售", "服装"),
    ("猎户电子", "手机"),
    ("钴石矿业", "铜"),
    ("子午化工", "涂料"),
    ("花岗建设", "水泥"),
    ("柳林纸业", "纸张"),
    ("猎鹰机械", "机床"),
    ("北欧木业", "木材"),
    ("新月软件", "软件"),
    ("长青太阳能", "太阳能电池板"),
)
QUARTERS_EN: tuple[str, ...] = ("the first quarter", "the second quarter", "the third quarter", "the fourth quarter")
QUARTER_ADJECTIVES_EN: tuple[str, ...] = ("first-quarter", "second-quarter", "third-quarter", "fourth-quarter")
QUARTERS_ZH: tuple[str, ...] = ("第一季度", "第二季度", "第三季度", "第四季度")
CITIES_EN: tuple[str, ...] = ("Helsinki", "Oslo", "Hamburg", "Lyon", "Osaka", "Milan", "Rotterdam")
CITIES_ZH: tuple[str, ...] = ("赫尔辛基", "奥斯陆", "汉堡", "里昂", "大阪", "米兰", "鹿特丹")
MONTHS_EN: tuple[str, ...] = ("January", "March", "April", "June", "August", "October", "November")
MONTHS_ZH: tuple[str, ...] = ("1月", "3月", "4月", "6月", "8月", "10月", "11月")

SENTIMENT_EN: dict[str, dict[str, tuple[str, ...]]] = {
    "positive": {
        "easy": (
            "{co} shares rose {pct}% after {qadj} profit beat expectations.",
            "{co} reported record revenue of {amt} million euros in {q}.",
            "{co} raised its full-year outlook on strong demand.",
            "{co} won a {amt} million euro contract to supply {product}.",
            "Net profit at {co} jumped {pct}% to {amt} million euros.",
            "{co} will hire {n} new staff as orders grow.",
            "Analysts upgraded {co} to buy after a strong quarter.",
            "{co} increased its dividend by {pct}%.",
            "Operating profit at {co} more than doubled in {q}.",
            "{co} beat expectations as sales climbed {pct}%.",
            "Orders for {product} at {co} grew {pct}% in {q}.",
            "{co} signed a long-term deal that will lift sales of {product}.",
        ),
        "hard": (
            "{co} did not cut any jobs this year, easing fears among staff.",
            "Despite a weak market, {co} grew sales by {pct}%.",
            "{co} shares fell early but closed {small}% higher.",
            "Losses at {co} narrowed to {amt} million euros from {amt2} million euros a year earlier.",
            "{co} cut costs by {pct}%, lifting its margin.",
            "Fewer customers left {co} in {q} than a year ago.",
            "{co} no longer expects a loss for the year.",
            "Debt at {co} fell {pct}%, which analysts welcomed.",
        ),
    },
    "negative": {
        "easy": (
            "{co} shares fell {pct}% after {qadj} profit missed forecasts.",
            "{co} will cut {n} jobs as sales decline.",
            "{co} swung to a loss of {amt} million euros in {q}.",
            "{co} lowered its full-year guidance, citing weak demand.",
            "Net sales at {co} dropped {pct}% in {q}.",
            "{co} issued a profit warning for the year.",
            "Analysts downgraded {co} to sell.",
            "{co} suspended its dividend after a weak quarter.",
            "Operating profit at {co} fell to {amt} million euros from {amt2} million euros.",
            "{co} will close {k} factories and lay off staff.",
            "Orders for {product} at {co} slumped {pct}% in {q}.",
            "{co} lost a major contract to supply {product}.",
        ),
        "hard": (
            "Despite a {pct}% rise in revenue, {co} missed profit forecasts.",
            "Revenue at {co} rose {pct}%, but margins shrank sharply.",
            "{co} failed to beat expectations in {q}.",
            "Profit at {co} rose only {pct}%, far below what analysts expected.",
            "{co} did not raise its outlook, disappointing investors.",
            "Sales at {co} were not strong enough to avoid a loss.",
            "{co} shares rose early but closed {small}% lower.",
            "Losses at {co} widened to {amt} million euros in {q}.",
        ),
    },
    "neutral": {
        "easy": (
            "{co} will publish its results for {q} on {day} {month}.",
            "{co} appointed a new chief financial officer.",
            "{co} has {n} employees in {k} countries.",
            "The annual general meeting of {co} will be held in {city} on {day} {month}.",
            "{co} is headquartered in {city}.",
            "{co} has offices in {k} countries.",
            "{co} said the board will meet next week.",
            "{co} produces {product} for customers in Europe and Asia.",
            "{co} moved its head office to {city}.",
            "{co} was founded in {city} in {year}.",
            "The shares of {co} are listed in {city}.",
        ),
        "hard": (
            "{co} held steady at {price} euros in early trading.",
            "{co} said profit was in line with expectations.",
            "{co} neither raised nor lowered its guidance.",
            "Sales at {co} rose {pct}% while costs rose by the same amount, leaving profit unchanged.",
            "{co} shares rose early but closed flat at {price} euros.",
            "Trading in {co} shares was unchanged at {price} euros.",
            "{co} did not comment on the report.",
            "{co} expects sales of {product} to stay at last year's level.",
        ),
    },
}

SENTIMENT_ZH: dict[str, dict[str, tuple[str, ...]]] = {
    "positive": {
        "easy": (
            "{co}{q}利润超出预期，股价上涨{pct}%。",
            "{co}{q}营收创下{amt}的新高。",
            "受需求强劲推动，{co}上调了全年业绩预期。",
            "{co}赢得一份价值{amt}的{product}供货合同。",
            "{co}净利润大涨{pct}%，达到{amt}。",
            "随着订单增加，{co}将新招聘{n}名员工。",
            "{co}本季度表现强劲，分析师将其评级上调为买入。",
            "{co}将股息提高了{pct}%。",
            "{co}{q}营业利润翻了一番多。",
            "{co}销售额增长{pct}%，业绩好于预期。",
            "{co}{q}的{product}订单增长了{pct}%。",
            "{co}签下一份长期协议，将带动{product}的销售。",
        ),
        "hard": (
            "{co}今年没有裁员，员工的担忧有所缓解。",
            "尽管市场疲软，{co}的销售额仍增长了{pct}%。",
            "{co}股价早盘下跌，但收盘时上涨了{small}%。",
            "{co}的亏损从一年前的{amt2}收窄至{amt}。",
            "{co}把成本削减了{pct}%，利润率随之提高。",
            "{co}{q}流失的客户比去年同期少。",
            "{co}不再预计全年会出现亏损。",
            "{co}的债务减少了{pct}%，分析师对此表示欢迎。",
        ),
    },
    "negative": {
        "easy": (
            "{co}{q}利润不及预期，股价下跌{pct}%。",
            "由于销售下滑，{co}将裁员{n}人。",
            "{co}{q}由盈转亏，亏损{amt}。",
            "{co}以需求疲软为由，下调了全年业绩指引。",
            "{co}{q}净销售额下降了{pct}%。",
            "{co}发布了全年盈利预警。",
            "分析师将{co}的评级下调为卖出。",
            "{co}本季度业绩疲弱，暂停派发股息。",
            "{co}的营业利润从{amt2}降至{amt}。",
            "{co}将关闭{k}家工厂并裁减员工。",
            "{co}{q}的{product}订单骤降{pct}%。",
            "{co}失去了一份重要的{product}供货合同。",
        ),
        "hard": (
            "尽管营收增长了{pct}%，{co}的利润仍未达到预期。",
            "{co}营收增长{pct}%，但利润率大幅收缩。",
            "{co}{q}业绩未能超出预期。",
            "{co}利润仅增长{pct}%，远低于分析师的预期。",
            "{co}没有上调业绩预期，令投资者失望。",
            "{co}的销售额不足以避免亏损。",
            "{co}股价早盘上涨，但收盘时下跌了{small}%。",
            "{co}{q}的亏损扩大至{amt}。",
        ),
    },
    "neutral": {
        "easy": (
            "{co}将于{month}{day}日公布{q}业绩。",
            "{co}任命了一位新的首席财务官。",
            "{co}在{k}个国家拥有{n}名员工。",
            "{co}年度股东大会将于{month}{day}日在{city}举行。",
            "{co}总部位于{city}。",
            "{co}在{k}个国家设有办事处。",
            "{co}表示董事会将于下周开会。",
            "{co}为欧洲和亚洲的客户生产{product}。",
            "{co}把总部迁到了{city}。",
            "{co}于{year}年在{city}成立。",
            "{co}的股票在{city}上市交易。",
        ),
        "hard": (
            "{co}早盘股价稳定在{price}欧元。",
            "{co}表示利润符合预期。",
            "{co}既没有上调也没有下调业绩指引。",
            "{co}销售额增长{pct}%，成本也增加了同样的幅度，利润持平。",
            "{co}股价早盘上涨，但收盘时持平于{price}欧元。",
            "{co}股价持平，报{price}欧元。",
            "{co}对该报道不予置评。",
            "{co}预计{product}的销量将与去年持平。",
        ),
    },
}


def _euros_zh(millions: int) -> str:
    """529 -> '5.29亿欧元', 40 -> '4000万欧元' (the way Chinese news writes amounts)."""
    if millions >= 100:
        return f"{millions / 100:.2f}".rstrip("0").rstrip(".") + "亿欧元"
    return f"{millions * 100}万欧元"


def _sentiment_slots(rng: random.Random, lang: str) -> dict[str, str]:
    amt = rng.randint(5, 900)
    amt2 = rng.randint(amt + 1, amt * 2 + 10)  # the larger of two amounts
    en = lang == "en"
    company, product = rng.choice(COMPANIES_EN if en else COMPANIES_ZH)
    quarter = rng.randrange(4)
    return {
        "co": company,
        "product": product,
        "q": (QUARTERS_EN if en else QUARTERS_ZH)[quarter],
        "qadj": QUARTER_ADJECTIVES_EN[quarter] if en else "",
        "city": rng.choice(CITIES_EN if en else CITIES_ZH),
        "month": rng.choice(MONTHS_EN if en else MONTHS_ZH),
        "pct": f"{rng.randint(1, 45)}.{rng.randint(0, 9)}",
        "amt": str(amt) if en else _euros_zh(amt),
        "amt2": str(amt2) if en else _euros_zh(amt2),
        "small": f"{rng.randint(0, 6)}.{rng.randint(1, 9)}",
        "n": str(rng.choice((12, 40, 85, 120, 150, 200, 350, 400, 600, 1200))),
        "k": str(rng.randint(3, 30)),
        "day": str(rng.randint(1, 28)),
        "year": str(rng.randint(1950, 2015)),
        "price": f"{rng.randint(2, 180)}.{rng.randint(0, 99):02d}",
    }


def generate_sentiment(
    lang: str, seed: int = 4, per_label: int = 300, test_fraction: float = 0.2, hard_fraction: float = 0.3
) -> list[tuple[str, str, str]]:
    """Labelled financial-news sentences as (split, label, text), stratified, no duplicates.

    Each label gets ``per_label`` unique sentences; ``test_fraction`` of each label goes to
    the test split. Rows come out shuffled.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"unknown language {lang!r}")
    rng = random.Random(f"sentiment-{lang}-{seed}")
    templates = SENTIMENT_EN if lang == "en" else SENTIMENT_ZH
    seen: set[str] = set()
    rows: list[tuple[str, str, str]] = []
    for label in SENTIMENT_LABELS:
        texts: list[str] = []
        while len(texts) < per_label:
            kind = "hard" if rng.random() < hard_fraction else "easy"
            text = rng.choice(templates[label][kind]).format(**_sentiment_slots(rng, lang))
            if text not in seen:
                seen.add(text)
                texts.append(text)
        n_test = round(per_label * test_fraction)
        rows.extend(("test", label, text) for text in texts[:n_test])
        rows.extend(("train", label, text) for text in texts[n_test:])
    rng.shuffle(rows)
    return rows


# ---------------------------------------------------------------------------------------
# The shipped files, rendered to bytes (scripts/make_corpora.py writes them; a test
# regenerates them and compares byte for byte)
# ---------------------------------------------------------------------------------------

CORPUS_FILES: dict[str, str] = {
    "toy_en": "toy_en.txt",
    "toy_zh": "toy_zh.txt",
    "toy_en_nl": "toy_en_nl.tsv",
    "sentiment_en": "sentiment_en.tsv",
    "sentiment_zh": "sentiment_zh.tsv",
}


def _lines(rows: Sequence[str]) -> bytes:
    for row in rows:
        if "\n" in row or "\r" in row:
            raise ValueError(f"line break inside a row: {row!r}")
    return ("\n".join(rows) + "\n").encode("utf-8")


def render_corpus_files() -> dict[str, bytes]:
    """File name -> exact bytes of every shipped corpus file (deterministic)."""
    sentiment = {lang: _lines(["\t".join(row) for row in generate_sentiment(lang)]) for lang in ("en", "zh")}
    return {
        CORPUS_FILES["toy_en"]: _lines(generate_toy_en()),
        CORPUS_FILES["toy_zh"]: _lines(generate_toy_zh()),
        CORPUS_FILES["toy_en_nl"]: _lines([f"{en}\t{nl}" for en, nl in generate_toy_en_nl()]),
        CORPUS_FILES["sentiment_en"]: sentiment["en"],
        CORPUS_FILES["sentiment_zh"]: sentiment["zh"],
    }
