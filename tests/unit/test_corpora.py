"""The shipped toy-world corpora: reproducible, loadable, and good enough to teach with."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from lm_core.core.errors import InputError
from lm_core.data import corpora, toyworld

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- files


def test_shipped_files_are_exactly_what_the_generator_writes():
    files = toyworld.render_corpus_files()
    assert set(files) == set(toyworld.CORPUS_FILES.values())
    for name, data in files.items():
        shipped = (corpora.CORPORA_DIR / name).read_bytes()
        assert shipped == data, f"{name} differs: run python scripts/make_corpora.py"


def test_generation_is_deterministic_and_seed_dependent():
    assert toyworld.generate_toy_en(seed=7, n_sentences=300) == toyworld.generate_toy_en(seed=7, n_sentences=300)
    assert toyworld.generate_toy_en(seed=7, n_sentences=300) != toyworld.generate_toy_en(seed=8, n_sentences=300)
    assert toyworld.generate_sentiment("zh", seed=3) != toyworld.generate_sentiment("zh", seed=4)


def test_make_corpora_check_passes_on_the_shipped_files(tmp_path):
    script = ROOT / "scripts" / "make_corpora.py"
    ok = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # into an empty folder: --check reports every file as different
    empty = subprocess.run(
        [sys.executable, str(script), "--check", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert empty.returncode == 1 and "DIFFERS" in empty.stdout
    assert not list(tmp_path.iterdir())


def test_corpora_stay_small_on_disk():
    total = sum((corpora.CORPORA_DIR / name).stat().st_size for name in toyworld.CORPUS_FILES.values())
    assert total < 3 * 1024 * 1024


# --------------------------------------------------------------------------- loaders


def test_list_and_load_every_corpus():
    assert corpora.list_corpora() == ["toy_en", "toy_zh", "toy_en_nl", "sentiment_en", "sentiment_zh"]
    for name in corpora.list_corpora():
        corpus = corpora.load_corpus(name)
        assert corpus.name == name
        assert corpus.lang in ("en", "zh", "en-nl")
        assert corpus.title_en and corpus.title_zh and corpus.description_en and corpus.description_zh
        assert all(isinstance(s, str) and s.strip() == s and s for s in corpus.sentences)
        assert corpus is corpora.load_corpus(name)  # cached


def test_unknown_corpus_is_an_input_error():
    with pytest.raises(InputError) as caught:
        corpora.load_corpus("shakespeare")
    assert caught.value.key == "errors.corpus.unknown"
    assert caught.value.params["name"] == "shakespeare"


def test_corpus_is_read_only():
    corpus = corpora.load_corpus("toy_en")
    with pytest.raises(AttributeError):
        corpus.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        corpus.word_groups["king"] = "food"  # type: ignore[index]
    with pytest.raises(TypeError):
        corpus.word_groups.update(king="food")  # type: ignore[attr-defined]
    assert corpus.word_groups["king"] == "person"


def test_corpus_pickles_and_copies_for_streamlit_caches():
    """st.cache_data pickles return values and hashes dataclass arguments via asdict."""
    import copy
    import dataclasses
    import pickle

    corpus = corpora.load_corpus("toy_zh")
    again = pickle.loads(pickle.dumps(corpus))
    assert again.sentences == corpus.sentences and dict(again.word_groups) == dict(corpus.word_groups)
    with pytest.raises(TypeError):
        again.word_groups["国王"] = "food"  # type: ignore[index]
    assert dataclasses.asdict(copy.deepcopy(corpus))["word_groups"]["国王"] == "person"


def test_sizes():
    assert 8000 <= len(corpora.load_corpus("toy_en").sentences) <= 12000
    assert 5000 <= len(corpora.load_corpus("toy_zh").sentences) <= 12000
    assert len(corpora.load_corpus("toy_en_nl").pairs) >= 3000
    for name in ("sentiment_en", "sentiment_zh"):
        assert len(corpora.load_corpus(name).examples) >= 600


# --------------------------------------------------------------------------- toy world content


def test_canonical_english_sentences_are_present():
    sentences = set(corpora.load_corpus("toy_en").sentences)
    assert "It rained this morning." in sentences
    assert "I lost my keys yesterday but they were in my coat." in sentences
    text = " ".join(sentences).lower()
    for form in ("rained", "rains", "raining", " rain "):
        assert form in text
    for word in (
        "thunder",
        "storm",
        "snow",
        "sunrise",
        "sunset",
        "evening",
        "night",
        "llama",
        "llamas",
        "apple",
        "baby",
        "newborn",
        "king",
        "queen",
        "prince",
        "princess",
        "father",
        "mother",
    ):
        assert re.search(rf"\b{word}\b", text), word


def test_english_sentences_vary_in_length_and_look_like_english():
    sentences = corpora.load_corpus("toy_en").sentences
    lengths = [len(s.split()) for s in sentences]
    assert min(lengths) <= 4 and max(lengths) >= 15
    assert all(s[0].isupper() and s[-1] in ".!" for s in sentences)
    assert any("Paris" in s for s in sentences)  # proper nouns keep their capital letter
    assert len(set(sentences)) > len(sentences) / 3  # not a handful of lines repeated


def test_bank_has_both_senses_in_english_and_two_words_in_chinese():
    en = corpora.load_corpus("toy_en").sentences
    river = [s for s in en if re.search(r"\bbank\b", s) and re.search(r"river|boat|fish|stream|water", s)]
    money = [s for s in en if re.search(r"\bbank\b", s) and re.search(r"money|loan|cash|account|coins|savings", s)]
    assert len(river) > 50 and len(money) > 50
    zh = corpora.load_corpus("toy_zh").sentences
    assert sum("河岸" in s for s in zh) > 50 and sum("银行" in s for s in zh) > 50
    assert "bank" in corpora.load_corpus("toy_zh").description_en  # the split is explained


def test_keys_have_a_pronoun_antecedent():
    en = corpora.load_corpus("toy_en").sentences
    assert sum(bool(re.search(r"\bkeys\b.*\b(they|them)\b", s)) for s in en) > 100
    zh = corpora.load_corpus("toy_zh").sentences
    assert "我昨天把钥匙弄丢了，但它们就在我的外套里。" in zh
    assert sum(("钥匙" in s and "它们" in s) for s in zh) > 100


def test_chinese_world_words_and_canonical_sentences():
    zh = corpora.load_corpus("toy_zh")
    assert "今天早上下雨了。" in zh.sentences
    text = "".join(zh.sentences)
    for word in (
        "雨",
        "雷",
        "早上",
        "日出",
        "羊驼",
        "骆驼",
        "苹果",
        "婴儿",
        "新生儿",
        "国王",
        "王后",
        "男人",
        "女人",
        "巴黎",
        "法国",
        "东京",
        "日本",
    ):
        assert word in text, word
    assert not any(" " in s for s in zh.sentences)  # unsegmented Chinese


def test_jieba_never_hides_a_world_word_inside_a_longer_token():
    world = set(toyworld.WORD_GROUPS_ZH) | set(toyworld.world_words_zh())
    key_groups = {"person", "country", "capital", "weather", "time", "animal", "food", "money", "river"}
    key_words = {w for w, g in toyworld.WORD_GROUPS_ZH.items() if g in key_groups}
    ordinary_words = {"小狗", "马车", "骑马", "猫头鹰", "他们", "大雨"}  # real words that happen to contain one
    glued = Counter()
    for words in corpora.corpus_words(corpora.load_corpus("toy_zh")):
        for token in words:
            if token not in world and token not in ordinary_words and any(w in token for w in key_words):
                glued[token] += 1
    assert not glued, glued.most_common(10)


def test_word_groups_colour_the_key_words():
    en = corpora.load_corpus("toy_en").word_groups
    expected = {
        "rain": "weather",
        "thunder": "weather",
        "morning": "time",
        "sunrise": "time",
        "llama": "animal",
        "apple": "food",
        "baby": "person",
        "king": "person",
        "france": "country",
        "paris": "capital",
        "tokyo": "capital",
        "bank": "ambiguous",
    }
    for word, group in expected.items():
        assert en[word] == group
    zh = corpora.load_corpus("toy_zh").word_groups
    assert zh["河岸"] == "river" and zh["银行"] == "money" and zh["巴黎"] == "capital"


def test_every_word_group_has_a_label_in_both_languages():
    import tomllib

    groups = set(toyworld.WORD_GROUPS_EN.values()) | set(toyworld.WORD_GROUPS_ZH.values())
    for lang in ("en", "zh"):
        with (ROOT / "assets" / "content" / lang / "corpora.toml").open("rb") as handle:
            table = tomllib.load(handle)
        assert groups <= set(table["groups"]), lang
        assert set(toyworld.SENTIMENT_LABELS) <= set(table["labels"])


# --------------------------------------------------------------------------- word2vec on the toy world


def _train(sentences, seed):
    gensim = pytest.importorskip("gensim")
    return gensim.models.Word2Vec(
        sentences, sg=1, vector_size=50, window=5, negative=5, min_count=1, epochs=20, seed=seed, workers=1
    ).wv


# Two seeds: the analogies must come from the corpus, not from one lucky initialisation.
@pytest.fixture(scope="module", params=[1, 2])
def english_vectors(request):
    return _train(corpora.corpus_words(corpora.load_corpus("toy_en")), request.param)


@pytest.fixture(scope="module", params=[1, 2])
def chinese_vectors(request):
    return _train(corpora.corpus_words(corpora.load_corpus("toy_zh")), request.param)


def _top(wv, positive, negative):
    return wv.most_similar(positive=positive, negative=negative, topn=1)[0][0]


def test_english_analogies_hold(english_vectors):
    wv = english_vectors
    assert _top(wv, ["king", "woman"], ["man"]) == "queen"
    assert _top(wv, ["paris", "japan"], ["france"]) == "tokyo"
    assert _top(wv, ["prince", "girl"], ["boy"]) == "princess"
    assert _top(wv, ["rome", "germany"], ["italy"]) == "berlin"


def test_english_neighbours_make_sense(english_vectors):
    wv = english_vectors
    unrelated = wv.similarity("apple", "baby")
    assert wv.similarity("morning", "sunrise") > unrelated + 0.2
    assert wv.similarity("rain", "thunder") > unrelated + 0.2
    assert wv.similarity("baby", "newborn") > wv.similarity("apple", "newborn") + 0.2
    assert wv.similarity("king", "queen") > wv.similarity("king", "apple")
    # one static vector for two senses: "bank" is near the river words and the money words
    assert wv.similarity("bank", "river") > wv.similarity("bank", "king") + 0.1
    assert wv.similarity("bank", "loan") > wv.similarity("bank", "king") + 0.1


def test_chinese_analogies_hold(chinese_vectors):
    wv = chinese_vectors
    assert _top(wv, ["国王", "女人"], ["男人"]) == "王后"
    assert _top(wv, ["巴黎", "日本"], ["法国"]) == "东京"
    unrelated = wv.similarity("苹果", "婴儿")
    assert wv.similarity("早上", "日出") > unrelated + 0.2
    assert wv.similarity("雨", "雷") > unrelated + 0.2


# --------------------------------------------------------------------------- English -> Dutch


def test_parallel_corpus_pairs():
    corpus = corpora.load_corpus("toy_en_nl")
    assert corpus.lang == "en-nl"
    assert ("I love llamas.", "Ik hou van lama's.") in corpus.pairs
    assert corpus.sentences == tuple(en for en, _ in corpus.pairs)
    lengths = [len(en.split()) for en, _ in corpus.pairs]
    assert min(lengths) == 3 and 15 <= max(lengths) <= 22
    english = [en for en, _ in corpus.pairs]
    assert len(set(english)) == len(english)
    assert sum(en.startswith(("I love ", "I see ")) for en in english) >= 30
    assert all("\t" not in en and "\t" not in nl for en, nl in corpus.pairs)


def test_dutch_grammar_spot_checks():
    pairs = dict(corpora.load_corpus("toy_en_nl").pairs)
    dutch = list(pairs.values())
    # verb-second after a fronted time phrase: "Gisteren zag ik ...", never "Gisteren ik zag"
    fronted = [nl for nl in dutch if nl.startswith("Gisteren ")]
    assert fronted and all(
        nl.split()[1]
        in {
            "zag",
            "zagen",
            "had",
            "hadden",
            "wilde",
            "wilden",
            "at",
            "aten",
            "kocht",
            "kochten",
            "voerde",
            "voerden",
            "reisde",
            "reisden",
            "hield",
            "hielden",
        }
        for nl in fronted
    )
    # verb-final after "dat": "... dat de koning van appels houdt."
    assert any(re.search(r" dat .* van \S+ (houdt|hou|houden)\.$", nl) for nl in dutch)
    # articles and adjective endings: een groot paard (het), een grote hond (de)
    assert not any(
        re.search(r"\been (grote|kleine|oude|mooie|witte|zwarte) (paard|huis|boek|schaap|ei)\b", nl) for nl in dutch
    )
    assert not any(re.search(r"\bde (paard|huis|boek|schaap|meisje)\b", nl) for nl in dutch)
    assert not any(re.search(r"\bhet (hond|kat|koe|lama|appel|koning)\b", nl) for nl in dutch)
    # a predicate adjective takes no -e: "Het paard is groot.", never "is grote"
    assert any(
        re.fullmatch(r"(De|Het) \S+ (is|zijn|was|waren) (heel |niet )?(groot|klein|oud|mooi)\.", nl) for nl in dutch
    )
    assert not any(
        re.search(r" (is|zijn|was|waren) (heel |niet )?(grote|kleine|oude|mooie|nieuwe|rode)\.$", nl) for nl in dutch
    )
    # negation: "geen" with indefinite objects, "niet" with "houden van"
    assert any(" geen " in nl for nl in dutch) and any(" niet van " in nl for nl in dutch)
    # "jij" after the verb drops the -t: "zie jij", never "ziet jij"
    assert not any(re.search(r"\b(ziet|houdt|hebt|wilt|koopt|voert) jij\b", nl) for nl in dutch)


# --------------------------------------------------------------------------- sentiment


@pytest.mark.parametrize("name", ["sentiment_en", "sentiment_zh"])
def test_sentiment_balance_and_split(name):
    corpus = corpora.load_corpus(name)
    counts = Counter(label for _, label in corpus.examples)
    assert set(counts) == {"positive", "negative", "neutral"}
    assert max(counts.values()) - min(counts.values()) <= len(corpus.examples) * 0.1
    train, test = corpus.split("train"), corpus.split("test")
    assert len(train) + len(test) == len(corpus.examples)
    assert 0.15 <= len(test) / len(corpus.examples) <= 0.25
    assert not {text for text, _ in train} & {text for text, _ in test}
    test_counts = Counter(label for _, label in test)
    assert max(test_counts.values()) - min(test_counts.values()) <= 3  # stratified
    texts = [text for text, _ in corpus.examples]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("name", ["sentiment_en", "sentiment_zh"])
def test_sentiment_is_not_a_one_word_rule(name):
    """A keyword rule (up words -> positive, down words -> negative) must miss some examples."""
    corpus = corpora.load_corpus(name)
    up = ("rose", "jumped", "beat", "raised", "grew", "higher", "upgraded", "上涨", "增长", "超出", "上调")
    down = ("fell", "cut", "loss", "missed", "dropped", "lower", "downgraded", "下跌", "亏损", "裁员", "下调", "不及")
    wrong = 0
    for text, label in corpus.examples:
        score = sum(w in text for w in up) - sum(w in text for w in down)
        guess = "positive" if score > 0 else "negative" if score < 0 else "neutral"
        wrong += guess != label
    assert 0.1 < wrong / len(corpus.examples) < 0.6


def test_split_errors():
    with pytest.raises(InputError) as caught:
        corpora.load_corpus("sentiment_en").split("validation")
    assert caught.value.key == "errors.corpus.unknown_split"
    with pytest.raises(InputError) as caught:
        corpora.load_corpus("toy_en").split("train")
    assert caught.value.key == "errors.corpus.no_labels"


def test_every_language_of_the_toy_world_fills_the_same_slots():
    # One generator reads both data files: a key missing in one would only fail at random.
    en, zh = toyworld.world_data("en"), toyworld.world_data("zh")
    assert set(en) == set(zh) - {"jieba_split"}  # only Chinese needs a word segmenter
    for lang in ("en", "zh"):
        data = toyworld.world_data(lang)
        assert set(data["role_contexts"]) >= {f for features, _ in data["people"].values() for f in features}
        assert set(data["weather_contexts"]) >= {"any", *data["weather"].values()}
        assert set(data["animal_contexts"]) >= {"any", *data["animals"].values()}
        assert all(country in data["landmarks"] for country, *_ in data["countries"])


# --------------------------------------------------------------------------- the user's own text


def test_corpus_from_text_english_and_chinese():
    import pickle

    corpus = corpora.corpus_from_text("The cat sat on the mat. The dog ate a bone!\nBirds sing at dawn?")
    assert corpus.lang == "en"
    assert corpus.sentences == ("The cat sat on the mat.", "The dog ate a bone!", "Birds sing at dawn?")
    zh = corpora.corpus_from_text("今天早上下雨了。国王住在王宫里！我喜欢羊驼和骆驼。")
    assert zh.lang == "zh"
    assert zh.sentences == ("今天早上下雨了。", "国王住在王宫里！", "我喜欢羊驼和骆驼。")
    assert corpora.corpus_from_text("a b c. d e f. g h i j.", lang="zh").lang == "zh"
    assert pickle.loads(pickle.dumps(corpus)).sentences == corpus.sentences


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "errors.text.empty"),
        ("   \n\t ", "errors.text.empty"),
        ("😀🎉🦙 !!! 🌧️", "errors.text.no_words"),
        ("Hello there.", "errors.corpus.too_little_text"),
        ("<script>alert('x')</script>", "errors.corpus.too_little_text"),
        ("x" * (corpora.MAX_UPLOAD_CHARS + 1), "errors.text.too_long"),
    ],
)
def test_corpus_from_text_rejects_bad_input(text, key):
    with pytest.raises(InputError) as caught:
        corpora.corpus_from_text(text)
    assert caught.value.key == key


def test_corpus_from_text_keeps_html_as_plain_text_and_limits_sentences():
    html = "<b>The king</b> ate bread. <i>The queen</i> ate soup. The prince ate <script>apples</script>."
    assert corpora.corpus_from_text(html).sentences[0] == "<b>The king</b> ate bread."
    many = " ".join(f"Sentence number {i} is here." for i in range(50))
    with pytest.raises(InputError) as caught:
        corpora.corpus_from_text(many, max_sentences=20)
    assert caught.value.key == "errors.text.too_many_sentences"
    assert caught.value.params == {"limit": 20, "count": 50}
    with pytest.raises(InputError) as caught:
        corpora.corpus_from_text("One two three. Four five six. Seven eight nine ten.", lang="fr")
    assert caught.value.key == "errors.setting.unknown_language"
