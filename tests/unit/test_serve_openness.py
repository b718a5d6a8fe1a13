"""Open versus closed, counted: SmolLM2's weights and one forward pass, an API's answer, a hosted price."""

from __future__ import annotations

import pytest

from lm_core.serve import openness


def test_a_hosted_call_costs_input_and_output_tokens_at_their_own_prices():
    price = openness.Price("example", input_per_million=2.0, output_per_million=8.0, listed="2024-01", source="-")
    assert openness.hosted_cost(1_000_000, 0, price) == pytest.approx(2.0)
    assert openness.hosted_cost(500, 100, price) == pytest.approx((500 * 2 + 100 * 8) / 1e6)
    with pytest.raises(ValueError):
        openness.hosted_cost(-1, 0, price)
    assert all(p.listed and p.source for p in openness.EXAMPLE_PRICES)  # every price says when and where


def test_an_api_returns_a_few_numbers_per_token():
    assert openness.api_numbers(10, top_logprobs=0) == 13
    assert openness.api_numbers(10) == 10 * (1 + openness.HOSTED_TOP_LOGPROBS) + 3


def test_this_machine_sees_every_weight_and_every_step():
    from lm_core.models.smollm2_cache import load_smollm2, smollm2_available

    if not smollm2_available():
        pytest.skip("SmolLM2 is not installed")
    model, tokenizer = load_smollm2()
    assert openness.parameter_count(model) == 134_515_008  # SmolLM2-135M, tied embeddings counted once
    assert len(openness.parameter_table(model)) == 2 + 9 * model.config.n_layer
    name, text = openness.licence()
    assert name == "Apache-2.0" and "Apache License" in text
    ids = tokenizer.encode("Hello there")
    inside = openness.inside_one_pass(model, ids, layer=3, top=4)
    assert inside.tokens == len(ids) and inside.hidden_units == model.config.ffn_dim
    assert len(inside.top_units) == 4 and inside.top_units[0][1] >= inside.top_units[-1][1]
    assert inside.numbers > 100 * openness.api_numbers(len(ids))  # far more than any API returns
    with pytest.raises(ValueError):
        openness.inside_one_pass(model, ids, layer=model.config.n_layer)
