"""The general answer extractor's parts on text from several publishers: the quantity grammar, question analysis by
the dependency parse, and candidate spans (no index needed; spaCy's English pipeline is loaded once)."""

from __future__ import annotations

import pytest

from rag.answering.question import analyse_question
from rag.answering.quantities import find_quantities, normalise_figure
from rag.nlp import get_analyzer
from rag.settings import NlpSettings
from tests.answering import features as _features, sentence as _sentence, sentence_of as _sentence_of


@pytest.fixture(scope="module")
def parse():
    return get_analyzer(NlpSettings()).parse


def labelled(text: str) -> list[tuple[str, str]]:
    return [(q.text, q.label) for q in find_quantities(text)]


@pytest.mark.parametrize(("text", "expected"), [
    # BBC business style: scale words glued to the figure, conversions in parentheses
    ("Novartis has announced 5.65bn euros ($7.4bn; £3.9bn) of purchases.",
     [("5.65bn euros", "MONEY"), ("$7.4bn", "MONEY"), ("£3.9bn", "MONEY")]),
    ("The club paid £8m for the striker and 3.5m euros for his brother.",
     [("£8m", "MONEY"), ("3.5m euros", "MONEY")]),
    ("Analysts valued the tracks at £40m-£50m.", [("£40m-£50m", "MONEY")]),
    ("Shares rose 1% to 57.85 Swiss francs.", [("1%", "PERCENT"), ("57.85 Swiss francs", "MONEY")]),
    # Reuters / Xinhua style
    ("It will reach 180,000 yuan (US$27,828) by 2025.", [("180,000 yuan", "MONEY"), ("US$27,828", "MONEY")]),
    ("Output grew 10.5 percent, and the ratio fell to 1.7:1.", [("10.5 percent", "PERCENT"), ("1.7:1", "RATIO")]),
    # sport: scores and kick-off times
    ("Chelsea won 3-1 on Saturday; the match kicks off at 7.45pm.", [("3-1", "SCORE"), ("7.45pm", "TIME")]),
    ("Federer won 6-4 6-3 in the final.", [("6-4 6-3", "SCORE")]),
    ("The news conference is at 1100 GMT.", [("1100 GMT", "TIME")]),
    # history: decades, centuries, ages and durations
    ("The firm grew in the 1980s and the 19th century.", [("the 1980s", "DATE"), ("the 19th century", "DATE")]),
    ("They settled there in the 10th and 11th centuries.", [("the 10th and 11th centuries", "DATE")]),
    ("The 35-year-old has been manager for three years.", [("35-year-old", "AGE"), ("three years", "DURATION")]),
    ("They topped the table for 21 consecutive years, then two straight seasons.",
     [("21 consecutive years", "DURATION"), ("two straight seasons", "DURATION")]),
    ("12 of the 56 competition venues were built new.", [("12 of the 56 competition venues", "CARDINAL")]),
    # fractions are shares; "a third" alone is usually an ordinal ("a third term")
    ("Two-thirds of voters and a quarter of MPs backed the cut to one sixth.",
     [("Two-thirds", "PERCENT"), ("a quarter", "PERCENT"), ("one sixth", "PERCENT")]),
    ("He won a third term.", [("third", "ORDINAL")]),
    # "two quarters" alone are periods ("growth in two quarters"), "three quarters of" a share
    ("Output fell for two quarters, and three quarters of firms cut jobs.",
     [("two", "CARDINAL"), ("three quarters", "PERCENT")]),
    # a speed in words is one quantity, not a distance and a duration
    ("Winds reached 120 miles per hour, and the train ran at 30km an hour.",
     [("120 miles per hour", "QUANTITY"), ("30km an hour", "QUANTITY")]),
    ("It covers 20,000 square metres, or 2 sq km.", [("20,000 square metres", "QUANTITY"), ("2 sq km", "QUANTITY")]),
    ("The 2.5 billion pixels photo beat a 40 megapixel one.", [("2.5 billion pixels", "QUANTITY"), ("40 megapixel", "QUANTITY")]),
])
def test_quantity_grammar_keeps_units_and_scale_words(text, expected):
    assert labelled(text) == expected


def test_a_year_is_not_a_duration_or_a_bare_number():
    assert labelled("in the 2004-05 season") == []  # left to spaCy's DATE entities
    assert ("2004", "CARDINAL") not in labelled("Sales in 2004 rose.")


def test_a_change_is_not_a_range():
    assert labelled("The budget will rise by $19bn to $419.3bn.") == [("$19bn", "MONEY"), ("$419.3bn", "MONEY")]


def test_figures_compare_across_spellings():
    assert normalise_figure("8 million") == normalise_figure("8m")
    assert normalise_figure("about $200m") == normalise_figure("$200m")
    assert normalise_figure("5 per cent") == normalise_figure("5%")


@pytest.mark.parametrize(("question", "answer_type", "head"), [
    ("Which club did Jose Mourinho manage before Chelsea?", "HUM:gr", "club"),
    ("Which MP called for the inquiry into the Iraq war?", "HUM:ind", "mp"),
    ("Which veteran Labour MP for Copeland said he would stand down at the next election?", "HUM:ind", "mp"),
    ("Which striker scored the winner?", "HUM:ind", "striker"),  # not listed: classed by its embedding
    ("Which film won best picture at the Oscars?", "ENTY:cremat", "film"),
    ("In what year was the company founded?", "NUM:date", "year"),
    ("When did the strike begin?", "NUM:date", None),
    ("What time does the match kick off?", "NUM:time", "time"),
    ("How long did the strike last?", "NUM:period", None),
    ("How much did Novartis pay for Hexal?", "NUM:money", None),
    ("How many jobs will Cadbury cut?", "NUM:count", "job"),
    ("What percentage of the shares did it buy?", "NUM:perc", "percentage"),
    ("What was the score in the final?", "NUM:score", "score"),
    ("How old is Wayne Rooney?", "NUM:age", None),
    ("Where does Hangzhou rank among innovation clusters?", "NUM:ord", None),
    ("In which country is Normandy located?", "LOC:country", "country"),
    ("Where will the summit be held?", "LOC:other", None),
    ("Why did shares in Yukos fall?", "DESC:reason", None),
    ("What did Tony Blair say about the election?", "DESC:desc", None),
    ("Who is Birgit Kuhlhoff?", "HUM:desc", None),
    ("What is the nickname of the Welsh team?", "ENTY:termeq", "nickname"),
    ("What is Hangzhou's 2025 urban-rural income target?", "NUM:other", "target"),
    # the noun after an auxiliary is the subject, not what "how much" measures
    ("How much will each remote hunting session cost?", "NUM:money", None),
    ("How fast did Singapore's economy grow?", "NUM:perc", None),  # the speed of a change is a percentage
    ("How far did the pay gap narrow last year?", "NUM:other", None),  # how far a change went: any figure
    ("How far did shares fall on Monday?", "NUM:other", None),
    ("How far is Leeds from London?", "NUM:dist", None),
    ("How long is the new bridge being built across the river?", "NUM:dist", "bridge"),  # "be" + a thing: length
    ("How long is the rail network being built in Leeds?", "NUM:dist", "network"),  # a listed noun, not an event
    ("How long is the river?", "NUM:dist", "river"),
    ("How long is the tournament?", "NUM:period", None),  # an event lasts, as do a film and a term
    ("How long is the film?", "NUM:period", None),
    ("How long is his term?", "NUM:period", None),
    ("Which neighbouring towns will the council link?", "LOC:city", "town"),  # past a participle
    ("Which of Jet Airways and Air Sahara is ranked third?", "HUM:gr", None),  # one of two organisations
    ("What disease did the comedian die from?", "ENTY:dismed", "disease"),
    ("What stake does Renault own in Nissan?", "NUM:perc", "stake"),  # news gives stakes as percentages
    ("Which 1950s musical will he star in on Broadway?", "ENTY:cremat", "musical"),  # the decade only dates it
    ("Which investment fund owns the stadium?", "ENTY:other", "fund"),  # one of several funds, not an amount
    ("How big is the pension fund?", "NUM:money", "fund"),  # an amount
    # the wh-word misparsed as the determiner of the noun after "did": the verb says a figure is asked for
    ("What did card fraud on UK-issued cards add up to in 2003?", "NUM:other", None),
    ("At which Expo 2005 venue will Toyota show its robots?", "LOC:other", "venue"),  # a number inside the compound
])
def test_expected_answer_type_from_the_parse(parse, question, answer_type, head):
    analysis = analyse_question(parse(question))
    assert (analysis.answer_type, analysis.head) == (answer_type, head)


def test_names_are_constraints_roles_and_nationalities_are_not(parse):
    analysis = analyse_question(parse("Which Israeli firm did Novartis' Sandoz unit overtake in 2005?"))
    assert set(analysis.names) == {"Novartis", "Sandoz"}
    assert {"Israeli", "2005"} <= set(analysis.details)  # soft: news writes "Israel's" and omits the year
    mp = analyse_question(parse("Which Labour MP resigned on Tuesday?"))
    assert "MP" not in mp.names
    # a role word standing bare as a subject is a name
    assert "Prince" in analyse_question(parse("How much did Prince earn in 2003?")).names
    # the alternatives of "which of" are what the answer is chosen from, not names it must not be
    choice = analyse_question(parse("Which of Jet Airways and Air Sahara is ranked third?"))
    assert choice.choices == "Jet Airways and Air Sahara" and not {"Jet Airways", "Air Sahara"} & set(choice.names)
    # a possessive apostrophe after an s is not part of the name
    assert "Roy Williams" in analyse_question(parse("By Roy Williams' calculations, what is a gigabyte equal to?")).names
    # two names the model joined at a preposition are two names; a title keeps its own ("Gone with the Wind")
    joined = analyse_question(parse("In what year did Nicolas Anelka win the Champions League with Real Madrid?"))
    assert {"Champions League", "Real Madrid"} <= set(joined.names)


