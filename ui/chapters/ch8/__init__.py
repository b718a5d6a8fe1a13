"""Chapter 8's sections, one module each, called by ``pages/8_Pretrain_finetune_prompt.py``.

The cut follows the page's own headings, because each heading is one thing a learner does
and each has its own state: ``story`` (the chart on top and its question), ``pretrain``
(1: a GPT of one's own, replayed from the shared queue), ``tuning`` (2 and 3: instruction
tuning and fine-tuning, one job and one set of controls for both), ``prompting`` (4),
``compare`` (5: every method side by side, one sentence drilled into) and ``scaling`` (6).
``common`` holds what they all read: the view chosen at the top, the measured results, the
learner's own methods and the names of methods. The computing is in
``lm_core.analysis.ch8_lab``; these modules arrange widgets and charts.
"""
