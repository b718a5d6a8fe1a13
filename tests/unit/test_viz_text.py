"""viz.text: learner text never becomes a link in Streamlit's Markdown, and emoji sequences
keep their joiners while direction overrides and control characters are written out."""

import re

from viz.text import WORD_JOINER, for_markdown, visible

# remark-gfm's literal autolinks (Streamlit 1.67's StreamlitMarkdown bundle), run on text nodes
# AFTER backslash escapes are resolved: an escaped ":" or "." alone does not stop them.
GFM_AUTOLINK = re.compile(r"(?i)https?://[-.\w]+|www\.[-.\w]|[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def rendered_text(markdown: str) -> str:
    """The text node Markdown makes of ``markdown``: each backslash escape resolved."""
    return _ESCAPE.sub(r"\1", markdown)


def autolinks(markdown: str) -> list[str]:
    return GFM_AUTOLINK.findall(rendered_text(markdown))


def test_bare_urls_www_and_emails_do_not_autolink_but_read_the_same():
    typed = "see http://a.example/x_y, HTTPS://b.example and www.c.example or me@d.example."
    shown = for_markdown(typed)
    assert autolinks(typed) and not autolinks(shown)
    assert rendered_text(shown).replace(WORD_JOINER, "") == typed


def test_plain_words_and_a_lone_at_are_unchanged():
    assert for_markdown("a cat @ home, http, www") == "a cat @ home, http, www"


def test_emoji_joiners_stay_characters_but_overrides_and_controls_are_written_out():
    family = "👨\u200d👩\u200d👧"
    assert visible(family) == family
    assert visible("ab\u200cc") == "ab\u200cc"
    assert visible("rain\u202ethunder\x07") == "rain\\u202ethunder\\x07"
    assert visible("zero\u200bwidth\ufeff") == "zero\\u200bwidth\\ufeff"
