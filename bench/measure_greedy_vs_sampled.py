"""How often sampling at temperature 1 gives the same continuation as greedy, per prompt (chapter 7 defaults).

Run: PYTHONPATH=. .venv/bin/python bench/measure_greedy_vs_sampled.py
"""
import torch

from lm_core.decoding.generation import SamplingSettings, generate_steps
from lm_core.models.checkpoints import load_gpt

for name, prompts in (("gpt_toy_en", ["The king", "It rained this", "The cat"]), ("gpt_toy_zh", ["今天早上", "国王"])):
    model, tok = load_gpt(name)
    for prompt in prompts:
        ids = tok.encode(prompt)
        greedy = [s.token_id for s in generate_steps(model, ids, SamplingSettings(greedy=True), 15, generator=torch.Generator().manual_seed(0), end_id=tok.eos_id)]
        for temp in (1.0,):
            same = 0
            for seed in range(40):
                sampled = [s.token_id for s in generate_steps(model, ids, SamplingSettings(temperature=temp), 15, generator=torch.Generator().manual_seed(seed), end_id=tok.eos_id)]
                same += sampled == greedy
            s42 = [s.token_id for s in generate_steps(model, ids, SamplingSettings(temperature=temp), 15, generator=torch.Generator().manual_seed(42), end_id=tok.eos_id)]
            print(name, repr(prompt), "temp", temp, "same as greedy in", same, "/ 40 seeds; seed 42 same:", s42 == greedy, "|", tok.decode(ids + greedy))
