"""Chapter 10's sections: chain of thought trained and measured (``cot``: the accuracy chart
and one problem solved by both models; ``live``: a learner's own training run; ``smollm2``:
a real small LLM asked directly and step by step). The computing is in
``lm_core.analysis.reasoning`` and ``lm_core.analysis.cot_smollm2``."""
