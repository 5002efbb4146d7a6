"""The answer-type taxonomy: Li & Roth's question classes, and which candidate labels can answer each.

Fine classes follow Li & Roth (2002), "Learning Question Classifiers" (coarse ABBR, DESC, ENTY, HUM, LOC, NUM). A
candidate's label is an OntoNotes entity label from spaCy (PERSON, ORG, GPE, ...) or one of the labels the quantity
grammar and the candidate finder add: SCORE ("3-1"), RATIO ("1.7:1"), AGE, DURATION, PROPN (a proper name spaCy did
not label), TITLE (a capitalised run that may name a work), QUOTE (a quoted title or term), NP (a noun phrase) and
CLAUSE (a description).

Head nouns ("which *club*", "what *year*") are classified by a word list of common English nouns per class, the kind
Li & Roth's classifier used as features; a noun not in the list goes to the class whose words its embedding is
closest to, so "which *striker*" is a person without anyone listing strikers.
"""

from __future__ import annotations

from types import MappingProxyType

# the words that open a question, as the tagger tags them and as they are spelled
WH_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})
WH_WORDS = frozenset("what which who whom whose when where why how".split())

NAMED = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
         "PROPN")

# fine class -> {candidate label: how well a candidate of that label answers it}
_PERSON = {"PERSON": 1.0, "PROPN": 0.5, "ORG": 0.3, "NORP": 0.2, "GPE": 0.15}
_GROUP = {"ORG": 1.0, "NORP": 0.6, "GPE": 0.6, "PROPN": 0.6, "PERSON": 0.35, "FAC": 0.3, "PRODUCT": 0.3,
          "WORK_OF_ART": 0.2}
_PLACE = {"GPE": 1.0, "LOC": 1.0, "FAC": 0.9, "PROPN": 0.5, "ORG": 0.4, "NORP": 0.3, "PERSON": 0.1}
_NUMBER = {"CARDINAL": 0.8, "QUANTITY": 0.8, "PERCENT": 0.8, "MONEY": 0.8, "RATIO": 0.8, "ORDINAL": 0.2}
_NAMED_ANY = {label: 0.5 for label in NAMED} | {"QUOTE": 0.6, "TITLE": 0.45, "NP": 0.45} | {label: 0.45 for label in (
    "MONEY", "PERCENT", "RATIO", "CARDINAL", "QUANTITY", "DATE", "SCORE", "DURATION", "AGE")}

