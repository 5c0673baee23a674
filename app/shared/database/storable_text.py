"""Text rules every stored string shares, so both databases accept exactly the same input."""

from pydantic import AfterValidator


def _without_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text while SQLite stores it: refuse it up front, the same way on both.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNulCharacters = AfterValidator(_without_nul)
