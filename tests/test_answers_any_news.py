"""End to end on articles written here in the styles of other publishers (a UK broadcaster, a wire service, a local
paper, a sports desk, a press release): each answer type, paraphrased questions, sentence-initial capitals and
adversarial questions the articles do not answer. None of these texts or questions was used to fit the weights."""

from __future__ import annotations

import pytest

import rag
from rag.evaluation.qa_eval import short_answer_matches
from tests.answering import articles_engine

ARTICLES = {
    "uk_business.txt": """Drinks giant agrees Brewster takeover

Drinks group Caldwell has agreed to buy the family-owned brewer Brewster for £8m, ending months of speculation.

The deal, announced on Tuesday, also includes a 3.5m euros stake in Brewster's Irish bottling plant. Caldwell said it expected to save about £2m a year by merging the two firms' distribution networks.

Crucial to the agreement was the support of the Brewster family, who founded the company in 1847 and still own 60% of its shares. Brewster grew rapidly in the 1980s, when it began exporting to Germany.
""",
    "wire_politics.txt": """Minister quits over housing row

LONDON (Newswire) - Housing minister Alan Marsh resigned on 22 March after a row over council house sales, the government said.

Labour MP Janet Holloway, who chairs the housing committee, called for an independent inquiry into the sales. "The public deserves to know who profited," she said.

Marsh, 58, had held the post for three years. He will be replaced by his deputy, Priya Nandra.
""",
    "sport_football.txt": """Rovers beat United to reach final

Kingsford Rovers beat Ashby United 3-1 at Meadow Park on Saturday to reach the county cup final.

Striker Tom Ellery scored twice for Rovers, who will face Westbrook Athletic in the final on 14 May. The final kicks off at 7.45pm.

Rovers manager Dean Kirby, who joined the club from Westbrook in 2002, said his side had "earned the right to dream".
""",
    "local_culture.txt": """Festival film picks up top award

The Harbour Lights, a film shot entirely in the town of Porthmellin, has won the best picture award at the Cornish Film Festival.

The film was directed by Maria Okafor, who grew up in the town. It tells the story of a lighthouse keeper in the 19th century.

The festival, now in its 12th year, attracted 14,000 visitors, organisers said.
""",
    "press_release.txt": """Northvale Energy reports record results

Northvale Energy today reported revenue of $1.2bn for the year to 31 December, up 12% on the previous year.

Chief executive Sandra Lowe said the company would invest $300m in wind farms over the next five years. The company, based in Aberdeen, employs 2,400 people.
""",
    "regional_transport.txt": """Electric buses for three towns

Lakeland County Council will buy 40 electric buses for towns in Lakeland County, including Ashford, Bexley and Carrow, the council said on Monday.

Each new bus will cost £450,000, and the first routes open in June. Council leader Margaret Oduya said the scheme was the county's biggest transport investment.

The 64-year-old has led the council since 2015.
""",
    "wire_economy.txt": """Thai economy slows in 2004

BANGKOK (Newswire) - Thailand's economy grew by 6.1% in 2004, slower than the 6.9% recorded in 2003, the planning agency said.

The agency said tourism had recovered strongly after a weak start. Exports rose by $9bn to $96bn, led by electronics and cars. Farm output fell because of drought.

The agency forecast growth of 5.5% this year.
""",
    "sport_tennis.txt": """Kovac beats Lindqvist in Dubai

Croatian Ana Kovac beat Swede Elin Lindqvist 6-3 7-5 to reach the Dubai semi-finals on Wednesday.

Kovac is ranked 14th in the world, while Lindqvist is ranked 31st. The 29 year-old Kovac won the title here in 2003.
""",
    "tech_launch.txt": """Orbis unveils search tool

Software maker Orbis will launch a similar desktop search tool for its laptops called Beacon next month, the firm said.

The pop singer Marla, whose real name is Jessica Tran, will promote the tool in a television campaign.

Orbis sold 300,000 laptops in Japan in the first week of sales, the company said. Sales in Germany begin next year.

In France, shops sold 40,000 Kestrel tablets in the first week. Each laptop will come bundled with the game Starfall 2.
""",
    "housing_report.txt": """Rents outpace wages, report finds

Private renting has grown faster in Castlebridge than anywhere else in the region over the past decade, and the city council has come under pressure from tenants' groups, charities and opposition councillors to act on rising costs. The Castlebridge Housing Institute's annual report on private renting, presented to the council on Thursday, draws on a survey of more than 4,000 tenants and 600 landlords across the region, carried out over the summer by a team of researchers from three universities. Tenants were asked about their rent, their income, the condition of their homes and how long they had lived at their current address.

The report was presented by Professor Helen Ward, who has led the institute since it was founded.

Landlords were asked about their costs, including mortgage payments, repairs, insurance and letting agents' fees. Many said that the cost of repairs had risen sharply over the past two years, and a third said they planned to sell at least one property.

The council's housing committee will discuss the findings next month, alongside a separate study of social housing waiting lists. Committee members have asked officers to prepare options for a landlord licensing scheme, which several neighbouring councils already run.

Campaign groups welcomed the report but said it did not go far enough in examining the experience of younger tenants, many of whom share homes with strangers. The institute said a follow-up study of shared housing would be published in the spring.

She said that average rents in the city had risen by 9% since 2001, while wages had risen by less than half as much over the same period.
""",
    "heritage_feature.txt": """Castle exhibition recalls the siege

Harwick Castle has opened an exhibition on the siege that ended its days as a royal fortress, the heritage trust that runs it said.

In 1645, Colonel Edward Pym captured the castle, killing its governor Sir Thomas Hale after a six-week siege. The ruined keep was rebuilt in the 18th century by the Ashdown family.

Visitors who live within 2km of the castle can travel free on its 12 local bus routes, the trust said.

Its first curator, Anne Reyes, retired in March 2004 because of arthritis.

After the Siege of Harwick in 1645, Parliament ordered the walls to be pulled down. Historian Colin Marsh wrote a book about Harwick Castle in 1998.

The exhibition will move to the Marlow Gallery in Brockton next year. A replica of the keep was built in Brockton's Linden Park.
""",
    "arts_trust.txt": """Theatre trust buys former mill

Lancs arts charity the Pennine Stage Trust has bought a former cotton mill in Burnley, the trust said on Thursday.

The mill was owned by property investment fund Halvergate, which sold it for £1.1m. The trust will stage a revival of 1960s hit musical The Copper Kettle there next spring.

The trust's chairman, Lord Ashworth, said the mill would hold 40 tonnes, or about 900 crates, of kit. Two-thirds of the trust's income comes from ticket sales, and ticket fraud on its website added up to £12,000 last year.

The building's Wi-Fi is rented from Net-Stage, a local broadband firm. The trust's youth campaign, Stage Not Screen, starts in June at the Holy Trinity Church in Burnley.
""",
    "tech_console.txt": """Zentra brings Pocket console to Europe

Games maker Zentra will launch its Pocket handheld console in Europe next month. Since going on sale in Asia at the end of 2004, the Pocket has sold 2m units.

The first Pocket launch event in London starts on Friday evening, and doors open at 8pm. Zentra is also building 20,000 square metres of offices in Leeds. The Pocket first went on sale in Asia on 2 December.

The Pocket will not be sold in Japan for now. This is because Zentra has not agreed a deal with a distributor there.
""",
    "travel_sport.txt": """Visitor numbers rise across the region

Scotland saw the smallest rise in visitor numbers last year, while Wales saw the biggest, the tourism board said.

Non-League Harfield will host Premiership side Dunmore in the FA Cup third round. The club's mascot, a robot called Ferris, stands two feet taller than its rival and walks at about 3km/h.

Dunmore manager Paul Hart admitted his side did not score enough goals in their 2-1 win over Ashby Town. Striker Ian Cole got the winning goal with a late header.
""",
    "council_bridge.txt": """Council backs new river bridge

Councillors in Polwith have approved plans for a road bridge over the river Tamar. The council intends to spend £4m on the bridge, which is expected to carry 9,000 vehicles a day when it opens.

The old ferry crossing, which closed last year, carried 1,200 vehicles a day in its busiest summer.

Last year Polwith's tourism income was £21m, an increase of £2m on the year before. The bridge's architect, Carys Penrose, drew a grey heron on the river for months, and said its curved deck copies the heron's wing.
""",
    "wire_ports.txt": """Port strike halts exports

By Lena Vogt in Hamburg | Tradewire | Updated: 2005-03-02 10:15

Dock workers at Hamburg's container port walked out on Tuesday, halting exports of cars and machinery. The union said the strike would last 48 hours.

A report by the port authority, written by economist Karl Brandt, estimates that each day of the strike costs 30m euros.
""",
    "retail_launch.txt": """Shoppers queue for Vireo phone

The Vireo smartphone went on sale in Canada on Friday, and shoppers queued overnight outside stores in Toronto.

Almost all of the 50,000 Vireos delivered to shops were bought on the first day. Its maker, Lumen, says it reaches Britain in the spring.
""",    "markets_halden.txt": """Halden shares climb on takeover talk

Shares in Halden rose 3% on Monday after reports that a US rival was preparing a bid for the engineering group. They added a further 2% on Tuesday, when the company confirmed it had received an approach.

Halden's breakfast radio show did not return to the airwaves until 10 March, after a contract dispute with presenters.
""",
    "union_pay.txt": """Two unions accept hospital pay offer

The GMB and Unite unions accepted the hospital pay offer on Thursday, ending a month of talks over the 2.5% rise.

The RMT did not accept it and said it would ballot its members on strike action in the new year.

Chelsea signed striker Tom Kerr from Leeds on Monday. Arsenal bought winger Sam Bell from Leeds the same day.
""",
    "unions_rail.txt": """Rail unions split over strike

The Aslef and TSSA unions took part in Monday's rail strike over pensions. The RMT did not take part, saying talks were still going on.

The Unison and RCN unions were happy with the nurses' pay deal. The BMA was not happy with it and will ballot its members.
""",
    "airlines.txt": """Fuel costs hit airline profits

British Airways was unprofitable last year because of high fuel costs, the company said. Rival airline Flybe was profitable, helped by its short routes.

Sainsbury reported a loss of £3m for 2004. Rival Tesco's 2004 profit was £2bn.

Shares in Brixton fell 3% on Monday after the results. They gained 2% on Tuesday as analysts backed the firm.
""",
    "music_awards.txt": """Kelpies take music prize at Northern Arts Awards

Glasgow band The Kelpies beat Morrissey and Arden Vale to the music award at the Northern Arts Awards on Monday.

The comedy prize went to Little Harbour, while singer Ruth Calder, 71, received a lifetime award from the poet Sam Idris.

Tickets for the ceremony sold out in a day, but the show did not return to the Civic Hall as planned on 3 March. Organisers said they had failed to reach an agreement with the hall's owners, Dunmore Leisure.

Kelpies singer Ewan Rask, 29, said: "We never expected to win." The band's album Low Tide has sold 40,000 copies since its release in 2003.
""",
}

