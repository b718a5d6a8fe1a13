"""Chapter 1: tokenization. Four tokenizers side by side, BPE learned merge by merge,
two languages compared, and the round trip from ids back to text."""

import streamlit as st

from ui.common import (
    chart,
    choice_query_param,
    guard,
    int_query_param,
    intro,
    main_chart,
    md,
    plain,
    query_param,
    reset_button,
    seed_widget,
    set_query_param,
    set_text_query_param,
    setup_page,
    show_error,
    t,
    template,
    text_query_param,
)

lang = setup_page("ch1")

from lm_core.analysis import quiz  # noqa: E402
from lm_core.core.errors import InputError  # noqa: E402
from lm_core.core.text import clean_text  # noqa: E402
from lm_core.models.smollm2 import load_smollm2_tokenizer  # noqa: E402
from lm_core.tokenizers import lesson as tok  # noqa: E402
from ui.predict import ask, bar_reveal  # noqa: E402
from viz.tokens import (  # noqa: E402
    byte_note,
    byte_pieces_html,
    display_token,
    token_chips_html,
    token_count_figure,
    word_history_figure,
    word_stages_html,
)

KINDS = ("word", "char", "bpe", "wordpiece")
VOCAB_MIN, VOCAB_MAX, VOCAB_DEFAULT = tok.BYTE_ALPHABET_SIZE, 2000, 500
MERGE_STEPS_MAX = 40


def corpus(choice: str) -> list[str]:
    return tok.corpus_sentences(choice)  # the corpora are loaded once per process


@st.cache_resource(show_spinner=False, max_entries=64)
def bpe(choice: str, vocab_size: int) -> tok.LessonBpeTokenizer:
    """One BPE training per (corpus, vocabulary size), shared by every session."""
    return tok.train_bpe(corpus(choice), vocab_size)


@st.cache_resource(show_spinner=False, max_entries=4)
def word_and_char(choice: str) -> tuple[tok.LessonWordTokenizer, tok.LessonCharTokenizer]:
    sentences = corpus(choice)
    return tok.build_word_tokenizer(sentences), tok.build_char_tokenizer(sentences)


@st.cache_resource(show_spinner=False)
def wordpiece() -> tok.LessonWordPieceTokenizer:
    return tok.load_wordpiece()


@st.cache_data(show_spinner=False, max_entries=32)
def token_counts(text: str, choice: str) -> list[tuple[int, int]]:
    return tok.bpe_token_counts(text, bpe(choice, VOCAB_MAX), list(range(VOCAB_MIN, VOCAB_MAX + 1, 32)))


@st.cache_data(show_spinner=False, max_entries=16)
def merge_steps(choice: str) -> list[tok.MergeStep]:
    """The first merges, replayed once per corpus: BPE is greedy, so a smaller
    vocabulary's merges are the start of a larger one's (a unit test checks it)."""
    return tok.bpe_merge_steps(corpus(choice), bpe(choice, VOCAB_MAX), MERGE_STEPS_MAX)


def tokenizers(choice: str, vocab_size: int) -> dict[str, object]:
    word, char = word_and_char(choice)
    return {"word": word, "char": char, "bpe": bpe(choice, vocab_size), "wordpiece": wordpiece()}


@st.cache_resource(show_spinner=False)
def smollm2_tokenizer():
    """SmolLM2's own byte-level BPE (49,152 tokens), shared read-only by every session."""
    return load_smollm2_tokenizer()


def byte_notes(symbol_pieces: list[str]) -> list[str]:
    """Under each byte-level piece (as the tokenizer stores it, "ä¸"), the character it is
    part of ("下 1–2/3"); nothing under a piece of whole characters."""
    labels = {k: template(f"ch1.bpe.piece_{k}") for k in ("whole", "part", "one")}
    parts = tok.characters_of_pieces([tok.symbols_to_bytes(p) for p in symbol_pieces])
    return [byte_note(p, labels) for p in parts]


