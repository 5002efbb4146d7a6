"""Numbers as news writes them, with their units: "£8m", "3.5m euros", "$7.4bn", "12%", "3-1", "7.45pm",
"1.7:1", "the 1980s", "19th century", "35-year-old", "three years", "55,000 parking spots", "one sixth".

spaCy's small English model often cuts these short ("£8m" -> MONEY "8", "3.5m euros" -> CARDINAL "3.5") and does
not know scores or ratios, so candidate figures come from this grammar and spaCy's numeric entities fill the gaps.
Labels are OntoNotes ones where they exist (MONEY, PERCENT, DATE, TIME, QUANTITY, CARDINAL, ORDINAL; a fraction is a
PERCENT, a share) plus SCORE, RATIO, AGE and DURATION.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred "
                "thousand dozen half").split()
ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
                 "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
# the units a span of time is counted in ("three seasons", "10 years")
TIME_UNITS = frozenset("second sec minute min hour hr day night week fortnight month year yr decade century season term"
                       .split())
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
# at most five number words ("two hundred and fifty" has four), taken possessively: a long run of them ("one two one
# two ...") would otherwise be re-tried from every word, quadratically
_WORDNUM = rf"(?:{'|'.join(NUMBER_WORDS)})(?:[- ](?:{'|'.join(NUMBER_WORDS)})){{0,4}}+"
_SCALE = r"(?:\s?(?:m|bn|billion|million|trillion|tn|thousand|k)\b)"
_CURRENCY_SYMBOL = r"(?:US\$|C\$|A\$|HK\$|NZ\$|R\$|\$|£|€|¥|₹|Rs\.?\s?)"
_CURRENCY_CODE = r"(?:USD|GBP|EUR|JPY|CNY|RMB|CHF|INR|AUD|CAD)"
CURRENCY_WORDS = ("dollars pounds sterling euros euro yen yuan renminbi roubles rubles rupees francs marks pesos "
                  "krona kronor kroner won rand dinars lira lire shekels ringgit baht pence cents p").split()
_CURRENCY_WORD = rf"(?:(?:[A-Z][a-z]+\s)?(?:{'|'.join(CURRENCY_WORDS)}))"
_UNIT = ("km kilometres kilometers kilometre kilometer miles mile metres meters metre meter cm mm feet foot ft "
         "inches yards kg kilograms kilos tonnes tons pounds lb lbs grams mph km/h kph degrees litres liters "
         "gallons barrels acres hectares sq square mw gw kwh gb mb tb mbps ghz pixels megapixels gigapixels gigapixel "
         "megapixel bytes kilobytes megabytes gigabytes terabytes megabits gigabits").split()
# "square metres", "sq km", "cubic feet": an area or volume unit is two words
_AREA = r"(?:square|sq|cubic)\.?\s(?:kilomet(?:re|er)s?|met(?:re|er)s?|miles?|feet|foot|ft|yards?|km|m|mi|cm)"
# "120 miles per hour", "30km an hour": a speed in words
_SPEED = r"(?:miles|kilomet(?:re|er)s|km|met(?:re|er)s|m|feet)\s(?:per|an|a)\s(?:hour|second)"
_PERIOD = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century|seasons?)"
_APPROX = r"(?:(?:about|around|almost|nearly|roughly|some|over|under|more than|less than|up to|at least|" \
          r"an estimated|approximately|just over|just under)\s)?"


# what a unit measures, by the Li & Roth class of the question it answers ("how fast" -> NUM:speed)
UNIT_KINDS = {
    "NUM:speed": "mph km/h kph knots",
    "NUM:dist": "km kilometres kilometers kilometre kilometer miles mile metres meters metre meter cm mm feet foot ft "
                "inches inch yards yard",
    "NUM:weight": "kg kilograms kilogram kilos kilo tonnes tonne tons ton lb lbs grams gram pounds",
    "NUM:temp": "degrees celsius fahrenheit",
}
_KIND_OF_UNIT = {unit: kind for kind, units in UNIT_KINDS.items() for unit in units.split()}


def unit_kind(text: str) -> str | None:
    """The class of what a quantity's unit measures ("1.35km/h" -> NUM:speed, "two feet" -> NUM:dist), or None."""
    if re.search(_SPEED, text, re.I):
        return "NUM:speed"
    if re.search(_AREA, text, re.I):
        return None  # an area or volume
    match = re.search(r"([a-z/]+)\W*$", text.lower())
    return _KIND_OF_UNIT.get(match.group(1)) if match else None


