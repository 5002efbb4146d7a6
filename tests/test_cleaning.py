"""Tests for rag.cleaning: each rule on small synthetic pages, then the real seed pages."""

from __future__ import annotations

import re
from pathlib import Path

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag import cleaning
from rag.cleaning import clean_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

BODY = (
    "Hangzhou will build 50 parks this year, the city government said on Monday.\n\n"
    "The plan also covers 550 kilometers of jogging paths and 55,000 parking spots.\n\n"
    "Officials said the projects would be completed by the end of December.\n\n"
    "Residents welcomed the news, according to a survey by the local bureau."
)


def page(*extra_top: str, bottom: tuple[str, ...] = ()) -> str:
    """A synthetic scraped page: chrome lines around a four-paragraph article."""
    return "\n\n".join([*extra_top, BODY, *bottom])


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


@pytest.fixture(scope="module")
def cleaned() -> dict[str, str]:
    return {key: clean_text(path.read_text(encoding="utf-8")) for key, path in SEED_FILES.items()}


# ---------------------------------------------------------------- output format


def test_format_collapses_whitespace_and_blank_lines():
    out = clean_text("  First   paragraph\there.  \n\n\n\n\nSecond \u00a0 paragraph.\n\n  ")
    assert out == "First paragraph here.\n\nSecond paragraph."


def test_each_line_of_a_block_becomes_a_paragraph_but_wrapped_lines_join():
    out = clean_text("Headline of the story\nThe city will\nnarrow the gap by 2025.")
    assert paragraphs(out) == ["Headline of the story", "The city will narrow the gap by 2025."]


def test_ftfy_repairs_mojibake_first():
    assert clean_text("The cityâ€™s plan was approved.") == "The city's plan was approved."


# ---------------------------------------------------------------- chrome lines


@pytest.mark.parametrize("junk", [
    "GET this page in PDF", "Free for subscribers", "View shopping cart", "Related News",
    "Share", "Share - WeChat", "BACK TO THE TOP", "Top", "top of page", "bottom of page",
    "Email this to your friend", "FOLLOW US", "English", "The story appears on", "Page A9",
    "Newspapers in English", "Newspapers from Hong Kong",
])
def test_ui_phrase_lines_are_dropped(junk):
    out = clean_text(page(junk, bottom=(junk,)))
    assert out == clean_text(BODY)
    assert junk not in paragraphs(out)


@pytest.mark.parametrize("sentence", [
    "Investors will Share the profits, the company said.",
    "Share prices of Alibaba rose 3 percent",
    "Top officials met in Hangzhou on Monday.",
    "The English edition of the newspaper reached 1 million readers.",
    "Related news about the Asian Games will follow next week.",
])
def test_ui_words_inside_article_sentences_are_kept(sentence):
    assert sentence in paragraphs(clean_text(page(sentence)))


@pytest.mark.parametrize("crumb", [
    "Home » City specials » Hangzhou", "Home / China / Innovation", "News > World > Asia",
])
def test_breadcrumbs_are_dropped(crumb):
    assert clean_text(page(crumb)) == clean_text(BODY)


@pytest.mark.parametrize("sentence", [
    "About 3/4 of residents / voters agreed with the plan.",
    "Prices rose > 5 percent in May, officials said.",
    "Trains run Hangzhou / Shanghai / Ningbo every hour, the operator said.",
])
def test_slash_and_arrow_sentences_are_kept(sentence):
    assert sentence in paragraphs(clean_text(page(sentence)))


@pytest.mark.parametrize("credit", [
    "Xu Qingqing / Ti Gong", "Courtesy of Hangzhou Alleviation and Cooperation Bureau / Ti Gong",
])
def test_slash_photo_credits_are_dropped(credit):
    assert clean_text(page(credit)) == clean_text(BODY)


@pytest.mark.parametrize("line", ["-", "***", " ??  ??", "??", "— | —"])
def test_punctuation_only_lines_are_dropped(line):
    assert clean_text(page(line, bottom=(line,))) == clean_text(BODY)


def test_edition_switcher_is_dropped():
    out = clean_text(page("Global EditionASIA 中文雙語Fran?ais", "English 中文"))
    assert out == clean_text(BODY)


