"""Chapter 2 (bag-of-words): the page's sections, one module each."""
