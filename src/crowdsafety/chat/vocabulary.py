"""The words the chatbot recognises, in Dutch, English and Italian (normalised: lower case, no
accents, apostrophes as spaces). A word ending in ``*`` matches every word starting with it; a
phrase of several words matches those words in a row and is matched before single words, so
"lastig gevallen" (harassed) is not also read as "gevallen" (fell)."""

from __future__ import annotations

from crowdsafety.domain.incident import IncidentCategory as C

#: Category → words and phrases that point to it.
CATEGORY_WORDS: dict[C, tuple[str, ...]] = {
    C.HARASSMENT: (
        # nl
        "lastig*", "lastig gevallen", "valt me lastig", "intimid*", "nageroepen", "nagefloten",
        "uitgescholden", "scheld*", "betast", "aangerand", "aanrand*", "volg*", "staren", "staart",
        "exhibition*", "ongewenst*", "seksue*", "racist*", "discrimin*", "fotos van mij",
        "niet veilig", "dichterbij", "hijgt", "opdringerig",
        "aan me zitten", "aan mij zitten", "zit aan me", "obsce*", "gebaren", "nafluiten", "uitschelden",
        "sissen", "kusjesgeluiden", "opmerkingen", "mijn lichaam", "seksistisch*",
        # en
        "harass*", "harras*", "harrass*", "intimidat*", "catcall*", "insult*", "grope*", "groped",
        "touched me", "follow*", "stalk*", "stare at", "stared", "staring", "exposing", "flash*", "abuse*",
        "slur*", "unsafe", "not safe", "photos of me", "closer", "creep*",
        "touching me", "touched", "obscene", "gestures", "wolf whistl*", "leering", "pervert*", "comments about", "my body", "sexist*",
        # it
        "molest*", "insult*", "palpeg*", "palpat*", "mi segue", "segu*", "fiss*", "apprezzament*",
        "atti osceni", "osceni", "esibi*", "razzis*", "non mi sento sicur*", "fotograf*", "avvicin*",
        "toccarmi", "toccata", "toccato", "gesti", "osceno", "oscena", "fischi*", "maniaco", "commenti", "corpo", "sessist*",
    ),
    C.AGGRESSION: (
        "agressi*", "agresief", "geweld*", "vecht*", "slaan", "slaat", "sloeg", "geslagen",
        "in elkaar", "bedreig*", "dreig*", "aangevallen", "aanval*", "mishandel*", "neergestoken",
        "gestoken", "bespuugd", "spuug*", "geduwd", "duwen", "schop*", "mes", "messen", "pistool",
        "vuurwapen", "wapen*", "knokpartij", "ruzie", "klappen", "mepp*", "neer te steken",
        "knuppel", "steekwapen", "knokk*", "matten",
        "aggress*", "agress*", "violen*", "fight*", "punch*", "beat*", "attack*", "threat*",
        "stab*", "spat", "spit*", "pushed", "shov*", "kick*", "knife", "knives", "gun*", "pistol*",
        "weapon*", "firearm*", "assault*", "blade*", "machete", "brawl*", "violent", "beaten",
        "punched", "stabbing", "scrap", "scrapping", "brawling", "scuffle*",
        "aggre*", "violen*", "litig*", "picchi*", "rissa", "botte", "minacc*", "accoltell*",
        "sputat*", "spinton*", "calci*", "coltell*", "pistol*", "arma", "armi", "armato", "lama",
        "pestat*", "pestaggio", "schiaff*", "pugn*", "zuffa", "azzuff*", "rissa",
    ),
    C.THEFT: (
        "gestolen", "steel*", "stelen", "gepikt", "pikken", "zakkenrol*", "beroofd", "berov*",
        "diefstal", "dief", "uit mijn jas", "uit mijn tas", "gejat", "jatten", "gerold", "geroofd", "portemonnee", "is weg", "zijn weg",
        "stole", "stolen", "steal*", "theft", "thief", "thieves", "pickpocket*", "robbed", "robber*",
        "mugged", "taken from", "snatch*", "nicked", "pinched", "swiped", "lifted my", "wallet", "purse", "is gone", "are gone",
        "rubat*", "ruba*", "furto", "ladr*", "borsegg*", "scipp*", "mi hanno preso", "fregat*",
        "sottratt*", "sparit*", "portafoglio", "non c e piu", "non ce l ho piu",
    ),
    C.OVERCROWDING: (
        "te vol", "te druk", "overvol", "vol", "volle", "druk", "propvol", "stampvol", "gedrukt",
        "geen plek", "geen plaats", "bomvol",
        "niet meer in of uit",
        "crowded", "overcrowd*", "packed", "too full", "so full", "full", "busy", "crush*", "rammed",
        "crammed", "squash*", "pressed against", "no room",
        "affollat*", "sovraffollat*", "pieno", "piena", "troppa gente", "calca", "strapien*",
        "schiacciat*", "stipat*", "pigiat*",
    ),
    C.MEDICAL: (
        "onwel", "niet lekker", "flauw*", "bewusteloos", "gevallen", "hartaanval", "ademt niet",
        "bloed*", "gewond*", "hoofdwond", "ziek*", "epilep*", "geraakt door", "aangereden",
        "ambulance", "dokter", "arts", "epileptische aanval", "aanval van", "toeval", "hartstilstand",
        "benauwd", "ademnood",
        "sick", "unwell", "faint*", "unconscious", "fell", "fallen", "heart attack", "not breathing",
        "bleed*", "injur*", "wound*", "hurt", "hit by", "seizure", "collaps*", "doctor", "fit",
        "epileptic", "diabetic", "breathing", "overdose",
        "si sente male", "sente male", "malor*", "svenut*", "privo di sensi", "priva di sensi",
        "caduto", "caduta", "infarto", "non respira", "sanguin*", "ferit*", "investit*",
        "ambulanza", "medico", "crisi epilettica", "epilett*", "convulsion*", "non respira bene", "respira",
    ),
    C.VANDALISM: (
        "vernield", "verniel*", "sloop*", "slopen", "kapot gemaakt", "ingegooid", "ingetrapt",
        "graffiti", "gespoten", "bekrast", "kras*", "opengesneden", "beschadig*", "beklad*", "in brand gestoken", "in brand", "brandgesticht", "vernielt",
        "ingeslagen", "gesloopt",
        "vandal*", "smash*", "wreck*", "sprayed", "scratch*", "slashed", "damag*", "destroy*",
        "set fire", "set on fire", "arson", "torched", "kicked in", "tagging",
        "distrugg*", "distrutt*", "finestrino rotto", "imbratt*", "tagliat*", "graffiat*",
        "danneggi*", "spacc*", "dato fuoco", "incendi*", "bruciat*",
    ),
    C.ENVIRONMENTAL: (
        "afval", "vuilnis", "vuil", "gedumpt", "dump*", "olie", "chemisch*", "troep", "zwerfvuil",
        "poep*", "hondenpoep", "vuilniszak*", "matras", "grofvuil", "gedumpte", "stinkt", "lekkage olie", "benzine", "diesel", "stank", "plas olie",
        "rubbish", "litter*", "garbage", "trash", "waste", "oil", "chemical*", "fly tip*", "bin bags",
        "mattress", "fly-tipping", "sewage", "dumped", "petrol", "stinks", "smell*", "puddle of",
        "rifiut*", "spazzatur*", "immondizi*", "scaricat*", "olio", "chimic*", "sporc*", "materasso",
        "sacchi", "liquami", "benzina", "puzza", "pozza di",
    ),
    C.OTHER: (
        "verdacht*", "kapot", "lekt", "lift", "storing", "defect", "kapotte", "werkt niet",
        "suspicious", "broken", "leaking", "out of order", "elevator", "faulty", "not working",
        "sospett*", "rotta", "rotto", "perde", "guasto", "guasta", "ascensore",
    ),
}

