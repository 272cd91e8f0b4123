import pytest

from crowdsafety.chat import KnownStop

@pytest.fixture
def stops() -> tuple[KnownStop, ...]:
    return (
        KnownStop("HTM:S:kurhaus", "Kurhaus", ("1", "9")),
        KnownStop("HTM:S:zwarte-pad", "Zwarte Pad", ("1", "9")),
        KnownStop("HTM:S:duinstraat-tram-1", "Duinstraat", ("1",)),
        KnownStop("HTM:S:duinstraat-tram-11", "Duinstraat", ("11",)),
        KnownStop("HTM:S:doornstraat", "Doornstraat", ("11",)),
        KnownStop("HTM:S:schev-slag", "Schev.slag/Beelden aan Zee", ("1",)),
        KnownStop("HTM:S:vuurbaakstraat", "Vuurbaakstraat", ("11",)),
    )