def test_the_asked_verb_is_the_one_the_wh_phrase_hangs_from(parse):
    assert analyse_question(parse("How much did Verizon agree to pay to take over MCI?")).verb == "pay"
    assert analyse_question(parse("How much did Novartis say it could save?")).verb == "save"
    assert analyse_question(parse("Who won best comedy newcomer?")).role == "subj"
    # the answer is the object of the preposition the wh-phrase is the object of, before it or stranded
    assert analyse_question(parse("To what figure would the budget rise?")).preposition == "to"
    assert analyse_question(parse("Which satellite radio service is Howard Stern moving to?")).preposition == "to"
    assert analyse_question(parse("Which club did he score for in 2004?")).preposition is None
    # do-support puts the subject after the wh-phrase, whatever the parser makes of it
    assert analyse_question(parse("What product did villagers in Bainiu start selling online?")).role == "obj"
    # the small parser makes a perfect's "has" the main verb: the participle is the asked verb
    assert analyse_question(parse("How many goals has Henry scored this season?")).verb == "score"
    assert analyse_question(parse("How much total annual investment have the 203 projects generated?")).verb \
        == "generate"
    # the wh-phrase owns a noun: the answer owns it in the evidence ("the bat's saliva")
    assert analyse_question(parse("A protein from which animal's saliva is the drug based on?")).owned == "saliva"
    assert analyse_question(parse("Whose own goal gave Liverpool a 1-0 win?")).owned == "goal"
    assert analyse_question(parse("Which animal lives in the cave?")).owned is None
    # the wh-word opens the subject's phrase even where the parser makes it the object ("What/dobj two sectors")
    assert analyse_question(parse('What two sectors form the "dual engine" of the economy?')).role == "subj"


@pytest.mark.parametrize(("question", "past"), [
    ("How many PSP consoles were sold in Europe on the first day?", True),
    ("Who won the Cosafa Cup final?", True),
    ("How many consoles will Sony ship by March?", False),  # the future
    ("How many consoles did Sony plan to ship?", False),  # a plan, in the past tense
    ("How much did Novartis say it could save?", False),  # a possibility
    ("How many people live in Lusaka?", False),  # the present
    ("How many PSPs were sold in May?", True),  # the month, not the modal
    ("How much did the project cost?", True),  # "project" the noun is no forecast
])
def test_a_question_about_what_happened_is_told_from_one_about_a_plan(parse, question, past):
    assert analyse_question(parse(question)).past is past


# --- who did it, which period, which year (rag.answering.roles, rag.answering.constraints) ---

@pytest.mark.parametrize(("question", "expected"), [
    # do-support puts the subject between "did" and the bare verb, after a title
    ("When did Sir Thomas Hale capture Harwick Castle?", ("capture", "Thomas Hale")),
    ("Who did King Malcolm III send to the border?", ("send", "Malcolm III")),
    ("When was Harwick Castle captured by Edward Pym?", ("capture", "Edward Pym")),  # a passive's agent
])
def test_the_question_names_who_does_its_verb(parse, question, expected):
    from rag.answering.roles import actors

    assert expected in analyse_question(parse(question)).actors
    assert actors(parse(question), ("Harwick Castle",)) == ()  # the object is no actor


@pytest.mark.parametrize("question", [
    "Which TV Angola programme has reunited hundreds of families?",  # the name is inside the asked phrase
    "How long was Adrian Mutu banned for taking cocaine?",  # a passive's subject is who it happened to
    "How much did Gordon Brown want his fund to provide?",  # an infinitive's subject is the verb above's object
])
def test_names_that_do_not_do_the_verb_are_not_actors(parse, question):
    analysis = analyse_question(parse(question))
    assert analysis.names, "the question's names are found"
    assert all(name not in ("TV Angola", "Angola", "Adrian Mutu") for _, name in analysis.actors)
    assert not any(verb == "provide" for verb, _ in analysis.actors)


@pytest.mark.parametrize(("sentence", "other"), [
    ("In 1645, Colonel Edward Pym captured the castle, killing its governor Sir Thomas Hale.", True),
    ("Sir Thomas Hale captured the castle in 1645.", False),
    ("Hale, the governor, captured the castle in 1645.", False),  # the surname is the same person
    ("He captured the castle in 1645.", False),  # a pronoun may be anyone
    ("The 52-year-old former governor captured the castle in 1645.", False),  # a second reference, not a name
    ("Pym's troops agreed to capture the castle.", False),  # the subject is a description ("troops")
    ("Colonel Pym agreed to capture the castle.", True),  # the subject of "agreed" captures
    ("The castle was captured by Edward Pym in 1645.", True),  # a passive's agent
    ("Parliament ordered Sir Thomas Hale to capture the castle.", False),  # the object of "ordered" captures
    ("Sir Thomas Hale and Edward Pym captured the castle.", False),  # one of the doers is the question's
])
def test_a_sentence_where_someone_else_does_the_verb_does_not_answer(parse, sentence, other):
    from rag.answering.roles import someone_else

    doc = parse(sentence)
    assert someone_else(doc[:], (("capture", "Thomas Hale"),)) is other


def test_a_doer_the_question_names_otherwise_is_no_conflict(parse):
    """"When did Bush meet Blair?" is answered by "Blair met Bush": two-party verbs swap their sides."""
    from rag.answering.roles import someone_else

    doc = parse("Tony Blair met George Bush at Camp David in 2001.")
    assert not someone_else(doc[:], (("meet", "George Bush"),), ("George Bush", "Tony Blair"))
    assert someone_else(doc[:], (("meet", "George Bush"),), ("George Bush",))


def test_an_abbreviation_names_the_same_thing():
    from rag.answering.naming import shares_name

    assert shares_name("The PSP is selling in Japan", "PlayStation Portable")
    assert shares_name("banned by the FA", "Football Association")
    assert shares_name("The Football Association", "FA")  # either way round
    assert not shares_name("The DS is selling in Japan", "PlayStation Portable")
    assert not shares_name("Duke William II of Normandy", "King Harold II")  # titles and numerals are not names


def test_a_clipped_place_name_names_the_place():
    from rag.answering.naming import mentions

    assert mentions("Notts police chief Steve Green said", "Nottinghamshire") > 0
    assert mentions("Kent police said", "Kentucky") == 0  # a word, not a clipping: no "s"
    assert mentions("He was born in York.", "Yorkshire") == 0  # a town before a full stop is no clipping
    assert mentions("the Lancs team", "Lancaster Gate") == 0  # only one-word names are clipped


def test_an_acronym_written_out_names_it():
    from rag.answering.naming import mentions

    assert mentions("software and information technology services grew", "IT") > 0
    assert mentions("the World Trade Organisation ruled", "WTO") > 0
    assert mentions("the Organisation of Petroleum Exporting Countries", "OPEC") > 0  # "of" between the words
    assert mentions("compensation from the European Union", "EU") > 0
    assert mentions("he went into town", "IT") == 0  # "into" is a function word, "town" too short to be one
    assert mentions("the World Trade talks", "WTO") == 0  # every initial needs its word
    assert mentions("shares were under severe pressure", "US") == 0  # short lower-case pairs are chance
    assert mentions("the report was issued today", "IT") == 0


def test_periods_are_centuries_decades_and_years():
    from rag.answering.constraints import periods

    assert periods("in the 10th and 11th centuries") == [(900, 999), (1000, 1099)]
    assert periods("during the 1100s") == [(1100, 1199)]  # a hundred years, not a decade
    assert (1980, 1989) in periods("the 1980s")
    assert periods("the 1980s", years=False) == [(1980, 1989)]
    assert periods("in 1066") == [(1066, 1066)]
    assert periods("a 21st-century castle") == [(2000, 2099)]
    assert periods("20th Century Fox", years=False) == []  # a name, not a period


def _question(text: str):
    from rag.answering.question import QuestionAnalysis

    years = tuple(w.strip("?") for w in text.split() if w.strip("?").isdigit() and len(w.strip("?")) == 4)
    return QuestionAnalysis(text=text, details=years)


def _passage(date=None):
    from rag.models import Passage

    return Passage(doc_id="a", chunk_id="a:0", text="x", score=1.0, start=0, end=1, date=date)


def test_a_question_about_another_century_is_not_answered_by_the_article():
    from rag.answering.constraints import unstated_period

    article = "The keep was rebuilt in the 18th century. In 1645 the castle fell."
    assert unstated_period(_question("Who rebuilt the keep in the 16th century?"), _passage(), article)
    assert not unstated_period(_question("Who rebuilt the keep in the 18th century?"), _passage(), article)
    assert not unstated_period(_question("Who took the castle in the 1640s?"), _passage(), article)  # 1645
    assert not unstated_period(_question("Who rebuilt the keep?"), _passage(), article)


def test_an_undated_article_is_written_the_year_after_its_last_year_at_the_latest():
    from rag.answering.constraints import unstated_year

    article = "Profits rose in 2003 and 2004."
    assert not unstated_year(_question("What were profits in 2005?"), _passage(), article)  # "this year"
    assert unstated_year(_question("What will profits be in 2030?"), _passage(), article)
    assert unstated_year(_question("What were profits in 2001?"), _passage(), article)
    # a clock time is not a year: an article that gives no year may be from any year
    assert not unstated_year(_question("What were profits in 2005?"), _passage(), "By 1200 GMT shares fell 16%.")