COMPATIBLE: MappingProxyType = MappingProxyType({
    "HUM:ind": _PERSON,
    "HUM:gr": _GROUP,
    "HUM:desc": {"CLAUSE": 1.0, "NP": 0.6},
    "LOC:country": _PLACE,
    "LOC:city": _PLACE,
    "LOC:other": _PLACE,
    "NUM:date": {"DATE": 1.0, "TIME": 0.2},
    "NUM:time": {"TIME": 1.0, "DATE": 0.3},
    "NUM:money": {"MONEY": 1.0, "CARDINAL": 0.2, "QUANTITY": 0.2},
    "NUM:perc": {"PERCENT": 1.0, "RATIO": 0.3, "CARDINAL": 0.15},
    "NUM:count": {"CARDINAL": 1.0, "QUANTITY": 0.7, "DURATION": 0.5, "MONEY": 0.15, "PERCENT": 0.15},
    "NUM:period": {"DURATION": 1.0, "DATE": 0.35, "TIME": 0.35, "QUANTITY": 0.3, "CARDINAL": 0.2},
    "NUM:dist": {"QUANTITY": 1.0, "CARDINAL": 0.4, "DURATION": 0.2},
    "NUM:weight": {"QUANTITY": 1.0, "CARDINAL": 0.4},
    "NUM:speed": {"QUANTITY": 1.0, "CARDINAL": 0.4},
    "NUM:temp": {"QUANTITY": 1.0, "CARDINAL": 0.4},
    "NUM:size": {"QUANTITY": 1.0, "MONEY": 0.6, "CARDINAL": 0.5, "PERCENT": 0.4},
    "NUM:ord": {"ORDINAL": 1.0, "CARDINAL": 0.2},
    "NUM:score": {"SCORE": 1.0, "CARDINAL": 0.2},
    "NUM:age": {"AGE": 1.0, "CARDINAL": 0.1, "DATE": 0.1},
    "NUM:other": _NUMBER,
    "ENTY:cremat": {"WORK_OF_ART": 1.0, "QUOTE": 0.9, "TITLE": 0.7, "PROPN": 0.6, "PRODUCT": 0.5, "ORG": 0.4,
                    "EVENT": 0.3, "PERSON": 0.25, "NP": 0.2},
    "ENTY:event": {"EVENT": 1.0, "PROPN": 0.5, "TITLE": 0.5, "QUOTE": 0.5, "WORK_OF_ART": 0.4, "ORG": 0.3,
                   "NP": 0.35},
    "ENTY:product": {"PRODUCT": 1.0, "ORG": 0.6, "PROPN": 0.6, "TITLE": 0.5, "WORK_OF_ART": 0.4, "NP": 0.35},
    "ENTY:award": {"WORK_OF_ART": 0.8, "EVENT": 0.7, "PROPN": 0.6, "TITLE": 0.6, "ORG": 0.5, "NP": 0.4,
                   "QUOTE": 0.6},
    "ENTY:lang": {"LANGUAGE": 1.0, "NORP": 0.6},
    "ENTY:dismed": {"NP": 0.8, "QUOTE": 0.6, "PROPN": 0.5, "TITLE": 0.3},
    "ENTY:law": {"LAW": 1.0, "PROPN": 0.4, "NP": 0.4},
    "ENTY:termeq": {"QUOTE": 1.0, "TITLE": 0.7, "PROPN": 0.6, "WORK_OF_ART": 0.5, "NP": 0.5, "PERSON": 0.5,
                    "ORG": 0.4, "PRODUCT": 0.4},
    "ENTY:nation": {"NORP": 1.0, "GPE": 0.6},
    "ENTY:other": _NAMED_ANY,
    "DESC:reason": {"CLAUSE": 1.0},
    "DESC:manner": {"CLAUSE": 1.0},
    "DESC:def": {"CLAUSE": 1.0, "NP": 0.6},
    "DESC:desc": {"CLAUSE": 1.0, "NP": 0.3},
    "ABBR:exp": {"ORG": 0.8, "PROPN": 0.7, "NP": 0.5},
})

# participles that give something its name ("a system *called* City Brain", "what is the party *called*")
NAMING_VERBS = frozenset("called named dubbed titled entitled nicknamed christened branded".split())

DESCRIPTIVE = frozenset(c for c in COMPATIBLE if c.startswith("DESC:") or c == "HUM:desc")


def coarse(fine: str) -> str:
    """'NUM:money' -> 'NUM'."""
    return fine.split(":", 1)[0]


def compatibility(fine: str, label: str, named: bool = False) -> float:
    """How well a candidate labelled `label` can answer a question of class `fine` (0 = not at all); a question that
    asks what something is `named` takes the names its class lacks as well ("what is the system called": a product,
    or a quoted name)."""
    labels = COMPATIBLE.get(fine, _NAMED_ANY)
    return labels.get(label, COMPATIBLE["ENTY:termeq"].get(label, 0.0) if named else 0.0)


def wanted_labels(fine: str, named: bool = False) -> frozenset[str]:
    """The candidate labels that can answer a question of class `fine`."""
    labels = {*COMPATIBLE.get(fine, _NAMED_ANY), *(COMPATIBLE["ENTY:termeq"] if named else ())}
    return frozenset(label for label in labels if compatibility(fine, label, named) > 0)