CASES = [
    # (question, accepted answers, source file stem)
    ("How much did Caldwell agree to pay for Brewster?", ["£8m"], "uk_business"),
    ("How big a stake in the Irish bottling plant is included?", ["3.5m euros"], "uk_business"),
    ("How much does Caldwell expect to save each year?", ["£2m"], "uk_business"),
    ("When was Brewster founded?", ["1847"], "uk_business"),
    ("Which country did Brewster begin exporting to?", ["Germany"], "uk_business"),
    ("In which decade did Brewster begin exporting to Germany?", ["1980s"], "uk_business"),
    ("On what date did Alan Marsh resign?", ["22 March"], "wire_politics"),
    ("Which MP called for an independent inquiry into the council house sales?", ["Janet Holloway"], "wire_politics"),
    ("How old is Alan Marsh?", ["58"], "wire_politics"),
    ("How old is Ewan Rask?", ["29"], "music_awards"),  # the age set off after his name, not Ruth Calder's
    ("Who received a lifetime award from Sam Idris?", ["Ruth Calder"], "music_awards"),
    ("How many copies has Low Tide sold?", ["40,000"], "music_awards"),
    # the sentence most about the question is of another day or doer, or names the others first, but the next one
    # states the asked day, doer or denial, so it answers; "not ... until" is no denial
    ("By how much did Halden shares rise on Tuesday?", ["2%"], "markets_halden"),
    ("When did Halden's breakfast radio show return to the airwaves?", ["10 March"], "markets_halden"),
    ("Which union did not accept the hospital pay offer?", ["RMT"], "union_pay"),
    ("Which winger did Arsenal sign from Leeds?", ["Sam Bell"], "union_pay"),
    # ... or says it with a verb of its own ("did not take part", "was not happy"), the asked word's side ("gained"
    # for "rise") on the asked day, or the adjective or noun asked ("profitable", "profit")
    ("Which union did not take part in the rail strike?", ["RMT"], "unions_rail"),
    ("Which union was not happy with the nurses' pay deal?", ["BMA"], "unions_rail"),
    ("By how much did Brixton shares rise on Tuesday?", ["2%"], "airlines"),
    ("Which airline was profitable last year despite high fuel costs?", ["Flybe"], "airlines"),
    ("Which firm reported a profit for 2004?", ["Tesco"], "airlines"),
    ("Who will replace Alan Marsh as housing minister?", ["Priya Nandra"], "wire_politics"),
    ("What was the score when Kingsford Rovers played Ashby United?", ["3-1"], "sport_football"),
    ("What time does the county cup final kick off?", ["7.45pm"], "sport_football"),
    ("Which club will Kingsford Rovers face in the final?", ["Westbrook Athletic"], "sport_football"),
    ("Who scored twice for Rovers?", ["Tom Ellery"], "sport_football"),
    # paraphrased: the article says "film" and "best picture award"
    ("Which movie won the top prize at the Cornish Film Festival?", ["The Harbour Lights"], "local_culture"),
    ("Who directed The Harbour Lights?", ["Maria Okafor"], "local_culture"),  # a passive: "directed by"
    ("How many people visited the Cornish Film Festival?", ["14,000"], "local_culture"),  # "attracted 14,000 visitors"
    ("How much revenue did Northvale Energy report for the year?", ["$1.2bn"], "press_release"),
    ("How much will Northvale Energy put into wind farms?", ["$300m"], "press_release"),
    # a plural question gets the whole list, not the county the question already names ("Lakeland County")
    ("Which towns in Lakeland County will get the electric buses?", ["Ashford, Bexley and Carrow"],
     "regional_transport"),
    ("How much will each new bus cost?", ["£450,000"], "regional_transport"),
    # news names a person once, then calls them "the 64-year-old"
    ("How old was Margaret Oduya when she announced the bus scheme?", ["64", "64-year-old"], "regional_transport"),
    ("How old is Ana Kovac?", ["29", "29 year-old"], "sport_tennis"),  # "29 year-old", spaced
    ("How fast did Thailand's economy grow in 2004?", ["6.1%"], "wire_economy"),  # a rate of change: a percentage
    ("Which of Ana Kovac and Elin Lindqvist is ranked 31st?", ["Elin Lindqvist", "Lindqvist"], "sport_tennis"),
    ("By what score did Ana Kovac beat Elin Lindqvist?", ["6-3 7-5"], "sport_tennis"),
    ("To what figure did Thailand's exports rise?", ["$96bn"], "wire_economy"),  # "rose by $9bn *to* $96bn"
    # "how much did it rise" asks for the change, not the level it reached ("was £21m, an increase of £2m")
    ("How much did Thailand's exports rise in 2004?", ["$9bn"], "wire_economy"),
    ("How much did Polwith's tourism income rise last year?", ["£2m"], "council_bridge"),
    # news says what happened, then why: the sentence restating the question gives no reason
    ("Why will the Pocket not be sold in Japan?", ["Zentra has not agreed a deal with a distributor there"],
     "tech_console"),
    # the answer owns what the wh-phrase owns ("which animal's *wing*": "the heron's wing"), not the one who said it
    # ... by the fuller mention before it: news shortens "a grey heron" to "the heron"
    ("Which animal's wing does the bridge's curved deck copy?", ["grey heron"], "council_bridge"),
    ("What is Orbis's desktop search tool called?", ["Beacon"], "tech_launch"),  # the name after "called"
    ("What is Marla's real name?", ["Jessica Tran"], "tech_launch"),  # a person's name, not "whose"
    # "She said ..." speaks of the professor named paragraphs before, outside the passage
    ("According to Helen Ward, how much have average rents risen since 2001?", ["9%"], "housing_report"),
    ("When did Colonel Edward Pym capture Harwick Castle?", ["1645"], "heritage_feature"),
    ("Who rebuilt the keep of Harwick Castle in the 18th century?", ["the Ashdown family", "Ashdown"],
     "heritage_feature"),
    # "2km" is new, though the question's "12" holds its digit
    ("How far from Harwick Castle can visitors live and still travel free on its 12 bus routes?", ["2km"],
     "heritage_feature"),
    # a "what N" question whose noun is no kind of date or figure wants a thing
    ("What condition made Anne Reyes retire?", ["arthritis"], "heritage_feature"),
    # a question about its names, whose other words the article says otherwise ("take place")
    ("When did the Siege of Harwick take place?", ["1645"], "heritage_feature"),
    # a place inside a larger one: the smaller is where it happens
    ("Where will the Harwick Castle exhibition move next year?", ["Marlow Gallery"], "heritage_feature"),
    ("Where was a replica of the castle's keep built?", ["Linden Park"], "heritage_feature"),
    # a clipped place name ("Lancs" for Lancashire) still names the place the question gives
    ("Which Lancashire charity has bought a former mill in Burnley?", ["Pennine Stage Trust"], "arts_trust"),
    # the noun before a name says what it is, whatever the tagger labelled it ("fund Halvergate", "musical The ...")
    ("Which property fund owned the mill?", ["Halvergate"], "arts_trust"),
    ("Which 1960s musical will the trust stage next spring?", ["The Copper Kettle"], "arts_trust"),
    ("Who chairs the Pennine Stage Trust?", ["Lord Ashworth"], "arts_trust"),  # the title is part of the name
    ("How many tonnes of kit will the mill hold?", ["40 tonnes"], "arts_trust"),  # the unit asked for
    ("What share of the trust's income comes from ticket sales?", ["Two-thirds"], "arts_trust"),  # a fraction
    ("What did ticket fraud on the trust's website add up to last year?", ["£12,000"], "arts_trust"),
    # "stage" is in the question, but "Net-Stage" is one word and "Stage Not Screen" one title
    ("Which broadband firm rents out the stage trust's Wi-Fi?", ["Net-Stage"], "arts_trust"),
    ("What is the name of the stage trust's screen-free youth campaign?", ["Stage Not Screen"], "arts_trust"),
    ("At which church does the trust's youth campaign start?", ["Holy Trinity Church"], "arts_trust"),
    # "what date" wants a day and "what time" a clock time, not a vaguer one; an area is two words of unit
    ("On what date did the Pocket go on sale in Asia?", ["2 December"], "tech_console"),
    ("What time do doors open at the London launch event?", ["8pm"], "tech_console"),
    ("How much office space is Zentra building in Leeds?", ["20,000 square metres"], "tech_console"),
    # the opposite superlative in the candidate's own clause ("Scotland saw the *smallest* rise")
    ("Which nation saw the biggest rise in visitor numbers?", ["Wales"], "travel_sport"),
    ("Which non-League club will host Dunmore in the FA Cup?", ["Harfield"], "travel_sport"),  # all of "Non-League"
    ("How fast does the robot Ferris walk?", ["3km/h", "about 3km/h"], "travel_sport"),  # a speed, not a length
    # "Hart admitted his side did *not* score": the doer of the asked verb, and only when it is not negated
    ("Who scored Dunmore's winning goal against Ashby Town?", ["Ian Cole"], "travel_sport"),
    # a plan or forecast answers a question about one, and a past figure one about the past
    ("How much does Polwith council intend to spend on the bridge?", ["£4m"], "council_bridge"),
    ("How many vehicles a day is the Tamar bridge expected to carry?", ["9,000"], "council_bridge"),
    ("How many vehicles a day did the old ferry crossing carry?", ["1,200"], "council_bridge"),
    # a sentence that names no place is in the place of the sentence before
    ("How many Vireo phones were delivered to shops in Canada?", ["50,000"], "retail_launch"),
]

