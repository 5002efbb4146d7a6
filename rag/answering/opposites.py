"""Words of opposite meaning, by lemma, and the check that a sentence says the opposite of what a question asks.

Word vectors put antonyms close together ("rose" ~ "fell"), so a paraphrase match cannot tell a sentence that
answers from one that says the reverse; the adversarial questions of SQuAD 2.0 are often built just so ("which
firm's shares *fell*" over "X's shares rose"). The table holds general English pairs of opposite sides, each side a
few near-synonyms; pairs of converse roles ("buy" / "sell", "win" / "lose": "who sold it" is answered by "Y
bought it from X") are left out, as they describe one event from both sides.
"""

from __future__ import annotations

# the two directions of a change, by lemma, with the forms spaCy sometimes leaves unlemmatised ("fell", "rose")
# and strengthening, which a currency or a position does by rising
RISE = frozenset("rise rose risen increase grow growth gain climb jump surge soar rebound boost strengthen".split())
FALL = frozenset("fall fell fallen decline drop decrease reduce shrink slump slide slip plunge tumble dip sink weaken"
                  .split())
# superlatives as written: spaCy lemmatises "biggest" to "big"
_EXTREMES = (("biggest largest greatest", "smallest"), ("highest", "lowest"), ("most", "least fewest"),
             ("best", "worst"), ("longest", "shortest"), ("fastest", "slowest"), ("oldest", "youngest newest"),
             ("strongest", "weakest"), ("richest", "poorest"), ("heaviest", "lightest"), ("hottest warmest", "coldest"),
             ("first earliest", "last"))  # not "latest" (news's "the latest figures") nor "final" (a match)
# other opposites, by lemma. Left out: converses, which tell one event from either side ("buy" / "sell", "win" /
# "lose", "import" / "export", "join" / "leave": "who left Chelsea" is answered by "X joined Arsenal from Chelsea"),
# and words with common senses of neither side ("close" to, "back", "fire", "end", "last" year, "later", "before",
# "raise" concerns, a "rally", "succeed" someone)
_OTHERS = (("accept approve agree endorse", "reject refuse veto"), ("support favour favor", "oppose"),
           ("hire recruit", "sack dismiss"), ("allow permit legalise legalize", "ban forbid prohibit outlaw"),
           ("profit surplus", "loss deficit"), ("success successful successfully", "failure fail unsuccessful"),
           ("valid", "void invalid"), ("survive", "perish"), ("admit confess", "deny"),
           ("fast quick quickly rapid rapidly accelerate", "slow slowly"), ("north northern", "south southern"),
           ("east eastern", "west western"), ("maximum", "minimum"), ("male", "female"), ("start begin", "stop cease"),
           # comparatives as written (spaCy lemmatises "higher" to "high"), of the directions and sizes above
           ("higher", "lower"), ("bigger larger greater", "smaller"), ("better", "worse"), ("stronger", "weaker"))


# converses: one event told from either side, so a reverse only when the same party does the other side ("when did
# James I *lose* Valencia" is not answered by "James I *conquered* Valencia"; "who lost to Y" is by "Y beat X")
_CONVERSES = (("lose", "win gain capture seize conquer acquire annex"), ("leave exit quit depart", "enter join arrive"),
              ("sell", "buy purchase acquire"), ("export", "import"), ("lend", "borrow"), ("open", "close shut"),
              ("depose overthrow oust topple dethrone", "proclaim crown enthrone elect install"))


def _table(pairs: tuple[tuple[str, str], ...]) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """word -> the words of its own side (itself included), and word -> the words of the other side."""
    side: dict[str, frozenset[str]] = {}
    opposite: dict[str, frozenset[str]] = {}
    for one, other in pairs:
        for mine, theirs in ((one, other), (other, one)):
            for word in mine.split():
                side[word] = frozenset(mine.split())
                opposite[word] = frozenset(theirs.split())
    return side, opposite


_, EXTREME_OPPOSITE = _table(_EXTREMES)
# superlatives are left to `constraints.opposite_extreme`, which reads the candidate's own clause ("led the way with a
# 262% rise, while Scotland saw the *smallest*" answers "the biggest rise")
CONVERSE_SIDE, CONVERSE = _table(_CONVERSES)
SIDE, OPPOSITE = _table(((" ".join(RISE), " ".join(FALL)),) + _OTHERS)


def opposed(one: str, other: str) -> bool:
    """The two lemmas mean opposite things (superlatives are not in the table)."""
    return other in OPPOSITE.get(one, ())


def says_opposite(asked: list[str], said: set[str]) -> bool:
    """`said` (a sentence's lemmas and words) holds the opposite of an asked word and none of that word's own side.
    A question that holds both sides ("rebounded after a slump") asks of neither."""
    both = set(asked)
    return any(word in OPPOSITE and not OPPOSITE[word] & both and OPPOSITE[word] & said and not SIDE[word] & said
               for word in asked)
