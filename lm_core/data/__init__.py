"""Text the app teaches with: one segmenter (en/zh/nl), the toy-world grammar, the shipped corpora, the curriculum's examples."""
