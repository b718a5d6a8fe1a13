"""The chapter 4 encoder-decoders: shapes, invariants, fast == capture, shipped checkpoints."""

import pytest
import torch

from lm_core.core.errors import InputError
from lm_core.data.corpora import load_corpus
from lm_core.data.segment import words as sentence_words
from lm_core.models import seq2seq as s2s
from lm_core.models.capture import Capture
from lm_core.train import seq2seq as s2s_train

PAIRS = load_corpus("toy_en_nl").pairs


@pytest.fixture(scope="module")
def tiny():
    """Untrained small models (random weights) with the real vocabularies."""
    return {
        kind: s2s_train.build_translator(
            PAIRS, attention=kind == "attention", seed=3, embed_dim=8, hidden_dim=12, attn_dim=6
        )
        for kind in ("plain", "attention")
    }


@pytest.fixture(scope="module")
def shipped():
    return {kind: s2s.load_shipped(f"seq2seq_{kind}") for kind in ("plain", "attention")}


def batch(translator, sentences):
    return s2s.pad_batch([translator.src_vocab.encode(s2s.english_words(s)) for s in sentences])


def test_dutch_words_keep_apostrophes_and_accents():
    assert sentence_words("'s Avonds ziet hij lama's in Caïro.", "nl") == [
        "'s",
        "avonds",
        "ziet",
        "hij",
        "lama's",
        "in",
        "caïro",
    ]
    assert s2s.dutch_sentence(["'s", "avonds", "eet", "hij"]) == "'s Avonds eet hij."
    assert s2s.dutch_sentence(["ik", "hou", "van", "lama's"]) == "Ik hou van lama's."


def test_config_is_frozen_and_round_trips():
    config = s2s.Seq2SeqConfig(10, 12, attention=True)
    with pytest.raises(AttributeError):
        config.hidden_dim = 3
    assert s2s.Seq2SeqConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError):
        s2s.Seq2SeqConfig(3, 12)


@pytest.mark.parametrize("kind", ["plain", "attention"])
def test_capture_names_and_shapes(tiny, kind):
    translator = tiny[kind]
    sentences = ["I love llamas.", "The king loved white horses in the garden."]
    src, lengths = batch(translator, sentences)
    tgt_in = torch.tensor([[s2s.BOS_ID, 5, 6, 7], [s2s.BOS_ID, 8, 9, 10]])
    capture = Capture()
    logits = translator.model(src, lengths, tgt_in, capture=capture)
    B, S, H, E, V = 2, src.shape[1], 12, 8, len(translator.tgt_vocab)
    assert logits.shape == (B, 4, V)
    assert capture["encoder.embed"].shape == (B, S, E)
    assert capture["encoder.states"].shape == (B, S, 2 * H)
    assert capture["context"].shape == (B, 2 * H)
    assert capture["decoder.init"].shape == (B, H)
    for t in range(4):
        assert capture[f"decoder.{t}.input"].shape == (B, E)
        assert capture[f"decoder.{t}.state"].shape == (B, H)
        assert capture[f"decoder.{t}.context"].shape == (B, 2 * H)
        assert capture[f"decoder.{t}.logits"].shape == (B, V)
        if kind == "attention":
            weights = capture[f"decoder.{t}.attn.weights"]
            assert weights.shape == (B, 1, 1, S)
            torch.testing.assert_close(weights.sum(-1), torch.ones(B, 1, 1))
            # the short sentence's padding gets no weight
            assert torch.all(weights[0, 0, 0, int(lengths[0]) :] == 0)
        else:
            assert f"decoder.{t}.attn.weights" not in capture
            torch.testing.assert_close(capture[f"decoder.{t}.context"], capture["context"])
    torch.testing.assert_close(capture["logits"], logits)


@pytest.mark.parametrize("kind", ["plain", "attention"])
def test_capture_path_equals_fast_path(tiny, kind):
    translator = tiny[kind]
    src, lengths = batch(translator, ["I love llamas.", "My mother knows that he will eat a sweet cake tomorrow."])
    with torch.inference_mode():
        fast_ids, fast_logits = translator.model.greedy(src, lengths, max_len=6)
        capture = Capture()
        slow_ids, slow_logits = translator.model.greedy(src, lengths, max_len=6, capture=capture)
    torch.testing.assert_close(fast_logits, slow_logits, atol=1e-5, rtol=1e-5)
    assert torch.equal(fast_ids, slow_ids)


def test_forced_attention_looks_only_at_the_forced_word(tiny):
    translator = tiny["attention"]
    src, lengths = batch(translator, ["The king loved white horses."])
    capture = Capture()
    with torch.inference_mode():
        translator.model.greedy(src, lengths, max_len=4, capture=capture, force=(1, 3))
    weights = capture["decoder.1.attn.weights"][0, 0, 0]
    assert weights.tolist() == pytest.approx([0, 0, 0, 1, 0])
    torch.testing.assert_close(capture["decoder.1.context"][0], capture["encoder.states"][0, 3])
    assert capture["decoder.2.attn.weights"][0, 0, 0, 3] < 1  # only that step is forced


