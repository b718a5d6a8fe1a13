"""Chapter 2: bag-of-words. The three steps, similarity, what it forgets (order), what
it costs (sparsity), and sentence vectors in 2D."""

import streamlit as st

from ui.common import (
    chart,
    choice_query_param,
    folded,
    guard,
    int_query_param,
    intro,
    main_chart,
    md,
    plain,
    projector_on,
    reset_button,
    seed_widget,
    set_query_param,
    set_text_query_param,
    setup_page,
    t,
    text_query_param,
)

lang = setup_page("ch2")

from lm_core.analysis import quiz  # noqa: E402
from lm_core.core.errors import InputError  # noqa: E402
from lm_core.core.text import clean_text  # noqa: E402
from lm_core.embeddings import bow  # noqa: E402
from lm_core.tokenizers.lesson import corpus_sentences, corpus_word_groups  # noqa: E402
from ui.predict import ask, bar_reveal  # noqa: E402
from viz.bow import cosine_heatmap, dtm_heatmap, pca_scatter, sparsity_figure, vectors_figure  # noqa: E402

MAX_CHARS = 6000
NGRAM_CHOICES = ((1, 1), (1, 2), (2, 2), (1, 3))
CORPORA = ("toy_en", "toy_zh")
PCA_SAMPLE = (60, 600, 240)  # slider min, max, default


@st.cache_data(show_spinner=False, max_entries=32)
def document_term(sentences: tuple[str, ...], mode: str, ngram: tuple[int, int]) -> bow.BagOfWords:
    return bow.bag_of_words(sentences, mode, ngram)


@st.cache_data(show_spinner=False, max_entries=8)
def sparsity(corpus: str, ngram: tuple[int, int]) -> list[bow.SparsityPoint]:
    return bow.sparsity_curve(corpus_sentences(corpus), steps=14, ngram_range=ngram)