def test_relative_years_resolve_against_the_article_date():
    import datetime as dt

    from rag.answering.dating import relative_years

    assert relative_years("GDP will pass 2 trillion yuan this year, after last year's 9%", dt.date(2025, 3, 1)) \
        == [2025, 2024]
    assert relative_years("this year", None) == []


class _ExactStore:
    """An evidence store with idf 1 for every word and no word vectors: only exact matches count."""

    def idf(self, term):
        return 1.0

    def word_vectors(self, words):
        import numpy as np
        return np.zeros((len(words), 3))

    def lead(self, doc_id):
        return ""


def test_a_word_the_tagger_did_not_know_heads_a_noun_phrase(parse):
    """The small model tags rare words "X" ("died from respiratory disease *emphysema*" inside a long passage): in a
    noun's place such a word still heads a noun phrase, which noun_chunks would drop."""
    from spacy.tokens import Doc

    from rag.answering.candidates import find_candidates

    words = ["Carson", "died", "from", "respiratory", "disease", "emphysema", "."]
    doc = Doc(parse("x").vocab, words=words, spaces=[True] * 5 + [False, False],
              pos=["PROPN", "VERB", "ADP", "ADJ", "NOUN", "X", "PUNCT"],
              deps=["nsubj", "ROOT", "prep", "amod", "compound", "pobj", "punct"], heads=[1, 1, 1, 5, 5, 2, 1])
    found = find_candidates(_sentence_of(doc), frozenset({"NP"}))
    assert "respiratory disease emphysema" in [c.text for c in found]


def test_a_name_does_not_keep_a_trailing_and(parse):
    """The small model sometimes ends a title on a conjunction ("Filthy Love and" of "Filthy Love and Channel 4's
    Shameless"): the candidate is the title without it."""
    from spacy.tokens import Doc, Span

    from rag.answering.candidates import find_candidates

    words = ["The", "soap", "beat", "Filthy", "Love", "and", "Shameless", "."]
    doc = Doc(parse("x").vocab, words=words, spaces=[True] * 6 + [False, False])
    doc.ents = [Span(doc, 3, 6, label="WORK_OF_ART")]
    assert [c.text for c in find_candidates(_sentence_of(doc), frozenset({"WORK_OF_ART"}))] == ["Filthy Love"]


def test_since_gives_a_reason_only_with_a_clause_of_its_own(parse):
    from rag.answering.descriptions import description

    question = analyse_question(parse("Why could Ellery not play?"))
    assert description(_sentence(parse, "Since he was injured, Ellery could not play."), question) == "he was injured"
    assert description(_sentence(parse, "Since joining Rovers, Ellery has scored 20 goals."), question) is None
    assert description(_sentence(parse, "Ellery has not played since 2004."), question) is None


def test_a_number_in_a_name_is_not_a_figure(parse):
    from rag.answering.candidates import find_candidates

    found = find_candidates(_sentence(parse, "Each laptop comes with the game Starfall 2 and 3 free films."),
                            frozenset({"CARDINAL"}))
    assert [c.text for c in found] == ["3"]  # "Starfall 2" is a title; "3 free films" counts films


def test_at_least_is_no_superlative(parse):
    from rag.answering.candidates import find_candidates
    from rag.answering.constraints import opposite_extreme

    question = analyse_question(parse("Which club has won the most league titles?"))
    found = find_candidates(_sentence(parse, "Since then Kingsford Rovers have won at least 15 league titles."), frozenset({"ORG", "PROPN"}))
    assert found and not any(opposite_extreme(c, question) for c in found)
    worst = find_candidates(_sentence(parse, "Since then Kingsford Rovers have won the fewest league titles."), frozenset({"ORG", "PROPN"}))
    assert worst and all(opposite_extreme(c, question) for c in worst)


def test_a_figure_counting_another_makers_things_does_not_answer(parse):
    from rag.answering.candidates import find_candidates
    from rag.answering.constraints import counts_another

    question = analyse_question(parse("How many PSP consoles were sold in Europe?"))
    assert question.kind == "PSP"
    other = find_candidates(_sentence(parse, "Shops in Europe sold the 87,000 DS handhelds."), frozenset({"CARDINAL"}))
    same = find_candidates(_sentence(parse, "Shops in Europe sold 50,000 PSP consoles."), frozenset({"CARDINAL"}))
    assert [counts_another(c, question) for c in other] == [True]
    assert [counts_another(c, question) for c in same] == [False]
    plain = analyse_question(parse("How many consoles were sold in Europe?"))
    assert not counts_another(other[0], plain)  # no maker asked for: any console counts


@pytest.mark.parametrize(("question", "sentence", "another"), [
    # a profit, a debt or a loss is not what a buyer pays
    ("How much is Halden paying to buy Marro's phone arm?", "Halden's profit for the six months was $310m.", True),
    ("How much is Halden paying to buy Marro's phone arm?", "Marro has debts of $95m.", True),
    ("How much is Halden paying to buy Marro's phone arm?", "It posted losses of $40m.", True),
    ("How much is Halden paying to buy Marro's phone arm?", "The $2.4bn deal was agreed on Monday.", False),
    ("How much is Halden paying to buy Marro's phone arm?", "The price was $2.4bn.", False),  # what is paid
    # the question's own word, or the verb that asks for that kind of money
    ("How much did Dortmund lose in the year to June?", "The club posted a record loss of 68m euros.", False),
    ("What was Halden's profit for the six months?", "Halden's profit for the six months was $310m.", False),
    ("How much did Marro's sales grow?", "Marro's sales were $1.2bn.", False),
])
def test_a_sum_named_as_another_kind_of_money_does_not_answer(parse, question, sentence, another):
    from rag.answering.candidates import find_candidates
    from rag.answering.constraints import measures_another

    found = find_candidates(_sentence(parse, sentence), frozenset({"MONEY"}))
    assert found, sentence
    assert measures_another(found[0], analyse_question(parse(question))) is another


def test_the_noun_a_figure_is_of_is_its_head(parse):
    """"a total annual investment *of* more than 52.2 billion yuan": the figure measures the investment, as "an
    investment of 1 trillion yuan" does, though "more than" stands between them."""
    from rag.answering.candidates import find_candidates
    from rag.answering.evidence import match_terms
    from rag.answering.scoring import candidate_features, sentence_features
    from rag.settings import Settings

    question = analyse_question(parse("How much total annual investment have the projects generated?"))
    sentence = _sentence(parse, "The 203 projects have generated a total annual investment of more than 52.2 billion "
                                "yuan, against 9 billion yuan of state funds.")
    match_terms(question, [sentence], sentence.vector, _ExactStore(), Settings().answer)
    shared = sentence_features(sentence, question, _ExactStore())
    heads = {c.text: candidate_features(c, question, shared, {}, set())["head"]
             for c in find_candidates(sentence, frozenset({"MONEY"}))}
    assert heads == {"52.2 billion yuan": 1.0, "9 billion yuan": 0.0}


def test_a_price_for_another_thing_does_not_answer(parse):
    from rag.answering.candidates import find_candidates
    from rag.answering.constraints import priced_for_another
    from rag.answering.evidence import match_terms
    from rag.settings import Settings

    question = analyse_question(parse("How much will the library charge for an hour's wireless session?"))
    sentence = _sentence(parse, "The service will be priced at £4.50 for an hour's session or £35 for a monthly pass.")
    match_terms(question, [sentence], sentence.vector, _ExactStore(), Settings().answer)
    found = {c.text: priced_for_another(c) for c in find_candidates(sentence, frozenset({"MONEY"}))}
    assert found == {"£4.50": False, "£35": True}
    alone = _sentence(parse, "A monthly pass costs £35 for a whole month.")  # no other figure's thing is asked for
    match_terms(question, [alone], alone.vector, _ExactStore(), Settings().answer)
    assert not any(priced_for_another(c) for c in find_candidates(alone, frozenset({"MONEY"})))


@pytest.mark.parametrize(("question", "sentence", "planned"), [
    ("How many PSPs were sold in Europe?", "Sony says it intends to ship three million of the consoles.", True),
    ("How many PSPs were sold in Europe?", "Sales are expected to reach three million by March.", True),
    ("How many PSPs were sold in Europe?", "Nintendo's goal is to ship 5 million consoles by March.", True),
    ("How many PSPs were sold in Europe?", "Sony sold three million of the consoles.", False),
    # news tells the day's events in the future tense of the day it was written: "will" is no plan
    ("What was the value of exports in 2022?", "In 2022, exports will be 61.23 billion yuan.", False),
    # a question about the plan itself is answered by it
    ("How many consoles does Sony intend to ship?", "Sony says it intends to ship three million of the consoles.", False),
])
def test_a_planned_figure_does_not_answer_what_happened(parse, question, sentence, planned):
    from rag.answering.candidates import find_candidates
    from rag.answering.constraints import only_intended

    found = find_candidates(_sentence(parse, sentence), frozenset({"CARDINAL", "MONEY"}))
    assert found, sentence
    assert only_intended(found[0], analyse_question(parse(question))) is planned


def test_a_numeral_alone_is_no_name():
    from rag.answering.naming import only_numerals

    assert only_numerals("III") and only_numerals("XIV") and only_numerals("II B.")
    assert not only_numerals("ICI") and not only_numerals("CVC")  # acronyms of numeral letters are names
    assert not only_numerals("Richard II") and not only_numerals("Idol")


