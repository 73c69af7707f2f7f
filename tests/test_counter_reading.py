"""monitor.extract.counters: a page's live counts read as numbers (issue 20).

The phrases are the ones ``noise`` cuts from compared text (tests/test_noise.py): what
is read here is what the diff never shows. The traps are numbers that are not counts.
"""

from __future__ import annotations

import time

import pytest

from monitor.extract.counters import (
    Counter,
    CounterKind,
    CounterRule,
    cut,
    find,
    first_count,
    parse_number,
    read_named,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("12,345", 12345, id="comma-groups"),
        pytest.param("12.345", 12345, id="dot-groups"),
        pytest.param("12 345", 12345, id="space-groups"),
        pytest.param("12\u00a0345", 12345, id="no-break-space-groups"),
        pytest.param("12\u202f345", 12345, id="narrow-no-break-space-groups"),
        pytest.param("12'345", 12345, id="apostrophe-groups"),
        pytest.param("12’345", 12345, id="typographic-apostrophe-groups"),
        pytest.param("1 234 567", 1234567, id="millions-in-groups"),
        pytest.param("345", 345, id="plain-digits"),
        pytest.param("1.2k", 1200, id="k-with-dot"),
        pytest.param("1,2K", 1200, id="k-with-comma"),
        pytest.param("12k", 12000, id="whole-k"),
        pytest.param("12 тыс.", 12000, id="russian-thousand-abbreviated"),
        pytest.param("12,3 тыс.", 12300, id="russian-thousand-with-decimal"),
        pytest.param("12 тис.", 12000, id="ukrainian-thousand-abbreviated"),
        pytest.param("12 thousand", 12000, id="english-thousand-word"),
        pytest.param("12 duizend", 12000, id="dutch-thousand-word"),
        pytest.param("12 mil", 12000, id="spanish-thousand-word"),
        pytest.param("12 Tausend", 12000, id="german-thousand-word"),
        pytest.param("1,2 miljoen", 1200000, id="dutch-million-word"),
        pytest.param("1.5M", 1500000, id="m-suffix"),
    ],
)
def test_numbers_as_people_write_them(text: str, value: int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("12.03.2024", id="date"),
        pytest.param("020 626 4436", id="phone-with-leading-zero"),
        pytest.param("+31 20 626 4436", id="international-phone"),
        pytest.param("12,5", id="decimal-fraction"),
        pytest.param("€12", id="price"),
        pytest.param("12,345.67", id="mixed-separators"),
        pytest.param("", id="empty"),
        pytest.param("9" * 30, id="a-serial-number-not-a-count"),
    ],
)
def test_what_is_not_a_count(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("line", "kind", "value", "label"),
    [
        pytest.param(
            "12,345 people have signed",
            "signatures",
            12345,
            "people have signed",
            id="en-people-have-signed",
        ),
        pytest.param("Signatures: 12,345", "signatures", 12345, "Signatures", id="en-labelled"),
        pytest.param(
            "Join 12,345 supporters", "supporters", 12345, "supporters", id="en-supporters"
        ),
        pytest.param(
            "8,211 have taken action",
            "participants",
            8211,
            "have taken action",
            id="en-taken-action",
        ),
        pytest.param(
            "Already 48,211 have signed!",
            "signatures",
            48211,
            "have signed",
            id="en-already-have-signed",
        ),
        pytest.param(
            "12.345 mensen hebben al getekend",
            "signatures",
            12345,
            "mensen hebben al getekend",
            id="nl-have-already-signed",
        ),
        pytest.param(
            "Handtekeningen: 12.345", "signatures", 12345, "Handtekeningen", id="nl-labelled"
        ),
        pytest.param(
            "Déjà 12 345 signataires", "signatures", 12345, "signataires", id="fr-signataires"
        ),
        pytest.param(
            "Bereits 12.345 Unterzeichner*innen",
            "signatures",
            12345,
            "Unterzeichner*innen",
            id="de-unterzeichner",
        ),
        pytest.param(
            "Unterschriften: 12.345", "signatures", 12345, "Unterschriften", id="de-labelled"
        ),
        pytest.param("Firmas: 12.345", "signatures", 12345, "Firmas", id="es-labelled"),
        pytest.param(
            "12.345 personas han firmado",
            "signatures",
            12345,
            "personas han firmado",
            id="es-have-signed",
        ),
        pytest.param("Подписей: 12 345", "signatures", 12345, "Подписей", id="ru-labelled"),
        pytest.param(
            "12 345 человек подписали",
            "signatures",
            12345,
            "человек подписали",
            id="ru-people-signed",
        ),
        pytest.param("Нас уже 12 345", "supporters", 12345, "Нас уже", id="ru-we-are-already"),
        pytest.param(
            "12 345 чалавек падпісалі",
            "signatures",
            12345,
            "чалавек падпісалі",
            id="be-people-signed",
        ),
        pytest.param(
            "12 345 осіб підписали", "signatures", 12345, "осіб підписали", id="uk-people-signed"
        ),
        pytest.param("37,655 to go", "remaining", 37655, "to go", id="en-to-go"),
        pytest.param("Nog 7.655 nodig", "remaining", 7655, "nodig", id="nl-still-needed"),
        pytest.param("62% of the goal", "progress", 62, "of the goal", id="en-share-of-goal"),
        pytest.param("24% van het doel", "progress", 24, "van het doel", id="nl-share-of-goal"),
        # found automatically in every form a number is written, as the noise rules cut it
        pytest.param(
            "1.2k people have signed", "signatures", 1200, "people have signed", id="en-k"
        ),
        pytest.param("Signatures: 1,2K", "signatures", 1200, "Signatures", id="en-labelled-k"),
        pytest.param("12'345 signatures", "signatures", 12345, "signatures", id="apostrophe"),
        pytest.param("1.5M signatures", "signatures", 1500000, "signatures", id="en-million"),
        pytest.param("7.6k to go", "remaining", 7600, "to go", id="en-k-to-go"),
        pytest.param("12 тыс. подписей", "signatures", 12000, "подписей", id="ru-thousand-abbr"),
        pytest.param(
            "Уже 12,3 тыс. подписей", "signatures", 12300, "подписей", id="ru-thousand-decimal"
        ),
        pytest.param(
            "12 тысяч человек подписали",
            "signatures",
            12000,
            "человек подписали",
            id="ru-thousand-word",
        ),
        pytest.param("Вже 12 тис. підписів", "signatures", 12000, "підписів", id="uk-thousand"),
        pytest.param(
            "12 duizend handtekeningen",
            "signatures",
            12000,
            "handtekeningen",
            id="nl-thousand-word",
        ),
        pytest.param(
            "Déjà 12 mille signataires", "signatures", 12000, "signataires", id="fr-mille"
        ),
        pytest.param("12 mil firmas", "signatures", 12000, "firmas", id="es-mil"),
        pytest.param(
            "12 Tausend Unterschriften",
            "signatures",
            12000,
            "Unterschriften",
            id="de-tausend",
        ),
    ],
)
def test_counter_phrases(line: str, kind: str, value: int, label: str) -> None:
    (counter,) = find([line])
    assert (counter.kind, counter.value, counter.label) == (CounterKind(kind), value, label)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("In 2021 signatures were collected", id="year"),
        pytest.param("2024 signatures", id="bare-year-before-a-counter-word"),
        pytest.param("Signed on 12.03.2024 by the minister", id="date"),
        pytest.param("Call +31 20 626 4436 to sign", id="phone"),
        pytest.param("€12,345 raised for the campaign", id="price"),
        pytest.param("page 2 of 5", id="page-count"),
        pytest.param("3 of 4 steps", id="steps"),
        pytest.param("1,234 views · 12 comments", id="views-and-comments"),
        pytest.param(
            "We delivered 40,000 signatures to the European Parliament on Monday.",
            id="history-not-live",
        ),
        pytest.param("© 2024 Amnesty International", id="copyright-year"),
        pytest.param("2.5k views · 12 comments", id="views-in-k"),
        pytest.param("Only 5m to go before the finish line", id="metres-not-millions"),
        pytest.param("Собрано 12 тыс. руб.", id="a-sum-in-thousands-of-roubles"),
        pytest.param("€1.2k signatures bonus", id="price-in-k"),
        pytest.param("Signed on 12.03.2024, 1.2k km from home", id="date-and-distance"),
        pytest.param("We delivered 12k signatures to the Parliament on Monday.", id="history-k"),
    ],
)
def test_what_is_never_a_counter(line: str) -> None:
    assert find([line]) == ()