def test_models_of_both_kinds_share_sizes(tiny):
    plain_params = dict(tiny["plain"].model.named_parameters())
    attention_params = dict(tiny["attention"].model.named_parameters())
    extra = set(attention_params) - set(plain_params)
    assert set(plain_params) <= set(attention_params)
    assert all(name.startswith("attn_") for name in extra)
    # same seed: the shared parts start identical
    torch.testing.assert_close(plain_params["encoder.gru.weight_hh_l0"], attention_params["encoder.gru.weight_hh_l0"])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "errors.text.empty"),
        ("   ", "errors.text.empty"),
        ("!!! ???", "errors.text.no_words"),
        ("我爱羊驼。", "errors.text.not_english"),
        ("Ik hou van lama's.", "errors.text.looks_dutch"),
        ("I love zebras.", "errors.word.unknown_many"),
        ("<b>I love llamas</b>", "errors.word.unknown_many"),
        ("[x](http://a) I love llamas", "errors.word.unknown_many"),
        ("I love llamas " * 20, "errors.text.too_many_words"),
        ("x" * 5000, "errors.text.too_long"),
    ],
)
def test_bad_input_names_the_problem(tiny, text, key):
    with pytest.raises(InputError) as caught:
        tiny["plain"].check(text)
    assert caught.value.key == key


def test_unknown_words_come_with_suggestions(tiny):
    with pytest.raises(InputError) as caught:
        tiny["plain"].check("I love lamas and horsse.")
    assert "llamas" in caught.value.params["words"]
    assert "horse" in caught.value.params["words"]


def test_training_a_few_steps_lowers_the_loss_and_leaves_the_global_rng(tiny):
    state = torch.random.get_rng_state()
    translator = s2s_train.build_translator(PAIRS, attention=True, seed=1, embed_dim=8, hidden_dim=16, attn_dim=8)
    assert torch.equal(state, torch.random.get_rng_state())
    seen = []
    result = s2s_train.train_translator(
        translator,
        PAIRS,
        s2s_train.Seq2SeqTrainConfig(epochs=1, batch_size=32, max_pairs=320, learning_rate=1e-2),
        callback=lambda p: seen.append(p.loss),
    )
    assert result.steps == 10 and len(seen) == 10
    assert seen[-1] < seen[0]
    assert not translator.model.training
    assert not any(p.requires_grad for p in translator.model.parameters())


def test_save_and_load_round_trip(tiny, tmp_path):
    folder = s2s.save_translator(tmp_path / "m", tiny["attention"])
    assert {p.name for p in folder.iterdir()} == {"model.safetensors", "config.json"}
    loaded = s2s.load_translator(folder)
    assert loaded.model.config == tiny["attention"].model.config
    assert loaded.src_vocab.words == tiny["attention"].src_vocab.words
    src, lengths = batch(loaded, ["I love llamas."])
    with torch.inference_mode():
        torch.testing.assert_close(
            loaded.model.greedy(src, lengths)[1], tiny["attention"].model.greedy(src, lengths)[1]
        )


def test_heldout_pairs_are_unseen_and_fill_every_length_bucket():
    heldout = s2s_train.heldout_pairs()
    training = {en for en, _ in PAIRS}
    assert not training & {en for en, _ in heldout}
    counts = [0] * len(s2s_train.BUCKETS)
    for en, _ in heldout:
        counts[s2s_train.bucket_of(len(s2s.english_words(en)))] += 1
    assert counts == [100] * len(s2s_train.BUCKETS)


def test_shipped_models_translate_the_curriculum_example(shipped):
    for translator in shipped.values():
        assert translator.translate(s2s.EXAMPLE_SENTENCE).text == s2s.EXAMPLE_TRANSLATION
        assert not translator.model.training
    result = shipped["attention"].translate(s2s.EXAMPLE_SENTENCE)
    source = result.source_words  # i love llamas
    looks = {step.output_word: source[max(range(len(source)), key=step.attention.__getitem__)] for step in result.steps}
    assert looks["lama's"] == "llamas"
    assert looks["ik"] == "i"
    lama_step = next(step for step in result.steps if step.output_word == "lama's")
    assert lama_step.attention[0] < 0.1  # "lama's" barely looks at "I"
    for step in result.steps:
        assert sum(step.attention) == pytest.approx(1.0, abs=1e-5)
        assert step.candidates[0][0] == step.output_word


def test_attention_beats_one_vector_on_long_heldout_sentences(shipped):
    """Recomputed here (not read from the checkpoints' metadata), on the longest bucket."""
    longest = s2s_train.BUCKETS[-1]
    pairs = [
        (en, nl) for en, nl in s2s_train.heldout_pairs() if longest[0] <= len(s2s.english_words(en)) <= longest[1]
    ][:40]
    scores = {kind: s2s_train.evaluate_by_length(translator, pairs)[-1] for kind, translator in shipped.items()}
    assert scores["attention"]["n"] == 40
    assert scores["attention"]["word_accuracy"] > scores["plain"]["word_accuracy"] + 0.1


def test_contextual_states_differ_while_embeddings_do_not(shipped):
    a, b, word = s2s.CONTEXT_EXAMPLE
    similarity = shipped["attention"].same_word_similarity(a, b, word)
    assert similarity["embedding_cosine"] == pytest.approx(1.0)
    assert similarity["state_cosine"] < 0.95
    with pytest.raises(InputError):
        shipped["attention"].same_word_similarity(a, "I love llamas.", word)


def test_translate_rejects_impossible_forcing(shipped):
    with pytest.raises(InputError) as caught:
        shipped["attention"].translate("I love llamas.", force=(0, 7))
    assert caught.value.key == "errors.setting.no_such_step"
    forced = shipped["attention"].translate("I love llamas.", force=(3, 0))
    assert forced.steps[3].forced and forced.steps[3].attention[0] == pytest.approx(1.0)


def test_timing_rows_cover_the_lengths():
    rows = s2s.time_sequential_vs_parallel(lengths=(8, 16), width=16, repeats=1)
    assert [row["length"] for row in rows] == [8, 16]
    assert all(row["recurrent_s"] > 0 and row["parallel_s"] > 0 for row in rows)
