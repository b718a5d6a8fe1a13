"""Chapter 8 page: every control changes what is drawn, links reproduce the view, bad input
gives a message, and a learner's training never changes the shared base model."""

from __future__ import annotations

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

from lm_core.analysis import ch8_lab
from tests.pages import apptest_helpers
from ui import i18n

PAGE = "pages/8_Pretrain_finetune_prompt.py"



def open_page(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_page(PAGE, lang, **params)


def messages(app: AppTest) -> str:
    return " ".join(str(e.value) for e in [*app.error, *app.warning, *app.info])


def prompt_code(app: AppTest) -> str:
    return app.code[0].value


def param(app: AppTest, name: str) -> str:
    value = app.query_params[name]
    return value[0] if isinstance(value, list) else value


def base_digest(lang: str) -> str:
    model, _ = ch8_lab.load_base(lang)  # fresh from disk
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode() + tensor.numpy().tobytes())
    return digest.hexdigest()


def test_defaults_then_prompt_controls_change_the_prompt_and_scores():
    app = open_page("en", pm="gpt")
    assert app.title[0].value == i18n.translate("ch8.title", "en")
    headers = [h.value for h in app.header]
    assert len(headers) == 7 and headers[0].startswith("1 ·") and headers[6].startswith("7 ·")  # 7: training at scale
    # Default: one example per class, the full prompt shown literally.
    default_prompt = prompt_code(app)
    assert default_prompt.startswith("Classify the sentiment") and default_prompt.count("Sentiment:") == 4
    titles = apptest_helpers.chart_titles(app)
    assert any("weighted F1" in title for title in titles)
    app.radio(key="ch8_mode").set_value("zero").run()
    assert prompt_code(app).count("Sentiment:") == 1 and param(app, "mode") == "zero"
    # Few-shot: the learner's examples, in the learner's order.
    app.radio(key="ch8_mode").set_value("few").run()
    app.multiselect(key="ch8_shots").set_value([7, 3]).run()
    code = prompt_code(app)
    train, _ = ch8_lab.sentiment_splits("en")
    assert code.index(train[7][0]) < code.index(train[3][0]) and param(app, "shots") == "7,3"
    app.multiselect(key="ch8_shots").set_value([3, 7]).run()
    assert prompt_code(app).index(train[3][0]) < prompt_code(app).index(train[7][0])
    confusion = apptest_helpers.chart_titled(app, "few-shot")
    assert sum(map(sum, confusion["data"][0]["z"])) == len(ch8_lab.sentiment_splits("en")[1])
    # Zero examples selected: a clear message, no crash.
    app.multiselect(key="ch8_shots").set_value([]).run()
    assert i18n.translate("errors.labels.no_examples", "en") in messages(app)
    assert not app.exception


def test_calibration_dataset_and_drilldown_change_the_view():
    app = open_page("en", mode="zero", pm="gpt")
    before = apptest_helpers.chart_titled(app, "0-shot")["data"][0]["z"]
    app.toggle(key="ch8_cal").set_value(True).run()
    after = apptest_helpers.chart_titled(app, "0-shot")["data"][0]["z"]
    assert param(app, "cal") == "1" and before != after
    drill = apptest_helpers.chart_titled(app, "Test sentence #1:")
    app.number_input(key="ch8_sent").set_value(5).run()
    assert apptest_helpers.chart_titled(app, "Test sentence #5")["data"] != drill["data"]
    assert param(app, "sent") == "5"
    app.radio(key="ch8_data").set_value("zh").run()
    assert prompt_code(app).startswith("判断每条财经新闻的情感") and param(app, "data") == "zh"


def test_a_link_reproduces_the_view_and_junk_falls_back():
    app = open_page(
        "zh",
        data="en",
        mode="few",
        shots="5,2",
        cal="1",
        sent="7",
        size="xs",
        steps="40",
        it_steps="20",
        ft_steps="30",
        pm="gpt",
        corpus="toy_en",
    )
    assert app.radio(key="ch8_data").value == "en" and app.toggle(key="ch8_cal").value is True
    assert app.multiselect(key="ch8_shots").value == [5, 2] and app.radio(key="ch8_mode").value == "few"
    assert app.number_input(key="ch8_sent").value == 7
    assert app.selectbox(key="ch8_pt_size").value == "xs" and app.slider(key="ch8_pt_steps").value == 40
    assert app.slider(key="ch8_it_steps").value == 20 and app.slider(key="ch8_ft_steps").value == 30
    assert app.radio(key="ch8_pt_corpus").value == "toy_en"
    junk = open_page(
        "en",
        data="fr",
        mode="<script>",
        shots="x,999999,-1",
        cal="2",
        sent="1e9",
        size="xxl",
        steps="-5",
        it_steps="nan",
        pm="gpt9",
        corpus="../../etc",
    )
    assert not junk.exception and not junk.error, messages(junk)
    assert junk.radio(key="ch8_data").value == "en" and junk.radio(key="ch8_mode").value == "per_class"
    assert junk.selectbox(key="ch8_pt_size").value == "s" and junk.slider(key="ch8_pt_steps").value == 20