def test_count_of_goal_gives_the_goal() -> None:
    (counter,) = find(["12,345 of 20,000 signatures"])
    assert (counter.value, counter.goal) == (12345, 20000)


def test_a_stated_goal_is_the_goal_not_a_counter() -> None:
    found = find(["12.345 mensen hebben getekend. Doel: 20.000 handtekeningen."])
    assert [(c.value, c.goal) for c in found] == [(12345, 20000)]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("12.444 handtekeningen – help ons naar 20.000!", id="nl-help-us-reach"),
        pytest.param("12,444 signatures. Help us reach 20,000!", id="en-help-us-reach"),
        pytest.param("12,444 signatures. Our goal is 20,000.", id="en-our-goal-is"),
        pytest.param("Signatures: 12,444. Target: 20,000", id="en-target"),
    ],
)
def test_a_goal_stated_beside_the_count(line: str) -> None:
    assert [c.goal for c in find([line])] == [20000]


def test_the_same_count_in_two_languages_is_one_counter() -> None:
    found = find(["12.345 mensen hebben getekend.", "In English: 12,345 people have signed."])
    assert [c.text for c in found] == ["12.345 mensen hebben getekend"]


def test_two_counters_on_a_line_are_kept_by_kind() -> None:
    found = find(["12,345 signatures · 7,655 to go"])
    assert [(c.name, c.value) for c in found] == [("signatures", 12345), ("remaining", 7655)]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("12,345 signatures · 37 countries", id="en-beside"),
        pytest.param("12,345 people from 37 countries have signed", id="en-people-from"),
        pytest.param("Signatures: 12,345 · Countries: 37", id="en-labelled"),
        pytest.param("12.345 handtekeningen uit 37 landen", id="nl"),
        pytest.param("Déjà 12 345 signataires dans 37 pays", id="fr"),
        pytest.param("12.345 Unterschriften aus 37 Ländern", id="de"),
        pytest.param("12.345 firmas de 37 países", id="es"),
        pytest.param("12 345 подписей из 37 стран", id="ru"),
        pytest.param("12 345 подпісаў з 37 краін", id="be"),
        pytest.param("12 345 підписів з 37 країн", id="uk"),
    ],
)
def test_countries_beside_the_signatures_are_a_second_counter(line: str) -> None:
    assert [(c.name, c.value) for c in find([line])] == [("signatures", 12345), ("countries", 37)]


