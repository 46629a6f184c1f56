"""Text folded for searching: the same on the stored side and on the typed side.

``text_fold`` is what makes "BELÉN", "Belén" and "belen" one word: Unicode NFKD, the
combining marks (accents) dropped, then ``casefold`` ("ß" becomes "ss", "ﬁ" "fi").
A few Latin letters carry their mark in the letter itself and NFKD leaves them whole;
they are folded by hand to what a person types without them, as PostgreSQL's
``unaccent`` does: "ø" → "o", "ł" → "l", "đ"/"ð" → "d", "æ" → "ae", "œ" → "oe",
"þ" → "th", "ı" → "i". Other scripts (Greek, Cyrillic, CJK) keep their letters,
without accents and in lower case.

Done in Python rather than with ``unaccent`` in the database so that PostgreSQL and
SQLite give the same answer, and the index needs no IMMUTABLE wrapper around a
function PostgreSQL declares STABLE.
"""

import re
import unicodedata

_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans(
    {
        "Ø": "o",
        "ø": "o",
        "Ł": "l",
        "ł": "l",
        "Đ": "d",
        "đ": "d",
        "Ð": "d",
        "ð": "d",
        "Æ": "ae",
        "æ": "ae",
        "Œ": "oe",
        "œ": "oe",
        "Þ": "th",
        "þ": "th",
        "ı": "i",
    }
)
# Anything but letters, digits, "@" and "." separates words ("_" is a \w character).
_SEPARATORS = re.compile(r"[^\w@.]|_")


def text_fold(text: str) -> str:
    """``text`` without accents, in case-folded form; spacing kept as it is."""
    # casefold() first: it can itself produce a combining mark ("İ" → "i" + dot).
    decomposed = unicodedata.normalize(
        "NFKD", text.translate(_LETTERS_WITHOUT_DECOMPOSITION).casefold()
    )
    return "".join(
        character for character in decomposed if not unicodedata.combining(character)
    )


def search_text_normalise(*parts: str) -> str:
    """The words of ``parts``, folded, joined by single spaces.

    Letters, digits, "@" and "." make words; everything else (spaces, hyphens,
    apostrophes, commas, "_", "+") separates them: "Jean-Luc O'Brien" gives
    "jean luc o brien". Dots at the ends of a word go ("J.R." gives "j.r").
    """
    folded = text_fold(" ".join(parts))
    words = (word.strip(".") for word in _SEPARATORS.sub(" ", folded).split())
    return " ".join(word for word in words if word)
