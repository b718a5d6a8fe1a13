"""Chapter 8's sections (pretraining, fine-tuning, prompting, training at scale): the pieces pages/8_Pretrain_finetune_prompt.py calls."""
