"""Serving SmolLM2 the way hosted chat models are served: OpenAI's chat-completions format, over HTTP."""
