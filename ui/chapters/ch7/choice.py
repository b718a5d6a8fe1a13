"""Chapter 7's top row: which model, its example prompt, the caption that describes it,
and the checks on the learner's prompt (what it cannot read, when it is too long)."""

from __future__ import annotations

import streamlit as st

from lm_core.core.text import has_cjk
from lm_core.decoding.continuation import chat_ids
from ui import configured, own_model
from ui.common import choice_query_param, plain, set_query_param, t
from ui.models import SMOLLM2, configured_label, gpt_meta, is_configured

#: SmolLM2's prompt cap on this page (its window is far larger): a real LLM on a shared CPU,
#: a long prompt would make every step slow for the whole class.
SMOL_MAX_PROMPT_TOKENS = 400


def default_prompt_key(choice: str) -> str:
    """The example prompt of a model (the own model's follows the language it read)."""
    if choice == own_model.OWN:
        choice = "gpt_toy_zh" if own_model.language() == "zh" else "gpt_toy_en"
    if is_configured(choice):  # an administrator's model: an open question, in the learner's language
        return "models.about.default_prompt"
    return f"ch7.prompt.default_{choice}"


def _on_model_change() -> None:
    # A new model speaks another language: offer its own example prompt.
    st.session_state["ch7_prompt"] = t(default_prompt_key(st.session_state["ch7_model"]))


def choose_model(models: list[str], lang: str) -> str:
    """The chosen model's name to compute with (for the own model, its private cache key)."""
    if "ch7_model" not in st.session_state or st.session_state["ch7_model"] not in models:
        configured.link_notice(models)
        default = "gpt_toy_zh" if lang == "zh" else "gpt_toy_en"
        st.session_state["ch7_model"] = choice_query_param("model", models, default if default in models else models[0])
    name = st.selectbox(
        t("ch7.model.label"),
        models,
        format_func={m: _label(m) for m in models}.get,
        help=t("ch7.model.help"),
        key="ch7_model",
        on_change=_on_model_change,
    )
    set_query_param("model", name)
    return own_model.cache_key(name)


def _label(name: str) -> str:
    if name == own_model.OWN:
        return own_model.label(t)
    return configured_label(name) or t(f"ch7.model.{name}")


def drive_words(model_name: str) -> str:
    """Who the learner drives on this page, for the intro's sentence."""
    label = configured_label(model_name)
    if label is not None:
        return t("models.about.drive", label=plain(label))
    return t(f"ch7.drive.{model_kind(model_name)}")


def model_kind(model_name: str) -> str:
    """Which model the page's words describe: "tiny" (a shipped tiny GPT), "smollm2", or "own"."""
    if own_model.is_own(model_name):
        return "own"
    return "smollm2" if model_name == SMOLLM2 else "tiny"


def model_caption(model_name: str, model, tokenizer) -> str:  # noqa: ANN001
    """One line on the model: its size, window, vocabulary and (tiny GPTs) final loss."""
    cfg = model.config
    if model_name == SMOLLM2:
        return t(
            "ch7.model.info_smollm2",
            layers=cfg.n_layer,
            heads=cfg.n_head,
            kv_heads=cfg.n_kv_head,
            dim=cfg.n_embd,
            params=f"{model.num_parameters() / 1e6:.1f}",
            vocab=cfg.vocab_size,
            kind=t("ch7.model.kind_bytes"),
            trained=cfg.max_position,
            block=cfg.block_size,
        )
    if is_configured(model_name):
        return t("models.about.ch7_caption", label=plain(configured_label(model_name)), layers=cfg.n_layer,
                 heads=cfg.n_head, kv_heads=cfg.n_kv_head, dim=cfg.n_embd, params=f"{model.num_parameters() / 1e6:.1f}",
                 vocab=cfg.vocab_size, trained=cfg.max_position, block=cfg.block_size)
    meta = {"final_val_loss": own_model.final_val_loss()} if own_model.is_own(model_name) else gpt_meta(model_name)
    return t(
        "ch7.model.info",
        layers=cfg.n_layer,
        heads=cfg.n_head,
        dim=cfg.n_embd,
        params=f"{model.num_parameters() / 1e6:.2f}",
        block=cfg.block_size,
        vocab=cfg.vocab_size,
        kind=t(f"ch7.model.kind_{tokenizer.kind}"),
        loss=meta.get("final_val_loss", "?"),
    )


def encode_prompt(tokenizer, prompt: str, chat: bool, system: str) -> list[int]:  # noqa: ANN001
    """The prompt's ids: as the user's turn of a chat (SmolLM2's chat mode) or as it is."""
    return chat_ids(tokenizer, prompt, system) if chat else tokenizer.encode(prompt)


def prompt_notes(model_name: str, tokenizer, prompt: str, prompt_ids: list[int], block_size: int) -> None:  # noqa: ANN001
    """What the learner should know about this prompt; stops the page when SmolLM2's is too long."""
    if model_name == SMOLLM2 and has_cjk(prompt):
        st.info(t("ch7.smollm2.chinese_note"), icon=":material/translate:")
    dropped = tokenizer.unknown_characters(prompt)
    if dropped:
        st.warning(t("ch7.prompt.dropped", chars=plain(" ".join(dropped[:30]))), icon=":material/warning:")
    if model_name == SMOLLM2 and len(prompt_ids) > SMOL_MAX_PROMPT_TOKENS:
        st.error(t("ch7.smollm2.too_many_tokens", count=len(prompt_ids), limit=SMOL_MAX_PROMPT_TOKENS))
        st.stop()
    if is_configured(model_name) and len(prompt_ids) > SMOL_MAX_PROMPT_TOKENS:  # a real LLM too, often larger
        st.error(t("models.limits.too_many_tokens", label=plain(configured_label(model_name)),
                   count=len(prompt_ids), limit=SMOL_MAX_PROMPT_TOKENS))
        st.stop()
    if len(prompt_ids) > block_size:
        st.warning(
            t("ch7.prompt.too_long", count=len(prompt_ids), size=block_size, cropped=len(prompt_ids) - block_size),
            icon=":material/content_cut:",
        )
