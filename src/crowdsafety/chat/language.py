"""Which language a passenger writes: Dutch, English or Italian, from common words (deterministic)."""

from __future__ import annotations

from crowdsafety.chat.normalise import words

#: The languages the chatbot speaks; the first is the fallback.
LANGUAGES = ("en", "nl", "it")

_MARKERS: dict[str, frozenset[str]] = {
    "nl": frozenset("""hallo hoi goedemiddag goedemorgen goedenavond goeienavond dag ik mij me mijn
        er is een de het en van in op bij naar met niet wel wat wie waar wanneer nu net zojuist
        heeft hebben werd wordt word ben zijn zit ligt staat tram lijn halte gisteren vandaag
        vanavond vanochtend vanmiddag vannacht iemand man vrouw jongens mensen te veel vol
        gestolen dronken deze die dat ook nog steeds weet geen idee""".split()),
    "en": frozenset("""hello hi hey good morning evening afternoon i me my there is a an the and of
        in on at to with not what who where when now just has have was were am are someone man
        woman people guy kids too crowded stolen tram line stop yesterday today tonight this
        last night keeps being please help don't know sure""".split()),
    "it": frozenset("""ciao buongiorno buonasera salve c e un una uno il lo la le gli di del della
        sul sulla sull al alla alle nel nella con non che chi dove quando adesso ora poco fa
        mi ha hanno sono stato stata sta stanno qualcuno uomo donna ragazzi gente troppo linea
        fermata ieri oggi stasera stamattina stanotte pomeriggio aiuto rubato per favore so
        lo ricordo""".split()),
}


def recognise_language(text: str, chosen: str | None = None) -> str:
    """``chosen`` when it is one of :data:`LANGUAGES`; otherwise the language with most marker
    words in ``text`` (ties and no markers: the earlier of ``en``, ``nl``, ``it``)."""
    if chosen in LANGUAGES:
        return chosen
    tokens = words(text)
    scores = {lang: sum(token in _MARKERS[lang] for token in tokens) for lang in LANGUAGES}
    return max(LANGUAGES, key=lambda lang: scores[lang])
