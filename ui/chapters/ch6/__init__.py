"""Chapter 6's sections (model families): the pieces pages/6_Model_families.py calls.

``views``: every model run and search, cached by its inputs; ``families``: one sentence
through the encoder, the decoder and the encoder-decoder, and their masks; ``vectors``:
sentence vectors and the search box; ``calculator``: the size calculator.
"""
