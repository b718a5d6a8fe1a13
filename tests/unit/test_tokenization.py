"""Chapter 1 engine: word / char / byte-level BPE / WordPiece tokenizers."""

import functools
from collections import Counter

import pytest

from lm_core.core.errors import InputError
from lm_core.data import segment
from lm_core.tokenizers import lesson as tok

SENTENCE = "It rained this morning"


@functools.lru_cache(maxsize=1)
def english() -> list[str]:
    return tok.corpus_sentences("toy_en")


@functools.lru_cache(maxsize=8)
def bpe(vocab_size: int) -> tok.LessonBpeTokenizer:
    return tok.train_bpe(english(), vocab_size)


def readable(pieces) -> list[str]:
    return [tok.symbols_to_text(p) for p in pieces]


# ----------------------------------------------------------------------------- words


def test_split_words_keeps_spans_and_segments_chinese():
    text = "It rained, 今天早上下雨了!"
    pieces = segment.split_words(text)
    assert [w for w, _, _ in pieces][:3] == ["It", "rained", ","]
    for word, start, end in pieces:
        assert text[start:end] == word
    chinese = [w for w, _, _ in pieces if segment.has_cjk(w)]
    assert "".join(chinese) == "今天早上下雨了"
    assert len(chinese) > 1  # segmented into words, not kept as one run
    assert pieces[-1][0] == "!"


def test_word_tokenizer_unknown_words_become_unk_and_are_lost():
    word = tok.build_word_tokenizer(["the dog bites the man", "it rained"])
    assert word.vocab[0] == tok.UNK
    assert word.vocab[1] == "the"  # most frequent first
    result = word.tokenize("The cat bites")
    assert [t.text for t in result.tokens] == ["the", tok.UNK, "bites"]
    assert result.tokens[1].unknown and result.tokens[1].id == 0
    assert result.lost == ("cat",)
    assert result.decoded == "the [UNK] bites"
    assert result.round_trip == "lossy"


def test_word_tokenizer_round_trip_loses_only_case_and_spacing_when_all_known():
    word = tok.build_word_tokenizer(english())
    result = word.tokenize(SENTENCE)
    assert result.unknown_count == 0
    assert result.decoded == "it rained this morning"
    assert result.round_trip == "normalised"


def test_word_vocab_limit_pushes_rare_words_to_unk():
    small = tok.build_word_tokenizer(english(), max_vocab=20)
    assert small.vocab_size == 20
    assert small.tokenize("xylophone").unknown_count == 1
    assert small.tokenize("the").unknown_count == 0


def test_char_tokenizer_is_exact_for_seen_characters_and_unk_otherwise():
    char = tok.build_char_tokenizer(["abc cab"])
    result = char.tokenize("cab")
    assert result.decoded == "cab" and result.round_trip == "exact"
    assert result.count == 3
    bad = char.tokenize("cat")
    assert bad.lost == ("t",) and bad.round_trip == "lossy"


# ----------------------------------------------------------------------------- BPE


def test_bpe_vocabulary_is_bytes_plus_merges():
    small = bpe(300)
    assert small.vocab_size == 300
    assert len(small.merges) == 300 - tok.BYTE_ALPHABET_SIZE


def test_bpe_round_trip_is_exact_for_any_text():
    model = bpe(400)
    for text in [SENTENCE, "今天早上下雨了 🌧️", "<script>alert(1)</script>", "naïve café"]:
        result = model.tokenize(text)
        assert result.decoded == text
        assert result.round_trip == "exact"
        assert result.unknown_count == 0


def test_bpe_bigger_vocabulary_means_fewer_tokens():
    counts = [bpe(size).tokenize(SENTENCE).count for size in (256, 300, 500, 1000)]
    assert counts[0] == len(SENTENCE.encode("utf-8"))  # bytes only
    assert counts == sorted(counts, reverse=True)
    assert counts[-1] < counts[0] / 3


def test_rained_splits_into_rain_plus_ed_at_some_vocabulary_size():
    splits = {size: readable(p.text for p in bpe(size).tokenize(SENTENCE).tokens) for size in (300, 500, 1000)}
    assert [" rain", "ed"] == [p for p in splits[500] if p in (" rain", "ed")]
    joined = "|".join(splits[500])
    assert " rain|ed" in joined
    # with a much larger vocabulary the frequent word becomes one token
    assert " rained" in splits[1000]


