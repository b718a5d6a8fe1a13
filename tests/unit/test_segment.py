"""The one segmenter: every chapter cuts English, Chinese and Dutch text the same way."""

import subprocess
import sys

from lm_core.data import segment, toyworld


def test_jieba_keeps_the_world_words_whole():
    words = segment.words("新生儿在摇篮里哭，意大利语在罗马到处都能听到。", "zh")
    for word in ("新生儿", "摇篮", "意大利语", "罗马"):
        assert word in words
    assert "新生儿" in toyworld.world_words_zh()
    # jieba's own dictionary has "首都北京" as one word: the configured jieba splits it
    assert segment.words("中国的首都北京挤满了游客。", "zh")[:5] == ["中国", "的", "首都", "北京", "挤满"]
    # A world word wins over jieba's own preference (河岸边 -> 河岸 边, not 河 岸边).
    assert segment.words("鱼在泥泞的河岸边游来游去。", "zh")[4:6] == ["河岸", "边"]


def test_pieces_and_words_are_two_granularities_of_one_cut():
    text = "The King's crown, 国王的王冠！"
    pieces = segment.split_words(text)
    assert [p for p, _, _ in pieces] == ["The", "King", "'", "s", "crown", ",", "国王", "的", "王冠", "！"]
    assert all(text[start:end] == piece for piece, start, end in pieces)
    assert segment.words(text) == ["the", "king", "s", "crown", "国王", "的", "王冠"]  # jieba cuts it all
    assert segment.words("The King's crown!") == ["the", "king's", "crown"]
    assert segment.words("Het meisje zwaait naar de koningin.", "nl") == ["het", "meisje", "zwaait", "naar", "de",
                                                                         "koningin"]
    assert segment.lesson_words("Don't!") == ["don", "'", "t", "!"]


def test_sentences_and_language():
    assert segment.split_sentences("The cat sat on the mat. The dog ate a bone!\nBirds sing at dawn?") == [
        "The cat sat on the mat.", "The dog ate a bone!", "Birds sing at dawn?"]
    assert segment.split_sentences("今天早上下雨了。国王住在王宫里！🙂🙂") == ["今天早上下雨了。", "国王住在王宫里！"]
    assert segment.split_sentences("It costs 3.5 euros. Fine") == ["It costs 3.5 euros.", "Fine"]
    assert segment.detect_language("今天早上下雨了 ok") == "zh"
    assert segment.detect_language("It rained 今") == "en"
    assert segment.detect_language("🙂") == "en"
    assert segment.has_cjk("a国") and not segment.has_cjk("abc")


def test_segmentation_does_not_depend_on_what_ran_before():
    # Before, chapter 3 re-taught jieba with other frequencies, so chapter 1 cut Chinese
    # differently once chapter 3 had loaded its corpus. One set-up: the same cut before and after.
    code = ("from lm_core.data import segment; from lm_core.embeddings import word2vec as w\n"
            "s = '鱼在泥泞的河岸边游来游去，车开得很慢。'\n"
            "print(segment.split_words(s)); w.load_toy_corpus('toy_zh'); print(segment.split_words(s))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    before, after = out.strip().splitlines()
    assert before == after


def test_a_second_copy_of_the_segmenter_leaves_the_first_ones_dictionary_alone():
    """The fault tests import a copy of the app, segmenter included, into the same process.
    Each copy teaches the toy world's words; jieba's ``add_word`` adds to its dictionary's
    total every time, so a shared dictionary taught over and over shifted every word's
    probability: after four copies "很亮" became one word and the Chinese word2vec vocabulary
    changed under a test that ran later (the order dependence CI once showed)."""
    import importlib.util

    sentence = "夜晚的时候月亮很亮。"
    def total() -> int:  # the dictionary the first copy cuts with (before the fix: jieba's own, jieba.dt)
        return getattr(segment.jieba(), "dt", segment.jieba()).total

    before_total, before_cut = total(), segment.words(sentence, "zh")
    spec = importlib.util.spec_from_file_location("segment_copy", segment.__file__)
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    assert copy.words(sentence, "zh") == before_cut == ["夜晚", "的", "时候", "月亮", "很", "亮"]
    assert total() == before_total
    assert copy.jieba() is not segment.jieba()
