"""Chapter 6: encoder-only, decoder-only and encoder-decoder side by side, and what size means.

One sentence goes through three tiny models trained in this project on the same toy world
with the same tokens: the encoder fills in masked tokens (seeing both sides), the GPT
guesses the next token at every position (seeing only the left), the encoder-decoder
writes back a span hidden behind a sentinel (reading the input through cross-attention).
Then the three masks, sentence vectors (the toy encoder vs MiniLM) with a search box, and
a size calculator placing GPT-1 to GPT-3 and the app's own models.

Every model runs inside ``st.cache_data`` keyed by its inputs; the controls of each part
live in their own ``st.fragment``, so moving one reruns only that part. The parts live in
``ui/chapters/ch6/``: ``families`` (the sentence, the three families, the masks),
``vectors`` (sentence vectors and search), ``calculator`` (sizes), ``views`` (the cached runs).
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch6")

from ui.chapters.ch6 import families  # noqa: E402
from ui.chapters.ch6.calculator import sizes_section  # noqa: E402
from ui.chapters.ch6.vectors import representation_section  # noqa: E402
from ui.common import guard, t  # noqa: E402

st.title(t("ch6.title"))

text = families.sentence_control(lang)
ids = families.checked_ids(lang, text)
if ids is not None:
    families.families_section(lang, text, ids)

with guard():
    representation_section(lang)

with guard():
    sizes_section(lang)
