"""Text folding for matching: one form in which "Białiatski", "BIALIATSKI" and
"Bialiatski" are the same word, for keywords (compare) and not-found wording (check).

Pure; the README promises the same folding for every match (ł = l, æ = ae, ß = ss).
"""

from __future__ import annotations

import re
import unicodedata

# Combining marks left by NFKD decomposition: Latin/Greek/Cyrillic accents, breve, etc.
_MARKS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


# Letters that NFKD leaves whole (a stroke or a ligature is not a combining mark), as a
# reader would type them on a plain keyboard; applied after casefold, so lower case only
# (casefold already turns ß and ẞ into "ss", Ł into ł, Æ into æ).
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ŧ": "t",
        "ı": "i",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)


def fold(text: str) -> str:
    """Lower-case, accent-free form of ``text`` for matching.

    Takes any text; returns it case-folded with accents removed ("Libéré" -> "libere")
    and letters with strokes or ligatures spelt out ("Białiatski" -> "bialiatski",
    "Ærø" -> "aero", "Straße" -> "strasse").  Never raises.
    """
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold().translate(_LETTERS)


def fold_words(text: str) -> str:
    """``fold`` with typographic apostrophes made plain and one space between words."""
    return " ".join(fold(text.replace("\u2019", "'")).split())