# ---------------------------------------------------------------- footers and legal lines


def test_copyright_footer_truncates_the_rest():
    raw = page(bottom=("Copyright © 2020 Example Daily. All rights reserved.",
                       "Contact the newsroom for corrections and tips about this story today.",
                       "Email this to your friend"))
    assert clean_text(raw) == clean_text(BODY)


def test_copyright_word_in_article_is_kept():
    mid = "The court said the copyright of the photos belongs to the agency."
    lead = "Copyright disputes rose sharply in Hangzhou last year."
    out = clean_text(page(bottom=(lead, mid, "The ruling can be appealed.")))
    assert mid in out and lead in out and "The ruling can be appealed." in out


def test_copyright_line_near_the_top_is_dropped_but_does_not_truncate():
    out = clean_text("Copyright © 2021 Foo News. All rights reserved.\n\n" + BODY)
    assert out == clean_text(BODY)


@pytest.mark.parametrize("line", [
    "沪公网安备 31010602000204号", "License for publishing multimedia online 0108263",
    "Registration Number: 130349", "Copyright 1995 - . All rights reserved. The content is ours.",
])
def test_legal_lines_are_dropped_anywhere(line):
    assert clean_text(page(line)) == clean_text(BODY)


@pytest.mark.parametrize("sentence", [
    "The city issued 12000 new business licenses in 2023.",
    "City issues 120000 business licenses",
    "Registration of 250000 new firms recorded in Hangzhou",
])
def test_licence_text_with_big_numbers_is_kept(sentence):
    assert sentence in paragraphs(clean_text(page(sentence)))


# ---------------------------------------------------------------- script mismatch


def test_cjk_spam_line_in_english_page_is_dropped():
    spam = "主站蜘蛛池模板: 粗大白浊受孕| 亚洲成a人片在线观看久| 国产精品婷婷久青青原"
    assert clean_text(page(bottom=(spam,))) == clean_text(BODY)


def test_english_sentence_with_a_chinese_name_is_kept():
    sentence = "Hangzhou (杭州) is the capital of Zhejiang province."
    assert sentence in clean_text(page(sentence))


def test_chinese_page_keeps_chinese_lines():
    raw = "杭州市发布共同富裕行动计划。\n\n城乡居民收入比降至1.7。\n\nShare"
    assert clean_text(raw) == "杭州市发布共同富裕行动计划。\n\n城乡居民收入比降至1.7。"


# ---------------------------------------------------------------- lost characters


def test_placeholder_runs_are_removed_inline():
    assert clean_text("Revenue rose ?? ?? ?? sharply last year.") == "Revenue rose sharply last year."