def readable(symbols: str) -> str:
    """A stored byte-level piece as this page shows it: ␣ for a space, ⟨e4 b8⟩ for part of a character."""
    return display_token(tok.symbols_to_text(symbols))  # display_token leaves ⟨e4 b8⟩ as it is


def smollm2_section(text: str, whitespace: bool) -> None:
    """A real LLM's tokenizer on the same text (SmolLM2-135M-Instruct)."""
    st.header(t("ch1.smollm2.header"))
    st.markdown(md("ch1/smollm2"))
    try:
        with st.spinner(t("ch1.smollm2.loading")):
            real = smollm2_tokenizer()
    except InputError as exc:  # the package is not installed: say what to install
        show_error(exc, warning=True)
        return
    result = real.lesson_tokens(text)
    with st.container(border=True):
        st.markdown(t("ch1.smollm2.summary", count=result.count, size=real.vocab_size))
        notes = byte_notes([token.text for token in result.tokens])
        st.html(token_chips_html(result.tokens, whitespace_visible=whitespace, source_text=text, notes=notes))
        if any(token.display and token.display.startswith("⟨") for token in result.tokens):
            st.caption(t("ch1.smollm2.bytes_caption"))


def token_tax_section(sentences: dict[str, str]) -> None:
    """SmolLM2's token counts for the English and the Chinese sentence, and the Chinese one byte by byte."""
    try:
        real = smollm2_tokenizer()
    except InputError:
        return  # smollm2_section already said what to install
    st.subheader(t("ch1.smollm2.tax_header"))
    columns = st.columns(2)
    for column, lang_key in zip(columns, ("en", "zh"), strict=True):
        count = len(real.encode(sentences[lang_key]))
        chars = len(sentences[lang_key])
        column.metric(
            t("ch1.smollm2.tax_metric", language=t(f"ch1.compare.series_{lang_key}")),
            t("ch1.smollm2.tax_tokens", count=count),
            help=t("ch1.smollm2.tax_help"),
            border=True,
        )
        column.caption(t("ch1.smollm2.tax_per_char", chars=chars, ratio=f"{count / max(1, chars):.2f}"))
    st.markdown(t("ch1.smollm2.bytes_header"))
    st.html(
        byte_pieces_html(
            real.byte_breakdown(sentences["zh"]),
            {k: template(f"ch1.smollm2.byte_{k}") for k in ("whole", "part", "one")},
        )
    )
    st.caption(t("ch1.smollm2.bytes_note"))


st.title(t("ch1.title"))
intro("ch1/intro")

# ----------------------------------------------------------------------------- controls
# Every control starts from the URL (a shared link opens the same view) and writes back.
corpus_choices = list(tok.CORPUS_CHOICES)
DEFAULTS = {  # URL parameter -> (widget key, the example's value)
    "text": ("ch1_text", t("ch1.input.default_text")),
    "word": ("ch1_word", t("ch1.bpe.default_word")),
    "en": ("ch1_en", t("ch1.compare.default_english")),
    "zh": ("ch1_zh", t("ch1.compare.default_chinese")),
}
for param, (key, example) in DEFAULTS.items():
    seed_widget(key, text_query_param(param, example))
seed_widget("ch1_corpus", choice_query_param("corpus", corpus_choices, "both" if lang == "zh" else "toy_en"))
seed_widget("ch1_ws", query_param("ws", "0") == "1")
seed_widget("ch1_vocab", int_query_param("vocab", VOCAB_DEFAULT, VOCAB_MIN, VOCAB_MAX))
controls = st.columns([3, 2, 2])
with controls[0]:
    raw_text = st.text_area(t("ch1.input.text"), help=t("ch1.input.text_help"), key="ch1_text", height=90)