@pytest.mark.parametrize(("question", "text", "precise", "vague"), [
    ("On what date did the console go on sale?", "It went on sale at the end of 2004, in Japan on 2 December.",
     "2 December", "the end of 2004"),
    ("What time did the band take the stage?", "The band took the stage on Friday night at around 11pm.",
     "11pm", "Friday night"),
    # a quantity measures what its unit measures: "how fast" wants a speed, not a length
    ("How fast does the robot walk?", "The robot, two feet taller than its rival, walks at about 3km/h.",
     "about 3km/h", "two feet"),
    # a speed in words is a speed, not a length
    ("How fast was the lorry travelling?", "The lorry, 40 feet long, was travelling at 56 miles per hour.",
     "56 miles per hour", "40 feet"),
    # "midnight" is a clock reading in words
    ("What time did the polls close?", "On election night the polls closed at midnight.", "midnight",
     "election night"),
])
def test_the_precise_kind_of_time_or_quantity_is_preferred(parse, question, text, precise, vague):
    from rag.answering.answer_types import wanted_labels
    from rag.answering.candidates import find_candidates
    from rag.answering.scoring import candidate_features

    analysis = analyse_question(parse(question))
    wanted = wanted_labels(analysis.answer_type, analysis.named)
    types = {c.text: candidate_features(c, analysis, {}, {}, set())["type"]
             for c in find_candidates(_sentence(parse, text), wanted)}
    assert types[precise] > types[vague] > 0


def test_a_candidates_articles_and_the_head_alone_are_not_the_questions_words(parse):
    from rag.answering.candidates import find_candidates
    from rag.answering.scoring import candidate_features

    question = analyse_question(parse("Which show won the best comedy award?"))
    found = {c.text: c for c in find_candidates(_sentence(parse, "The winner was The Simpsons, a long-running show."),
                                                frozenset({"ORG", "PROPN", "TITLE", "WORK_OF_ART", "NP"}))}
    simpsons = next(c for text, c in found.items() if "Simpsons" in text)
    assert candidate_features(simpsons, question, {}, {}, {"show", "won", "best", "comedi", "award"})[
        "in_question"] == 0.0


def test_a_headline_is_not_parsed_into_the_first_sentence():
    """A blank line ends a sentence, in stored analyses as in parsed questions: the lead's subject is its own."""
    analyzer = get_analyzer(NlpSettings())
    text = "Visitor numbers rise across the region\n\nScotland saw the smallest rise in visitor numbers."
    for doc in (analyzer.parse(text), analyzer.read(analyzer.analyse_many([text])[0][0])):
        scotland = next(t for t in doc if t.text == "Scotland")
        assert scotland.sent.text.startswith("Scotland")
        assert scotland.head.text == "saw"


def test_a_figure_keeps_its_unit_though_the_question_names_it(parse):
    """"how many years": "three years" is the answer as written, and "21 consecutive years" not "21 consecutive"."""
    from rag.answering.candidates import find_candidates, trim_known

    found = find_candidates(_sentence(parse, "Leeds led for three years, and Hull for 21 consecutive years."),
                            frozenset({"DURATION"}))
    assert [trim_known(c, lambda term: term == "year").text for c in found] == ["three years", "21 consecutive years"]


def test_trimming_the_questions_words_leaves_no_hanging_preposition(parse):
    from rag.answering.candidates import find_candidates, trim_known

    found = find_candidates(_sentence(parse, "He served the King of Westland for a decade."), frozenset({"NP"}))
    king = next(c for c in found if c.text.startswith("King"))
    assert trim_known(king, lambda term: term == "westland").text == "King"


@pytest.mark.parametrize(("question", "person"), [
    ("Which Australian strategist denied the report?", True),  # "-ist" nouns name people, listed or not
    ("Which lobbyist wrote to the minister?", True),
    ("Which technician found the fault?", True),
    ("Which shortlist did the film make?", False),  # a compound of "list"
])
def test_agent_nouns_ask_for_a_person(parse, question, person):
    assert (analyse_question(parse(question)).answer_type == "HUM:ind") is person


def test_a_name_misparsed_as_the_verb_is_a_name(parse):
    # the small model tags "Easymobile" as the verb of this question (a case from the BBC development set)
    analysis = analyse_question(parse("Which mobile operator will Easymobile rent its airtime from?"))
    assert analysis.verb == "rent" and "Easymobile" in analysis.names


def test_a_hyphen_joined_name_is_one_word(parse):
    # "mobile" in the question does not give "T-Mobile"; nor does a title's article give the title
    found = _features(parse, "Which mobile network will the retailer use?",
                      "The retailer will use the T-Mobile network, it said.")
    assert found["T-Mobile"]["in_question"] == 0.0
    found = _features(parse, "Which show did the critics pick?", "The critics picked The Wire, a crime drama.")
    assert found["The Wire"]["in_question"] == 0.0


def test_a_maker_before_a_work_is_not_its_name(parse):
    found = _features(parse, "Which film topped the box office?",
                      "The Disney film beat Shrek at the box office.")
    assert found["Disney"]["type"] < 1.0


def test_an_agent_noun_may_double_its_consonant():
    from rag.answering.evidence import _agent_of

    assert _agent_of("win", "winner") and _agent_of("run", "runner")
    assert not _agent_of("dine", "dinner") and not _agent_of("for", "former")


_SHARPEST = "Which county saw the sharpest increase in visitors?"
_FIRST = "Who was the first player to score for Ashby?"


@pytest.mark.parametrize(("question", "text", "name", "opposite"), [
    (_SHARPEST, "The sharpest fall in visitors was seen in Cornwall, where hotels closed.", "Cornwall", True),
    # the candidate's own clause: a decline in a clause of its own does not count
    (_SHARPEST, "The sharpest rise in visitors was seen in Cornwall, where hotels had seen a decline.", "Cornwall",
     False),
    (_FIRST, "Kerr was the last player to score for Ashby.", "Kerr", True),
    (_FIRST, "Kerr was the first player to score for Ashby last year.", "Kerr", False),
    (_FIRST, "Kerr scored for Ashby last week.", "Kerr", False),  # "last week" is a date, not an order
])
def test_the_opposite_direction_or_order_does_not_answer(parse, question, text, name, opposite):
    from rag.answering.candidates import find_candidates
    from rag.answering.constraints import opposite_extreme

    labels = frozenset({"GPE", "LOC", "PERSON", "ORG", "PROPN"})
    found = [c for c in find_candidates(_sentence(parse, text), labels) if c.text == name]
    assert found and opposite_extreme(found[0], analyse_question(parse(question))) is opposite


@pytest.mark.parametrize(("question", "text", "rejected"), [
    ("Which club did Dan Ilic join?", "On Monday, former Rovers striker Dan Ilic began talks with Wexham.", True),
    ("Which club did Dan Ilic leave?", "On Monday, former Rovers striker Dan Ilic began talks with Wexham.", False),
    ("Which club does Dan Ilic play for?", "On Monday, Rovers striker Dan Ilic began talks with Wexham.", False),
])
def test_a_past_affiliation_does_not_answer_a_question_about_now(parse, question, text, rejected):
    from rag.answering.candidates import find_candidates
    from rag.answering.rejections import not_an_answer

    analysis = analyse_question(parse(question))
    found = {c.text: c for c in find_candidates(_sentence(parse, text), frozenset({"ORG", "NORP", "PROPN"}))}
    assert not_an_answer(found["Rovers"], analysis, thing=False) is rejected


def test_an_ordinal_matches_the_same_place_by_number(parse):
    # "came second" and "at number two" / "No 2" name the same place in a ranking; "two" alone does not
    from rag.answering.evidence import _same_rank

    doc = parse("The poll kept Ann Rowe at number two, Bo Lind at No 3 and two others in the top ten.")
    ranked_two, ranked_three, other_two = [t for t in doc if t.like_num][:3]
    assert _same_rank("second", ranked_two) and _same_rank("third", ranked_three)
    assert not _same_rank("third", ranked_two) and not _same_rank("second", other_two)


@pytest.mark.parametrize(("question", "named"), [
    ("What is the camera system that watches over the roads called?", True),
    ("What was the new party known as?", True),
    ("What are the rebels called by locals?", True),
    ("What did the minister call for?", False),
    ("Which system did the council buy?", False),
    ("Who called for the inquiry?", False),  # a naming verb used otherwise: "called for / off", "named in"
    ("Who called off the strike?", False),
    ("What was named in the report?", False),
    ("What has the union called for?", False),
])
def test_a_question_ending_on_a_naming_verb_asks_for_a_name(parse, question, named):
    assert analyse_question(parse(question)).named is named


def test_asked_what_something_is_called_its_quoted_name_answers(parse):
    """A quoted name answers "what is X called", though it shares a word with the question ("road"), over a common
    noun that only sits beside the head noun ("the *parking* system" is a kind of system, not its name)."""
    from rag.answering.answer_types import wanted_labels
    from rag.answering.candidates import find_candidates, trim_known
    from rag.answering.scoring import candidate_features

    analysis = analyse_question(parse("What is the camera system that watches over the roads called?"))
    terms_ = {f.term for f in analysis.focus}
    sentence = _sentence(parse, 'Unlike the parking system, the "Road Eye" cameras send alerts to drivers.')
    found = {}
    for candidate in find_candidates(sentence, wanted_labels(analysis.answer_type, analysis.named)):
        candidate = trim_known(candidate, lambda term: term in terms_ or term == "system")
        found[candidate.text] = candidate_features(candidate, analysis, {}, {}, terms_)
    name, kind = found["Road Eye"], found["parking"]
    assert name["in_question"] == 0.0 and kind["head"] == 0.0
    assert name["type"] > kind["type"]


