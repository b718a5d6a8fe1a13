"""Streamlit-side helpers shared by the pages: set-up, i18n, common widgets.

Importing ``ui`` (every page does it first) fixes the server's native thread pools before
numpy, torch or scikit-learn load: one thread per computation unless ``OMP_NUM_THREADS`` (or
``LLM_EXPLAINER_THREADS``) says otherwise. A classroom server runs many sessions at once; with
one OpenMP/BLAS thread per core each, t-SNE of chapter 3's map took 20.7 s instead of 4.5 s and
the replay's alignment 3.9 s instead of 0.09 s on the busy 2-core machine (threads spin-waiting
for a core another session holds; bench/RESULTS.md "Classroom load (protocol level)").
"""

import os as _os

_threads = _os.environ.get("LLM_EXPLAINER_THREADS", "1").strip()
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    _os.environ.setdefault(_name, _threads if _threads.isdigit() and int(_threads) > 0 else "1")