with controls[1]:
    corpus_choice = st.selectbox(
        t("ch1.input.corpus"),
        corpus_choices,
        format_func={c: t(f"ch1.corpus_names.{c}") for c in corpus_choices}.get,
        help=t("ch1.input.corpus_help"),
        key="ch1_corpus",
    )
    whitespace = st.toggle(t("ch1.input.whitespace"), help=t("ch1.input.whitespace_help"), key="ch1_ws")
with controls[2]:
    vocab_size = st.slider(
        t("ch1.input.vocab"), VOCAB_MIN, VOCAB_MAX, step=4, help=t("ch1.input.vocab_help"), key="ch1_vocab"
    )
    reset_button(
        [key for key, _ in DEFAULTS.values()] + ["ch1_corpus", "ch1_ws", "ch1_vocab", "ch1_steps"],
        [*DEFAULTS, "corpus", "ws", "vocab", "steps"],
    )
set_query_param("corpus", corpus_choice)
set_query_param("vocab", vocab_size)
set_query_param("ws", int(whitespace))
set_text_query_param("text", raw_text, DEFAULTS["text"][1])

all_tokenizers = {}
with guard(), st.spinner(t("ch1.side.training")):
    all_tokenizers = tokenizers(corpus_choice, vocab_size)
if not all_tokenizers:
    st.stop()

# ----------------------------------------------------------------------------- side by side
fewest = ask("ch1.fewest", KINDS, lambda: quiz.fewest_tokens({k: all_tokenizers[k].tokenize(clean_text(raw_text)) for k in KINDS}),
             bar_reveal("ch1.fewest", "counts", ".0f"), context=(raw_text, corpus_choice, vocab_size))
st.header(t("ch1.side.header"))
st.caption(t("ch1.side.caption"))
results = {}
with main_chart(), guard():
    text = clean_text(raw_text)
    results = {kind: all_tokenizers[kind].tokenize(text) for kind in KINDS}
    for row in (KINDS[:2], KINDS[2:]):
        for column, kind in zip(st.columns(2), row, strict=True):
            result = results[kind]
            with column.container(border=True):
                st.subheader(t(f"ch1.kinds.{kind}"))
                summary = t("ch1.side.count", count=result.count)
                if result.unknown_count:
                    summary += " · :red[" + t("ch1.side.unknown", count=result.unknown_count) + "]"
                st.markdown(f"**{summary}** · {t('ch1.side.vocab_size', size=all_tokenizers[kind].vocab_size)}")
                notes = byte_notes([token.text for token in result.tokens]) if kind == "bpe" else None
                st.html(token_chips_html(result.tokens, whitespace_visible=whitespace, source_text=text, notes=notes))
                if kind == "bpe" and all_tokenizers[kind].vocab_size < vocab_size:
                    st.caption(t("ch1.side.bpe_exhausted", size=all_tokenizers[kind].vocab_size))
                if kind == "wordpiece":
                    st.caption(t("ch1.side.added"))

fewest.end()
if results:
    smollm2_section(text, whitespace)

# ----------------------------------------------------------------------------- BPE, merge by merge
st.header(t("ch1.bpe.header"))
st.markdown(md("ch1/bpe"))
st.markdown(md("ch1/bytes"))
steps = []
with guard():
    steps = [step for step in merge_steps(corpus_choice) if step.vocab_size <= vocab_size]