# Abstained today. Known misses, in the README: "Who won the county cup final?" (not yet played: the final's two
# sides are named), "What was the score when Westbrook Athletic played Ashby United?" (both clubs are in the
# article, in different matches), "Who directed the Cornish Film Festival?" (the festival's film has a director, and the
# question's names are all there), "Which club will Rovers *meet* in the final?" (the article says "face") and
# "How much money did Northvale *bring in*?" (the article says "revenue": too far apart for the word vectors).
UNANSWERABLE = [
    # the sentence most about the question contradicts it, and a lesser match does not say what it denies: Pym, not
    # Hale, captured the castle (the rebuild's "the 18th century" used to answer); the Kelpies beat the others, not
    # the reverse; the show did not return; no agreement was reached; shares rose; the one singer named did receive
    # the award (a "never" in another singer's quote is no denial of receiving it)
    "When did Sir Thomas Hale capture Harwick Castle?",
    "Which singer did not receive a lifetime award at the Northern Arts Awards?",
    "Who beat The Kelpies to the music award at the Northern Arts Awards?",
    "When did the show return to the Civic Hall?",
    "With whom did the organisers reach an agreement over the Civic Hall?",
    "By how much did Halden shares fall on Tuesday?",
    "How old is the poet Sam Idris?",  # "Ruth Calder, 71," gives another person's age
    "How much did Caldwell pay for Brewster's German business?",  # the articles name no price for it
    "How many people does Caldwell employ?",  # only Northvale's staff are counted
    "What is the capital of Peru?",
    # another company whose name ends like Northvale's: a shared generic last word is not the same name
    "How much revenue did Southgate Energy report for the year?",
    # a year the article never gives, before the years it reports: it is about other years
    "How much did Thailand's exports rise in 2001?",
    # an edition the article never gives, while it gives another ("now in its 12th year")
    "How many visitors did the Cornish Film Festival attract in its 11th year?",
    # the article gives the sales of another country
    "How many laptops did Orbis sell in Germany in the first week of sales?",
    # a century the article never dates anything to
    "Who rebuilt the keep of Harwick Castle in the 16th century?",
    # the names are there, the founding is not: who did it needs the doing
    "Who founded Harwick Castle?",
    # the article says where Brewster exported to, not where from
    "From which country did Brewster begin exporting?",
    # the figure counts another maker's tablets ("40,000 Kestrel tablets")
    "How many Orbis tablets were sold in France in the first week?",
    # only planned ("intends to spend £4m"): what was spent is not said
    "How much did Polwith council spend on the Tamar bridge?",
    # "went on sale in Canada. ... the 50,000 Vireos delivered": another country's sales
    "How many Vireo phones were sold in Britain on the first day?",
]


