"""Pure: a page's counters (signatures, supporters, what is still needed...) read as numbers.

``noise`` cuts a petition's live counts from the compared text so that they never count
as a change; this module reads the same counts as numbers, so that the digest can say
"+320 since yesterday" and "it passed 10,000". What a counter looks like is said once,
in ``noise`` (its live spans and word lists): a phrase is read here only where
:func:`noise.live_counts` finds a live count, so what is read and what is cut agree.

* :func:`parse_number` turns a number as people write it into an int ("12,345",
  "12.345", "12 345" with any space, "12'345", "1.2k", "1,2K", "12 тыс.", "12,3 тыс.",
  "12 thousand", "1,2 miljoen"), and refuses what is not a count (a date, a phone
  number, a decimal fraction).
* :func:`find` reads a page's text lines (the whole page, before ``ignore``, the noise
  rules and main-content extraction) into ``Counter`` values: one per kind, with its
  label, its text and, where the page gives one, its goal. The same count said twice
  (in two languages) is one counter; a goal ("Doel: 20.000 handtekeningen") is a goal,
  not a counter; a year, a date, a phone number, a price or a page count is never one.
* :func:`read_named` reads a counter a watch names itself (``counters:`` with a CSS
  ``selector`` or a regex ``pattern`` with one group), and :func:`cut` takes such
  counters out of compared lines.

Everything here takes strings and returns dataclasses; nothing touches the network, the
clock or the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from monitor.extract import noise
from monitor.models import Counter, CounterKind, CounterRule

__all__ = [
    "Counter",
    "CounterKind",
    "CounterRule",
    "cut",
    "find",
    "first_count",
    "parse_number",
    "read_named",
]


# ------------------------------------------------------------------- numbers

# Words and abbreviations for a thousand and a million: the noise rules' (one source of
# truth), and "k"/"m" with a space too in a number read on its own ("12 k").
_THOUSAND = rf"k|{noise.THOUSANDS}"
_MILLION = rf"m|{noise.MILLIONS}"
_MULTIPLIER = re.compile(rf"(?:(?P<k>{_THOUSAND})|(?P<m>{_MILLION}))", re.I)
# Digits grouped by threes with one separator throughout ("12,345", "1 234 567", "12'345"),
# or plain digits.
_GROUPED = re.compile(
    r"(?P<int>\d{1,3}(?P<sep>[,.\u00a0\u202f\u2009 '’])\d{3}(?:(?P=sep)\d{3})*|\d+)"
)
_SCALED = re.compile(r"(?P<whole>\d{1,4})(?:[.,](?P<frac>\d{1,3}))?\s?(?P<mult>\S.*)")


_LONGEST = 24  # characters of the longest count read ("999,999,999,999,999" and a word)


def parse_number(text: str) -> int | None:
    """The count ``text`` writes ("12,345", "12 345", "1,2K", "12,3 тыс."), or None.

    None for what is not a whole count: a decimal fraction without a multiplier
    ("12,5"), a date ("12.03.2024"), a phone number ("020 626 4436", "+31 20 ..."),
    mixed separators, a price ("€12"), empty text.
    """
    text = " ".join(text.split())
    if len(text) > _LONGEST:
        return None  # no petition has a quadrillion signatures: a serial number, a hash
    plain = _GROUPED.fullmatch(text)
    if plain is not None:
        digits = plain.group("int")
        if digits.startswith("0") and len(digits) > 1:
            return None  # "020 626 4436", "0612": a phone number, not a count
        return int(re.sub(r"\D", "", digits))
    scaled = _SCALED.fullmatch(text)
    if scaled is None:
        return None
    mult = _MULTIPLIER.fullmatch(scaled.group("mult"))
    if mult is None:
        return None
    factor = 1000 if mult.group("k") else 1_000_000
    frac = scaled.group("frac") or ""
    whole = int(scaled.group("whole")) * factor
    return whole + (int(frac) * factor) // 10 ** len(frac) if frac else whole


# A number as a token in running text: grouped digits, or a scaled one ("1.2k"), never
# inside a word, another number, a price or a phone number ("+31", "€12").
_TOKEN = re.compile(
    rf"(?<![\w.,'’+\-€$£¥₽#/]){noise.NUMBER}(?![\w%€$£¥₽]|[.,/:]\d)",
    re.I,
)
_YEAR = re.compile(r"(?:19|20)\d\d")


def first_count(text: str) -> tuple[int, int, int] | None:
    """The first count in ``text`` as (value, start, end): not a year, date, phone
    number, price or share; None when there is none."""
    for m in _TOKEN.finditer(text):
        token = m.group().rstrip()
        if _YEAR.fullmatch(token):
            continue
        value = parse_number(token)
        if value is not None:
            return value, m.start(), m.start() + len(token)
    return None


# ------------------------------------------------------------------- counters on a page

_N = noise.NUMBER
# Only where a count can start (not inside a number): a search from every digit of a long
# run of digits would be quadratic (noise's rule, and its hostile tests, apply here too).
_START = noise._START
_GOAL_SEP = r"\s*(?:/|of|van|sur|von|de|из|із)\s*"
_PERCENT = re.compile(
    rf"(?<!\d)(?P<n>\d{{1,3}}(?:[.,]\d+)?)\s?%\s+(?P<label>{noise._OF_THE_GOAL})", re.I
)
_REMAINING = re.compile(
    rf"{_START}(?P<n>{_N})\s+(?P<label>(?:more\s+)?(?:{noise._TO_GO}))(?!\w)", re.I
)
_LABELLED = re.compile(
    rf"(?P<label>(?:total\s+)?(?:{noise._LABELS}))\s*:\s*(?P<n>{_N})(?:{_GOAL_SEP}(?P<goal>{_N}))?",
    re.I,
)
_COUNTED = re.compile(
    rf"{_START}(?P<n>{_N})(?:{_GOAL_SEP}(?P<goal>{_N}))?\s"
    rf"(?P<label>(?:(?:{noise._PEOPLE})\s+(?:{noise.IN_COUNTRIES}\s+)?(?:who\s+)?)?"
    rf"(?:{noise._SIGNED}))(?!\w)",
    re.I,
)
# Countries, beside the signatures or labelled ("· 37 countries", "Countries: 37").
_COUNTRIES = re.compile(rf"{_START}(?P<n>{_N})\s+(?P<label>{noise.COUNTRIES})(?!\w)", re.I)
_COUNTRIES_LABELLED = re.compile(rf"(?P<label>{noise.COUNTRIES})\s*:\s*(?P<n>{_N})", re.I)
_IN_COUNTRIES = re.compile(rf"\s+{noise.IN_COUNTRIES}", re.I)
_WE_ARE = re.compile(rf"(?P<label>нас\s+(?:уже\s+)?)(?P<n>{_N})", re.I)
# A goal the page states ("Doel: 20.000 handtekeningen", "Our goal is 20,000", "target
# of 50,000 signatures", "help ons naar 20.000!").
_GOAL_WORDS = r"goal|target|doel|ziel|objectif|objetivo|meta|цель|мета|мэта"
_GOAL = re.compile(
    rf"(?<!\w)(?:(?:{_GOAL_WORDS})(?!\w)(?:\s+(?:is|of|van|von|de|ist|est|es))?\s*:?\s*"
    r"(?:of\s+)?|help\s+(?:us|ons|uns|nous)\s+(?:reach|get\s+to|naar|tot|bereiken|erreichen"
    rf"|atteindre)\s+)(?P<n>{_N})",
    re.I,
)
_CURRENCY = frozenset("€$£¥₽")
_PARTICIPATING = re.compile(r"action", re.I)
_SUPPORTING = re.compile(r"supporter|нас", re.I)


# The kinds the goal a page states is a goal of (not a share, what is still needed, or
# countries).
_HAS_PAGE_GOAL = frozenset(
    (CounterKind.SIGNATURES, CounterKind.SUPPORTERS, CounterKind.PARTICIPANTS)
)


def _kind(label: str) -> CounterKind:
    if _PARTICIPATING.search(label):
        return CounterKind.PARTICIPANTS
    if _SUPPORTING.search(label) and not re.search(r"sign", label, re.I):
        return CounterKind.SUPPORTERS
    return CounterKind.SIGNATURES


def _in_span(line: str, start: int, end: int) -> Counter | None:
    """The counter in the live span ``line[start:end]``, or None (views, ©, ...)."""
    share = _PERCENT.search(line, start, end)
    if share is not None:
        percent = round(float(share.group("n").replace(",", ".")))
        return Counter(
            "progress", CounterKind.PROGRESS, share.group("label"), percent, 100, share.group()
        )
    for pattern in (_REMAINING, _LABELLED, _COUNTED, _WE_ARE):
        m = pattern.search(line, start, end)
        if m is None:
            continue
        at = m.start("n")
        if at and line[at - 1] in _CURRENCY:
            return None
        digits = m.group("n")
        if pattern is _COUNTED and _YEAR.fullmatch(digits):
            return None
        value = parse_number(digits)
        if value is None:
            return None
        goal_text = m.groupdict().get("goal")
        goal = parse_number(goal_text) if goal_text else None
        # "people from 37 countries have signed": the countries are a counter of their own
        label = " ".join(_IN_COUNTRIES.sub("", m.group("label")).split()).rstrip(":")
        kind = CounterKind.REMAINING if pattern is _REMAINING else _kind(label)
        return Counter(str(kind), kind, label, value, goal, " ".join(m.group().split()))
    return None


def _countries(line: str, start: int, end: int) -> Counter | None:
    """The count of countries in the live span ``line[start:end]``, or None."""
    m = _COUNTRIES.search(line, start, end)
    if m is None and line.find(":", start, end) >= 0:  # "Countries: 37"
        m = _COUNTRIES_LABELLED.search(line, start, end)
    if m is None:
        return None
    value = parse_number(m.group("n"))
    if value is None:
        return None
    label = m.group("label")
    kind = CounterKind.COUNTRIES
    return Counter(str(kind), kind, label, value, None, " ".join(m.group().split()))


def find(lines: Iterable[str]) -> tuple[Counter, ...]:
    """The counters of a page, from its text lines (the whole page, before the noise
    rules), in the order they first appear: one per kind (the same count said twice is
    one counter), with the goal the page states where the count itself gives none."""
    found: dict[CounterKind, Counter] = {}
    goals: list[int] = []
    for line in lines:
        stated = [
            (m.start(), m.end(), parse_number(m.group("n")))
            for m in _GOAL.finditer(line)
            if not _YEAR.fullmatch(m.group("n"))
        ]
        goals.extend(g for _, _, g in stated if g)
        for start, end in noise.live_counts(line):
            if any(s <= start < e or start <= s < end for s, e, _ in stated):
                continue  # "Doel: 20.000 handtekeningen": the goal, not a count
            for counter in (_in_span(line, start, end), _countries(line, start, end)):
                # Two different values of one kind on a page: the first one wins.
                if counter is not None and counter.kind not in found:
                    found[counter.kind] = counter
    goal = max(goals) if goals else None
    remaining = found.get(CounterKind.REMAINING)
    out = []
    for counter in found.values():
        if counter.goal is None and counter.kind in _HAS_PAGE_GOAL:
            if goal is not None:
                counter = replace(counter, goal=goal)
            elif remaining is not None:
                counter = replace(counter, goal=counter.value + remaining.value)
        out.append(counter)
    return tuple(out)


def read_named(rule: CounterRule, text: str) -> Counter | None:
    """The counter ``rule`` names, read from ``text``: for a ``pattern``, the page's whole
    text (its first match; the group is the number); for a ``selector``, the lines of the
    elements it selects (the first count in them). None when the page does not show it."""
    if rule.pattern is not None:
        m = re.search(rule.pattern, text)
        if m is None:
            return None
        group = m.group(1) if m.re.groups else m.group()
        value = parse_number(group) if group else None
        if value is None and group:
            first = first_count(group)
            value = first[0] if first else None
        if value is None:
            return None
        shown = " ".join(m.group().split())
        after = text[m.end(1) if m.re.groups else m.end() :]
    else:
        # The selected line with the first count: as a line of the page, it is what
        # ``cut`` finds in the compared text (the whole selection may span several).
        for line in text.splitlines():
            shown = " ".join(line.split())
            first = first_count(shown)
            if first is not None:
                break
        else:
            return None
        value, _, end = first
        after = shown[end:]
    of = re.match(_GOAL_SEP, after, re.I)
    then = first_count(after[of.end() :]) if of else None
    goal = then[0] if then is not None and then[1] == 0 else None
    stated = _GOAL.search(text)
    if goal is None and stated is not None:
        goal = parse_number(stated.group("n"))
    return Counter(rule.name, CounterKind.NAMED, rule.name, value, goal, shown[:200])


def cut(lines: Sequence[str], counters: Iterable[Counter]) -> tuple[str, ...]:
    """``lines`` without the numbers of ``counters`` (the ones a watch names: the noise
    rules already cut the ones found automatically). Where a line shows a counter's
    text, its count goes and the words beside it stay ("1,2K brieven verstuurd" is
    compared as "brieven verstuurd"); a line left without words goes."""
    swaps: dict[str, str] = {}
    for c in counters:
        if not c.text:
            continue
        first = first_count(c.text)
        swaps[c.text] = c.text[: first[1]] + " " + c.text[first[2] :] if first else " "
    if not swaps:
        return tuple(lines)
    out = []
    for line in lines:
        for text in sorted(swaps, key=len, reverse=True):
            if text in line:
                line = line.replace(text, swaps[text])
        line = " ".join(line.split())
        if line and line != "#" and re.search(r"\w", line.removeprefix("# ")):
            out.append(line)
    return tuple(out)
