"""Training loops that report progress through a callback, and fine-tuning."""
