"""Chapter 7 page: every control changes what is drawn; bad prompts give clear messages."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from lm_core.models.checkpoints import load_gpt
from tests.pages import apptest_helpers
from ui import i18n, wayfinding

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/7_Generation.py"
TIMEOUT = 120
TOP_SHOWN = 12

def open_page(lang: str = "en", **params: str) -> AppTest:
    """Open the chapter through the app, the way a student does."""
    return apptest_helpers.open_page(PAGE, lang, timeout=TIMEOUT, **params)


def token_text(token_id: int) -> str:
    """The word of one token of the English tiny GPT, without its space mark or a full stop."""
    return load_gpt("gpt_toy_en")[1].id_to_token(token_id).lstrip("▁").strip().rstrip(".")


def charts(app: AppTest) -> dict[str, dict]:
    """Plotly specs by their title text."""
    return {apptest_helpers.chart_title(spec): spec for spec in apptest_helpers.plotly_specs(app)}


def candidates(app: AppTest) -> dict:
    found = [spec for title, spec in charts(app).items() if "Step" in title or "步" in title]
    assert len(found) == 1, list(charts(app))
    return found[0]


def bar_colours(spec: dict) -> list[str]:
    return spec["data"][0]["marker"]["color"]


def kept_bars(spec: dict) -> int:
    """Bars still candidates after top-k / top-p (cut ones are labelled ✗)."""
    return sum("✗" not in label for label in spec["data"][0]["text"])


def html_blocks(app: AppTest) -> list[str]:
    return [element.proto.body for element in app.get("html") if not wayfinding.is_own_html(element.proto.body)]


def steps(app: AppTest) -> list:
    return app.session_state["ch7_run"].steps


def page_text(app: AppTest) -> str:
    return " ".join(str(e.value) for e in app.markdown)


def messages(app: AppTest) -> str:
    return " ".join(str(e.value) for e in [*app.error, *app.warning, *app.info])


def test_next_token_temperature_topk_greedy_and_timeline() -> None:
    app = open_page("en")
    assert app.title[0].value == i18n.translate("ch7.title", "en")
    assert app.text_area(key="ch7_prompt").value == i18n.translate("ch7.prompt.default_gpt_toy_en", "en")
    app.text_area(key="ch7_prompt").set_value("It rained this").run()
    before = candidates(app)
    assert "candidates for the next token" in before["layout"]["title"]["text"]
    assert "#E69F00" not in bar_colours(before)  # nothing chosen yet

    # Next token: one step, a chosen (orange) bar, a timeline.
    app.button(key="ch7_next").click().run()
    assert len(steps(app)) == 1
    after = candidates(app)
    assert "the model chose" in after["layout"]["title"]["text"]
    assert bar_colours(after).count("#E69F00") == 1
    # One space symbol, ␣, as on every page (the tiny GPT's BPE writes "▁"), and what it means.
    labels = " ".join(after["data"][0]["y"]) + after["layout"]["title"]["text"]
    assert "␣" in labels and "▁" not in labels
    assert any(i18n.translate("common.space_mark", "en") in c.value for c in app.caption)
    assert any("Every generated token" in title for title in charts(app))
    # The toy world: after "It rained this" the likeliest word is "morning".
    assert token_text(app.session_state["ch7_run"].steps[0].distribution.top(1)[0]) == "morning"
    first_probs = after["data"][0]["x"]

    # Temperature redraws the same step from the stored logits: different bars, same token.
    chosen_before = steps(app)[0].token_id
    app.slider(key="ch7_temp").set_value(0.3).run()
    cold = candidates(app)
    assert cold["data"][0]["x"] != first_probs
    assert max(cold["data"][0]["x"]) > max(first_probs)
    assert steps(app)[0].token_id == chosen_before and len(steps(app)) == 1
    assert app.query_params["temp"] in ("0.3", ["0.3"])

    # Top-k = 2: only two bars stay candidates, the rest are marked cut (✗, grey).
    app.slider(key="ch7_topk").set_value(2).run()
    assert kept_bars(candidates(app)) == 2
    assert bar_colours(candidates(app)).count("#cbd5e1") >= TOP_SHOWN - 3

    # Top-p small: one candidate left.
    app.slider(key="ch7_topk").set_value(0).run()
    app.slider(key="ch7_topp").set_value(0.1).run()
    assert kept_bars(candidates(app)) == 1

    # Greedy: a single kept candidate, the most likely one (the top bar).
    app.slider(key="ch7_topp").set_value(1.0).run()
    app.toggle(key="ch7_greedy").set_value(True).run()
    spec = candidates(app)
    assert kept_bars(spec) == 1 and "✗" not in spec["data"][0]["text"][0]


def test_generate_scroll_back_branch_and_window() -> None:
    app = open_page("en")
    app.text_area(key="ch7_prompt").set_value("It rained this").run()
    app.toggle(key="ch7_greedy").set_value(True).run()
    app.slider(key="ch7_n").set_value(8).run()
    slots_before = [h for h in html_blocks(app) if "slots used" in h][0]
    app.button(key="ch7_generate").click().run()
    generated = steps(app)
    assert 1 <= len(generated) <= 8
    # Greedy from "It rained this" completes the toy-world sentence.
    tokens = [step.token_id for step in generated]
    assert token_text(tokens[0]) == "morning"  # greedy takes the likeliest word first
    assert any("morning" in block for block in html_blocks(app)), html_blocks(app)[:2]
    slots_after = [h for h in html_blocks(app) if "slots used" in h][0]
    assert slots_after != slots_before

    # Scroll back to step 1: the chart shows that step.
    app.slider(key="ch7_step").set_value(1).run()
    assert "Step 1:" in candidates(app)["layout"]["title"]["text"]

    # Branch at step 1 with the second candidate: the text changes, the step is marked forced.
    original = [s.token_id for s in steps(app)]
    second = [i for i in steps(app)[0].distribution.top(10) if i != original[0]][1]
    app.selectbox(key="ch7_branch_choice_0").set_value(second).run()
    app.button(key="ch7_branch").click().run()
    branched = steps(app)
    assert branched[0].forced and branched[0].token_id == second != original[0]
    # The text before the branch is remembered (and shown) to compare.
    assert app.session_state["ch7_run"].previous_ids[-len(original):] == original

    # Start again clears the steps.
    app.button(key="ch7_reset").click().run()
    assert steps(app) == []


def test_bad_prompts_give_messages() -> None:
    app = open_page("en")
    app.text_area(key="ch7_prompt").set_value("").run()
    assert app.error and i18n.translate("errors.text.empty", "en") in messages(app)

    app.text_area(key="ch7_prompt").set_value("国王坐在宝座上").run()  # unknown to the English model
    assert not app.exception and "knows none of these characters" in messages(app)

    app.text_area(key="ch7_prompt").set_value("🙂🙂🙂").run()
    assert not app.exception and app.error

    app.text_area(key="ch7_prompt").set_value("<script>alert('x')</script> The king").run()
    assert not app.exception
    assert "left out" in messages(app) and "<" in messages(app)
    assert not any("<script" in block for block in html_blocks(app))

    long_prompt = " ".join(["The king sat on the throne."] * 20)
    app.text_area(key="ch7_prompt").set_value(long_prompt).run()
    assert not app.exception and "cropped" in messages(app)
    app.button(key="ch7_next").click().run()
    assert steps(app)[0].was_cropped
    assert any("were cropped" in block for block in html_blocks(app))


def test_chinese_page_and_model_switch() -> None:
    app = open_page("zh")
    assert app.title[0].value == i18n.translate("ch7.title", "zh")
    assert app.session_state["ch7_model"] == "gpt_toy_zh"
    assert app.text_area(key="ch7_prompt").value == i18n.translate("ch7.prompt.default_gpt_toy_zh", "zh")
    assert i18n.translate("ch7.drive.tiny", "zh") in page_text(app)  # the intro names the model chosen
    app.toggle(key="ch7_greedy").set_value(True).run()
    app.button(key="ch7_next").click().run()
    assert "第 1 步" in candidates(app)["layout"]["title"]["text"]
    compare = [h for h in html_blocks(app) if "贪心" in h]
    assert compare
    # Switching to the English model offers its own prompt.
    app.selectbox(key="ch7_model").set_value("gpt_toy_en").run()
    assert app.session_state["ch7_model"] == "gpt_toy_en"
    assert app.text_area(key="ch7_prompt").value == i18n.translate("ch7.prompt.default_gpt_toy_en", "en")
    assert app.query_params["model"] in ("gpt_toy_en", ["gpt_toy_en"])


def test_resample_changes_the_sampled_continuation() -> None:
    app = open_page("en")
    app.slider(key="ch7_temp").set_value(1.6).run()
    sampled_before = [h for h in html_blocks(app) if "Sampled at temperature" in h][0]
    for _ in range(3):  # a new draw almost surely differs at temperature 1.6
        app.button(key="ch7_resample").click().run()
        sampled_after = [h for h in html_blocks(app) if "Sampled at temperature" in h][0]
        if sampled_after != sampled_before:
            break
    assert sampled_after != sampled_before


def test_knobs_redraw_without_running_the_model(monkeypatch) -> None:
    """Temperature, top-k and top-p reshape a step's stored logits: no forward pass for it.

    (The greedy-vs-sampled section further down does generate again with the new knobs;
    its passes, which all go through ``lm_core.decoding.continuation``'s ``generate_steps``,
    are not counted.)
    """
    import lm_core.decoding.continuation as continuation
    import lm_core.decoding.generation as generation
    from lm_core.models.gpt import GPT

    calls: list[int] = []
    inside_generate = [0]
    original_forward, original_steps = GPT.forward, generation.generate_steps
    assert continuation.generate_steps is original_steps

    def counting_forward(self, *args, **kwargs):
        if not inside_generate[0]:
            calls.append(1)
        return original_forward(self, *args, **kwargs)

    def uncounted_steps(*args, **kwargs):
        inside_generate[0] += 1
        try:
            yield from original_steps(*args, **kwargs)
        finally:
            inside_generate[0] -= 1

    monkeypatch.setattr(GPT, "forward", counting_forward)
    monkeypatch.setattr(continuation, "generate_steps", uncounted_steps)
    app = open_page("en")
    app.text_area(key="ch7_prompt").set_value("I lost my keys").run()
    app.button(key="ch7_next").click().run()
    before = len(calls)
    assert before >= 1  # the step itself ran the model once
    first = candidates(app)["data"][0]["x"]
    app.slider(key="ch7_temp").set_value(1.8).run()
    app.slider(key="ch7_topk").set_value(3).run()
    app.slider(key="ch7_topp").set_value(0.5).run()
    assert candidates(app)["data"][0]["x"] != first
    assert len(calls) == before, "moving a knob ran the model for the step view"
    app.button(key="ch7_next").click().run()
    assert len(calls) > before  # a new step does run it


# --- SmolLM2, the real chat LLM --------------------------------------------------------

from ui.models import smollm2_tokenizer  # noqa: E402


def test_smollm2_chat_template_generation_lens_and_table() -> None:
    app = open_page("en", model="smollm2", greedy="1", n="40")
    assert app.selectbox(key="ch7_model").value == "smollm2"
    # The intro speaks of the model chosen, not of a tiny GPT.
    assert "SmolLM2-135M-Instruct" in page_text(app)
    assert i18n.translate("ch7.drive.tiny", "en") not in page_text(app)
    assert app.text_area(key="ch7_prompt").help == i18n.translate("ch7.prompt.help_smollm2", "en")
    assert app.toggle(key="ch7_chat").value is True
    # SmolLM2's own defaults (its makers' example), said next to the knobs.
    assert (app.slider(key="ch7_temp").value, app.slider(key="ch7_topp").value) == (0.2, 0.9)
    assert i18n.translate("ch7.controls.model_defaults", "en", temp=0.2, top_p=0.9) in [c.value for c in app.caption]
    template = next(block for block in html_blocks(app) if "&lt;|im_start|&gt;" in block)
    for role in ("system", "user", "assistant"):
        assert f">{role}<" in template or f">{role}</span>" in template
    run_ids = app.session_state["ch7_run"].prompt_ids
    tokenizer = smollm2_tokenizer()
    # The ChatML prompt starts with <|im_start|> and ends with the assistant's turn opened for the answer.
    opened = tokenizer.encode("<|im_start|>assistant\n")
    assert run_ids[:1] == tokenizer.encode("<|im_start|>") and run_ids[-len(opened) :] == opened, run_ids
    assert tokenizer.turn_roles(run_ids)[-1] == "assistant"
    # Generate greedily: the answer ends at the end-of-turn token <|im_end|>, within 40 tokens.
    app.button(key="ch7_generate").click().run()
    taken = steps(app)
    assert taken and taken[-1].is_end and taken[-1].token_id == 2 and len(taken) <= 40
    assert "<|im_end|>" in " ".join(str(s.value) for s in app.success)
    # Logit lens: 31 rows (embedding + 30 layers) over the last positions; the top row is the answer.
    lens = apptest_helpers.chart_titled(app, "Top next-token guess")
    assert len(lens["data"][0]["z"]) == 31
    assert len(lens["data"][0]["z"][0]) == 10
    # What changed since GPT-2: read from the models.
    table = app.dataframe[0].value
    text = table.to_string()
    assert "RMSNorm" in text and "LayerNorm" in text and "134,515,008" in text and "9 query heads share 3" in text
    # The same prompt on the tiny GPT beside it.
    assert any("Tiny GPT (English" in block for block in html_blocks(app))
    assert app.query_params["chat"] == ["1"] or app.query_params["chat"] == "1"


def test_smollm2_plain_prompt_chinese_and_html_are_honest() -> None:
    app = open_page("en", model="smollm2", n="4", chat="0", prompt="<b>Once</b> upon a [time](http://a)")
    assert app.toggle(key="ch7_chat").value is False
    assert not any("&lt;|im_start|&gt;" in block for block in html_blocks(app))
    assert app.text_area(key="ch7_prompt").value.startswith("<b>Once</b>")
    blocks = " ".join(html_blocks(app))
    assert "&lt;b&gt;Once&lt;/b&gt;" in blocks and "<b>Once" not in blocks
    # Chinese: it reads it (byte tokens) and says it is mainly an English model.
    app.text_area(key="ch7_prompt").set_value("今天天气很好，我们去公园吧").run()
    assert not app.exception
    assert "mainly on English" in messages(app)
    # Past SmolLM2's token cap (but within the character limit): a clear message, no run.
    app.text_area(key="ch7_prompt").set_value("雨" * 300).run()
    assert not app.exception and "at most 400" in messages(app)
    # Over the character limit: a clear message, no run.
    app.text_area(key="ch7_prompt").set_value("word " * 400).run()
    assert not app.exception and messages(app)


def test_smollm2_chinese_page_and_system_message() -> None:
    app = open_page("zh", model="smollm2", n="4", system="Answer like a pirate.")
    assert app.text_input(key="ch7_system").value == "Answer like a pirate."
    template = next(block for block in html_blocks(app) if "&lt;|im_start|&gt;" in block)
    assert "pirate" in template and "SmolLM" not in template  # our system turn replaces the default
    assert app.subheader[0].value == i18n.translate("ch7.smollm2.template_header", "zh")
    assert apptest_helpers.chart_titled(app, "每一层之后")


def test_the_generated_tokens_are_in_the_link_and_each_student_draws_their_own() -> None:
    app = open_page("en")
    for _ in range(3):
        app.button(key="ch7_next").click().run()
    taken = [step.token_id for step in steps(app)]
    link = app.query_params["gen"]
    assert (link[0] if isinstance(link, list) else link) == ",".join(map(str, taken))
    cold = open_page("en", gen=",".join(map(str, taken)))  # a student opening the teacher's link
    assert [step.token_id for step in steps(cold)] == taken
    assert candidates(cold) == candidates(app) and len(charts(cold)) == len(charts(app))
    # Without a seed in the link every student draws their own; with one, the same.
    assert steps(cold)[0].forced is False and app.session_state["ch7_run"].seed != cold.session_state["ch7_run"].seed
    assert open_page("en", seed="7").session_state["ch7_run"].seed == 7
    assert not steps(open_page("en", gen="3,x,5")) and not steps(open_page("en", gen="99999999"))  # bad links: no text