if len(steps) > 1:
    seed_widget("ch1_steps", int_query_param("steps", 10, 1, MERGE_STEPS_MAX))
    st.session_state["ch1_steps"] = min(max(1, int(st.session_state["ch1_steps"])), len(steps))
    shown = st.slider(t("ch1.bpe.steps"), 1, len(steps), key="ch1_steps")
    set_query_param("steps", shown)
    stored = t("ch1.bpe.table_stored")
    st.dataframe(
        [
            {
                t("ch1.bpe.table_rank"): step.rank,
                t("ch1.bpe.table_pair"): f"{readable(step.left)} + {readable(step.right)}",
                t("ch1.bpe.table_count"): step.count,
                t("ch1.bpe.table_new"): readable(step.new_token),
                t("ch1.bpe.table_vocab"): step.vocab_size,
                # The one place that shows the byte symbols as the tokenizer keeps them.
                stored: f"{step.left} + {step.right}",
            }
            for step in steps[:shown]
        ],
        hide_index=True,
        width="stretch",
        column_config={stored: st.column_config.TextColumn(stored, help=t("ch1.bpe.table_stored_help"))},
    )
    st.caption(t("ch1.bpe.steps_caption"))
    if results:
        merges = [(step.left, step.right) for step in steps[:shown]]
        symbols = tok.segment_with_merges(results["bpe"].text, merges)
        st.html(
            word_stages_html(
                [(t("ch1.bpe.after_steps", steps=shown), [tok.symbols_to_text(p) for p in symbols], "")],
                whitespace_visible=True,
                notes=[byte_notes(symbols)],
            )
        )

raw_word = st.text_input(t("ch1.bpe.word"), help=t("ch1.bpe.word_help"), key="ch1_word")
set_text_query_param("word", raw_word, DEFAULTS["word"][1])


def split_pieces(_answer) -> dict[str, str]:
    """The pieces the answer names, written as the chips below write them (␣ for the space)."""
    word = tok.single_word(clean_text(raw_word, max_chars=40))
    pieces = tok.bpe_word_history(word, bpe(corpus_choice, vocab_size))[-1].pieces
    return {"pieces": " + ".join(readable(p) for p in pieces)}


split = ask("ch1.split_word", (quiz.YES, quiz.NO),
            lambda: quiz.bpe_word_split(bpe(corpus_choice, vocab_size), tok.single_word(clean_text(raw_word, max_chars=40))),
            params={"word": raw_word.strip()[:40], "vocab": vocab_size}, facts=split_pieces,
            context=(raw_word, corpus_choice, vocab_size))
with guard():
    word = tok.single_word(clean_text(raw_word, max_chars=40))
    full = bpe(corpus_choice, VOCAB_MAX)
    stages = tok.bpe_word_history(word, full)
    current = tok.bpe_word_history(word, bpe(corpus_choice, vocab_size))[-1]
    st.subheader(t("ch1.bpe.history_header", word=plain(word)))
    rows = [
        (
            t("ch1.bpe.history_vocab", size=stage.vocab_size),
            [tok.symbols_to_text(p) for p in stage.pieces],
            t("ch1.bpe.history_merge", left=readable(stage.merge[0]), right=readable(stage.merge[1]))
            if stage.merge
            else "",
        )
        for stage in stages
    ]
    st.html(word_stages_html(rows, whitespace_visible=True, notes=[byte_notes(list(s.pieces)) for s in stages]))
    now = [tok.symbols_to_text(p) for p in current.pieces]
    st.html(
        word_stages_html(
            [(t("ch1.bpe.history_now", size=vocab_size), now, "")],
            whitespace_visible=True,
            notes=[byte_notes(list(current.pieces))],
        )
    )
    figure = word_history_figure(
        [(s.vocab_size, len(s.pieces)) for s in stages] + [(full.vocab_size, len(stages[-1].pieces))],
        t("ch1.bpe.history_figure", word=word),
        t("ch1.bpe.history_x"),
        t("ch1.bpe.history_y"),
    )
    figure.add_vline(x=vocab_size, line_dash="dot", line_color="#dc2626")
    chart(figure, width="stretch")

split.end()
if results:
    with guard():
        counts_figure = word_history_figure(
            token_counts(results["bpe"].text, corpus_choice),
            t("ch1.bpe.count_figure"),
            t("ch1.bpe.history_x"),
            t("ch1.bpe.history_y"),
        )
        counts_figure.add_vline(x=vocab_size, line_dash="dot", line_color="#dc2626")
        chart(counts_figure, width="stretch")
        st.caption(t("ch1.bpe.count_caption"))

