"""Chapter 3's pure computations, cached per server (keyed by their inputs), and the names
of the word groups in the learner's language."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lm_core.embeddings import projection as proj
from lm_core.embeddings.vectors import WordVectors
from ui.common import t


@st.cache_data(show_spinner=False, max_entries=32)
def projected(vectors: np.ndarray, method: str, dims: int, seed: int) -> np.ndarray:
    return proj.project(vectors, method, dims, seed)


@st.cache_data(show_spinner=False, max_entries=8)
def replay_frames(snapshots: list[np.ndarray]) -> list[np.ndarray]:
    return proj.align_snapshots(snapshots, 2)


@st.cache_data(show_spinner=False, max_entries=32)
def contextual_vector(sentence: str, word: str) -> np.ndarray:
    from lm_core.models.minilm import contextual_word_vectors

    return contextual_word_vectors(sentence, word)


def group_names(wv: WordVectors) -> dict[str, str]:
    """Each word group's name in the learner's language (an upload's unknown group: as is)."""
    names = {}
    for group in set(wv.groups.values()):
        key = f"ch3.groups.{group}"
        name = t(key)
        names[group] = name if name != key else group
    return names