@pytest.fixture(scope="module")
def news_engine(tmp_path_factory: pytest.TempPathFactory) -> rag.Engine:
    return articles_engine(tmp_path_factory, "any-news", ARTICLES)


@pytest.mark.parametrize(("question", "answers", "source"), CASES)
def test_short_answer_and_citation_on_any_news(news_engine: rag.Engine, question: str, answers: list[str],
                                               source: str):
    answer = news_engine.ask(question)
    assert answer.answered, answer.text
    assert answer.short_answer is not None and any(short_answer_matches(answer.short_answer, a) for a in answers), \
        (answer.short_answer, answer.text)
    assert answer.citations[0].doc_id == source
    assert any(a in answer.citations[0].quote for a in answers)


def test_sentence_opening_capitals_are_not_names(news_engine: rag.Engine):
    """"Crucial to the agreement was..." opens a sentence; the founders are the family, not "Crucial"."""
    answer = news_engine.ask("Whose support was crucial to the Brewster agreement?")
    assert answer.short_answer is None or "Crucial" not in answer.short_answer


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_adversarial_questions_are_abstained(news_engine: rag.Engine, question: str):
    answer = news_engine.ask(question)
    assert not answer.answered, (answer.short_answer, answer.text)


def _conversation(engine: rag.Engine, *questions: str) -> list[dict]:
    """The history after asking `questions` in turn, each answer passed back as the app passes it."""
    history: list[dict] = []
    for question in questions:
        answer = engine.ask(question, history=history)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
    return history


