"""Chapter 7: quantisation, by hand. One real 4-bit block of SmolLM2's file decoded (when SmolLM2
is the model), then the chosen model quantised to 8, 4, 3 and 2 bits and compared with float32
(a job of the shared queue, after the learner presses the button; ``quant=1`` in the link)."""

from __future__ import annotations

import functools

import streamlit as st

from lm_core.analysis import quantisation as lab
from lm_core.analysis.quiz import Answer
from lm_core.models import quantise as qz
from lm_core.models.checkpoints import list_gpts
from lm_core.models.smollm2_cache import GGUF_FILE, package_folder
from ui import jobs, models, shared
from ui.common import chart, guard, md, set_query_param, t
from ui.predict import ask
from viz import interventions as figs

AGREEMENT_BUCKETS = ("under80", "80to95", "over95")


@st.cache_data(show_spinner=False, max_entries=4)
def cached_block(path: str, tensor: str, row: int, block: int) -> qz.DecodedBlock:
    return qz.read_q4_1_block(path, tensor, row, block)


def _real_block() -> None:
    """The first block of layer 1's MLP gate, read from the file and decoded in front of the learner."""
    folder = package_folder()
    if folder is None or not (folder / GGUF_FILE).is_file():
        return
    block = cached_block(str(folder / GGUF_FILE), "blk.0.ffn_gate.weight", 0, 0)
    model, _ = models.smollm2()
    same = [float(w) for w in model.blocks[0].mlp.gate.weight[0, :qz.BLOCK]] == list(block.weights)
    st.markdown(t("ch7_steering.q_block_text", bytes=" ".join(f"{b:02x}" for b in block.raw[:4]),
                  rest=" ".join(f"{b:02x}" for b in block.raw[4:]), scale=f"{block.scale:.6g}",
                  minimum=f"{block.minimum:.6g}", first=block.quants[0], weight=f"{block.weights[0]:.6g}"))
    chart(shared.figure(figs.block_figure, block.quants, block.weights, t("ch7_steering.q_block_title"),
                        t("ch7_steering.q_block_x"), t("ch7_steering.q_block_y")), key="ch7_q_block")
    st.caption(t("ch7_steering.q_block_same" if same else "ch7_steering.q_block_differs"))


def measure(model_name: str) -> dict:
    job = functools.partial(lab.quantisation_job, model_name, lab.BITS)
    return jobs.run_shared(("ch7.quantise", model_name, lab.BITS), job, label="ch7.quantise", cap_s=600.0)


def agreement_answer(result: dict) -> Answer:
    four = next(row for row in result["rows"] if row["bits"] == 4)
    share = four["agreement"] * 100
    bucket = "under80" if share < 80 else ("80to95" if share < 95 else "over95")
    return Answer(frozenset({bucket}), facts={"share": f"{share:.0f}", "tokens": result["tokens"]})


def _results(model_name: str, result: dict) -> None:
    rows = result["rows"]
    table = [{t("ch7_steering.q_col_bits"): t("ch7_steering.q_float") if row["bits"] == 32 else str(row["bits"]),
              t("ch7_steering.q_col_memory"): f"{row['megabytes']:.2f}",
              t("ch7_steering.q_col_error"): f"{row['mean_abs_error']:.5f}",
              t("ch7_steering.q_col_agreement"): f"{row['agreement']:.1%}",
              t("ch7_steering.q_col_perplexity"): f"{row['perplexity']:.2f}",
              t("ch7_steering.q_col_time"): f"{row['ms_per_token']:.1f}"} for row in rows]
    st.table(table)
    chart(figs.error_histogram(result["histograms"], result["limit"], t("ch7_steering.q_hist_title"),
                               t("ch7_steering.q_hist_x"), t("ch7_steering.q_hist_y"),
                               lambda bits: t("ch7_steering.q_bits_name", bits=bits)), key="ch7_q_hist")
    st.caption(t("ch7_steering.q_note", tokens=result["tokens"]))


def quantisation_section(model_name: str) -> None:
    st.header(t("ch7_steering.q_header"))
    st.markdown(md("ch7/quantise"))
    if model_name == models.SMOLLM2:
        with guard():
            _real_block()
    if model_name not in (*list_gpts(), models.SMOLLM2):
        st.info(t("ch7_steering.q_own"), icon=":material/info:")
        return
    st.session_state.setdefault("ch7_quantised", st.query_params.get("quant") == "1")
    # Guess first: the answer runs the comparison (so does the button, or a link with quant=1).
    labels = {bucket: t(f"ch7_steering.q_bucket_{bucket}") for bucket in AGREEMENT_BUCKETS}
    question = ask("ch7.quant_agree", list(AGREEMENT_BUCKETS), lambda: agreement_answer(measure(model_name)),
                   labels=labels, context=(model_name,))
    if st.button(t("ch7_steering.q_button"), icon=":material/compress:", key="ch7_quant_go"):
        st.session_state["ch7_quantised"] = True
    if st.session_state["ch7_quantised"] or question.revealed:
        set_query_param("quant", 1)
        st.session_state["ch7_quantised"] = True
        with guard():
            _results(model_name, measure(model_name))
    question.end()
