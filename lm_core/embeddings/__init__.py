"""Vectors for words and texts: bag-of-words, word2vec, questions to a table of vectors, 2D/3D projection."""
