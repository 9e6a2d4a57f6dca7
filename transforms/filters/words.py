"""Mean word length in characters, words being eojeol."""

from transforms.filters.text_view import TextView


def mean_word_length(view: TextView) -> float:
    return view.mean_word_length


def words_too_short(view: TextView, min_mean: float) -> str | None:
    mean = mean_word_length(view)
    return f"mean_word_length={mean:.2f} < {min_mean}" if mean < min_mean else None


def words_too_long(view: TextView, max_mean: float) -> str | None:
    mean = mean_word_length(view)
    return f"mean_word_length={mean:.2f} > {max_mean}" if mean > max_mean else None
