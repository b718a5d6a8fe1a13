"""Chapter 7's sections (generation), one module each, called in order by ``pages/7_Generation.py``.

The cut follows what the learner sees: ``choice`` (model, example prompt, the model's
caption), ``cache`` (the per-server caches of logits, continuations and the lens),
``panel`` (the one ``st.fragment``: the knobs, buttons, text, window, step chart, and the
greedy-vs-sampled comparison that the knobs also reshape), ``smollm2`` (chat template, scale,
"since GPT-2" table) and ``lens`` (the logit lens).
"""