def test_smaller_training_is_a_prefix_of_larger_training():
    # BPE is greedy: training to 300 tokens learns the first merges of training to 600.
    assert bpe(300).merges == bpe(600).merges[: len(bpe(300).merges)]


def test_word_history_goes_from_bytes_to_rain_ed_to_rained():
    history = tok.bpe_word_history("rained", bpe(1000))
    first, last = history[0], history[-1]
    assert readable(first.pieces) == [" ", "r", "a", "i", "n", "e", "d"]
    assert first.vocab_size == tok.BYTE_ALPHABET_SIZE
    assert readable(last.pieces) == [" rained"]
    assert any(readable(s.pieces) == [" rain", "ed"] for s in history)
    sizes = [s.vocab_size for s in history]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    # the history agrees with what the real tokenizer does at each of those sizes
    for stage in history[1:]:
        if stage.vocab_size in (300, 400, 500):
            encoded = bpe(stage.vocab_size).tokenize(" rained")
            assert tuple(t.text for t in encoded.tokens) == stage.pieces


def test_apply_merges_matches_the_trained_tokenizer():
    model = bpe(500)
    for word in ["rained", "morning", "kingdom", "zebra"]:
        symbols = tok.text_to_symbols(" " + word)
        expected = [t.text for t in model.tokenize(" " + word).tokens]
        assert tok.apply_merges(symbols, model.merges) == expected


def _pair_counts(sentences, merges) -> Counter:
    """Counts of every adjacent pair after applying ``merges``: what the trainer sees."""
    counts: Counter = Counter()
    for word, n in tok._pretokenized_word_counts(sentences).items():
        symbols = list(word)
        for left, right in merges:
            symbols = tok._merge_pair(symbols, left, right)
        for pair in zip(symbols, symbols[1:], strict=False):
            counts[pair] += n
    return counts


def test_merge_steps_pick_the_most_frequent_pair_each_time():
    sentences = english()[:800]
    model = tok.train_bpe(sentences, 276)
    steps = tok.bpe_merge_steps(sentences, model, limit=8)
    assert [s.rank for s in steps] == list(range(1, 9))
    assert steps[0].vocab_size == tok.BYTE_ALPHABET_SIZE + 1
    for k, step in enumerate(steps):
        counts = _pair_counts(sentences, model.merges[:k])
        assert step.count == counts[(step.left, step.right)] == max(counts.values())
        assert step.new_token == step.left + step.right


@pytest.mark.parametrize("size", [100, 255, tok.MAX_BPE_VOCAB + 1])
def test_bpe_vocab_size_out_of_range_is_an_input_error(size):
    with pytest.raises(InputError) as error:
        tok.train_bpe(["some text"], size)
    assert error.value.key == "errors.setting.vocab_size"


def test_byte_symbols_round_trip():
    text = "It rained 今天 🌧"
    assert tok.symbols_to_text(tok.text_to_symbols(text)) == text
    assert tok.text_to_symbols(" ") == "Ġ"
    # a third of a Chinese character is shown as its byte, in hex (as SmolLM2's pieces are)
    assert tok.symbols_to_text(tok.text_to_symbols("今")[0]) == "⟨e4⟩"
    assert tok.symbols_to_text(tok.text_to_symbols("下")[:2]) == "⟨e4 b8⟩"


def test_characters_of_byte_pieces():
    symbols = tok.text_to_symbols(" 下雨")
    pieces = [tok.symbols_to_bytes(p) for p in (symbols[0], symbols[1:3], symbols[3:5], symbols[5:])]
    assert b"".join(pieces) == " 下雨".encode()
    assert tok.characters_of_pieces(pieces) == [
        ((" ", 1, 1, 1),),
        (("下", 1, 2, 3),),  # bytes 1-2 of the 3 bytes of 下
        (("下", 3, 3, 3), ("雨", 1, 1, 3)),
        (("雨", 2, 3, 3),),
    ]
    assert tok.characters_of_pieces([b"\xe4", b"x"]) == [(), ()]  # not UTF-8 text: nothing claimed


