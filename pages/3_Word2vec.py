"""Chapter 3: word2vec trained live, its vectors projected, questioned and exported, and
the limit of one static vector per word shown next to MiniLM's contextual vectors.

The page holds the layout and the order of the sections; each section is a module of
``ui/chapters/ch3`` (training, the map and its replay, questions, the "bank" limit)."""

import streamlit as st

from ui.common import intro, main_chart, md, projector_on, setup_page, t

lang = setup_page("ch3")

from lm_core.embeddings import projection as proj  # noqa: E402
from lm_core.embeddings import word2vec as w2v  # noqa: E402
from ui.chapters.ch3 import training  # noqa: E402
from ui.chapters.ch3.ask import ask_the_vectors, examples_section  # noqa: E402
from ui.chapters.ch3.bank import one_vector_per_word  # noqa: E402
from ui.chapters.ch3.computed import group_names  # noqa: E402
from ui.chapters.ch3.word_map import map_section, replay_section  # noqa: E402
from ui.common import guard  # noqa: E402

proj.start_umap_warmup()  # compiles UMAP in the background, once per process
st.title(t("ch3.title"))
if not projector_on():  # on a projector the first screen goes to the map; the intro follows it
    intro("ch3/intro")

# --- 1. Corpus and training -----------------------------------------------------------------
# The projector layout shows the map first and folds the training controls below it.
if projector_on():
    map_area = main_chart()
    train_area = st.expander(t("ch3.train.header"), icon=":material/model_training:")
else:
    train_area = st.container()
    map_area = main_chart()
with train_area:
    if not projector_on():
        st.header(t("ch3.train.header"))
    controls, results = st.columns([2, 3], gap="large")
with controls:
    corpus_name, upload, train_clicked = training.training_controls(lang)
with results:
    if train_clicked:
        with guard():
            training.start_training(corpus_name, upload)
    training.wait_for_training()
model = training.current_model(corpus_name)
with results:
    training.model_summary(model, corpus_name)
if model is None:
    st.stop()

wv = model.vectors
if st.session_state.get("w2v_model_seen") != model.id:
    # Other vectors, maybe another vocabulary: the word boxes go back to their examples.
    for stale in ("w2v_word", "w2v_a", "w2v_b", "w2v_c", "w2v_heat_words", "w2v_focus", "w2v_picked"):
        st.session_state.pop(stale, None)
    st.session_state["w2v_model_seen"] = model.id
examples = w2v.example_words(corpus_name, wv.words)
groups = group_names(wv)

# --- 2. The map, 3. its replay --------------------------------------------------------------
with map_area:
    shown = map_section(model, examples, groups)
if projector_on():
    intro("ch3/intro")
replay_section(model, shown, examples, groups)

# --- 4. Ask the vectors, 5. the curriculum's examples ---------------------------------------
ask_the_vectors(wv, examples)
examples_section(wv, examples)

# --- 6. The limit: one vector per word -------------------------------------------------------
one_vector_per_word(wv)

# --- 7. Export --------------------------------------------------------------------------------
st.header(t("ch3.export.header"))
st.markdown(md("ch3/export"))
e1, e2 = st.columns(2)  # each file is built when its button is clicked, never kept on the server
e1.download_button(t("ch3.export.vectors"), lambda: wv.to_projector_tsv()[0], file_name=f"w2v_{corpus_name}_vectors.tsv", mime="text/tab-separated-values",
                   icon=":material/download:", key="w2v_dl_vectors", on_click="ignore")
e2.download_button(t("ch3.export.metadata"), lambda: wv.to_projector_tsv()[1], file_name=f"w2v_{corpus_name}_metadata.tsv",
                   mime="text/tab-separated-values", icon=":material/download:", key="w2v_dl_meta", on_click="ignore")