@dataclass(frozen=True)
class Quantity:
    """A figure found in a text: its exact characters [start, end) and its label."""

    text: str
    label: str
    start: int
    end: int


def _figure(currency_before: bool) -> str:
    amount = rf"(?:{_NUM}|{_WORDNUM}){_SCALE}?"
    if currency_before:
        return rf"(?:{_CURRENCY_SYMBOL}\s?{amount}|{_CURRENCY_CODE}\s?{amount})"
    return rf"(?:{amount}\s(?:{_CURRENCY_WORD}|{_CURRENCY_CODE})\b)"


_MONEY = rf"(?:{_figure(True)}|{_figure(False)})"
PATTERNS: list[tuple[str, re.Pattern]] = [
    # ranges: "£40m-£50m", "between $5m and $6m", "from £2 to £3" (a bare "X to Y" is usually a change: "rise by
    # $19bn to $419.3bn")
    ("MONEY", re.compile(rf"(?<![\w.])(?:between\s{_MONEY}\sand\s{_MONEY}|from\s{_MONEY}\sto\s{_MONEY}|"
                         rf"{_MONEY}(?:\s?[-–]\s?{_MONEY}|\s?[-–]\s?{_NUM}{_SCALE}?)?)"
                         rf"(?:\s(?:a|per)\s(?:year|month|week|day|share|head))?", re.I)),
    ("PERCENT", re.compile(rf"(?<![\w.])(?:{_NUM}|{_WORDNUM})(?:\s?[-–]\s?(?:{_NUM}))?\s?(?:%|per\s?cent\b|"
                           rf"percent\b|percentage points?\b)", re.I)),
    # fractions: "one sixth", "two-thirds", "a quarter of" (alone, "a third" is usually an ordinal: "a third term",
    # and "two quarters" are periods, "growth in two quarters")
    ("PERCENT", re.compile(r"(?<![\w-])(?:(?:one|two|three|four|five|six|seven|eight|nine)[- ](?:half|halves|"
                           r"thirds?|quarters?(?<! quarter)(?<! quarters)|fifths?|sixths?|sevenths?|eighths?|ninths?|"
                           r"tenths?)|"
                           r"(?:one|two|three)\squarters?(?=\sof\s)|a[- ](?:half|third|"
                           r"quarter|fifth|sixth|seventh|eighth|ninth|tenth)(?=\sof\s))(?![\w-])", re.I)),
    ("TIME", re.compile(r"(?<![\w.:])(?:[01]\d|2[0-3])[0-5]\d\s(?:GMT|BST|UTC|CET|EST|ET|PT|local time)\b|"
                        r"(?<![\w.:])(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)"
                        r"(?:\s(?:GMT|BST|EST|ET|PT|CET|UTC|local time))?|(?<![\w.:])(?:[01]?\d|2[0-3]):[0-5]\d"
                        r"(?!\d)(?:\s(?:GMT|BST|EST|ET|PT|CET|UTC|local time))?", re.I)),
    # a share as "one in ten": a ratio, not a percentage ("one in 10 adult Americans"), not a year ("one in 2004")
    # (not a place in a ranking: "number one in 20 countries")
    ("RATIO", re.compile(rf"(?<![\w.:-])(?<!number\s)(?<!no\s)(?<!no\.\s)(?<!top\s)(?:one|two|three|four|five|"
                         rf"\d{{1,2}})\sin\s(?!(?:1[5-9]|20)\d\d\b)(?:{_NUM}|{_WORDNUM}){_SCALE}?"
                         rf"(?![\w%]|[.,]\d|\s{_PERIOD}\b)", re.I)),
    ("RATIO", re.compile(rf"(?<![\d:.,]){_NUM}:{_NUM}(?![\d:])")),
    ("SCORE", re.compile(r"(?<![\w.,:-])\d{1,2}-\d{1,2}(?:\s\d{1,2}-\d{1,2}){0,4}(?![\w:-]|%|[.,]\d)"
                         r"(?:\s\((?:\d{1,2}-\d{1,2})\))?")),
    ("AGE", re.compile(rf"(?<!\w)(?:{_NUM}|{_WORDNUM})[\s-]years?[\s-]old\b|"
                       rf"\baged\s(?:{_NUM}|{_WORDNUM})\b", re.I)),
    ("DATE", re.compile(r"(?<!\w)(?:the\s)?(?:(?:early|mid|late)-?\s?)?(?:1\d|20)\d0s(?!\w)|(?<!\w)'\d0s(?!\w)|"
                        r"(?<!\w)(?:the\s)?(?:(?:early|mid|late)-?\s?)?(?:\d{1,2}(?:st|nd|rd|th)|"
                        r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
                        r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
                        r"twenty-first))(?:(?:\sand\s|\s?-\s?|\sor\s|\sto\s)(?:\d{1,2}(?:st|nd|rd|th)))?"
                        r"\s(?:century|centuries)(?:\s(?:BC|AD|BCE|CE))?", re.I)),
    # a speed before durations: "30km an hour" is no "an hour"
    ("QUANTITY", re.compile(rf"(?<![\w.]){_APPROX}(?:{_NUM}|{_WORDNUM})\s?{_SPEED}\b", re.I)),
    ("DURATION", re.compile(rf"(?<![\w.-]){_APPROX}(?!(?:1[5-9]|20)\d\d\b)(?:{_NUM}|{_WORDNUM}|a|an)"
                            rf"(?:\s?(?:-|to|or)\s?(?:{_NUM}|"
                            rf"{_WORDNUM}))?[\s-](?:and\sa\shalf\s)?(?:(?:consecutive|successive|straight|full|whole)\s)?"
                            rf"{_PERIOD}\b(?!\sold|-old|\sago)", re.I)),
    ("QUANTITY", re.compile(rf"(?<![\w.]){_APPROX}(?:{_NUM}|{_WORDNUM}){_SCALE}?\s?(?:{_SPEED}|{_AREA}|{'|'.join(_UNIT)})"
                            r"(?![\w/])", re.I)),
    ("ORDINAL", re.compile(r"(?<!\w)(?:\d{1,3}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|"
                           r"eighth|ninth|tenth|eleventh|twelfth|twentieth|last)(?!\w)", re.I)),
    # "12 of the 56 venues"
    ("CARDINAL", re.compile(rf"(?<![\w.$£€:-]){_NUM}\sof\s(?:the|its|their)\s{_NUM}(?:\s[a-z-]+){{0,2}}")),
    ("CARDINAL", re.compile(rf"(?<![\w.$£€:-]){_APPROX}(?:{_NUM}{_SCALE}?|{_WORDNUM}(?:\s(?:million|billion|"
                            rf"thousand|hundred))?)(?![\w:]|\.\d|,\d)", re.I)),
]


