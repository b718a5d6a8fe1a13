"""Text to ids and back, one protocol (base.Tokenizer): the lesson tokenizers of chapter 1, the tiny models' tokenizers, the pretrained ones."""