#: Phrases that look like a category word but are not ("volgens mij": "I think").
NEUTRAL_PHRASES = ("volgens mij", "volgens")

#: Ties between categories go to the earlier one here.
CATEGORY_PRIORITY = (C.AGGRESSION, C.MEDICAL, C.HARASSMENT, C.THEFT, C.VANDALISM,
                     C.ENVIRONMENTAL, C.OVERCROWDING, C.OTHER)

#: Weapons: an emergency, and aggression when nothing else is said.
WEAPON_WORDS = ("mes", "messen", "pistool", "vuurwapen", "wapen*", "knife", "knives", "gun", "guns",
                "pistol*", "weapon*", "firearm*", "machete", "blade", "blades", "mesje", "steekwapen", "knuppel", "coltell*", "arma", "armi", "armato", "lama", "lame", "machete",
                "arma da fuoco")
#: Someone hurt, bleeding, unconscious, or an attack going on now: an emergency.
EMERGENCY_WORDS = (
    "neergestoken", "is gestoken", "gestoken met", "bloedt", "bloeden", "bewusteloos", "flauwgevallen", "hartaanval",
    "ademt niet", "gewond", "zwaargewond", "hoofdwond", "geraakt door", "aangereden",
    "wordt aangevallen", "wordt nu aangevallen", "slaan iemand", "in elkaar geslagen",
    "hij ligt op de grond", "zij ligt op de grond", "ligt op de grond",
    "neer te steken", "bloedt uit", "bloed uit", "hartstilstand", "ademnood", "overdosis", "bloedt flink",
    "veel bloed",
    "stabbed", "bleeding", "unconscious", "fainted", "heart attack", "not breathing", "injured",
    "head wound", "hit by", "being attacked", "beating someone", "beating him", "beating her",
    "on the ground", "seriously hurt", "badly hurt", "threatening to stab", "beaten up",
    "head is bleeding", "cardiac arrest", "overdose", "not moving", "blood",
    "accoltellat*", "sanguin*", "svenut*", "privo di sensi", "priva di sensi", "infarto",
    "non respira", "ferito", "ferita", "feriti", "investit*", "stanno aggredendo",
    "sta aggredendo", "stanno picchiando", "sta picchiando", "e a terra", "accoltellare",
    "hanno appena pestato", "sanguina", "arresto cardiaco", "overdose", "sangue",
)
#: Words saying it is going on now (with harassment, aggression or medical: urgency high).
NOW_WORDS = ("nu", "nog steeds", "op dit moment", "now", "right now", "still", "adesso", "ora",
             "in questo momento", "ancora")
