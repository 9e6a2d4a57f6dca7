"""Share of the document that language ID (CLD2, transforms/langid.py) reads as Korean."""

from transforms.filters.text_view import TextView


def korean_share(view: TextView, min_share: float) -> str | None:
    language = view.language
    if language.korean_share < min_share:
        return (
            f"korean_share={language.korean_share:.2f} < {min_share} "
            f"(cld2: {language.code} {language.score:.2f})"
        )
    return None
