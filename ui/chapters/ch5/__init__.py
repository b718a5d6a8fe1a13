"""Chapter 5's sections (self-attention): the pieces pages/5_Self_attention.py calls.

``traces``: the one forward pass per (model, sentence) and what is computed from it, cached;
``choosing``: the model and sentence boxes and the head a new sentence opens on;
``explorer``: the browser explorer (layer, head, token, view, causal, temperature);
``sections``: the input vectors, the head search and BertViz.
"""