def test_a_quoted_name_is_kept_whole_without_its_opening_quote_mark(parse):
    """The small model takes an opening quote mark into an entity ('the "City Brain'); the candidate is the name
    inside the quotes, and trimming the question's words does not cut it ("Brain" for "acts as a brain")."""
    from spacy.tokens import Doc, Span

    from rag.answering.candidates import find_candidates, trim_known

    words = ["It", "runs", "the", '"', "City", "Brain", '"', "."]
    doc = Doc(parse("x").vocab, words=words, spaces=[True, True, True, False, True, False, False, False])
    doc.ents = [Span(doc, 3, 6, label="ORG")]
    found = [c for c in find_candidates(_sentence_of(doc), frozenset({"ORG"}))]
    assert [c.text for c in found] == ["City Brain"]
    assert trim_known(found[0], lambda term: term == "brain").text == "City Brain"


@pytest.mark.parametrize(("question", "byline"), [
    ("Who reported the story on the bridge?", True),
    ("Who wrote the article about the flood barrier?", True),
    ("Who is the author of the article on rents?", True),
    ("Who filed the story?", True),
    ("Who wrote the report on rents?", False),  # a report is often a study, written by its own authors
    ("Who reported the theft to police?", False),
    ("Who wrote the letter to the council?", False),
    ("Who reported that prices rose?", False),
    ("Who wrote the story the film is based on?", False),  # a story told of something else
    ("Who wrote the short story that won the prize?", False),
    ("Who wrote the piece of music?", False),
])
def test_a_question_about_who_wrote_the_article_asks_for_its_byline(parse, question, byline):
    assert analyse_question(parse(question)).byline is byline


@pytest.mark.parametrize(("question", "sentence", "otherwise"), [
    # the opposite direction of a change, with none of the asked side in the sentence
    ("Whose shares rose by 7% on Monday?", "Shares in Halden fell by 7% on Monday.", True),
    ("Whose shares rose by 7% on Monday?", "Shares in Halden climbed by 7% on Monday.", False),  # a synonym
    ("Whose shares rose by 7% on Monday?", "Shares in Halden fell, then rose by 7% on Monday.", False),
    # superlatives are judged in the candidate's clause (`opposite_extreme`): "led with the biggest ..., while"
    ("Which region saw the biggest rise?", "Ulster led with a 262% rise, while Fife saw the smallest.", False),
    # accept / reject, profit / loss
    ("Which union accepted the pay offer?", "The Unison union rejected the pay offer on Tuesday.", True),
    ("How big a profit did Marro report?", "Marro reported a loss of $40m.", True),
    ("How big a profit did Marro report?", "Marro reported a profit of $40m.", False),
    # converse roles are no opposites: "who sold it" is answered by who bought it from whom
    ("Who sold the stake to Halden?", "Halden bought the stake from Marro.", False),
    ("What does Chile export to China?", "China imports copper from Chile.", False),
    ("Who left Dunmore for Ashby?", "Kerr joined Ashby from Dunmore in May.", False),
    # a question holding both sides asks of neither; a name is no side ("North Yorkshire")
    ("Whose profits rebounded after a slump?", "Halden's profits rebounded 20% last year.", False),
    ("Which council in the south bought the site?", "North Yorkshire council bought the site.", False),
    # a negated question needs a negative in the evidence
    ("Which striker did not score on Saturday?", "Kerr scored twice on Saturday.", True),
    ("Which striker did not score on Saturday?", "Kerr failed to score on Saturday.", False),
    ("Which striker did not score on Saturday?", "Kerr did not score on Saturday.", False),
    ("Which striker scored on Saturday?", "Kerr scored twice on Saturday.", False),
    ("Which union did not accept the pay offer?", "Unison rejected the pay offer.", False),  # its opposite negates
    # a negation inside a clause of its own leaves the question positive
    ("How many A380 jets did Halden order, not counting its options?", "Halden ordered 10 A380 jets.", False),
    # the asked verb only denied: it did not happen ("return" is the verb though tagged a noun after "did")
    ("When did the show return to the Civic Hall?", "The show did not return to the Civic Hall on 3 March.", True),
    ("When did the show return to the Civic Hall?", "The show returned to the Civic Hall on 3 March.", False),
    ("Which striker scored on Saturday?", "Kerr failed to score on Saturday.", True),
    ("Who scored against Croatia?", "Kerr said his side did not score more than one goal against Croatia.", False),
    ("When did the show return to the airwaves?", "The show did not return to the airwaves until 10 March.", False),
    # a verb of failing: its own word is the negation, its opposite is none
    ("Which official declined to comment?", "A Halden official, who declined to comment, left.", False),
    ("Which union refused to accept the offer?", "Unison accepted the offer.", True),
    # a negated adjective, or the plain form of a negated one
    ("When was the drug made legal in Britain?", "The drug remained illegal in Britain until 2004.", True),
    ("Which firm's bid was unsuccessful?", "Halden's bid was successful.", True),
    ("When was the drug made legal in Britain?", "The drug became legal in Britain in 2004.", False),
    ("Which player was most valuable to the side?", "He gained invaluable experience with the side.", False),
    ("What will happen unless the deal is approved?", "Halden will have less money.", False),
    ("By what percentage did Halden shares climb on Monday?", "Halden shares slipped back 7% on Monday.", True),
    # a success, a strengthening (a rise), a valid act have their opposites
    ("Which city did Suleiman successfully take in 1529?", "Suleiman failed to take Vienna in 1529.", True),
    ("What weakened the bargaining power of peasants?", "The labour shortage strengthened their bargaining power.",
     True),
    ("Who declared the charter valid?", "Pope Innocent III declared it null and void.", True),
    ("Why did the euro strengthen?", "The euro rose as the dollar weakened on trade data.", False),
    ("Who dropped out of the race?", "Jones, a double Olympic champion, pulled out of the race.", False),
    # admitting is the reverse of denying, speed of slowness
    ("What did Nattrass admit accusing Germany of?", "He denied accusing Germany of using the EU as cover.", True),
    ("What did Nattrass deny accusing Germany of?", "He denied accusing Germany of using the EU as cover.", False),
    ("Which firm said the servers were meant to slow the virus?", "Clearswift said they help the virus spread "
     "quickly.", True),
    ("Which firm said the servers help the virus spread fast?", "Clearswift said they help the virus spread "
     "quickly.", False),
    # the measure "how" asks for is no side: "how fast" asks the rate, slower or not
    ("How fast did Thailand's economy grow in 2004?", "The economy grew by 6.1% in 2004, slower than in 2003.", False),
])
def test_a_sentence_saying_the_reverse_of_the_question_does_not_answer(parse, question, sentence, otherwise):
    from rag.answering.contradiction import says_otherwise

    assert says_otherwise(analyse_question(parse(question)), _sentence(parse, sentence)) is otherwise


@pytest.mark.parametrize(("question", "negated"), [
    ("Which insurers did not cut their bonus rates?", True),
    ("Who never won the league?", True),
    ("How many A380 jets did Halden order, not counting its options?", False),
    ("What are computers that have not been hijacked known as?", True),  # its subject's relative clause
    ("Which firm bought the brewer that had not paid its staff?", False),  # its object's
    ("By what date must voters register if the election is not held in May?", False),
])
def test_only_a_negated_main_verb_makes_a_negated_question(parse, question, negated):
    assert analyse_question(parse(question)).negated is negated


class _VectorStore(_ExactStore):
    """Word vectors that put the words of a change on one vector, antonyms included, as real ones often do."""

    def word_vectors(self, words):
        import numpy as np
        return np.array([[1.0, 0.0] if w in ("rise", "fall", "fell", "climb") else [0.0, 1.0] for w in words])


def test_an_antonym_is_no_paraphrase_match(parse):
    import numpy as np

    from rag.answering.evidence import match_terms
    from rag.settings import AnswerSettings

    question = analyse_question(parse("By how much did sales rise?"))
    fell, climbed = _sentence(parse, "Sales fell 4%."), _sentence(parse, "Sales climbed 4%.")
    match_terms(question, [fell, climbed], np.zeros(3), _VectorStore(), AnswerSettings())
    assert "rise" not in fell.matches and "rise" in climbed.matches


def test_a_negated_question_asking_for_an_entity_needs_the_negation_in_its_sentence(parse):
    """"Which producer did not ...": the one named is where the negation is; a reason may follow a negation."""
    from rag.answering.contradiction import says_otherwise

    named, negated = _sentence(parse, "Canada also expressed reservations."), _sentence(parse, "Others did not.")
    named.next, negated.previous = negated, named
    assert says_otherwise(analyse_question(parse("Which gold producer did not express reservations?")), named)
    assert not says_otherwise(analyse_question(parse("Why did the producers not express reservations?")), named)


def test_the_questions_object_doing_the_verb_reverses_the_roles(parse):
    """"Who beat X" is not answered by "X beat Y", but is by "Y beat X" or "X was beaten by Y"; verbs whose two
    sides do the same to each other ("meet") have no reverse."""
    from rag.answering.roles import roles_reversed

    asked = analyse_question(parse("Who beat The Kelpies to the music award?")).undergoers
    assert asked == (("beat", "Kelpies"),)
    assert roles_reversed(parse("The Kelpies beat Morrissey to the music award.")[:], asked)
    assert not roles_reversed(parse("Morrissey beat The Kelpies to the music award.")[:], asked)
    assert not roles_reversed(parse("The Kelpies were beaten by Morrissey.")[:], asked)
    assert analyse_question(parse("Who met Tony Blair at Camp David?")).undergoers == ()


