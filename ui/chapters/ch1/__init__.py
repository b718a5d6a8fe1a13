"""Chapter 1 (tokenization): the page's sections, one module each."""
