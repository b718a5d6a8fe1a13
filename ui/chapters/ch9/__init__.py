"""Chapter 9's sections, one module each, called by ``pages/9_Beyond_the_model.py``.

* ``common``: the learner's choices (:class:`~ui.chapters.ch9.common.View`), the index job,
  the shipped answers and SmolLM2's answers through the shared queue;
* ``rag_view``: the main chart (similarity of the question to every chunk), 1 the documents in
  chunks, 2 the map, 3 the prompt and the answers with and without it, 4 the whole question set;
* ``hallucination``: 5 "it is not a database" and the document that is wrong;
* ``memory``: 6 "does it remember me?", a chat past its context window;
* ``say_hi``: 7 "say hi to an LLM" through an OpenAI-compatible endpoint, 8 open versus closed.

The computing is in ``lm_core.analysis.rag``, ``lm_core.data.knowledge`` and ``lm_core.serve``.
"""
