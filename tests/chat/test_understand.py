import pytest

from crowdsafety.chat import understand
from crowdsafety.domain.incident import IncidentCategory as C

LINES = ("1", "9", "11")


@pytest.mark.parametrize(("text", "category"), [
    ("iemand heeft mijn portemonnee gestolen", C.THEFT),
    ("I was groped on a crowded tram", C.HARASSMENT),  # harassment outranks crowding on a tie
    ("mi hanno rubato la bici", C.THEFT),
    ("someone is having a heart attack", C.MEDICAL),  # not "attack": aggression
    ("ik werd lastig gevallen", C.HARASSMENT),  # not "gevallen": fell
    ("volgens mij is mijn tas gestolen", C.THEFT),  # not "volg*": following
    ("de tram is veel te vol", C.OVERCROWDING),
    ("jongens slopen de abri", C.VANDALISM),
    ("qualcuno ha abbandonato rifiuti", C.ENVIRONMENTAL),
    ("there is a suspicious bag", C.OTHER),
    ("er staat een man met een mes", C.AGGRESSION),
    ("harrassed by a guy", C.HARASSMENT),  # common misspelling
    ("iemand heeft een bank in brand gestoken", C.VANDALISM),  # not "gestoken": stabbed
    ("mijn vriendin krijgt een epileptische aanval", C.MEDICAL),  # not "aanval": attack
])
def test_category(text, category):
    assert understand(text).category == category


def test_nothing_recognised():
    said = understand("hallo")
    assert (said.category, said.line, said.stop, said.when, said.emergency) == (None, None, None, None, False)


@pytest.mark.parametrize(("text", "line"), [
    ("tram 9", "9"), ("lijn 11", "11"), ("linea 1", "1"), ("in de 1 richting Delft", "1"),
    ("on the 11", "11"), ("sull'1", "1"), ("la 11", "11"),
    ("de 22 bij Kurhaus", None),  # an article before a number only names one of the site's lines
    ("om 22:00", None), ("tram 3123", None),  # times and fleet numbers are not lines
])
def test_line(text, line):
    assert understand(text, lines=LINES).line == line


def test_bare_number_is_a_line_only_when_asked():
    assert understand("9", lines=LINES).line is None
    assert understand("9", lines=LINES, bare_number_is_line=True).line == "9"


@pytest.mark.parametrize(("text", "vehicle"), [
    ("ruit ingegooid van tram 3123", "3123"), ("graffiti in rijtuig 5041", "5041"),
    ("vettura 5041", "5041"), ("tram 9", None),
])
def test_vehicle(text, vehicle):
    assert understand(text).vehicle == vehicle


@pytest.mark.parametrize(("text", "direction"), [
    ("in de 1 richting Delft", "Delft"), ("the 9 to Scheveningen", "Scheveningen"),
    ("sull'1 direzione Delft", "Delft"), ("I want to report this", None), ("per favore", None),
])
def test_direction(text, direction):
    assert understand(text).direction == direction


@pytest.mark.parametrize(("text", "name"), [
    ("bij het Kurhaus", "Kurhaus"), ("halte Kurhause", "Kurhaus"), ("kurhuas", "Kurhaus"),
    ("bij de zwartepad", "Zwarte Pad"), ("Vuurbaak straat", "Vuurbaakstraat"),
    ("beelden aan zee", "Schev.slag/Beelden aan Zee"), ("doornstraat", "Doornstraat"),
    ("strand", None), ("de tram is vol", None),
])
def test_stop_tolerates_typos(stops, text, name):
    found = understand(text, stops).stop
    assert (found.name if found else None) == name


def test_stop_with_two_stations_follows_the_line(stops):
    assert understand("lijn 11 bij Duinstraat", stops, LINES).stop.stop_id == "HTM:S:duinstraat-tram-11"
    assert understand("lijn 1 bij Duinstraat", stops, LINES).stop.stop_id == "HTM:S:duinstraat-tram-1"


@pytest.mark.parametrize(("text", "emergency"), [
    ("HELP er is iemand met een mes in de tram", True),
    ("a man with a gun", True),
    ("c'è un uomo con un coltello", True),
    ("someone is being attacked right now", True),
    ("er ligt een man bewusteloos", True),
    ("hanno accoltellato un uomo", True),
    ("a child fainted", True),
    ("two men are fighting, it's getting violent", False),
    ("iemand heeft de noodhamer vernield", False),
    ("iemand heeft een bank in brand gestoken", False),
    ("he is threatening to stab the driver", True),
    ("ha una lama", True),
    ("perde molto sangue", True),
    ("mijn telefoon is gestolen", False),
])
def test_emergency(text, emergency):
    assert understand(text).emergency is emergency


def test_time_words_and_now():
    assert understand("gisteravond rond 22:00").when == "gisteravond 22:00"
    said = understand("nog steeds")
    assert said.now and said.when == "nog steeds"
    assert not understand("yesterday").now


def test_dont_know():
    assert understand("weet ik niet").unknown and understand("non lo so").unknown
