"""Words of opposite meaning, by lemma, and the check that a sentence says the opposite of what a question asks.

Word vectors put antonyms close together ("rose" ~ "fell"), so a paraphrase match cannot tell a sentence that
answers from one that says the reverse; the adversarial questions of SQuAD 2.0 are often built just so ("which
firm's shares *fell*" over "X's shares rose"). The table holds general English pairs of opposite sides, each side a
few near-synonyms; pairs of converse roles ("buy" / "sell", "win" / "lose": "who sold it" is answered by "Y
bought it from X") are left out, as they describe one event from both sides.
"""

from __future__ import annotations

from collections.abc import Iterable

# the two directions of a change, by lemma (spaCy gives "fell" as "fell" as often as "fall")
RISE = frozenset("rise increase grow growth gain climb jump surge soar rally rebound boost raise".split())
FALL = frozenset("fall fell decline drop decrease shrink slump slide plunge tumble dip sink".split())
# superlatives as written: spaCy lemmatises "biggest" to "big"
_EXTREMES = (("biggest largest greatest", "smallest"), ("highest", "lowest"), ("most", "least fewest"),
             ("best", "worst"), ("longest", "shortest"), ("fastest", "slowest"), ("oldest", "youngest newest"),
             ("strongest", "weakest"), ("richest", "poorest"), ("heaviest", "lightest"), ("hottest warmest", "coldest"))
# other opposites, by lemma; words with common senses of no side are left out ("close" to, "back", "fire", "end",
# "last" year, "later", "before" / "after")
_OTHERS = (("accept approve agree endorse", "reject refuse veto"), ("support favour favor", "oppose"),
           ("hire recruit", "sack dismiss"), ("join", "leave quit"), ("allow permit legalise legalize",
           "ban forbid prohibit outlaw"), ("profit surplus", "loss deficit"), ("success succeed", "failure fail"),
           ("import importer", "export exporter"), ("north northern", "south southern"),
           ("east eastern", "west western"), ("maximum", "minimum"), ("male", "female"))


def _table(pairs) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """word -> the words of its own side (itself included), and word -> the words of the other side."""
    side: dict[str, frozenset[str]] = {}
    opposite: dict[str, frozenset[str]] = {}
    for one, other in pairs:
        for mine, theirs in ((one, other), (other, one)):
            for word in mine.split():
                side[word] = frozenset(mine.split())
                opposite[word] = frozenset(theirs.split())
    return side, opposite


EXTREME_SIDE, EXTREME_OPPOSITE = _table(_EXTREMES)
# superlatives are left to `constraints.opposite_extreme`, which reads the candidate's own clause ("led the way with a
# 262% rise, while Scotland saw the *smallest*" answers "the biggest rise")
SIDE, OPPOSITE = _table(((" ".join(sorted(RISE)), " ".join(sorted(FALL))),) + _OTHERS)


def opposed(one: str, other: str) -> bool:
    """The two words (lemmas, or superlatives as written) mean opposite things."""
    return other in OPPOSITE.get(one, ())


def says_opposite(asked: Iterable[str], said: set[str]) -> str | None:
    """The first asked word that `said` (a sentence's lemmas and words) answers with its opposite while holding
    none of the asked word's own side; else None."""
    for word in asked:
        if word in OPPOSITE and OPPOSITE[word] & said and not SIDE[word] & said:
            return word
    return None