@st.cache_data(show_spinner=False, max_entries=8)
def corpus_projection(
    corpus: str, size: int, own: tuple[str, ...]
) -> tuple[list[str], list[str], bow.Projection, dict[str, float]]:
    sentences = corpus_sentences(corpus)
    step = max(1, len(sentences) // size)
    sample = sentences[::step][:size]  # spread over the corpus, not just its start
    result = bow.bag_of_words(sample, "tfidf", max_sentences=len(sample))
    topics = bow.sentence_topics(result.tokens, corpus_word_groups(corpus))
    projection = bow.pca_2d(result.matrix, bow.vectors_in_vocabulary(result, own))
    agreement = {
        "in_2d": bow.neighbour_agreement(projection.coordinates, topics),
        "in_full": bow.neighbour_agreement(result.matrix, topics),
        "chance": bow.chance_agreement(topics),
        "dims": len(result.vocabulary),
    }
    return sample, topics, projection, agreement


def ngram_label(ngram: tuple[int, int]) -> str:
    return f"({ngram[0]}, {ngram[1]})"


st.title(t("ch2.title"))
intro("ch2/intro")

# ----------------------------------------------------------------------------- controls
# Every control starts from the URL (a shared link opens the same view) and writes back.
modes = list(bow.MODES)
ngram_keys = {f"{a}-{b}": (a, b) for a, b in NGRAM_CHOICES}
TEXTS = {  # URL parameter -> (widget key, the example's value)
    "text": ("ch2_sentences", t("ch2.input.default_sentences")),
    "a": ("ch2_a", t("ch2.order.default_first")),
    "b": ("ch2_b", t("ch2.order.default_second")),
}
for param, (key, example) in TEXTS.items():
    seed_widget(key, text_query_param(param, example, max_chars=MAX_CHARS))
seed_widget("ch2_mode", choice_query_param("mode", modes, "count"))
seed_widget("ch2_ngram", ngram_keys[choice_query_param("ngram", list(ngram_keys), "1-1")])
seed_widget("ch2_corpus", choice_query_param("corpus", CORPORA, "toy_zh" if lang == "zh" else "toy_en"))
seed_widget("ch2_pca", int_query_param("sample", PCA_SAMPLE[2], PCA_SAMPLE[0], PCA_SAMPLE[1]) // 20 * 20)
left, right = st.columns([3, 2])
with left:
    raw_sentences = st.text_area(
        t("ch2.input.sentences"), height=110 if projector_on() else 230, help=t("ch2.input.sentences_help"), key="ch2_sentences"
    )
with right:
    mode = st.radio(
        t("ch2.input.mode"),
        modes,
        format_func={m: t(f"ch2.modes.{m}") for m in modes}.get,
        horizontal=True,
        key="ch2_mode",
    )
    ngram = st.selectbox(
        t("ch2.input.ngram"), NGRAM_CHOICES, format_func=ngram_label, help=t("ch2.input.ngram_help"), key="ch2_ngram"
    )
    if mode == "tfidf":
        st.caption(t("ch2.steps.tfidf_note"))
    reset_button(
        [key for key, _ in TEXTS.values()] + ["ch2_mode", "ch2_ngram", "ch2_corpus", "ch2_pca", "ch2_first", "ch2_second"],
        [*TEXTS, "mode", "ngram", "corpus", "sample", "first", "second"],
    )
set_query_param("mode", mode)
set_query_param("ngram", f"{ngram[0]}-{ngram[1]}")
set_text_query_param("text", raw_sentences, TEXTS["text"][1])

# ----------------------------------------------------------------------------- three steps
if not projector_on():
    st.header(t("ch2.steps.header"))
result = None
with guard():
    text = clean_text(raw_sentences, max_chars=MAX_CHARS)
    lines = tuple(line.strip() for line in text.splitlines() if line.strip())
    with st.spinner(t("ch2.steps.computing")):
        result = document_term(lines, mode, tuple(ngram))
    labels = [f"S{k + 1}" for k in range(len(result.sentences))]

    rows, columns = result.shape
    with folded(f"{t('ch2.steps.step1')} · {t('ch2.steps.step2')}"):
        st.subheader(t("ch2.steps.step1"))
        st.dataframe(
            {"#": labels, t("ch2.steps.tokens_column"): [" | ".join(words) for words in result.tokens]},
            hide_index=True,
            width="stretch",
        )
        st.subheader(t("ch2.steps.step2"))
        st.caption(t("ch2.steps.step2_caption", size=len(result.vocabulary)))
        st.code("  ".join(f"{k}:{word}" for k, word in enumerate(result.vocabulary)), language=None, wrap_lines=True)
    st.subheader(t("ch2.steps.step3"))
    with main_chart():
        chart(
            dtm_heatmap(
                result.matrix,
                result.vocabulary,
                result.sentences,
                t("ch2.steps.heatmap", mode=t(f"ch2.modes.{mode}")),
                t(f"ch2.steps.value_{mode}"),
                t("ch2.steps.heatmap_x"),
            ),
            width="stretch",
        )
    st.caption(t("ch2.steps.step3_caption", rows=rows, columns=columns, zeros=result.zero_share))

# ----------------------------------------------------------------------------- similarity
if result is not None and len(result.sentences) >= 2:
    st.header(t("ch2.similarity.header"))
    st.markdown(t("ch2.similarity.intro"))
    names = {f"S{k + 1}": f"S{k + 1}: {sentence[:60]}" for k, sentence in enumerate(result.sentences)}
    closest = ask("ch2.most_similar", list(names)[1:], lambda: quiz.most_similar(bow.cosine_matrix(result.matrix), 0, list(names)),
                  bar_reveal("ch2.most_similar", labels=names), labels=names, context=(result.sentences, mode, ngram))
    with guard():
        chart(
            cosine_heatmap(bow.cosine_matrix(result.matrix), result.sentences, t("ch2.similarity.figure")),
            width="stretch",
        )
        options = list(range(len(result.sentences)))
        seed_widget("ch2_first", int_query_param("first", 1, 1, len(options)) - 1)
        seed_widget("ch2_second", int_query_param("second", 2, 1, len(options)) - 1)
        for key, fallback in (("ch2_first", 0), ("ch2_second", 1)):
            if st.session_state[key] not in options:  # fewer sentences than before
                st.session_state[key] = fallback
        pick = st.columns(2)
        first = pick[0].selectbox(
            t("ch2.similarity.first"), options, format_func=lambda i: f"S{i + 1}: {result.sentences[i]}", key="ch2_first"
        )
        second = pick[1].selectbox(
            t("ch2.similarity.second"), options, format_func=lambda i: f"S{i + 1}: {result.sentences[i]}", key="ch2_second"
        )
        set_query_param("first", first + 1)
        set_query_param("second", second + 1)
        closeness = bow.explain_similarity(result, first, second)
        st.markdown(f"#### {t('ch2.similarity.cosine', value=closeness.cosine)}")
        if closeness.shared:
            st.markdown(f"**{t('ch2.similarity.shared')}**")
            st.dataframe(
                [
                    {
                        t("ch2.similarity.shared_word"): s.word,
                        t("ch2.similarity.shared_a"): round(s.value_a, 3),
                        t("ch2.similarity.shared_b"): round(s.value_b, 3),
                        t("ch2.similarity.shared_product"): round(s.product, 3),
                    }
                    for s in closeness.shared
                ],
                hide_index=True,
            )
        else:
            st.info(t("ch2.similarity.no_shared"))
        none = t("ch2.similarity.none")
        st.caption(t("ch2.similarity.only_a", words=", ".join(map(plain, closeness.only_a)) or none))
        st.caption(t("ch2.similarity.only_b", words=", ".join(map(plain, closeness.only_b)) or none))
    closest.end()

# ----------------------------------------------------------------------------- word order
st.header(t("ch2.order.header"))
st.markdown(md("ch2/order"))
pair = st.columns(2)
raw_a = pair[0].text_input(t("ch2.order.first"), key="ch2_a")
raw_b = pair[1].text_input(t("ch2.order.second"), key="ch2_b")
set_text_query_param("a", raw_a, TEXTS["a"][1])
set_text_query_param("b", raw_b, TEXTS["b"][1])
same_vector = ask("ch2.same_vector", (quiz.YES, quiz.NO),
                  lambda: quiz.same_vector(document_term((clean_text(raw_a, max_chars=300), clean_text(raw_b, max_chars=300)),
                                                         "count", (1, 1)).matrix),
                  params={"first": raw_a.strip()[:80], "second": raw_b.strip()[:80]}, context=(raw_a, raw_b))
with guard():
    sentence_a, sentence_b = clean_text(raw_a, max_chars=300), clean_text(raw_b, max_chars=300)
    unigrams = document_term((sentence_a, sentence_b), "count", (1, 1))
    names = (f"A: {sentence_a}", f"B: {sentence_b}")
    chart(
        vectors_figure(
            unigrams.vocabulary,
            unigrams.matrix,
            names,
            t("ch2.order.figure", ngram=f"{t('ch2.input.ngram')} (1, 1)"),
            t("ch2.order.x"),
            t("ch2.order.y"),
        ),
        width="stretch",
    )
    same = bool((unigrams.matrix[0] == unigrams.matrix[1]).all())
    (st.warning if same else st.info)(t("ch2.order.equal" if same else "ch2.order.different"))
    st.subheader(t("ch2.order.bigram_header"))
    try:
        bigrams = document_term((sentence_a, sentence_b), "count", (1, 2))
    except InputError:
        bigrams = unigrams
    chart(
        vectors_figure(
            bigrams.vocabulary,
            bigrams.matrix,
            names,
            t("ch2.order.figure", ngram=f"{t('ch2.input.ngram')} (1, 2)"),
            t("ch2.order.x"),
            t("ch2.order.y"),
        ),
        width="stretch",
    )
    bigram_same = bool((bigrams.matrix[0] == bigrams.matrix[1]).all())
    dims = len(bigrams.vocabulary)
    if bigram_same:
        st.info(t("ch2.order.bigram_same", dims=dims))
    else:
        st.success(t("ch2.order.bigram_differ", dims=dims, unigram_dims=len(unigrams.vocabulary)))

same_vector.end()

# ----------------------------------------------------------------------------- sparsity
st.header(t("ch2.sparsity.header"))
corpus = st.selectbox(
    t("ch2.sparsity.corpus"),
    CORPORA,
    format_func={c: t(f"ch2.corpus_names.{c}") for c in CORPORA}.get,
    key="ch2_corpus",
)
set_query_param("corpus", corpus)
with guard():
    curve = sparsity(corpus, tuple(ngram))
    chart(
        sparsity_figure(
            [p.documents for p in curve],
            [p.vocabulary_size for p in curve],
            [p.zero_share for p in curve],
            t("ch2.sparsity.figure") + f" · {t('ch2.input.ngram')} {ngram_label(ngram)}",
            t("ch2.sparsity.x"),
            t("ch2.sparsity.vocab"),
            t("ch2.sparsity.zeros"),
        ),
        width="stretch",
    )
    last = curve[-1]
    st.caption(
        t(
            "ch2.sparsity.caption",
            documents=last.documents,
            vocab=last.vocabulary_size,
            words=last.mean_words_per_document,
            zeros=last.zero_share,
        )
    )

# ----------------------------------------------------------------------------- PCA
st.header(t("ch2.pca.header"))
size = st.slider(t("ch2.pca.sample"), *PCA_SAMPLE[:2], step=20, key="ch2_pca")
set_query_param("sample", size)
with guard():
    own = result.sentences if result is not None else ()
    sample, topics, projection, agreement = corpus_projection(corpus, size, own)
    topic_names = {topic: t(f"ch2.topics.{topic}") for topic in set(topics)}
    chart(
        pca_scatter(
            projection.coordinates,
            sample,
            topics,
            topic_names,
            projection.explained_variance,
            t("ch2.pca.figure"),
            t("ch2.pca.axis"),
            projection.extra,
            own,
            t("ch2.pca.yours"),
        ),
        width="stretch",
    )
    st.caption(t("ch2.pca.caption"))
    if own:
        st.caption(t("ch2.pca.yours_caption"))
    st.info(t("ch2.pca.agreement", **agreement))