def test_countries_alone_are_no_counter() -> None:
    assert find(["Amnesty works in 150 countries."]) == ()


def test_the_page_s_goal_is_not_a_goal_for_countries() -> None:
    found = find(["12,345 signatures · 37 countries. Our goal is 20,000."])
    assert [(c.name, c.goal) for c in found] == [("signatures", 20000), ("countries", None)]


def test_two_values_of_one_kind_the_first_wins() -> None:
    found = find(
        ["12,345 signatures · 37 countries", "Yesterday: 12,001 signatures · 36 countries"]
    )
    assert [(c.name, c.value) for c in found] == [("signatures", 12345), ("countries", 37)]


def test_count_of_goal_in_k_gives_the_goal() -> None:
    (counter,) = find(["1.2k of 5k signatures"])
    assert (counter.value, counter.goal) == (1200, 5000)


def test_what_is_still_needed_gives_the_goal() -> None:
    found = find(["12,345 signatures · 7,655 to go"])
    assert found[0].goal == 20000


def test_a_line_of_a_million_digits_is_no_counter() -> None:
    assert (find(["9" * 1_000_000 + " signatures"]), first_count("1" * 1_000_000)) == ((), None)


def test_first_count_skips_a_year() -> None:
    assert first_count("Since 2019: 12,345 signed") == (12345, 12, 18)


