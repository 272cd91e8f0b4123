import pytest

from crowdsafety.chat import recognise_language


@pytest.mark.parametrize(("text", "language"), [
    ("Er is een man in de tram die mij lastigvalt", "nl"),
    ("goedemiddag, ik wil iets melden", "nl"),
    ("A man on tram 9 keeps harassing me", "en"),
    ("Hi", "en"),
    ("C'è un uomo con un coltello sul tram", "it"),
    ("mi hanno rubato il portafoglio sulla linea 1", "it"),
    ("Ciao", "it"),
])
def test_language_from_first_message(text, language):
    assert recognise_language(text) == language


def test_chosen_language_wins_and_unknown_choice_is_ignored():
    assert recognise_language("A man on tram 9 keeps harassing me", "it") == "it"
    assert recognise_language("A man on tram 9 keeps harassing me", "de") == "en"


def test_no_marker_words_falls_back_to_english():
    assert recognise_language("Kurhaus 9") == "en"
