"""The map of the journey: one entry per chapter, in the order a learner walks it.

Per-chapter section modules that the pages call live beside it (``ui/chapters/ch5/``, ...).

A chapter is linked from the home page and the sidebar once its page file exists; the
others are shown on the map as "coming soon", so the whole story is visible from day one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Chapter:
    number: int
    key: str  # i18n namespace of the page and of its entry in nav.toml
    page: str  # path relative to the repository root
    icon: str

    @property
    def exists(self) -> bool:
        return (ROOT / self.page).is_file()


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(1, "ch1", "pages/1_Tokenization.py", ":material/text_fields:"),
    Chapter(2, "ch2", "pages/2_Bag_of_words.py", ":material/shopping_bag:"),
    Chapter(3, "ch3", "pages/3_Word2vec.py", ":material/scatter_plot:"),
    Chapter(4, "ch4", "pages/4_RNN_and_attention.py", ":material/repeat:"),
    Chapter(5, "ch5", "pages/5_Self_attention.py", ":material/grid_on:"),
    Chapter(6, "ch6", "pages/6_Model_families.py", ":material/family_history:"),
    Chapter(7, "ch7", "pages/7_Generation.py", ":material/auto_awesome:"),
    Chapter(8, "ch8", "pages/8_Pretrain_finetune_prompt.py", ":material/school:"),
    Chapter(9, "ch9", "pages/9_Beyond_the_model.py", ":material/travel_explore:"),
    Chapter(10, "ch10", "pages/10_Reasoning_and_responsibility.py", ":material/balance:"),
)


def available_chapters() -> list[Chapter]:
    return [chapter for chapter in CHAPTERS if chapter.exists]