# Common English nouns that name what a "which/what N" question asks for. General vocabulary, not any corpus's.
_HEAD_WORDS = {
    "HUM:ind": "person man woman boy girl player manager coach actor actress singer star director producer writer "
               "author novelist poet artist musician composer rapper presenter host chairman chairwoman chair "
               "president chief executive boss founder owner leader minister secretary chancellor premier mp "
               "politician official spokesman spokeswoman spokesperson analyst economist expert scientist "
               "researcher professor doctor judge lawyer captain striker midfielder defender goalkeeper keeper "
               "winger forward batsman bowler jockey driver rider athlete champion winner candidate governor mayor "
               "king queen prince princess emperor duke lord bishop pope ruler general commander officer soldier "
               "victim suspect husband wife son daughter father mother brother sister child friend partner "
               "opponent successor predecessor replacement deputy editor reporter journalist correspondent "
               "designer engineer inventor entrepreneur investor banker ceo member student teacher worker "
               "employee whom who individual celebrity comedian dancer model tycoon billionaire referee umpire "
               "nominee laureate head act acts performer",
    "HUM:gr": "company firm business group organisation organization club team side band party union government "
              "agency department ministry bank bureau council committee board body network channel broadcaster "
              "station studio label publisher newspaper paper magazine airline carrier retailer supermarket chain "
              "manufacturer maker operator provider corporation conglomerate giant brand charity university "
              "college school institute court regulator watchdog authority army league federation association "
              "alliance consortium tribunal opposition coalition exchange outfit squad franchise parliament "
              "house administration firms companies clubs teams bands parties",
    "LOC:country": "country nation state republic kingdom countries nations states",
    "LOC:city": "city town village capital cities towns villages",
    "LOC:other": "place location venue stadium ground continent island river mountain sea ocean border street "
                 "building site port airport territory region province county district area land where "
                 "neighbourhood suburb arena theatre hospital prison",
    "NUM:date": "year date day month decade century era season week weekend when",
    "NUM:time": "time hour",
    "NUM:money": "price cost fee salary wage pay budget fine revenue turnover sales profit profits loss losses "
                 "income earnings debt deficit surplus fund funding investment worth bid offer payment bonus "
                 "compensation tax spending money cash prize donation grant subsidy dividend valuation sum "
                 "fortune damages payout output economy",
    "NUM:perc": "percentage percent proportion share stake rate growth portion fraction",
    "NUM:other": "target goal forecast estimate projection figure level value ratio gap quota threshold limit cap "
                 "ceiling record tally margin range reduction increase rise fall cut drop decline discount",
    "NUM:count": "number total population attendance crowd amount",
    "NUM:period": "duration period term spell sentence length",
    "NUM:dist": "distance height width depth",
    "NUM:weight": "weight",
    "NUM:speed": "speed",
    "NUM:temp": "temperature",
    "NUM:size": "size capacity area",
    "NUM:ord": "position place rank ranking seed edition anniversary session round stage leg",
    "NUM:score": "score scoreline result",
    "NUM:age": "age",
    "ENTY:cremat": "film movie book novel album song single track show series programme program play musical "
                   "game documentary drama sitcom soap opera painting record hit title",
    "ENTY:event": "event tournament championship competition race election festival ceremony war battle contest "
                  "summit conference final cup",
    "ENTY:product": "product phone device console car model software service system drug gadget computer "
                    "browser website technology",
    "ENTY:award": "award prize trophy medal honour honor",
    "ENTY:lang": "language",
    "ENTY:dismed": "disease illness condition cancer infection virus injury ailment disorder symptom",
    "ENTY:law": "law legislation treaty directive regulation",
    "ENTY:termeq": "name nickname term word phrase slogan motto",
    "ENTY:nation": "nationality",
}
HEAD_NOUNS: MappingProxyType = MappingProxyType(
    {word: fine for fine, words in _HEAD_WORDS.items() for word in words.split()})


class HeadNounClassifier:
    """Classes an unlisted head noun by the nearest class centroid of the listed words' embeddings."""

    def __init__(self, embed, threshold: float = 0.5, margin: float = 0.05):
        """`embed` maps a list of words to unit vectors (n x dim). A class is assigned when the word's cosine to its
        centroid is at least `threshold` and beats the runner-up by `margin` ("striker" -> person 0.54 vs 0.45;
        "target" -> none, 0.51 vs 0.49). Set by looking at a few dozen nouns, not on any question set."""
        self.embed = embed
        self.threshold = threshold
        self.margin = margin
        self._centroids = None
        self._classes: list[str] = []
        self._cache: dict[str, str | None] = {}

    def __call__(self, word: str) -> str | None:
        if word in self._cache:
            return self._cache[word]
        import numpy as np

        if self._centroids is None:
            classes = sorted({fine for fine in HEAD_NOUNS.values()})
            vectors = self.embed(list(HEAD_NOUNS))
            labels = np.array([classes.index(HEAD_NOUNS[w]) for w in HEAD_NOUNS])
            centroids = np.stack([vectors[labels == i].mean(axis=0) for i in range(len(classes))])
            self._centroids = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)
            self._classes = classes
        sims = self._centroids @ self.embed([word])[0]
        order = np.argsort(-sims)
        best, second = float(sims[order[0]]), float(sims[order[1]])
        fine = self._classes[int(order[0])] if best >= self.threshold and best - second >= self.margin else None
        self._cache[word] = fine
        return fine