def test_pretraining_instruction_and_finetuning_train_session_copies_only():
    shipped = base_digest("en")
    app = open_page("en", size="xs", steps="20", it_steps="10", ft_steps="10")
    assert i18n.translate("ch8.pretrain.none_yet", "en") in messages(app)
    app.button(key="ch8_pt_train").click().run()
    assert not app.exception and not app.error, messages(app)
    run = app.session_state["ch8_pt_run"]
    assert run["finished"] and run["losses"][-1][0] == 20 and run["checkpoints"]
    assert any("Next-token loss" in title for title in apptest_helpers.chart_titles(app))
    # A second press with the same settings is computed once per server and replayed.
    from ui import jobs

    computed = jobs.get_queue().computed
    app.button(key="ch8_pt_train").click().run()
    assert jobs.get_queue().computed == computed and app.session_state["ch8_pt_run"]["finished"]
    app.button(key="ch8_it_run").click().run()
    assert any("Instruction tuning" in title for title in apptest_helpers.chart_titles(app))
    assert any(col == "after tuning" for col in app.dataframe[0].value.columns)
    app.button(key="ch8_ft_run").click().run()
    assert any("label word" in title for title in apptest_helpers.chart_titles(app))
    assert "gpt:finetuned_own" in app.session_state["ch8_own_methods"]["en"]
    assert not app.exception
    assert base_digest("en") == shipped  # the files on disk
    model, _ = app.session_state["ch8_pt_run"]["model"], None
    assert all(not p.requires_grad for p in model.parameters())


def test_upload_without_a_file_and_bad_uploads():
    app = open_page("en", corpus="upload")
    app.button(key="ch8_pt_train").click().run()
    assert i18n.translate("ch8.errors.no_upload", "en") in messages(app) and not app.exception


def test_predict_the_best_way_and_the_surest_method_then_reveal():
    """Both questions answered right and wrong; the answers come from the measured results."""
    import json

    from lm_core.analysis.prompting import LABELS
    from lm_core.core.paths import ASSETS_DIR
    from tests.pages.test_predict import answer_right_and_wrong, lock, pick_widget, texts
    from ui.predict import STATE

    app = open_page("en", pm="gpt", sent="3")
    covered = [c.value for c in app.caption if c.value == i18n.translate("quiz.common.covered", "en")]
    assert len(covered) == 3  # the story chart, the drill-down and (section 7) the scale plan wait for a guess
    kinds = pick_widget(app, "ch8.best_method").options
    assert len(kinds) >= 2
    answer_right_and_wrong(app, "ch8.best_method", ["finetune", "prompt_gpt"])
    caption = next(c.value for c in app.caption if c.value.startswith("Best here: "))
    best_label = caption.removeprefix("Best here: ").split(" with weighted F1")[0]
    why = [m.value.replace("\\", "") for m in app.markdown if m.value.startswith(":material/lightbulb:")]
    assert any(f"The best method is {best_label}," in w for w in why), (best_label, why)  # the chart agrees
    methods = json.loads((ASSETS_DIR / "results" / "ch8_results.json").read_text())["en"]["methods"]
    answer_right_and_wrong(app, "ch8.surest", list(methods))
    gold = app.session_state[STATE]["ch8.surest"]["correct"]
    true = LABELS.index(ch8_lab.sentiment_splits("en")[1][2][1])  # sentence 3 counted from 1
    best = max(methods[k]["probs"][2][true] for k in methods)
    assert gold == sorted(k for k in methods if abs(methods[k]["probs"][2][true] - best) <= 1e-6)
    # another sentence is a new question
    app.number_input(key="ch8_sent").set_value(4).run()
    assert pick_widget(app, "ch8.surest").value is None
    assert lock(app, "ch8.surest", gold[0])["context"]
    assert "Test sentence #4" in texts(app)


def test_the_story_chart_shows_the_prompt_panels_method_on_the_first_view():
    """A link to examples a learner chose: the story chart's bar for that method is the
    prompt panel's own score on the first view (it showed the shipped examples' score until
    something else redrew the page, so a copied link opened a different chart), and back
    on the shipped examples both show the shipped score."""
    import re

    def scores(app: AppTest) -> tuple[float, float]:
        story = apptest_helpers.chart_titled(app, "Weighted F1 on")
        bar = [x for trace in story["data"] if trace["type"] == "bar" and trace["offsetgroup"] == "calibrated"
               for x, y in zip(trace["x"], trace["y"], strict=True) if "tiny GPT" in y and "few-shot" in y]
        panel = apptest_helpers.chart_title(apptest_helpers.chart_titled(app, "few-shot: weighted F1"))
        return round(bar[0], 3), float(re.search(r"weighted F1 ([0-9.]+)", panel).group(1))

    app = open_page("en", data="zh", cal="1", pm="gpt", mode="few", shots="5,9,12")
    own_bar, own_panel = scores(app)
    assert own_bar == own_panel
    app.multiselect(key="ch8_shots").set_value([0, 3, 2, 1]).run()  # the shipped examples
    shipped_bar, shipped_panel = scores(app)
    assert shipped_bar == shipped_panel != own_panel
    assert not app.exception


