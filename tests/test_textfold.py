"""One folding for every match: keywords (compare) and not-found wording (check) alike."""

from __future__ import annotations

import pytest

from monitor.textfold import fold, fold_words


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param("Białiatski", "bialiatski", id="l-stroke"),
        pytest.param("Ærø", "aero", id="ligature-and-o-stroke"),
        pytest.param("Straße", "strasse", id="sharp-s"),
        pytest.param("Libéré", "libere", id="accent"),
        pytest.param("Страница не найдена", "страница не наидена", id="cyrillic-short-i"),
    ],
)
def test_fold(text: str, want: str) -> None:
    assert fold(text) == want


def test_fold_words_makes_apostrophes_plain_and_spaces_single() -> None:
    assert fold_words("Page  introuvable –\u00a0l’adresse") == "page introuvable – l'adresse"
