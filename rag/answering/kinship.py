"""Family relations: which relative a question asks for, and what the text says a candidate is to whom.

"Who was the mother of X?" is not answered by "his infant *daughter* Petronilla", nor "how old was King John" by
"his nine-year-old *son*": English says the relation beside the name (an apposition, a title before it, "X, son of
Y"), and that relation must be the asked one. What the text does not tie to the candidate decides nothing: news
names relatives by nickname and title ("her daughter Maddie", "the Duke's brother"). The words are the closed class
of English kin terms, not a list for any corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answering.naming import same_person

# each relation's role (what the relative is) and sex, where the word says one; a role's converse is what the other
# party is ("X, son of *Y*": Y is X's parent)
_ROLES = {"parent": "father:m mother:f parent dad:m mum:f mom:f stepfather:m stepmother:f",
          "child": "son:m daughter:f child kid stepson:m stepdaughter:f",
          "sibling": "brother:m sister:f sibling twin", "elder": "uncle:m aunt:f", "younger": "nephew:m niece:f",
          "grandparent": "grandfather:m grandmother:f grandparent",
          "grandchild": "grandson:m granddaughter:f grandchild",
          "cousin": "cousin", "spouse": "husband:m wife:f widow:f widower:m spouse"}
_ROLE: dict[str, tuple[str, str | None]] = {word.split(":")[0]: (role, word.split(":")[1] if ":" in word else None)
                                             for role, words in _ROLES.items() for word in words.split()}
_CONVERSE = {"parent": "child", "child": "parent", "elder": "younger", "younger": "elder",
             "grandparent": "grandchild", "grandchild": "grandparent"}
_WORDS = {role: frozenset(w for w, (r, _) in _ROLE.items() if r == role) for role in _ROLES}
# the words that tell a relation of a kind, from either side ("X, son of Y" for "the father of X"), and for a spouse
# the marriage ("X, who had married Y")
KIN_GROUP: dict[str, frozenset[str]] = {
    word: _WORDS[role] | _WORDS[_CONVERSE.get(role, role)] | (frozenset({"marry", "wed"}) if role == "spouse" else
                                                               frozenset())
    for word, (role, _) in _ROLE.items()}
KIN = frozenset(KIN_GROUP)


def compatible(asked: str, role: str, sex: str | None) -> bool:
    """A relative of this role and sex may be the asked one: "a *father*" is not a "mother" nor a "son"."""
    want_role, want_sex = _ROLE[asked]
    return role == want_role and (want_sex is None or sex is None or sex == want_sex)


def _heads(root, deps: tuple[str, ...]) -> list:
    """The heads up a chain of appositions (or titles) from `root`, two at most ("his mother, *the painter* Ruth
    Ashcombe")."""
    out, token = [], root
    for _ in range(2):
        if token.dep_ not in deps or token.head.i == token.i:
            break
        token = token.head
        out.append(token)
    return out


def _describing(root) -> list:
    """The kin nouns the sentence gives the name headed by `root` as an apposition or title ("his daughter
    Petronilla", "Petronilla, his daughter", "Brother John"), with their conjuncts ("the second wife of Henry VIII
    *and mother* of Elizabeth I")."""
    described = [c for c in root.children if c.dep_ in ("appos", "compound")] + _heads(root, ("appos", "compound"))
    described += [c for w in described for c in w.conjuncts]
    return [w for w in described if w.lemma_.lower() in _ROLE and w.pos_ == "NOUN"]


def said_relations(root) -> list[tuple[str, str | None]]:
    """(role, sex) of each tie the sentence gives the name headed by `root`: its apposition or title, or the
    converse of the relation it is the "of" or owner of ("Peter, son *of Mary*", "*Mary's* son": Mary is a parent,
    of either sex), or a marriage it is a party to. Empty when the text says no relation there."""
    return _relations(root, _describing(root))


def _relations(root, words: list) -> list[tuple[str, str | None]]:
    if words:
        return [_ROLE[w.lemma_.lower()] for w in words]
    top = (_heads(root, ("appos",)) or [root])[-1]  # "married *the singer* Carla Voss"
    if top.dep_ in ("nsubj", "dobj", "nsubjpass") and top.head.lemma_.lower() in ("marry", "wed"):
        return [("spouse", None)]  # "Justinian married (the actress) *Theodora*": his wife, whoever else she is
    of = top.head.head if top.dep_ == "pobj" and top.head.lower_ == "of" else top.head if top.dep_ == "poss" \
        else None
    if of is not None and of.lemma_.lower() in _ROLE:  # "son *of Mary*", "*Lily's* mother": the other side's
        role, _ = _ROLE[of.lemma_.lower()]
        return [(_CONVERSE.get(role, role), None)]
    return []


def wrong_relative(root, asked: str, names: Sequence[str] = (), titles: frozenset[str] = frozenset()) -> bool:
    """The name is told only as other relatives than the asked one ("his *daughter* Petronilla" for "who was the
    mother of ..."), or as the asked relative of a person the question does not ask about, named in full ("*Lily
    Ashcombe's* mother, Ruth" for "who is Daniel Ashcombe's mother"; an owner by title, "the *Duchess's* sister",
    may be anyone's name for the asked person)."""
    words = _describing(root)
    said = _relations(root, words)
    if said and not any(compatible(asked, *tie) for tie in said):
        return True
    owners = [c for w in words for c in w.children if c.dep_ == "poss" and c.ent_type_ == "PERSON"
              and c.pos_ == "PROPN" and c.lower_ not in titles]
    return bool(owners and names) and not any(same_person(name_ending_at(o), name) for o in owners for name in names)


def relative_of(root, question_words: Sequence[str]) -> bool:
    """A figure (an age) modifies someone's kin noun that the question does not say: it is that relative's ("*his*
    nine-year-old son" does not tell how old the father was). A kin noun of nobody's describes the person asked
    about ("the 34-year-old mother of two", "the 22-year-old son of a farmer")."""
    token = root
    while token.dep_ in ("amod", "compound", "npadvmod", "nummod") and token.head.i != token.i:
        token = token.head
        lemma = token.lemma_.lower()
        if lemma in KIN and token.pos_ == "NOUN":
            owned = any(c.dep_ == "poss" for c in token.children)
            return owned and lemma not in question_words and token.lower_ not in question_words
    return False


def name_ending_at(token) -> str:
    """The proper-noun run a name's last token ends ("Ramon Berenguer IV")."""
    start = token.i
    while start > 0 and token.doc[start - 1].pos_ == "PROPN":
        start -= 1
    return token.doc[start:token.i + 1].text