def test_follow_up_pronoun_resolves_to_the_person_answered(news_engine: rag.Engine):
    history = _conversation(news_engine, "Who will replace Alan Marsh as housing minister?")
    follow = news_engine.ask("How long had he held the post?", history=history)
    assert "Marsh" in follow.rewritten_query or "Nandra" in follow.rewritten_query
    answer = news_engine.ask("How old is he?", history=[{"role": "user", "content": "Who resigned on 22 March?"},
                                                         {"role": "assistant", "content": "Alan Marsh [1]"}])
    assert answer.rewritten_query == "How old is Alan Marsh?"
    assert answer.short_answer == "58"


def test_a_person_pronoun_skips_an_answer_that_names_no_one(news_engine: rag.Engine):
    """"he" in the third turn is the person of the first: the second turn's answer ("council house") is a thing,
    though the small model gives it no label and its question ("which sales") favours no one kind of name."""
    history = _conversation(news_engine, "Who resigned on 22 March?", "Which sales was the row over?")
    answer = news_engine.ask("How old is he?", history=history)
    assert "Marsh" in answer.rewritten_query
    assert answer.short_answer == "58"


def test_who_wrote_the_story_is_answered_from_its_byline(news_engine: rag.Engine):
    """The byline names the writer, which no sentence of the article does; the answer quotes it."""
    answer = news_engine.ask("Who wrote the story on the Hamburg port strike?")
    assert answer.short_answer == "Lena Vogt"
    assert answer.citations[0].doc_id == "wire_ports" and answer.citations[0].quote.startswith("By Lena Vogt")
    report = news_engine.ask("Who wrote the port authority's report on the strike?")
    assert report.short_answer == "Karl Brandt"  # a study in the article has writers of its own
    unknown = news_engine.ask("Who wrote the story on the Glasgow bus strike?")
    assert not unknown.answered  # no article is about it, whoever wrote the one found first


def test_a_chain_of_follow_ups_keeps_its_topic(news_engine: rag.Engine):
    """The third turn's "it" still means what the first asked about: the second turn's borrowed topic carries on."""
    history = _conversation(news_engine, "How much revenue did Northvale Energy report for the year?",
                            "By how much was that up?")
    third = news_engine.ask("And how many people does it employ?", history=history)
    assert "Northvale" in third.rewritten_query
    assert third.short_answer == "2,400"


def test_that_as_a_pronoun_makes_a_follow_up(news_engine: rag.Engine):
    """The small tagger often calls a pronoun "that" a conjunction; in a noun's place it still refers back."""
    history = _conversation(news_engine, "How much did Caldwell agree to pay for Brewster?")
    follow = news_engine.ask("How much is that in US dollars?", history=history)
    assert "Brewster" in follow.rewritten_query or "£8m" in follow.rewritten_query


def test_a_relative_that_does_not_make_a_follow_up(news_engine: rag.Engine):
    """"the company *that* ..." opens a relative clause: the question stands alone and borrows nothing."""
    history = _conversation(news_engine, "How much did Caldwell agree to pay for Brewster?")
    question = "Which company that makes the PSP reported a loss?"
    assert news_engine.ask(question, history=history).rewritten_query == question