@pytest.mark.parametrize(("question", "text", "found", "rejected"), [
    # a year inside the wh-phrase: the answer's own year must be it
    ("In which month of 2003 were the pictures taken?", "The pictures were taken in July 2004.", "July 2004", True),
    ("In which month of 2003 were the pictures taken?", "The pictures were taken in July 2003.", "July 2003", False),
    # an age set off after another person's name than the question's
    ("How old is the pundit John Rourke?", "Ann Stallard, 71, said she was a wreck.", "71", True),
    ("How old is the pundit John Rourke?", "Rourke, 64, said he was a wreck.", "64", False),
])
def test_a_candidate_of_another_year_or_person_does_not_answer(parse, question, text, found, rejected):
    from rag.answering.candidates import find_candidates
    from rag.answering.rejections import not_an_answer

    analysis = analyse_question(parse(question))
    candidates = {c.text: c for c in find_candidates(_sentence(parse, text), frozenset({"DATE", "AGE", "CARDINAL"}))}
    assert not_an_answer(candidates[found], analysis, thing=False) is rejected


@pytest.mark.parametrize(("question", "sentence", "other"), [
    # another day, span, edition or period than the question's
    ("By how much did shares slip on Tuesday morning?", "The stock slipped back 7% during Monday morning.", True),
    ("By how much did shares slip on Tuesday morning?", "The stock slipped 7% on Tuesday, not Monday.", False),
    ("How many sites did the worm hit within 48 hours?", "Within 24 hours it had hit 40,000 sites.", True),
    ("How many sites did the worm hit within 48 hours?", "It hit 40,000 sites within 48 hours of appearing.", False),
    ("Who won the fourth series of the show?", "He won the first series of the show.", True),
    ("Who won the fourth series of the show?", "He was the first man to win the show.", False),  # not a series
    ("What happened to the castle in the 10th century?", "In 1066 the castle fell.", True),
    ("What happened to the castle in the 10th century?", "In 911 the castle fell.", False),
    ("Who scored in the second half of the first match?", "He scored in the second half of the third match.", True),
    ("Who won at the 25th Brit Awards?", "She won at the 24th Brit Awards.", True),
    # an age is no span of time ("the 15-year-old"); a month may be another event's ("the Iraq elections in January");
    # a weekday in a name is no day ("the Sunday Times", "Super Tuesday")
    ("Who beat the 15-year-old in two sets?", "Ginepri beat the 15-year-old 6-2 in two sets.", False),
    ("Who beat the 15-year-olds in the final?", "Ginepri, in his 10 years on tour, beat them in the final.", False),
    ("What did the Sunday Times report?", "The paper reported on Monday that talks had failed.", False),
    ("Who won on Super Tuesday?", "Kerry won on Tuesday in nine states.", False),
    ("Who expects a bounce from a February election?", "Ministers expect a bounce after the January polls.", False),
])
def test_a_sentence_of_another_time_does_not_answer(question, sentence, other):
    from rag.answering.conditions import other_time

    assert other_time(question, sentence) is other


@pytest.mark.parametrize(("question", "alongside"), [
    ("Apart from the Tampa Bay Buccaneers, which other team does Malcolm Glazer own?", ("Tampa Bay Buccaneers",)),
    ("Besides Microsoft Outlook, what other program does the virus raid?", ("Microsoft Outlook",)),
    ("Which other member joined Veritas alongside Damian Hockney?", ("Damian Hockney",)),
    ("Apart from the Tampa Bay Buccaneers which other team does Malcolm Glazer own?", ("Tampa Bay Buccaneers",)),
    ("Which team does Malcolm Glazer own?", ()),
])
def test_a_question_besides_named_others_wants_an_answer_told_with_them(parse, question, alongside):
    assert analyse_question(parse(question)).alongside == alongside


@pytest.mark.parametrize(("sentence", "shares"), [
    ("On Tuesday Fulham bought defender Mark Ryan.", True),  # a capitalised word after an opener's day
    ("In Tuesday's trading they added 1.5%.", True),
    ("The Sunday Times said on Monday that Fulham bought him.", False),
])
def test_a_sentence_names_the_questions_day(sentence, shares):
    from rag.answering.conditions import shares_time

    assert shares_time("What did Fulham do on Tuesday, said the Sunday Times?", sentence) is shares


@pytest.mark.parametrize(("question", "text", "found", "rejected"), [
    # the person the question names, whole or by surname, is not who it asks for; a relative of theirs may be
    ("Which Arsenal player did Wenger say was tired?", "Arsenal boss Arsene Wenger said Ashley Cole was tired.",
     "Arsene Wenger", True),
    ("Which Arsenal player did Wenger say was tired?", "Arsenal boss Arsene Wenger said Ashley Cole was tired.",
     "Ashley Cole", False),
    ("Which brother of William de Hauteville ruled Apulia?", "His brother Drogo de Hauteville ruled Apulia after 1046.",
     "Drogo de Hauteville", False),
    ("Which brother of William de Hauteville ruled Apulia?", "Drogo de Hauteville ruled Apulia after 1046.",
     "Drogo de Hauteville", True),  # no brother in the text
    # a family relation is told in words: the asked one, its converse, or a marriage for a spouse
    ("Who was the father of Justinian?", "Justinian served under Justin, who rose from the ranks.", "Justin", True),
    ("Who was the father of Justinian?", "Justinian, the son of Sabbatius, was born in Tauresium.", "Sabbatius",
     False),
    ("Who was the wife of Peter III?", "Peter III, who had married Constance, became king.", "Constance", False),
    ("Who is the mother of Prince William?", "Prince William's mum, Diana, died in 1997.", "Diana", False),
    ("How many children does Beckham have?", "On Monday Beckham said he has three kids.", "three", False),
    # a name the question only mentions may be the answer's: a sister, a founder
    ("Which Williams sister won Wimbledon in 2002?", "In the final Serena Williams beat her sister Venus.",
     "Serena Williams", False),
    ("Who founded Dell?", "In 1984 Michael Dell founded Dell in Texas.", "Michael Dell", False),
    # "besides X, which other": told in a sentence naming X, the answer is one of a list with X
    ("Besides Microsoft Outlook, what other program does the virus raid?",
     "Like many other Windows viruses, it plunders Microsoft Outlook for addresses.", "Windows", True),
    ("Besides Microsoft Outlook, what other program does the virus raid?",
     "It plunders Microsoft Outlook and Eudora for addresses.", "Eudora", False),
    ("Apart from Chelsea, which club has Mourinho managed?", "Mourinho managed Porto before he joined Chelsea.",
     "Porto", False),  # it undergoes the asked verb, in a sentence naming X
    # a sentence that does not name X tells of the other one only as one more
    ("Besides Chelsea, which other club bid for Kerr?", "On Monday Arsenal made a bid for Kerr.", "Arsenal", True),
    ("Besides Chelsea, which other club bid for Kerr?", "On Monday Arsenal also made a bid for Kerr.", "Arsenal",
     False),
    ("Which striker did Chelsea bring on to play alongside Gudjohnsen?",  # a partner, not an exception
     "Chelsea brought on Didier Drogba alongside Gudjohnsen after the break.", "Didier Drogba", False),
])
def test_the_named_person_an_unsaid_relation_or_another_part_than_the_exception_does_not_answer(
        parse, question, text, found, rejected):
    from rag.answering.candidates import find_candidates
    from rag.answering.rejections import not_an_answer

    analysis = analyse_question(parse(question))
    labels = frozenset({"PERSON", "ORG", "GPE", "PRODUCT", "PROPN", "TITLE", "NORP", "CARDINAL"})
    candidates = [c for c in find_candidates(_sentence(parse, text), labels) if c.text == found]
    assert candidates  # as a name and as a capitalised run: each label gets the same verdict
    assert all(not_an_answer(c, analysis, thing=False) is rejected for c in candidates)


@pytest.mark.parametrize(("question", "text", "found", "another"), [
    ("How many league games are shown on television each season?",
     "Television money has driven the game forward over the past 10 years.", "10 years", True),
    ("How many seasons did he play at Ewood Park?", "He played at Ewood Park for three seasons.", "three seasons",
     False),
    ("For how many days did the riots last?", "Some 30,000 people were killed in the riots.", "Some 30,000", True),
    ("For how many days did the riots last?", "The riots lasted for six days.", "six days", False),
    ("How many minutes did he play?", "He played 90 mins on Saturday.", "90", False),
])
def test_a_span_of_time_does_not_count_other_things_nor_the_reverse(parse, question, text, found, another):
    from rag.answering.candidates import find_candidates
    from rag.answering.constraints import counts_another

    analysis = analyse_question(parse(question))
    candidates = {c.text: c for c in find_candidates(_sentence(parse, text), frozenset({"CARDINAL", "DURATION"}))}
    assert found in candidates, sorted(candidates)
    assert counts_another(candidates[found], analysis) is another


