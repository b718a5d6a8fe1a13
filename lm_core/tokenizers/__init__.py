"""Text to ids and back: the lesson tokenizers of chapter 1, the tiny models' tokenizers, the pretrained ones."""
