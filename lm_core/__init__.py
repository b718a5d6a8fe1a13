"""lm_core: the engine of LLM Explainer.

Small, readable PyTorch / numpy / scikit-learn code that computes everything the app shows
and exposes the internals (attention weights, embeddings, logits) for plotting. It never
imports Streamlit or plotly: pages arrange, ``viz`` draws, ``lm_core`` computes.
"""

from lm_core.core.errors import InputError

__all__ = ["InputError"]