def find_quantities(text: str) -> list[Quantity]:
    """Labelled figures in `text`, the earlier pattern winning where matches overlap (money before plain numbers).

    One pass per pattern with linear-time overlap checks against an occupancy mask.
    """
    taken = bytearray(len(text))
    found: list[Quantity] = []
    for label, pattern in PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1] in " ,.;:":
                end -= 1
            if end <= start or any(taken[start:end]):
                continue
            piece = text[start:end]
            if label == "CARDINAL" and not _meaningful_cardinal(piece):
                continue
            found.append(Quantity(piece, label, start, end))
            taken[start:end] = b"\x01" * (end - start)
    return sorted(found, key=lambda q: q.start)


def _meaningful_cardinal(piece: str) -> bool:
    """A bare number is a candidate unless it is a lone small word ("one" in "one of the") or a year-like digit run,
    which spaCy's DATE entities cover."""
    bare = piece.lower().split()[-1]
    if bare in ("one", "half", "dozen"):
        return False
    return not re.fullmatch(r"(?:1[5-9]|20)\d\d", piece)


_LEADING = re.compile(r"^(?:about|around|almost|nearly|roughly|some|over|under|more than|less than|up to|at least|"
                      r"an estimated|approximately|just over|just under|the)\s", re.I)


def core(text: str) -> str:
    """The figure without approximating words ("about $200m" -> "$200m"), for comparing figures."""
    return _LEADING.sub("", text).strip()


def normalise_figure(text: str) -> str:
    """A comparable form of a figure: lower case, no separators or approximations, scale words unified."""
    value = core(text).lower().replace(",", "").replace("us$", "$")
    value = re.sub(r"\s?(?:per\s?cent|percent)\b", "%", value)
    value = re.sub(r"\s?(?:billion|bn)\b", "bn", value)
    value = re.sub(r"\s?(?:million|m)\b", "m", value)
    return re.sub(r"\s+", "", value)