def test_a_sentence_where_the_verb_is_done_to_something_else_contradicts(parse):
    from rag.answering.veto import affirms, contradictions

    question = analyse_question(parse("Which king conquered Sardinia in 1229?"))
    assert ("conquer", "Sardinia") in question.patients
    other = _sentence(parse, "James I conquered Majorca in 1229 and Valencia in 1238.")
    same = _sentence(parse, "James I conquered Sardinia in 1229.")
    assert "object" in contradictions(question, other)
    assert "object" not in contradictions(question, same) and affirms("object", question, same)


def test_a_regnal_numeral_left_out_of_a_name_still_names_the_doer(parse):
    """"did Murad I capture": the tagger reads "I" as a pronoun, which must not hide the verb after it."""
    question = analyse_question(parse("In what year did Murad I capture Bursa?"))
    assert any(verb == "capture" and name.startswith("Murad") for verb, name in question.actors)


def test_a_hyphenated_name_the_question_gives_is_in_the_question(parse):
    """"Kilroy-Silk" is one word of the question (the tokeniser splits it at the dash), not new information."""
    from rag.answering.candidates import find_candidates
    from rag.answering.scoring import candidate_features

    question = analyse_question(parse("What did Kilroy-Silk say in his speech?"))
    found = [c for c in find_candidates(_sentence(parse, "In his speech Kilroy-Silk praised the party."),
                                        frozenset({"PERSON", "ORG", "PROPN", "TITLE"})) if c.text == "Kilroy-Silk"]
    assert found
    assert all(candidate_features(c, question, {}, {}, {"kilroy", "silk", "say", "speech"})["in_question"] == 1.0
               for c in found)


@pytest.mark.parametrize(("question", "sentence", "other"), [
    # the question's verb or noun dated to another year only
    ("Who reunited the Ottoman state in 1444?", "Mehmed I reunited the realm in 1413.", True),
    ("Who reunited the Ottoman state in 1413?", "Mehmed I reunited the realm in 1413.", False),
    ("Who led the Peasants' Revolt of 1351?", "Discontent led to the Peasants' Revolt of 1381, led by Wat Tyler.", True),
    # a year beside another word is no other date of the asked one ("up from ... in 2003")
    ("How much did Halden's profits rise in 2004?", "Profits rose 5% to $2m, up from $1.9m in 2003.", False),
    ("How much did Halden's profits rise in 2004?", "This year profits rose 5%, having risen 3% in 2003.", False),
    ("Who won the Premiership in the 2003-04 season?", "Arsenal won the Premiership in 2004.", False),
    ("Which firm cut 2000 jobs?", "Halden cut 1500 jobs in 2003.", False),  # figures, not years
    # a place the small model leaves untagged, after "at"; not an organisation ("at Chelsea")
    ("Which general defeated Totila at Ad Decimum?", "Narses defeated Totila at Taginae in 552.", True),
    ("Which general defeated Totila at Taginae?", "Narses defeated Totila at Taginae in 552.", False),
    ("Who did Mourinho replace at Chelsea?", "Mourinho replaced Claudio Ranieri at Stamford Bridge in June.", False),
    # done to a common noun named by its "of" phrase: "the port of Caffa"
    ("Which army besieged Constantinople in 1346?", "In 1346 an army besieged the port of Caffa.", True),
    ("Which army besieged Caffa in 1346?", "In 1346 an army besieged the port of Caffa.", False),
])
def test_a_sentence_dating_or_placing_the_event_otherwise_or_doing_it_to_another_contradicts(
        parse, question, sentence, other):
    from rag.answering.veto import contradictions

    kinds = contradictions(analyse_question(parse(question)), _sentence(parse, sentence))
    assert bool(kinds & {"time", "place", "object"}) is other, kinds


def _named_candidates(parse, text: str):
    from rag.answering.candidates import find_candidates

    return {c.text: c for c in find_candidates(_sentence(parse, text), frozenset({"PERSON", "ORG", "GPE", "PROPN"}))}


@pytest.mark.parametrize(("question", "sentence", "answers", "others"), [
    # another does the asked verb, by name: the one named beside it did something else
    ("Who reunited the Ottoman state in 1444?",
     "Mehmed I reunited the realm in 1413, and his son Murad II restored Ottoman power in 1444.", [], ["Murad II"]),
    ("Which club signed Kerr?", "Chelsea signed Kerr on Monday and Arsenal bought Bell.", ["Chelsea"], ["Arsenal"]),
    # the doer did the asked verb, but to another party than the question's, or in another year
    ("Who captured Huesca in 1118?", "Peter I took Huesca in 1096, and Alfonso I captured Zaragoza in 1118.", [],
     ["Alfonso", "Peter"]),
    ("Who captured Huesca in 1118?", "Alfonso I captured Huesca in 1118.", ["Alfonso"], []),
    ("Which firm bought Opel in 2017?", "GM kept Opel, and PSA bought Vauxhall in 2017.", [], ["PSA", "GM"]),
    ("Which firm bought Vauxhall in 2017?", "PSA bought Vauxhall in 2017.", ["PSA"], []),
    # a pronoun or a description as the subject may be anyone: nothing is decided
    ("Who restored Ottoman power?", "His son Murad II restored Ottoman power in the Balkans.", ["Murad II"], []),
    # a verb done to each other: its object did it too
    ("Who met Blair at Camp David?", "Blair met Bush at Camp David on Friday.", ["Bush"], []),
    # a party the deed is done with or for, or another kind of party than the doer, shares the deed
    ("Who founded Microsoft?", "Bill Gates founded Microsoft with Paul Allen in 1975.", ["Paul Allen"], []),
    ("Which club signed Drogba?", "Mourinho signed Drogba for Chelsea on Tuesday.", ["Chelsea"], []),
    ("Which country won Eurovision?", "Ruslana won Eurovision for Ukraine in Istanbul.", ["Ukraine"], []),
    # another name for the question's party is no other party ("Spurs" for "Tottenham")
    ("Who beat Tottenham on Saturday?", "Chelsea beat Spurs 2-0 on Saturday.", ["Chelsea"], []),
    # a place before the pronoun is no regnal name: "In Spain I won" does not make "Spain I" the winner
    ("Who won two titles in Spain?", '"In Spain I won two titles," said Smith.', ["Smith"], []),
    # a question of the most or least compares: the others named are the ones compared
    ("Which UK region saw the biggest rise?", "But Northern Ireland led the way with a 262% rise, while Scotland saw "
     "the smallest increase of just 112%.", ["Northern Ireland"], []),
])
def test_who_did_it_is_the_one_the_sentence_says_did_it(parse, question, sentence, answers, others):
    from rag.answering.rejections import does_otherwise

    analysis = analyse_question(parse(question))
    candidates = _named_candidates(parse, sentence)
    for name in answers + others:
        assert name in candidates, sorted(candidates)
    assert [n for n in answers if does_otherwise(candidates[n], analysis)] == []
    assert [n for n in others if not does_otherwise(candidates[n], analysis)] == []


def test_a_regnal_numeral_is_a_name_and_the_pronoun_is_not(parse):
    from rag.answering.roles import is_named

    def subject(text):
        return next(t for t in parse(text) if t.dep_ == "nsubj")

    regnal = subject("Mehmed I reunited the realm in 1413.")
    assert regnal.text == "I" and is_named(regnal)
    for text in ("Then I reunited the band in 2013.", "Perhaps I am wrong about the band."):
        pronoun = subject(text)
        assert pronoun.text == "I" and not is_named(pronoun), text


def test_a_named_event_or_building_after_at_is_where_it_happened(parse):
    from rag.answering.constraints import elsewhere

    question = analyse_question(parse("Which general defeated Totila at Ad Decimum?"))
    assert question.places
    assert elsewhere(question, _sentence(parse, "Narses defeated Totila at the Battle of Taginae in 552."))
    assert not elsewhere(question, _sentence(parse, "Narses defeated Totila at Ad Decimum in 552."))


def test_what_year_wants_a_year_not_a_century(parse):
    from rag.answering.candidates import Candidate, find_candidates
    from rag.answering.scoring import candidate_features

    question = analyse_question(parse("In what year was Coke born?"))
    sentence = _sentence(parse, "In the 16th century, Coke was born in Norfolk in 1552.")
    found = {c.text: c for c in find_candidates(sentence, frozenset({"DATE"}))}
    types = {text: candidate_features(c, question, {}, {}, set())["type"] for text, c in found.items()}
    century = next(t for t in types if "century" in t)
    assert types[century] < types["1552"], types
    relative = _sentence(parse, "Coke's statue went up last year.")  # news's "last year" is a year of its date
    start = relative.text.index("last year")
    doc = relative.span.doc
    last = Candidate(relative, "last year", "DATE", start, start + 9, len(doc) - 3, len(doc) - 1, {})
    assert candidate_features(last, question, {}, {}, set())["type"] == types["1552"]


def test_who_only_speaks_did_not_do_the_asked_deed(parse):
    """"Who wrote the virus" is not answered by the spokesman quoted about it, unless the sentence says the writing."""
    from rag.answering.rejections import does_otherwise

    question = analyse_question(parse("Who wrote the Bofra virus?"))
    sentence = _sentence(parse, "Tim Warner, spokesman for Finjan, said the Bofra virus was clever.")
    sentence.matches = {"bofra": (1.0, [5]), "virus": (1.0, [6])}
    candidates = _named_candidates(parse, sentence.text)
    warner = next(c for text, c in candidates.items() if "Warner" in text)
    warner.sentence = sentence
    assert does_otherwise(warner, question)
    writing = next(f.term for f in question.focus if f.lemma == "write")
    sentence.matches[writing] = (0.7, [8])  # a word for the writing in the sentence: then it may answer
    assert not does_otherwise(warner, question)
    # what a speaker says of themself may be the deed in other words
    resigned = analyse_question(parse("Who resigned as home secretary?"))
    own = _sentence(parse, "David Blunkett said he was quitting as home secretary.")
    blunkett = next(c for text, c in _named_candidates(parse, own.text).items() if "Blunkett" in text)
    blunkett.sentence = own
    assert not does_otherwise(blunkett, resigned)


