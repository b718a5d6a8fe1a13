"""Per-chapter section modules that the pages call."""

# The map of the journey lived in ``ui/chapters.py`` before this package existed (a package
# and a module cannot share a name); it is ``ui/chapters/journey.py`` now, re-exported here so
# ``from ui.chapters import CHAPTERS`` keeps working everywhere.
from ui.chapters.journey import CHAPTERS, ROOT, Chapter, available_chapters

__all__ = ["CHAPTERS", "ROOT", "Chapter", "available_chapters"]