def _story_bars(app: AppTest, lang: str = "en") -> tuple[dict[tuple[str, str], float], dict]:
    """The story chart's bars: {(method label, "raw" or "calibrated"): weighted F1}, and its spec."""
    story = apptest_helpers.chart_titled(app, "Weighted F1 on" if lang == "en" else "测试句子上的加权 F1")
    return {
        (y, trace["offsetgroup"]): x
        for trace in story["data"]
        if trace["type"] == "bar"
        for x, y in zip(trace["x"], trace["y"], strict=True)
    }, story


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_story_chart_and_its_caption_read_one_computation(lang):
    """Raw and calibrated bars both drawn, the caption's numbers are the chart's numbers,
    the F1 axis runs 0 to 1 and the long method names lie whole beside horizontal bars."""
    from ui.chapters.ch8 import story
    from ui.chapters.ch8.common import View

    app = open_page(lang, data="en")
    bars, figure = _story_bars(app, lang)
    numbers = story.story_numbers(View.of("en", False))
    order = figure["layout"]["yaxis"]["categoryarray"]  # the method labels, in the rows' order
    labels = {row["key"]: label for row, label in zip(numbers["rows"], order, strict=True)}
    for row in numbers["rows"]:
        assert bars[(labels[row["key"]], "raw")] == pytest.approx(row["raw"])
        if row["calibrated"] is None:
            assert (labels[row["key"]], "calibrated") not in bars
        else:
            assert bars[(labels[row["key"]], "calibrated")] == pytest.approx(row["calibrated"])
    assert tuple(figure["layout"]["xaxis"]["range"]) == (0, 1)
    assert all(trace.get("orientation") == "h" for trace in figure["data"] if trace["type"] == "bar")
    caption = " ".join(c.value for c in app.caption)
    raw_prompted = [row["raw"] for row in numbers["rows"] if row["calibrated"] is not None]
    for value in (min(raw_prompted), max(raw_prompted), numbers["calibrated_high"], numbers["finetune"]):
        assert f"{value:.2f}" in caption
    assert labels[numbers["calibrated_best"]] in caption
    # the prose no longer claims that prompting did as well as fine-tuning
    prose = " ".join(m.value for m in app.markdown)
    assert "often did as well" not in prose and "往往就能和微调一样好" not in prose
    assert numbers["finetune"] > numbers["calibrated_high"] > numbers["prompt_high"]


def test_the_scaling_charts_use_one_sign_for_each_exponent():
    """Title, legend and caption write the same signed exponent; the size note agrees with it."""
    import json

    from lm_core.core.paths import ASSETS_DIR

    scaling = json.loads((ASSETS_DIR / "results" / "ch8_results.json").read_text())["scaling"]
    compute_e = f"{-scaling['fit_compute']['b']:+.3f}"
    size_e = f"{-scaling['fit_parameters']['b']:+.3f}"
    app = open_page("en")
    compute = apptest_helpers.chart_titled(app, "against compute")
    size = apptest_helpers.chart_titled(app, "against size")
    assert f"C^{compute_e}" in apptest_helpers.chart_title(compute)
    assert f"N^{size_e}" in apptest_helpers.chart_title(size)
    assert any(f"x^{compute_e}" in trace["name"] for trace in compute["data"])
    assert any(f"x^{size_e}" in trace["name"] for trace in size["data"])
    caption = next(c.value for c in app.caption if "power law" in c.value)
    assert compute_e in caption and size_e in caption
    rising = size_e.startswith("+")
    assert ("loss rises with size" in caption) == rising and ("loss falls with size" in caption) != rising


def test_test_sentences_count_from_one_on_screen_and_in_the_link():
    from lm_core.analysis import ch8_lab as lab

    test_split = lab.sentiment_splits("en")[1]
    app = open_page("en", sent="1")
    box = app.number_input(key="ch8_sent")
    assert (box.min, box.max, box.value) == (1, len(test_split), 1)
    assert box.label == f"Test sentence number (1 to {len(test_split)})"
    assert test_split[0][0].split()[0] in " ".join(m.value for m in app.markdown if "**Sentence:**" in m.value)
    app.number_input(key="ch8_sent").set_value(len(test_split)).run()
    assert param(app, "sent") == str(len(test_split))
    assert any(f"Test sentence #{len(test_split)}:" in title for title in apptest_helpers.chart_titles(app))