def test_a_window_dated_to_other_years_only_tells_of_other_times(parse):
    import datetime as dt

    from rag.answering.veto import contradictions

    question = analyse_question(parse("Which emperor was killed defending Constantinople in 1402?"))
    other = _sentence(parse, "The city fell on 29 May 1453, and the last emperor died in the fighting.")
    same = _sentence(parse, "In 1402 the last emperor died in the fighting.")
    counted = _sentence(parse, "About 1500 soldiers and the last emperor died in the fighting.")  # a count, no year
    assert "time" in contradictions(question, other)
    assert "time" not in contradictions(question, same) and "time" not in contradictions(question, counted)
    # news leaves its own year and the ones beside it unsaid ("the election next year", in an article of 2004); an
    # undated passage may be written after every year it states
    news = analyse_question(parse("Which party will win the election in 2005?"))
    assert news.dated
    dated = _sentence(parse, "Labour will win the election, as it did in 2001, said Mr Milburn.")
    assert "time" not in contradictions(news, dated)
    dated.passage = dated.passage.model_copy(update={"date": dt.date(2004, 11, 20)})
    assert "time" not in contradictions(news, dated)
    dated.passage = dated.passage.model_copy(update={"date": dt.date(2010, 5, 1)})
    assert "time" in contradictions(news, dated)


def test_a_date_without_a_year_is_no_answer_to_what_year(parse):
    """"In what year did Belisarius lose Rome?" over "the western provinces lost ... in the 5th century": a century
    names no year, so it is no candidate at all; a year is."""
    from rag.answering.answer_types import wanted_labels
    from rag.answering.candidates import find_candidates
    from rag.answering.scoring import candidate_features

    analysis = analyse_question(parse("In what year did the empire lose Rome?"))
    wanted = wanted_labels(analysis.answer_type, analysis.named)
    text = "The empire lost its western provinces in the 5th century and Rome in 1453."
    types = {c.text: candidate_features(c, analysis, {}, {}, set())["type"]
             for c in find_candidates(_sentence(parse, text), wanted)}
    assert types["the 5th century"] == 0.0 and types["1453"] > 0
    decade = {c.text: candidate_features(c, analysis, {}, {}, set())["type"] for c in find_candidates(
        _sentence(parse, "The firm lost the contract two years ago."), wanted)}
    assert 0 < decade["two years ago"] < types["1453"]  # a time before the article's is a vague year, not none


@pytest.mark.parametrize(("text", "number", "label"), [
    # a year-like figure dating a verb that has its object, or a participle's, is when it happened
    ("Murad I expanded into the Balkans, took Adrianople around 1369, and created the janissary corps.", "1369",
     "DATE"),
    ("Demand was met by the spinning jenny, invented around 1764.", "1764", "DATE"),
    ("The old bridge was repaired around 1850.", "1850", "DATE"),
    # with no object, the figure may be what the verb counts: a count
    ("Police arrested around 1200 during the protests.", "1200", "CARDINAL"),
    ("The blast hit the market, killing around 1200.", "1200", "CARDINAL"),
    ("Turnout rose by 1200 in the by-election.", "1200", "CARDINAL"),
    # a passive's figure may be its sum, an agent's who did it
    ("Victims were paid around 1200 each.", "1200", "CARDINAL"),
    ("The video has been viewed by around 1200.", "1200", "CARDINAL"),
])
def test_a_year_like_figure_dating_an_event_is_a_time_not_a_count(parse, text, number, label):
    from rag.answering.candidates import find_candidates

    found = {c.label for c in find_candidates(_sentence(parse, text), frozenset({"DATE", "CARDINAL"}))
             if number in c.text}
    assert found == {label}


def test_which_of_a_set_named_by_one_noun_offers_no_alternatives(parse):
    """"Which of Kublai's invasions of Japan ...": Kublai and Japan say which invasions, they are names the evidence
    must hold, not alternatives the answer is chosen from (as in "which of Jet Airways and Air Sahara")."""
    analysis = analyse_question(parse("Which of Kublai's invasions of Japan did not fail?"))
    assert analysis.choices is None and {"Kublai", "Japan"} <= set(analysis.names)
    clubs = analyse_question(parse("Which of the clubs interested in Edu has the midfielder held talks with?"))
    assert clubs.choices is None and "Edu" in clubs.names
    assert analyse_question(parse("Which of Arsenal or Chelsea won the cup?")).choices == "Arsenal or Chelsea"
    assert analyse_question(parse("Which of the Clinton and Trump campaigns spent more?")).choices is not None


def test_an_irregular_form_of_the_asked_word_is_the_word_itself(parse):
    """"won" is "win", "said" is "say": the same lemma matches fully, not only as a paraphrase would."""
    from rag.answering.evidence import match_terms
    from rag.settings import Settings

    question = analyse_question(parse("Which club did Wenger say will win the league?"))
    sentence = _sentence(parse, "Wenger said Chelsea won the league.")
    match_terms(question, [sentence], sentence.vector, _ExactStore(), Settings().answer)
    strengths = {f.lemma: sentence.matches.get(f.term, (0.0, []))[0] for f in question.focus}
    assert strengths["win"] == 1.0 and strengths["say"] == 1.0
    # a noun sharing a verb's lemma is another word ("maternity *leave*" for "left")
    left = analyse_question(parse("Who left the firm in May?"))
    leave = _sentence(parse, "Smith took maternity leave from the firm.")
    match_terms(left, [leave], leave.vector, _ExactStore(), Settings().answer)
    assert all(leave.matches.get(f.term, (0.0, []))[0] < 1.0 for f in left.focus if f.lemma == "leave")


def test_numpy_matmul_gives_the_parse_thinc_blis_gives():
    """The pipeline's matrices go to numpy's BLAS (faster here); a parse and its entities must not change for it."""
    from rag.nlp import Analyzer

    fast, reference = Analyzer(NlpSettings()), Analyzer(NlpSettings(matmul="blis"))
    assert not fast.nlp.get_pipe("ner").model.ops.use_blis
    assert reference.nlp.get_pipe("ner").model.ops.use_blis
    texts = ["Novartis has announced 5.65bn euros ($7.4bn; £3.9bn) of purchases, the Swiss firm said on Tuesday.",
             "The Normans took their name from the Norsemen who settled in the region in the 10th century.",
             "Hangzhou aims to narrow the urban-rural income ratio to 1.7:1 by 2025, the city government said."]

    def analysis(analyzer):
        return [[(t.text, t.tag_, t.lemma_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_) for t in doc]
                for doc in analyzer.nlp.pipe(texts)]

    assert analysis(fast) == analysis(reference)


@pytest.mark.parametrize(("question", "direction"), [
    ("From which city did the emperor move his capital?", "source"),
    ("Which club did the striker move to?", "goal"),
    ("To what figure did the Labor Department revise the jobs gains?", "goal"),
    ("From where did the rioters escape?", "source"),
    ("Through which port did the plague enter England?", None),  # neither side
    ("Which club did the striker join?", None),
    ("Up to how much would the grants be worth?", None),  # a bound, not a goal
])
def test_the_direction_a_question_asks(parse, question, direction):
    assert analyse_question(parse(question)).direction == direction


def test_fixed_phrases_and_dates_move_nothing(parse):
    for question in ("How many jobs could be lost, according to the Observer?",
                     "What profit did Lenovo make in the three months to December?",
                     "How much did profits rise compared to last year's results?"):
        assert analyse_question(parse(question)).moves == (), question
    assert analyse_question(parse("How much did the US cut from Medicaid?")).moves == (("cut", "source", "medicaid"),)


@pytest.mark.parametrize(("question", "sentence", "reversed_"), [
    # a noun of the question moved the other way by the same verb
    ("What did the engine pump into mines?", "The engine was used to pump water from mines.", True),
    ("What did the engine pump from mines?", "The engine was used to pump water from mines.", False),
    ("What did the engine pump into mines?", "Water was pumped into the mines, and later pumped from them.", False),
    ("How much did the US cut from Medicaid?", "The budget cuts $60bn from Medicaid.", False),
    ("How much did the US add to Medicaid?", "The budget cuts $60bn from Medicaid.", False),  # another verb
    # only lacking the asked direction is no denial: the source may be told elsewhere
    ("From which club did the striker move?", "The striker, formerly of Ajax, moved to Chelsea in May.", False),
])
def test_a_sentence_moving_the_other_way_says_otherwise(parse, question, sentence, reversed_):
    from rag.answering.directions import reverses_direction

    analysis = analyse_question(parse(question))
    assert reverses_direction(parse(sentence)[:], analysis.moves) is reversed_


def test_the_other_directions_object_does_not_answer(parse):
    from rag.answering.directions import against_direction

    doc = parse("The striker moved from Ajax to Chelsea in May, according to his agent.")
    token = {t.text: t for t in doc}
    assert against_direction(token["Ajax"], "goal") and not against_direction(token["Ajax"], "source")
    assert against_direction(token["Chelsea"], "source") and not against_direction(token["Chelsea"], "goal")
    assert not against_direction(token["agent"], "source")  # "according to" is no direction
    assert not against_direction(token["May"], "goal")
