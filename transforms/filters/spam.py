"""Density of Korean gambling, adult and pharmacy spam terms (list in data/spam_words_ko.txt)."""

import re
from importlib.resources import files

from transforms.filters.text_view import TextView

SPAM_WORDS_FILE = "spam_words_ko.txt"
# Short documents count as this long, so two hits in a 40-character line are not a high density.
MIN_DENSITY_CHARS = 1000


def load_spam_words(name: str = SPAM_WORDS_FILE) -> list[str]:
    text = files("transforms").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


# Longest first, so a term is counted once and not also as the shorter term inside it.
_SPAM = re.compile("|".join(map(re.escape, sorted(load_spam_words(), key=len, reverse=True))))


def spam_hits(view: TextView) -> list[str]:
    return _SPAM.findall(view.text)


def spam_density(view: TextView, hits: int) -> float:
    """Hits per 1,000 characters."""
    return 1000 * hits / max(len(view.text), MIN_DENSITY_CHARS)


def spam_words(view: TextView, max_per_1k: float) -> str | None:
    hits = spam_hits(view)
    density = spam_density(view, len(hits))
    if density > max_per_1k:
        examples = ", ".join(sorted(set(hits))[:3])
        return f"spam_words_per_1k={density:.2f} > {max_per_1k} ({examples})"
    return None
