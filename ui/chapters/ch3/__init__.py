"""Chapter 3 (word2vec): the page's sections, one module each."""
