"""A small encyclopedia the models cannot know: invented towns, people, dates and inventions.

Chapter 9 asks a model questions whose answers it never saw in training. So the facts are
invented here, from one seeded fact table (the towns, who founded them, the river they lie on,
a landmark, who built it and when, what its builder invented), and rendered twice, as
parallel English and Chinese encyclopedia articles. Each question comes with its gold answer,
the words that show an answer is right (``match``), the sentence stating the fact and the
articles that hold it, so retrieval and answers can be scored.

Nothing is stored: the same seed gives the same text, byte for byte (a test checks it), the
way the toy world of ``lm_core/data/toyworld`` regenerates its corpora. The names are data,
below, in both languages; the order of the random draws is part of the text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lm_core.core.once import once

LANGUAGES = ("en", "zh")
SEED = 9

# (English, Chinese) pairs: invented names nobody's training data holds.
TOWNS = (
    ("Wrenfield", "雷恩菲尔德"), ("Ostmere", "奥斯特米尔"), ("Calloway Bend", "卡洛韦湾"), ("Tamsk", "塔姆斯克"),
    ("Brindlecombe", "布林德尔库姆"), ("Vellory", "维洛里"), ("Quarrow", "夸罗"), ("Elsinholt", "埃尔辛霍尔特"),
)
PEOPLE = (
    ("Ada Korvel", "阿达·科维尔"), ("Tobin Marsh", "托宾·马什"), ("Ilse Varrow", "伊尔莎·瓦罗"),
    ("Dario Quell", "达里奥·奎尔"), ("Mina Holloway", "米娜·霍洛韦"), ("Pavel Drask", "帕维尔·德拉斯克"),
    ("Greta Lunn", "格蕾塔·伦恩"), ("Osric Penhale", "奥斯里克·彭海尔"), ("Sabine Morrow", "萨宾·莫罗"),
    ("Ivo Castellan", "伊沃·卡斯特兰"), ("Nell Ashgrove", "内尔·阿什格罗夫"), ("Rurik Tallis", "鲁里克·塔利斯"),
    ("Lotte Brann", "洛特·布兰"), ("Emrys Vale", "埃姆里斯·维尔"), ("Hana Kettleby", "哈娜·凯特尔比"),
    ("Aurel Simm", "奥雷尔·西姆"),
)
RIVERS = (
    ("Sallow", "萨洛河"), ("Brennet", "布伦内特河"), ("Ouse-Vane", "乌斯韦恩河"), ("Tirrel", "蒂雷尔河"),
    ("Marrow", "马罗河"), ("Kestle", "凯斯特尔河"), ("Dunmore", "邓莫尔河"), ("Averil", "埃弗里尔河"),
)
LANDMARKS = (
    ("clock tower", "钟楼"), ("stone bridge", "石桥"), ("public library", "公共图书馆"), ("lighthouse", "灯塔"),
    ("glass market", "玻璃市场"), ("observatory", "天文台"), ("music hall", "音乐厅"), ("salt mill", "盐磨坊"),
)
INVENTIONS = (
    ("a folding copper umbrella", "铜制折叠伞"), ("the rain clock", "雨钟"), ("a lamp that burns seaweed oil", "海藻油灯"),
    ("the three-wheeled plough", "三轮犁"), ("a paper that does not burn", "不燃纸"), ("the singing kettle", "会唱歌的水壶"),
    ("a bicycle for deep snow", "雪地自行车"), ("the mirror telegraph", "镜面电报"),
)
PRODUCTS = (
    ("glass bells", "玻璃铃"), ("wool rugs", "羊毛地毯"), ("paper kites", "纸风筝"), ("copper pots", "铜锅"),
    ("plum wine", "梅子酒"), ("river pearls", "河珍珠"), ("cedar boats", "雪松木船"), ("honey cakes", "蜂蜜饼"),
)
MONTHS = (
    ("March", "三月"), ("April", "四月"), ("May", "五月"), ("June", "六月"),
    ("August", "八月"), ("September", "九月"), ("October", "十月"), ("November", "十一月"),
)
# Everyday sentences between the facts, so a chunk is not just its fact ({town} is filled in).
FILLER = (
    ("Its streets are narrow and paved with grey stone.", "这里的街道很窄，铺着灰色的石头。"),
    ("In winter the fog from the water often lasts until noon.", "冬天，水面上的雾常常到中午才散。"),
    ("The market opens early on Saturdays.", "每逢星期六，集市很早就开门。"),
    ("Most houses have red roofs and small gardens.", "大多数房子有红色的屋顶和小花园。"),
    ("Children learn to swim in the river in summer.", "夏天，孩子们在河里学游泳。"),
    ("The old school was rebuilt after a fire.", "老学校在一场火灾后重建了。"),
    ("Travellers often stop at the inn by the main road.", "旅人常在大路旁的客栈歇脚。"),
    ("A small museum keeps maps of the old roads.", "一座小博物馆收藏着旧道路的地图。"),
    ("The town has two bakeries and one bookshop.", "镇上有两家面包店和一家书店。"),
    ("Its football team has never won a cup.", "当地的足球队从未赢得过奖杯。"),
)


@dataclass(frozen=True)
class Town:
    """One row of the fact table. Names are ``(en, zh)`` pairs; years are numbers."""

    name: tuple[str, str]
    river: tuple[str, str]
    founded: int
    founder: tuple[str, str]
    landmark: tuple[str, str]
    landmark_year: int
    builder: tuple[str, str]
    builder_born: int
    invention: tuple[str, str]
    invention_year: int
    product: tuple[str, str]
    month: tuple[str, str]
    population: int
    fillers: tuple[int, ...]  # which FILLER sentences its article uses


@dataclass(frozen=True)
class Article:
    """One encyclopedia entry: ``key`` (stable across languages), title and text (paragraphs
    separated by a blank line)."""

    key: str
    title: str
    text: str


@dataclass(frozen=True)
class Question:
    """A question with its gold answer. ``match``: the words an answer must contain to be right;
    ``statement``: the article's sentence that states the fact; ``articles``: keys of the
    articles holding it; ``kind``: ``year``, ``founder`` or ``river``."""

    question: str
    answer: str
    match: str
    statement: str
    articles: tuple[str, ...]
    kind: str


def _unique_years(rng: random.Random, low: int, high: int, n: int) -> list[int]:
    return rng.sample(range(low, high), n)


@once(maxsize=4)
def fact_table(seed: int = SEED) -> tuple[Town, ...]:
    """The invented facts, drawn once from ``seed`` (every year unique, so an answer is
    never in two places by chance)."""
    rng = random.Random(seed)
    n = len(TOWNS)
    people = rng.sample(PEOPLE, 2 * n)
    rivers = rng.sample(RIVERS, n)
    landmarks = rng.sample(LANDMARKS, n)
    inventions = rng.sample(INVENTIONS, n)
    products = rng.sample(PRODUCTS, n)
    months = rng.sample(MONTHS, n)
    years = _unique_years(rng, 1100, 1600, n) + _unique_years(rng, 1700, 1960, 3 * n)
    towns = []
    for i, name in enumerate(TOWNS):
        landmark_year, born, invented = years[n + 3 * i : n + 3 * i + 3]
        born, invented, landmark_year = sorted((born, invented, landmark_year))  # born first
        towns.append(
            Town(
                name=name, river=rivers[i], founded=years[i], founder=people[i], landmark=landmarks[i],
                landmark_year=landmark_year, builder=people[n + i], builder_born=born,
                invention=inventions[i], invention_year=invented, product=products[i], month=months[i],
                population=rng.randrange(12, 95) * 100, fillers=tuple(rng.sample(range(len(FILLER)), 3)),
            )
        )
    return tuple(towns)


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[LANGUAGES.index(lang)]


# --------------------------------------------------------------------------- the articles

def _town_paragraphs(town: Town, lang: str) -> list[str]:
    name, river, founder = _pick(town.name, lang), _pick(town.river, lang), _pick(town.founder, lang)
    landmark, builder, product = _pick(town.landmark, lang), _pick(town.builder, lang), _pick(town.product, lang)
    month = _pick(town.month, lang)
    fillers = [_pick(FILLER[i], lang) for i in town.fillers]
    if lang == "en":
        return [
            f"{name} is a small town on the banks of the river {river}. It was founded in {town.founded} by "
            f"{founder}. Today about {town.population} people live there. {fillers[0]}",
            f"The {landmark} of {name} was built in {town.landmark_year} by {builder}. It stands near the old "
            f"market square, and visitors may enter it on Sundays. {fillers[1]}",
            f"{name} is best known for its {product}. Every year in {month} the town holds a fair where they are "
            f"sold. {fillers[2]}",
        ]
    return [
        f"{name}是{river}岸边的一座小镇。它由{founder}于{town.founded}年建立。如今约有{town.population}人住在这里。{fillers[0]}",
        f"{name}的{landmark}由{builder}于{town.landmark_year}年建成。它位于老集市广场附近，星期日对游客开放。{fillers[1]}",
        f"{name}以{product}闻名。每年{month}，镇上都会举办集市出售{product}。{fillers[2]}",
    ]


def _person_paragraphs(town: Town, birthplace: Town, lang: str) -> list[str]:
    person, invention = _pick(town.builder, lang), _pick(town.invention, lang)
    home, landmark, there = _pick(birthplace.name, lang), _pick(town.landmark, lang), _pick(town.name, lang)
    if lang == "en":
        return [
            f"{person} was born in {home} in {town.builder_born}. As a young builder {person} learned to work "
            "with stone and iron.",
            f"{person} is remembered as the inventor of {invention}, first shown in {town.invention_year}. "
            f"Later {person} moved to {there} and worked on its {landmark}.",
        ]
    return [
        f"{person}于{town.builder_born}年出生在{home}。{person}年轻时是一名建筑工，学会了使用石头和铁。",
        f"人们记得{person}是{invention}的发明者，它在{town.invention_year}年首次展出。后来{person}搬到{there}，参与建造那里的{landmark}。",
    ]


def town_key(town: Town) -> str:
    return "town:" + town.name[0].lower().replace(" ", "_")


def person_key(town: Town) -> str:
    return "person:" + town.builder[0].lower().replace(" ", "_")


@once(maxsize=8)
def articles(lang: str, seed: int = SEED) -> tuple[Article, ...]:
    """Every article of the encyclopedia in ``lang``: one per town, one per landmark builder."""
    if lang not in LANGUAGES:
        raise ValueError(f"no knowledge base in {lang!r}; have {LANGUAGES}")
    towns = fact_table(seed)
    out = [Article(town_key(t), _pick(t.name, lang), "\n\n".join(_town_paragraphs(t, lang))) for t in towns]
    for i, town in enumerate(towns):
        birthplace = towns[(i + 3) % len(towns)]
        out.append(Article(person_key(town), _pick(town.builder, lang), "\n\n".join(_person_paragraphs(town, birthplace, lang))))
    return tuple(out)


def full_text(lang: str, seed: int = SEED) -> str:
    """The whole encyclopedia as one text (titles as headings), for hashing and display."""
    return "\n\n".join(f"# {a.title}\n\n{a.text}" for a in articles(lang, seed))


# --------------------------------------------------------------------------- the questions

def _surname(pair: tuple[str, str], lang: str) -> str:
    """What an answer must contain to name the person: the family name."""
    name = _pick(pair, lang)
    return name.split(" ")[-1] if lang == "en" else name.split("·")[-1]


@once(maxsize=8)
def questions(lang: str, seed: int = SEED) -> tuple[Question, ...]:
    """Three questions per town (when its landmark was built, who founded it, its river),
    worded unlike the article so retrieval has to find the meaning, not the same words."""
    if lang not in LANGUAGES:
        raise ValueError(f"no knowledge base in {lang!r}; have {LANGUAGES}")
    out = []
    for town in fact_table(seed):
        key = (town_key(town),)
        name, landmark = _pick(town.name, lang), _pick(town.landmark, lang)
        first, second, _ = _town_paragraphs(town, lang)
        if lang == "en":
            landmark_statement = second.split(". ")[0] + "."
            founder_statement = first.split(". ")[1] + "."
            river_statement = first.split(". ")[0] + "."
            asked = (
                f"In which year did {name} get its {landmark}?",
                f"Who started the settlement of {name}?",
                f"Which river flows past {name}?",
            )
        else:
            landmark_statement = second.split("。")[0] + "。"
            founder_statement = first.split("。")[1] + "。"
            river_statement = first.split("。")[0] + "。"
            asked = (f"{name}的{landmark}是哪一年建成的？", f"是谁创建了{name}这个聚居地？", f"哪条河流经{name}？")
        river = _pick(town.river, lang)
        out += [
            Question(asked[0], str(town.landmark_year), str(town.landmark_year), landmark_statement, key, "year"),
            Question(asked[1], _pick(town.founder, lang), _surname(town.founder, lang), founder_statement, key, "founder"),
            Question(asked[2], river, river.removesuffix("河") if lang == "zh" else river, river_statement, key, "river"),
        ]
    return tuple(out)


def is_right(answer: str, question: Question) -> bool:
    """Whether a model's answer names the gold fact (its ``match`` words, any case)."""
    return question.match.lower() in answer.lower()


def wrong_value(question: Question, seed: int = SEED) -> str:
    """A plausible but false answer for ``question`` (another town's fact of the same kind),
    for the page's "the document is wrong" experiment."""
    same_kind = [q.answer for q in questions(_lang_of(question), seed) if q.kind == question.kind and q.answer != question.answer]
    return same_kind[(len(question.question) + 1) % len(same_kind)]


def _lang_of(question: Question) -> str:
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in question.question) else "en"


def with_wrong_fact(text: str, question: Question, seed: int = SEED) -> tuple[str, str]:
    """``text`` with the gold answer replaced by a false one: ``(new text, false answer)``."""
    false = wrong_value(question, seed)
    return text.replace(question.answer, false), false