def test_named_counter_by_pattern() -> None:
    rule = CounterRule("Letters", pattern=r"(\S+) letters sent")
    counter = read_named(rule, "Thanks!\n1.2k letters sent to the minister")
    assert counter == Counter(
        "Letters", CounterKind.NAMED, "Letters", 1200, None, "1.2k letters sent"
    )


def test_named_counter_by_selector_text_with_goal() -> None:
    counter = read_named(CounterRule("Signatures", selector=".count"), "12'345 / 20'000")
    assert (counter and counter.value, counter and counter.goal) == (12345, 20000)


def test_named_counter_not_shown_is_none() -> None:
    assert read_named(CounterRule("Letters", pattern=r"(\d+) letters"), "closed") is None


def test_cut_takes_a_named_counter_s_number_out_of_compared_lines() -> None:
    counter = Counter("Letters", CounterKind.NAMED, "Letters", 1200, None, "1.2k letters sent")
    assert cut(["Free Ales", "Already 1.2k letters sent!"], [counter]) == (
        "Free Ales",
        "Already letters sent!",
    )


def test_cut_drops_a_line_that_was_only_the_count() -> None:
    counter = Counter("Letters", CounterKind.NAMED, "Letters", 1200, None, "1.2k")
    assert cut(["Free Ales", "1.2k"], [counter]) == ("Free Ales",)


# Lines that would take minutes if a counter pattern searched from every digit (a million
# digits before "signatures" once took over two minutes): the suite's timeout stops a
# regression, and `pytest -m perf` measures the growth itself.
HOSTILE_LINES = [
    pytest.param("9" * 200_000 + " signatures", 0, id="digits-then-signed"),
    pytest.param("9" * 200_000 + " to go", 0, id="digits-then-to-go"),
    pytest.param("1 " * 100_000 + "signatures", 0, id="digits-and-spaces-then-signed"),
    pytest.param("111," * 50_000 + "111 signatures", 0, id="groups-then-signed"),
    pytest.param("12,345 signatures · " * 20_000, 1, id="many-counts"),
    pytest.param("1 of " * 40_000 + "signatures", 0, id="counts-of-goals"),
    pytest.param("goal 1 " * 40_000, 0, id="goal-words"),
]


@pytest.mark.parametrize(("text", "found"), HOSTILE_LINES)
def test_a_hostile_line_is_read_in_time(text: str, found: int) -> None:
    assert len(find([text])) == found


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        find([text])
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.perf
@pytest.mark.parametrize(("text", "found"), HOSTILE_LINES)
def test_a_hostile_line_costs_time_in_proportion_to_its_length(text: str, found: int) -> None:
    # Four times the line: about four times the time when linear, sixteen when quadratic.
    quarter = text[: len(text) // 4]
    assert _seconds(text) < 8 * max(_seconds(quarter), 1e-4)


def test_a_selected_counter_is_the_line_with_its_count() -> None:
    counter = read_named(CounterRule("Brieven", selector=".b"), "Brieven\n1,2K verstuurd\nDank!")
    assert counter is not None and (counter.text, counter.value) == ("1,2K verstuurd", 1200)
