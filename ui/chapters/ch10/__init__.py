"""Chapter 10's sections: chain of thought trained and measured (``cot``: the accuracy chart
and one problem solved by both models; ``live``: a learner's own training run; ``smollm2``:
a real small LLM asked directly and step by step), the bias probe (``bias``) and
responsibility (``responsibility``). The computing is in ``lm_core.analysis.reasoning``,
``cot_smollm2``, ``bias_probe``, ``memorisation`` and ``training_energy``."""
