from pathlib import Path

import typer
from typer.testing import CliRunner

from crowdsafety.cli import chat

FIXTURES = Path(__file__).parents[1] / "chat" / "fixtures" / "conversations.toml"


def _app() -> typer.Typer:
    app = typer.Typer()
    chat.register(app)

    @app.callback()
    def main() -> None:
        """Test app."""

    return app


def test_chat_eval_prints_scores_and_the_emergency_rate():
    result = CliRunner().invoke(_app(), ["chat-eval", "--fixtures", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    for name in ("category", "line", "stop", "urgency", "precision", "recall"):
        assert name in result.output
    assert "112 in the first reply of 39/39 (100.0 %)" in result.output


def test_chat_eval_fails_when_an_emergency_misses_112(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[[conversation]]\nid = "calm"\nturns = ["mijn fiets is gestolen"]\ncategory = "theft"\n'
                    'urgency = "emergency"\n', encoding="utf-8")
    result = CliRunner().invoke(_app(), ["chat-eval", "--fixtures", str(path), "--mistakes"])
    assert result.exit_code == 1
    assert "calm" in result.output and "urgency: expected 'emergency', got 'normal'" in result.output


def test_chat_eval_names_an_unreadable_file(tmp_path):
    result = CliRunner().invoke(_app(), ["chat-eval", "--fixtures", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "none.toml" in result.output