@pytest.mark.parametrize("raw, expected", [
    ("By Chen Ye in?Hangzhou", "By Chen Ye in Hangzhou"),
    ("Zhejiang:?Breakthroughs sought", "Zhejiang: Breakthroughs sought"),
    ("Editions: Fran?ais", "Editions: Français"),
    ("Hangzhou?s plan", "Hangzhou's plan"),
    ("a qzx?vkw token", "a qzxvkw token"),
    ("her d?but in Fran?ais", "her début in Français"),
])
def test_lost_characters_are_restored(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize("text", [
    "What is it? Next year will tell.",
    "Is it ready? Officials said yes.",
    "See https://example.com/page?id=3&Ref=Top for details.",
    "Visit example.com/search?q=Hangzhou today.",
])
def test_real_question_marks_and_urls_are_kept(text):
    assert clean_text(text) == text


def test_lexicon_is_loaded_once_and_has_whole_words():
    assert "francais" in cleaning._lexicon()
    assert cleaning._lexicon() is cleaning._lexicon()


def test_ideographic_stop_after_latin_text_is_normalised():
    assert clean_text("It grew in Hangzhou。Next, it rose.") == "It grew in Hangzhou. Next, it rose."
    assert clean_text("public services。") == "public services."


def test_glued_sentences_get_a_space():
    assert clean_text("up 17.7%.In the city") == "up 17.7%. In the city"
    assert clean_text("Visit chinadaily.com.cn now") == "Visit chinadaily.com.cn now"


# ---------------------------------------------------------------- repeated captions


def test_identical_consecutive_paragraphs_collapse():
    cap = "The city cover of modern Hangzhou (Visual China)."
    out = clean_text(f"{cap}\n\n{cap}\n\n{BODY}")
    assert paragraphs(out).count(cap) == 1 and out.startswith(cap)


def test_caption_followed_by_credited_copy_keeps_longer():
    short = "Renderings of the extremely weak magnetic large scientific device"
    long_ = short + " (courtesy of Hangzhou Research Institute)."
    assert clean_text(f"{short}\n\n{long_}") == long_
    assert clean_text(f"{long_}\n\n{short}") == long_


def test_non_consecutive_or_extended_paragraphs_are_kept():
    a, b = "Hangzhou grew fast.", "Hangzhou grew fast. It also added 55,000 parking spots."
    assert paragraphs(clean_text(f"{a}\n\n{b}")) == [a, b]
    assert paragraphs(clean_text(f"{a}\n\nOther news.\n\n{a}")) == [a, "Other news.", a]


# ---------------------------------------------------------------- seed pages

SEED_JUNK = {
    "000": ["The story appears on", "Page A9", "GET this page in PDF", "Free for subscribers",
            "View shopping cart", "Related News", "Home » City specials » Hangzhou", "Copyright",
            "Shanghai Daily. All rights reserved", "沪公网安备", "31010602000204",
            "Email this to your friend"],
    "001": ["Xu Qingqing / Ti Gong", "Courtesy of Hangzhou Alleviation and Cooperation Bureau",
            "Ti Gong"],
    "002": ["top of page", "bottom of page", "。"],
    "003": ["??", "Newspapers in English", "Newspapers from Hong Kong"],
    "004": ["Global Edition", "Fran?ais", "中文", "Home / China / Innovation", "Share - WeChat",
            "WeChat", "BACK TO THE TOP", "Copyright", "All rights reserved", "0108263",
            "Registration Number", "130349", "FOLLOW US", "主站蜘蛛池模板", "in?Hangzhou",
            ":?Breakthroughs"],
}
SEED_JUNK_PARAGRAPHS = {
    "000": [], "001": [], "002": [], "003": ["-"], "004": ["Share", "Top", "English"],
}


@pytest.mark.parametrize("key", sorted(SEED_JUNK))
def test_seed_junk_is_gone(cleaned, key):
    out = cleaned[key]
    for junk in SEED_JUNK[key]:
        assert junk.casefold() not in out.casefold(), junk
    for junk in SEED_JUNK_PARAGRAPHS[key]:
        assert junk not in paragraphs(out), junk


def test_all_five_seeds_present():
    assert sorted(SEED_FILES) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_seed_output_shape(cleaned, key):
    out = cleaned[key]
    assert out and out == out.strip() and "\n\n\n" not in out
    for para in paragraphs(out):
        assert para and para == " ".join(para.split()), para
        assert not re.fullmatch(r"[?\s]+", para)
        assert set(para) != {"-"}
    paras = [p.casefold() for p in paragraphs(out)]
    assert all(a != b for a, b in zip(paras, paras[1:]))


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_seed_cleaning_is_idempotent(cleaned, key):
    assert clean_text(cleaned[key]) == cleaned[key]


def test_no_cjk_spam_left_in_004(cleaned):
    assert not CJK.search(cleaned["004"])


def test_repaired_characters_in_004(cleaned):
    assert "By Chen Ye in Hangzhou | chinadaily.com.cn | Updated: 2025-02-05 23:52" in cleaned["004"]
    assert "Zhejiang: Breakthroughs sought in seven key areas" in paragraphs(cleaned["004"])


def test_captions_kept_exactly_once_in_002(cleaned):
    paras = paragraphs(cleaned["002"])
    assert paras.count("The city cover of modern Hangzhou (Visual China).") == 1
    assert paras.count("Hangzhou Olympic Sports Center Stadium - Big Lotus (Visual China).") == 1
    assert "Renderings of the extremely weak magnetic large scientific device" not in paras
    assert any(p.startswith("Renderings of the extremely weak magnetic large scientific device (courtesy")
               for p in paras)
    assert paras.count("An important birthplace of Hangzhou's Internet of Things industry") == 1


SEED_FACTS = [
    ("000", "December 6, 2021"),
    ("000", "City outlines goals for common prosperity"),
    ("000", "per capita gross domestic product will reach 180,000 yuan (US$28,260) by 2025"),
    ("000", "adding 55,000 parking spots and launching 70 kindergartens"),
    ("000", "Next year, Hangzhou will host the 19th Asian Games."),
    ("000", "Marco Polo as \"the finest and noblest in the world,\""),
    ("001", "Yuan Jiajun, Party secretary of Zhejiang Province"),
    ("001", "The income ratio between urban and rural residents in Hangzhou is expected to fall to 1.7:1."),
    ("001", "the average life expectancy is expected to reach 83.88"),
    ("001", "180,000 yuan (US$27,828)"),
    ("001", "the income ratio between urban and rural residents in Zhejiang fell to 1.96:1 last year"),
    ("001", "About 73 percent of young people will receive higher education."),
    ("001", "A new \"pairing assistance\" team comprised of 39 Hangzhou civil servants"),
    ("002", "In 2022, the income ratio of urban and rural residents in Hangzhou will be 1.71"),
    ("002", "Yu Yingtao, chairman of Tsinghua Unigroup and president and CEO of H3C Group"),
    ("002", "reaching US$8.272 billion, a year-on-year increase of 53.13%"),
    ("002", "Hangzhou had 53.533 million tourists and tourism revenue of 91.5 billion yuan"),
    ("002", "42 enterprises in Hangzhou were on the list, ranking first in the country for 21 consecutive years"),
    ("002", "The city cover of modern Hangzhou (Visual China)."),
    ("003", "said Zhou Jiangyong, Party chief of Hangzhou."),
    ("003", "Currently, a subway system with a total length of 329 kilometers is under construction"),
    ("003", "from 1 million yuan ($145,315) in 2007 to 350 million yuan in 2017"),
    ("003", "criminal cases in Hangzhou decreased by 8.9 percent year-on-year"),
    ("003", "accounting for 58 percent of the province's total."),
    ("004", "Zhejiang becoming model for common prosperity"),
    ("004", "Updated: 2025-02-05"),
    ("004", "said Wang Hao, secretary of the Communist Party of China Zhejiang Provincial Committee"),
    ("004", "Zhejiang's economic output surpassed 9 trillion yuan ($1.24 trillion)"),
    ("004", "Yu Jianxing, Party secretary of Zhejiang Gongshang University"),
    ("004", "average annual growth rate of 19.60 percent"),
    ("004", "urban residents' income is now just 1.8 times that of rural residents"),
    ("004", "generating a total annual investment of more than 52.2 billion yuan."),
]


@pytest.mark.parametrize("key, fact", SEED_FACTS)
def test_seed_facts_survive_verbatim(cleaned, key, fact):
    assert fact in cleaned[key]


def test_fact_list_covers_every_seed():
    assert len(SEED_FACTS) >= 20
    assert {key for key, _ in SEED_FACTS} == set(SEED_FILES)


def test_every_long_seed_sentence_survives(cleaned):
    """No article paragraph (30+ words) of any seed is lost: each one's first 12 words remain."""
    for key, path in SEED_FILES.items():
        for line in path.read_text(encoding="utf-8").split("\n"):
            words = line.split()
            if len(words) >= 30 and not CJK.search(line) and "rights reserved" not in line:
                head = ftfy.fix_text(" ".join(words[:12]))
                assert head in cleaned[key], (key, head)


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab Z?.\n\t /»©|-。中文(x)") + ["Share", "Copyright ", "\r\n", "??"]),
                max_size=60).map("".join))
def test_clean_text_handles_page_like_noise(raw):
    out = clean_text(raw)
    assert "\n\n\n" not in out and out == out.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_clean_text_never_raises_on_arbitrary_text(raw):
    out = clean_text(raw)
    assert isinstance(out, str) and "\n\n\n" not in out and out == out.strip()
