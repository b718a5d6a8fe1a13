"""The size calculator: presets against published counts, the app's models against their tensors."""

import json
import math

import pytest

from lm_core.analysis import sizes
from lm_core.analysis.sizes import PRESETS, ModelShape, count_parameters, flops_per_token, memory, with_changes
from lm_core.core.errors import InputError
from lm_core.core.paths import CHECKPOINT_DIR


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_preset_matches_published_count(key):
    preset = PRESETS[key]
    total = count_parameters(preset.shape).total
    assert abs(total / preset.reference - 1) <= preset.tolerance, (key, total, preset.reference)


def test_only_the_unreproducible_paper_figure_gets_a_wider_tolerance():
    assert {key for key, p in PRESETS.items() if p.tolerance > 0.01} == {"transformer_base"}


def test_feed_forward_share_grows_to_about_two_thirds():
    shares = [count_parameters(PRESETS[k].shape).share("feed_forward") for k in ("gpt2_small", "gpt2_xl", "gpt3")]
    assert shares == sorted(shares)
    assert 0.6 < shares[-1] < 0.7


@pytest.mark.parametrize("name", ["gpt_toy_en", "gpt_toy_zh"])
def test_tiny_gpt_count_equals_its_tensors(name):
    from lm_core.models.checkpoints import load_gpt

    model, _ = load_gpt(name)
    config = json.loads((CHECKPOINT_DIR / name / "config.json").read_text())["model"]
    assert count_parameters(sizes.gpt_shape(config)).total == model.num_parameters()


def test_minilm_count_equals_its_tensors():
    from lm_core.models.minilm import load_minilm

    _, model = load_minilm()
    real = sum(p.numel() for p in model.parameters())
    assert count_parameters(sizes.minilm_shape(model.config)).total == real


def test_grouped_query_attention_shrinks_keys_values_and_cache():
    full = ModelShape(d_model=512, n_heads=8, n_layers=4, vocab_size=1000)
    grouped = with_changes(full, n_kv_heads=2)
    assert count_parameters(grouped).attention < count_parameters(full).attention
    assert memory(grouped)["kv_cache"] * 4 == memory(full)["kv_cache"]


def test_swiglu_has_three_matrices_and_untying_adds_the_head():
    shape = ModelShape(d_model=64, n_heads=4, n_layers=2, vocab_size=100, d_ff=128, bias=False)
    assert count_parameters(with_changes(shape, ff_kind="swiglu")).feed_forward == 2 * 3 * 64 * 128
    assert count_parameters(with_changes(shape, tied=False)).head == 64 * 100
    assert count_parameters(with_changes(shape, positions="rotary")).embeddings == 100 * 64


def test_compute_and_memory_are_finite_and_follow_six_n_d():
    gpt3 = PRESETS["gpt3"]
    n = count_parameters(gpt3.shape).total
    assert sizes.training_flops(n, 300e9) == pytest.approx(3.14e23, rel=0.01)
    flops = flops_per_token(gpt3.shape)
    assert flops["training"] == pytest.approx(6 * n, rel=0.05)
    assert memory(gpt3.shape, "fp32")["weights"] == 4 * n
    assert memory(PRESETS["bert_base"].shape)["kv_cache"] == 0
    for preset in PRESETS.values():
        values = [*flops_per_token(preset.shape).values(), *memory(preset.shape).values()]
        assert all(math.isfinite(v) for v in values)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"d_model": 100, "n_heads": 3}, "errors.setting.width_heads"),
        ({"n_layers": 0}, "errors.setting.at_least_one"),
        ({"n_heads": 8, "n_kv_heads": 3}, "errors.setting.kv_heads"),
        ({"vocab_size": 10**12}, "errors.setting.too_big"),
        ({"d_model": float("nan")}, "errors.setting.not_whole"),
        ({"ff_kind": "tanh"}, "errors.setting.not_a_choice"),
        ({"family": "encoder_decoder", "n_encoder_layers": 0}, "errors.setting.at_least_one"),
    ],
)
def test_impossible_shapes_raise_input_error(changes, key):
    with pytest.raises(InputError) as caught:
        count_parameters(_replace(changes))
    assert caught.value.key == key


def _replace(changes):
    from dataclasses import replace

    return replace(ModelShape(), **changes)


def test_sliders_offer_their_grid_and_every_presets_own_value():
    shapes = [preset.shape for preset in PRESETS.values()]
    for name, grid in sizes.SLIDER_GRIDS.items():
        options = sizes.slider_options(name, shapes)
        assert options == sorted(set(options)) and set(grid) <= set(options)
        assert {sizes.slider_value(shape, name) for shape in shapes} <= set(options)
    assert sizes.slider_value(PRESETS["gpt2_small"].shape, "d_ff") == 3072  # the width a preset derives


def test_a_preset_sets_every_control_within_the_sliders():
    gpt3 = PRESETS["gpt3"]
    settings = sizes.calculator_settings(gpt3.shape, gpt3.training_tokens)
    assert settings["n_layers"] == min(gpt3.shape.n_layers, sizes.MAX_COUNT) and settings["n_heads"] == 96
    assert settings["n_encoder_layers"] == 1  # a decoder keeps the (disabled) slider at its minimum
    assert settings["tokens"] == 3e11 and settings["tokens"] in sizes.TRAINING_TOKENS
    assert "tokens" not in sizes.calculator_settings(gpt3.shape)
    assert set(settings) >= {"family", *sizes.SLIDER_GRIDS, "ff_kind", "tied", "positions", "n_kv_heads"}


def test_training_tokens_snap_to_the_nearest_step():
    assert sizes.nearest_training_tokens(2.8e11) == 3e11
    assert sizes.nearest_training_tokens(0.4e6) == 0 and sizes.nearest_training_tokens(1e15) == 1.5e13
    assert sizes.DEFAULT_TRAINING_TOKENS in sizes.TRAINING_TOKENS
