import pytest

from crowdsafety.chat import load_texts
from crowdsafety.chat.language import LANGUAGES
from crowdsafety.chat.texts import ADVICE_FILE, ChatTextsError
from crowdsafety.domain.incident import IncidentCategory


def test_every_language_has_every_text_and_the_numbers():
    texts = load_texts()
    for language in LANGUAGES:
        assert "112" in texts.message(language, "emergency")
        assert "/chat?ref=AB12" in texts.message(language, "filed", ref="AB12")
        assert set(texts.advice[language]) == set(IncidentCategory)
        assert "0900-8844" in texts.advice[language][IncidentCategory.AGGRESSION]


def test_missing_text_is_named(tmp_path):
    path = tmp_path / "advice.toml"
    agreed = ADVICE_FILE.read_text(encoding="utf-8")
    path.write_text(agreed.replace("\nask_category =", "\nnot_asked =", 1), encoding="utf-8")
    with pytest.raises(ChatTextsError, match=r"\[nl\] ask_category: missing"):
        load_texts(path)
    path.write_text(agreed.replace("[it.advice]", "[it.tips]"), encoding="utf-8")
    with pytest.raises(ChatTextsError, match=r"\[it.advice\] harassment: missing"):
        load_texts(path)


def test_unreadable_file_is_named(tmp_path):
    path = tmp_path / "advice.toml"
    path.write_text("[nl\n", encoding="utf-8")
    with pytest.raises(ChatTextsError, match="cannot read"):
        load_texts(path)
