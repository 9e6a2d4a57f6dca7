"""Document length in characters."""

from transforms.filters.text_view import TextView


def too_short(view: TextView, min_chars: int) -> str | None:
    chars = len(view.text)
    return f"chars={chars} < {min_chars}" if chars < min_chars else None


def too_long(view: TextView, max_chars: int) -> str | None:
    chars = len(view.text)
    return f"chars={chars} > {max_chars}" if chars > max_chars else None
