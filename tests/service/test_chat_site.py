from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.service.chat_site import chat_stops


def test_scheveningen_stations_without_city_prefix_and_their_lines():
    stops, lines = chat_stops(resolve_site_dir("scheveningen"))
    assert lines == ("1", "9", "11")
    kurhaus = next(s for s in stops if s.stop_id == "HTM:S:kurhaus")
    assert kurhaus.name == "Kurhaus" and set(kurhaus.lines) == {"1", "9"}
    assert all(not s.name.startswith("Den Haag") for s in stops)
    assert len(stops) == 19  # stations only: their platforms are not named separately


def test_site_without_gtfs_knows_no_stops(tmp_path):
    assert chat_stops(tmp_path) == ((), ())
