"""Who is what to whom: family relations told beside a name, the converse
of the asked verb done by the asked party. Sentences in the styles of a
broadcaster, a wire service, a court report and a history text; none of them from a development or test set."""

from __future__ import annotations

import pytest

from rag.answering.kinship import relative_of, said_relation, told_of_another, wrong_relative
from rag.answering.opposites import CONVERSE
from rag.answering.question import analyse_question
from rag.answering.roles import did_the_converse
from rag.nlp import get_analyzer
from rag.settings import NlpSettings


@pytest.fixture(scope="module")
def parse():
    return get_analyzer(NlpSettings()).parse


def _token(doc, text: str):
    return next(t for t in doc if t.text == text)


@pytest.mark.parametrize(("sentence", "name", "asked", "wrong"), [
    ("The king betrothed his infant daughter Petronilla to the count.", "Petronilla", "mother", True),
    ("The king betrothed his infant daughter Petronilla to the count.", "Petronilla", "daughter", False),
    ("The singer's mother, Janet Ellis, said she was proud.", "Ellis", "mother", False),
    ("The singer's mother, Janet Ellis, said she was proud.", "Ellis", "father", True),  # the other sex
    ("The senator's son Hunter joined the firm in 2006.", "Hunter", "father", True),
    ("The senator's son Hunter joined the firm in 2006.", "Hunter", "child", False),  # a son is a child
    ("Peter Jones, son of Mary Jones, was elected.", "Jones", "mother", False),  # "son of Y": Y is a parent
    ("The prince married Camilla Parker Bowles in 2005.", "Bowles", "mother", True),  # the marriage makes a spouse
    ("The prince married Camilla Parker Bowles in 2005.", "Bowles", "wife", False),
])
def test_a_name_told_as_another_relative_does_not_answer(parse, sentence, name, asked, wrong):
    doc = parse(sentence)
    tokens = [t for t in doc if t.text == name]
    assert wrong_relative(tokens[-1], asked) is wrong


def test_a_name_with_no_relation_beside_it_is_not_judged(parse):
    doc = parse("Robert Peston met Tony Blair at Downing Street.")
    assert said_relation(_token(doc, "Blair")) is None
    assert not wrong_relative(_token(doc, "Blair"), "father")


def test_a_relation_the_sentence_gives_only_to_another_name_says_nothing_of_the_candidate(parse):
    doc = parse("The king betrothed his infant daughter Petronilla to Count Ramon of Barcelona.")
    assert told_of_another(_token(doc, "Ramon"), doc[:], "mother", ("Ramiro",))  # the daughter is Petronilla
    assert not told_of_another(_token(doc, "Petronilla"), doc[:], "daughter", ("Ramiro",))
    # the question's own tie, told from the other side: Petronilla's father is the king
    assert not told_of_another(_token(doc, "king"), doc[:], "father", ("Petronilla",))
    doc = parse("His mother said the family would appeal.")  # a relation no name is given: it may be anyone's
    assert not told_of_another(_token(doc, "family"), doc[:], "mother", ())


def test_an_age_of_a_relative_is_not_the_age_asked(parse):
    doc = parse("The regency government of his nine-year-old son, Henry, reissued the charter.")
    age = _token(doc, "old")
    assert relative_of(age, ["how", "old", "was", "king", "john"])
    assert not relative_of(age, ["how", "old", "was", "john", "s", "son"])  # the son is asked about
    doc = parse("The 56-year-old striker joined Chelsea in 2003.")
    assert not relative_of(_token(doc, "old"), ["how", "old", "is", "the", "striker"])  # no relative


@pytest.mark.parametrize(("sentence", "actor", "converse"), [
    ("James I conquered Majorca in 1229 and Valencia in 1238.", ("lose", "James I"), True),
    ("Labour won 355 seats, 47 fewer than in 2001.", ("lose", "Labour"), True),
    ("Labour lost 47 seats but won a third term.", ("lose", "Labour"), False),  # the asked verb is told too
    ("The Tories won 33 seats from Labour.", ("lose", "Labour"), False),  # another party wins: the converse agrees
    ("Microsoft bought the Danish firm Navision in 2002.", ("sell", "Microsoft"), True),
    ("Microsoft bought the Danish firm Navision in 2002.", ("sell", "Navision"), False),
    ("The striker joined Arsenal from Chelsea in 2004.", ("leave", "Arsenal"), False),  # Arsenal is no subject
])
def test_the_converse_done_by_the_asked_party_says_otherwise(parse, sentence, actor, converse):
    doc = parse(sentence)
    assert did_the_converse(doc[:], (actor,), CONVERSE) is converse


FAMILY = """Actor's daughter joins theatre company

The actor Daniel Ashcombe, 61, has seen his daughter Lily Ashcombe join the Royal Court company this season.

Lily, 24, grew up in Bristol. Lily's mother, the painter Ruth Ashcombe, said the family was delighted.

Ashcombe married the singer Carla Voss in 2010, after his first marriage ended.
"""
ELECTION = """Greens win council seats

The Green Party won 14 seats on Harfield council on Thursday, its best result in the town.

The Liberal Democrats lost six seats. Turnout was 38%, the council said.
"""


@pytest.fixture(scope="module")
def relations_engine(tmp_path_factory: pytest.TempPathFactory):
    import rag

    root = tmp_path_factory.mktemp("relations")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "family.txt").write_text(FAMILY, encoding="utf-8")
    (corpus / "election.txt").write_text(ELECTION, encoding="utf-8")
    return rag.load(index_dir=root / "index", corpus_dir=corpus)


@pytest.mark.parametrize(("question", "answer"), [
    ("Who is Lily Ashcombe's mother?", "Ruth Ashcombe"),
    ("Who did Daniel Ashcombe marry in 2010?", "Carla Voss"),
    ("How many seats did the Green Party win?", "14"),
    ("How many seats did the Liberal Democrats lose?", "six"),
])
def test_relations_and_converses_still_answer_what_is_said(relations_engine, question, answer):
    result = relations_engine.ask(question)
    assert result.answered and result.short_answer is not None and answer in result.short_answer, result.text


@pytest.mark.parametrize("question", [
    "Who is Daniel Ashcombe's mother?",  # the text names his daughter's mother, not his
    "How old is Ruth Ashcombe?",  # 61 and 24 are her husband's and her daughter's ages
    "How many seats did the Green Party lose?",  # it won 14: the converse, by the same party
])
def test_another_relative_or_the_converse_deed_does_not_answer(relations_engine, question):
    result = relations_engine.ask(question)
    assert not result.answered, result.text