# ----------------------------------------------------------------------------- WordPiece


def test_wordpiece_keeps_rained_whole_and_adds_cls_sep():
    wordpiece = tok.load_wordpiece()
    result = wordpiece.tokenize(SENTENCE)
    assert [t.text for t in result.tokens] == ["[CLS]", "it", "rained", "this", "morning", "[SEP]"]
    assert result.count == 4  # [CLS] / [SEP] not counted
    assert wordpiece.vocab_size == 30522
    assert result.round_trip == "normalised"  # lower-cased


def test_wordpiece_splits_rare_words_and_marks_unknown_characters():
    wordpiece = tok.load_wordpiece()
    rare = wordpiece.tokenize("xylophonist")
    assert len([t for t in rare.tokens if not t.special]) > 1
    assert any(t.text.startswith("##") for t in rare.tokens)
    chinese = wordpiece.tokenize("今天早上下雨了")
    assert chinese.unknown_count > 0
    assert set(chinese.lost) <= set("今天早上下雨了")
    assert chinese.round_trip == "lossy"


def test_wordpiece_shows_every_token_past_the_shipped_128_limit():
    long_text = " ".join(["rain"] * 300)
    assert tok.load_wordpiece().tokenize(long_text).count == 300


def test_lesson_and_model_tokenizers_share_one_protocol():
    from lm_core.tokenizers.base import Tokenizer
    from lm_core.tokenizers.lm import BPETokenizer, CharTokenizer

    sentences = english()[:2000]
    lesson = {
        "word": tok.build_word_tokenizer(sentences),
        "char": tok.build_char_tokenizer(sentences),
        "bpe": tok.train_bpe(sentences, 400),
        "wordpiece": tok.load_wordpiece(),
    }
    models = {"gpt_char": CharTokenizer.train(sentences[:200]), "gpt_bpe": BPETokenizer.train(sentences[:200], 300)}
    for name, tokenizer in {**lesson, **models}.items():
        assert isinstance(tokenizer, Tokenizer), name
        ids = tokenizer.encode("the king rained")
        assert ids and all(0 <= i < tokenizer.vocab_size for i in ids), name
        assert "king" in tokenizer.decode(ids).lower(), name
        shown = "".join(tokenizer.id_to_token(i) for i in ids).lower()
        assert "k" in shown, name
    for kind, tokenizer in lesson.items():
        assert tokenizer.kind == kind and tokenizer.encode(SENTENCE) == tokenizer.tokenize(SENTENCE).ids
    results = {kind: tokenizer.tokenize(SENTENCE) for kind, tokenizer in lesson.items()}
    assert results["char"].count == len(SENTENCE)
    assert results["word"].count == 4
    assert results["bpe"].count < results["char"].count


def test_single_word_rejects_phrases_and_punctuation():
    assert tok.single_word(" rained ") == "rained"
    for bad in ["two words", "!!!", ""]:
        with pytest.raises(InputError):
            tok.single_word(bad)


def test_chinese_corpus_trains_bpe_that_merges_chinese_bytes():
    chinese = tok.corpus_sentences("toy_zh")[:2000]
    model = tok.train_bpe(chinese, 600)
    text = "今天早上下雨了"
    result = model.tokenize(text)
    assert result.decoded == text
    assert result.count < len(text.encode("utf-8"))  # whole characters or words, not bytes


def test_segmenting_with_the_first_merges_equals_a_smaller_tokenizer():
    full = bpe(1000)
    for size in (256, 270, 300, 500):
        pieces = tok.segment_with_merges(SENTENCE, full.merges[: size - tok.BYTE_ALPHABET_SIZE])
        assert pieces == [t.text for t in bpe(size).tokenize(SENTENCE).tokens]


def test_token_counts_by_vocabulary_size_match_real_tokenizers():
    text = "It rained this morning, and the king wore his golden crown."
    counts = dict(tok.bpe_token_counts(text, bpe(1000), [256, 300, 500, 1000]))
    for size, count in counts.items():
        assert count == bpe(size).tokenize(text).count
    assert counts[256] == len(text.encode("utf-8"))
    assert counts[1000] < counts[500] < counts[300] < counts[256]
