"""English -> Dutch sentence pairs: a tiny, explicit grammar of Dutch.

Verb-second word order in main clauses (a fronted time phrase moves the verb before the
subject), verb-final order after "dat" / "omdat", "niet" / "geen" for negation, de/het
articles and adjective endings (een groot paard, de grote hond), plurals in -en, -s and -'s
(lama's). The two languages differ in their grammar, not just their words, so this is code.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from lm_core.data.toyworld.world import capitalise as _capitalise

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
