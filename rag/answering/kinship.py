"""Family relations: which relative a question asks for, and what the text says a candidate is to whom.

"Who was the mother of X?" is not answered by "his infant *daughter* Petronilla", nor "how old was King John" by
"his nine-year-old *son*": English says the relation beside the name (an apposition, a title before it, "X, son of
Y"), and that relation must be the asked one. The words are the closed class of English kin terms, not a list for
any corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answering.naming import shares_name

# family relations and their converses: text that tells one names it ("his father, Justin"; "X, son of Y" for "the
# father of X"), or for a spouse says the marriage ("X, who had married Y")
_KIN_GROUPS = ("father mother parent son daughter child kid dad mum mom stepfather stepmother stepson stepdaughter",
               "brother sister sibling twin", "uncle aunt nephew niece",
               "grandfather grandmother grandparent grandson granddaughter grandchild", "cousin",
               "wife husband widow widower spouse marry wed")
KIN_GROUP: dict[str, frozenset[str]] = {w: frozenset(group.split()) for group in _KIN_GROUPS for w in group.split()}
KIN = frozenset(w for w in KIN_GROUP if w not in ("marry", "wed"))

# each relation's role (what the relative is) and sex, where the word says one; a role's converse is what the other
# party is ("X, son of *Y*": Y is X's parent)
_ROLES = {"parent": "father:m mother:f parent dad:m mum:f mom:f stepfather:m stepmother:f",
          "child": "son:m daughter:f child kid stepson:m stepdaughter:f",
          "sibling": "brother:m sister:f sibling twin", "elder": "uncle:m aunt:f", "younger": "nephew:m niece:f",
          "grandparent": "grandfather:m grandmother:f grandparent", "grandchild": "grandson:m granddaughter:f grandchild",
          "cousin": "cousin", "spouse": "husband:m wife:f widow:f widower:m spouse"}
_ROLE: dict[str, tuple[str, str | None]] = {word.split(":")[0]: (role, word.split(":")[1] if ":" in word else None)
                                             for role, words in _ROLES.items() for word in words.split()}
_CONVERSE = {"parent": "child", "child": "parent", "elder": "younger", "younger": "elder",
             "grandparent": "grandchild", "grandchild": "grandparent"}


def compatible(asked: str, role: str, sex: str | None) -> bool:
    """A relative of this role and sex may be the asked one: "a *father*" is not a "mother" nor a "son"."""
    want_role, want_sex = _ROLE[asked]
    return role == want_role and (want_sex is None or sex is None or sex == want_sex)


def _phrase_top(root):
    """The head of the apposition chain a name stands in ("married *the singer* Carla Voss")."""
    token = root
    for _ in range(2):
        if token.dep_ != "appos" or token.head.i == token.i:
            break
        token = token.head
    return token


def _describing(root):
    """The kin noun the sentence gives the name headed by `root` as an apposition or title ("his daughter
    Petronilla", "Petronilla, his daughter", "Brother John"), if any."""
    described = [c for c in root.children if c.dep_ in ("appos", "compound")]
    token = root
    for _ in range(2):  # up a chain of appositions: "his mother, *the painter* Ruth Ashcombe"
        if token.dep_ not in ("appos", "compound") or token.head.i == token.i:
            break
        token = token.head
        described.append(token)
    return next((w for w in described if w.lemma_.lower() in _ROLE and w.pos_ == "NOUN"), None)


def said_relation(root) -> tuple[str, str | None] | None:
    """(role, sex) the sentence gives the name headed by `root`: its apposition or title, or the converse of the
    relation it is the "of" or owner of ("Peter, son *of Mary*", "*Mary's* son": Mary is a parent, of either sex), or a marriage it is a party
    to. None when the text says no relation there."""
    word = _describing(root)
    if word is not None:
        return _ROLE[word.lemma_.lower()]
    top = _phrase_top(root)
    if top.dep_ in ("nsubj", "dobj", "nsubjpass") and top.head.lemma_.lower() in ("marry", "wed"):
        return "spouse", None  # "Justinian married (the actress) *Theodora*": his wife, whoever else she is
    of = top.head.head if top.dep_ == "pobj" and top.head.lower_ == "of" else top.head if top.dep_ == "poss" \
        else None
    if of is not None and of.lemma_.lower() in _ROLE:  # "son *of Mary*", "*Lily's* mother": the other side's
        role, _ = _ROLE[of.lemma_.lower()]
        return _CONVERSE.get(role, role), None
    return None


def wrong_relative(root, asked: str, names: Sequence[str] = ()) -> bool:
    """The name is told as another relative than the asked one ("his *daughter* Petronilla" for "who was the
    mother of ..."), or as the asked relative of a named party the question does not ask about ("*Lily's* mother,
    Ruth" for "who is Daniel's mother")."""
    said = said_relation(root)
    if said is not None and not compatible(asked, *said):
        return True
    word = _describing(root)
    owner = next((c for c in word.children if c.dep_ == "poss" and c.pos_ == "PROPN"), None) if word is not None \
        else None
    return owner is not None and bool(names) and not any(shares_name(_name_of(owner), name) for name in names)


def relative_of(root, question_words: Sequence[str]) -> bool:
    """A figure (an age) modifies a kin noun the question does not say: it is that relative's ("his *nine-year-old
    son*" does not tell how old the father was)."""
    token = root
    while token.dep_ in ("amod", "compound", "npadvmod", "nummod") and token.head.i != token.i:
        token = token.head
        lemma = token.lemma_.lower()
        if lemma in KIN and token.pos_ == "NOUN":
            return lemma not in question_words and token.lower_ not in question_words
    return False


def told_of_another(root, span, asked: str, names: Sequence[str]) -> bool:
    """Every relation of the asked one's group that the sentence states is given to a name that is neither the
    candidate nor one the question asks about ("betrothed his infant *daughter Petronilla* to Ramon" for "who was
    the mother of Ramiro"): it tells another family's tie. "*daughter Emma*" for "who was Emma's father" is the
    question's own tie, told from the other side."""
    told = [t for t in span if t.pos_ == "NOUN" and t.lemma_.lower() in KIN_GROUP[asked]]
    if not told:
        return False
    for word in told:
        named = [c for c in word.children if c.dep_ in ("appos", "compound") and c.pos_ == "PROPN"]
        named += [word.head] if word.dep_ in ("appos", "compound") and word.head.pos_ == "PROPN" else []
        if not named or any(n.i == root.i or any(shares_name(_name_of(n), name) for name in names) for n in named):
            return False
    return True


def _name_of(token) -> str:
    """The proper-noun run a name's head token ends ("Ramon Berenguer IV")."""
    start = token.i
    while start > 0 and token.doc[start - 1].pos_ == "PROPN":
        start -= 1
    return token.doc[start:token.i + 1].text
