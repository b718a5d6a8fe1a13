"""Chapter 4 (RNN and attention): the page's sections, one module each."""
