from collections import Counter
from pathlib import Path

import pytest

from crowdsafety.chat.evaluate import FixtureError, Scripted, evaluate, load_fixtures
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.service.chat_site import chat_stops

FIXTURES = Path(__file__).parent / "fixtures" / "conversations.toml"
SECOND_SET = Path(__file__).parent / "fixtures" / "second_set.toml"
THIRD_SET = Path(__file__).parent / "fixtures" / "third_set.toml"

#: Floors a change must not fall below (reached on 2026-11-26: 1.000 each on these fixtures).
FLOORS = {"category": 0.95, "line": 0.97, "stop": 0.95, "urgency": 0.95}


@pytest.fixture(scope="module")
def site():
    return chat_stops(resolve_site_dir("scheveningen"))


def test_fixtures_are_many_and_in_three_languages():
    scripts = load_fixtures(FIXTURES)
    per_language = Counter(s.id.split("-")[0] for s in scripts)
    assert len(scripts) >= 150 and min(per_language[lang] for lang in ("nl", "en", "it")) >= 40
    assert len({s.id for s in scripts}) == len(scripts)
    assert sum(s.expected["urgency"] == "emergency" for s in scripts) >= 30


@pytest.mark.parametrize("path", [FIXTURES, SECOND_SET, THIRD_SET], ids=["main", "second", "third"])
def test_all_fixtures_emergencies_first_and_fields_above_floors(site, path):
    result = evaluate(load_fixtures(path), *site)
    assert result.emergency_misses == () and result.emergencies >= 3
    for name, floor in FLOORS.items():
        score = result.scores[name]
        assert score.precision >= floor and score.recall >= floor, (name, score, result.mistakes)


def test_scores_count_wrong_and_missing_fields(site):
    wrong = Scripted("x", ("mijn fiets is gestolen bij Kurhaus gisteren",),
                     {"category": "theft", "line": "9", "stop": "Madurodam", "urgency": "normal"})
    result = evaluate((wrong,), *site)
    assert result.scores["line"].recall == 0 and result.scores["line"].precision == 1.0
    assert result.scores["stop"].precision == 0 and result.scores["category"].precision == 1.0
    assert ("x", "stop", "Madurodam", "Kurhaus") in result.mistakes


def test_emergency_without_112_is_a_miss(site):
    calm = Scripted("calm", ("mijn fiets is gestolen",), {"category": "theft", "line": None, "stop": None,
                                                            "urgency": "emergency"})
    assert evaluate((calm,), *site).emergency_misses == ("calm",)


@pytest.mark.parametrize(("body", "message"), [
    ('[[conversation]]\nid = "a"\nturns = []\ncategory = "theft"\nurgency = "normal"\n', "turns"),
    ('[[conversation]]\nid = "b"\nturns = ["x"]\ncategory = "robbery"\nurgency = "normal"\n', "robbery"),
    ("", "no \\[\\[conversation\\]\\]"),
    ("[[conversation\n", "cannot read"),
])
def test_bad_fixtures_are_named(tmp_path, body, message):
    path = tmp_path / "c.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(FixtureError, match=message):
        load_fixtures(path)