#: Words giving a time or day (the "when" of a report).
WHEN_WORDS = NOW_WORDS + (
    "net", "zojuist", "daarnet", "vandaag", "gisteren", "eergisteren", "gisteravond", "vanochtend",
    "vanmorgen", "vanmiddag", "vanavond", "vannacht",
    "just", "today", "yesterday", "tonight", "this morning", "this afternoon", "this evening",
    "last night", "earlier", "ago",
    "poco fa", "oggi", "ieri", "stamattina", "stasera", "stanotte", "pomeriggio", "prima",
)
#: "I don't know": a question answered without the answer.
UNKNOWN_WORDS = ("weet ik niet", "weet niet", "geen idee", "dont know", "don t know", "not sure",
                 "no idea", "don t remember", "dont remember", "non lo so", "non so", "non ricordo", "boh")

#: Words before a line number ("tram 9", "lijn 11", "linea 1"), and articles that name a line
#: only when the number is one of the site's lines ("de 1", "the 9", "sull'1").
LINE_WORDS = ("tram", "tramlijn", "lijn", "line", "linea", "bus", "route")
LINE_ARTICLES = ("de", "het", "the", "il", "la", "lo", "sul", "sulla", "sull", "nella", "della", "dell", "nell")
#: Words before a vehicle (fleet) number ("tram 3123", "rijtuig 5041", "vettura 5041").
VEHICLE_WORDS = ("tram", "rijtuig", "wagen", "voertuig", "car", "carriage", "vehicle", "vettura",
                 "carrozza", "mezzo")
#: Words before a direction ("richting Delft", "towards Scheveningen", "direzione Delft").
DIRECTION_WORDS = ("richting", "towards", "toward", "direction", "direzione", "naar", "to", "per", "verso")