# ----------------------------------------------------------------------------- two languages
st.header(t("ch1.compare.header"))
left, right = st.columns(2)
english_raw = left.text_input(t("ch1.compare.english"), key="ch1_en")
chinese_raw = right.text_input(t("ch1.compare.chinese"), key="ch1_zh")
set_text_query_param("en", english_raw, DEFAULTS["en"][1])
set_text_query_param("zh", chinese_raw, DEFAULTS["zh"][1])
with guard():
    sentences = {"en": clean_text(english_raw), "zh": clean_text(chinese_raw)}
    compared = {lang_key: {k: all_tokenizers[k].tokenize(s) for k in KINDS} for lang_key, s in sentences.items()}
    counts = {lang_key: {k: r.count for k, r in by_kind.items()} for lang_key, by_kind in compared.items()}
    chart(
        token_count_figure(
            counts,
            {k: t(f"ch1.kinds.{k}") for k in KINDS},
            {"en": t("ch1.compare.series_en"), "zh": t("ch1.compare.series_zh")},
            t("ch1.compare.figure"),
            t("ch1.compare.y"),
        ),
        width="stretch",
    )
    st.dataframe(
        [
            {
                t("ch1.compare.table_tokenizer"): t(f"ch1.kinds.{kind}"),
                **{
                    f"{t('ch1.compare.series_' + lang_key)} · {t('ch1.compare.table_count')}": by_kind[kind].count
                    for lang_key, by_kind in compared.items()
                },
                **{
                    f"{t('ch1.compare.series_' + lang_key)} · {t('ch1.compare.table_unknown')}": (
                        by_kind[kind].unknown_count
                    )
                    for lang_key, by_kind in compared.items()
                },
            }
            for kind in KINDS
        ],
        hide_index=True,
        width="stretch",
    )
    for lang_key, by_kind in compared.items():
        with st.expander(f"{t('ch1.compare.series_' + lang_key)}: {plain(sentences[lang_key])}"):
            for kind in KINDS:
                st.markdown(f"**{t(f'ch1.kinds.{kind}')}** · {t('ch1.side.count', count=by_kind[kind].count)}")
                st.html(
                    token_chips_html(
                        by_kind[kind].tokens, whitespace_visible=whitespace, source_text=sentences[lang_key]
                    )
                )
    st.caption(t("ch1.compare.note"))
    token_tax_section(sentences)

# ----------------------------------------------------------------------------- round trip
st.header(t("ch1.roundtrip.header"))
st.markdown(md("ch1/roundtrip"))
round_trip = ask("ch1.round_trip", ("exact", "normalised", "lossy"), lambda: quiz.round_trip_answer(results["word"]),
                 context=(raw_text, corpus_choice)) if results else None
if results:
    for kind in KINDS:
        result = results[kind]
        with st.container(border=True):
            st.markdown(f"**{t(f'ch1.kinds.{kind}')}**")
            st.code(f"{t('ch1.roundtrip.ids')}: {result.ids}", language=None, wrap_lines=True)
            st.code(f"{t('ch1.roundtrip.decoded')}: {result.decoded}", language=None, wrap_lines=True)
            verdict = result.round_trip
            if verdict == "exact":
                st.success(t("ch1.roundtrip.exact"), icon=":material/check_circle:")
            elif verdict == "normalised":
                st.info(t("ch1.roundtrip.normalised"), icon=":material/info:")
            elif result.lost:
                pieces = ", ".join(f"“{plain(p)}”" for p in dict.fromkeys(result.lost))
                st.warning(t("ch1.roundtrip.lossy", pieces=pieces), icon=":material/warning:")
            else:
                st.warning(t("ch1.roundtrip.lossy_other"), icon=":material/warning:")
if round_trip is not None:
    round_trip.end()
