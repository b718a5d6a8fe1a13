"""The networks, each in one readable file, with a fast path and a capture path that records named internals."""
