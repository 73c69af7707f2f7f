"""Counters through the whole pipeline (issue 20): a petition on a loopback partner,
checked on several simulated days; the report's pages[].counters, `monitor counters`
and the rule that a counter moving is never a content change."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_run import PARTNER, Days, config, page_of

from monitor import cli
from monitor.models import ContentState, Counter, CounterKind
from monitor.pipeline.report import CounterReport
from monitor.testing.web import Route, SimWeb

BODY = """<html><head><title>Petitie</title></head><body><nav><a href="/">Home</a></nav>
<main><article><h1>Vrijheid voor Ales Bialiatski</h1>
<p>Ales Bialiatski zit onterecht gevangen. Teken de petitie en eis zijn vrijlating.</p>
<div class="teller"><strong>{nl}</strong> mensen hebben getekend. Doel: 20.000.</div>
<p>In English: {en} people have signed so far.</p>
<p class="brieven">{letters} brieven verstuurd</p>
</article></main></body></html>"""


@pytest.fixture
def web() -> Iterator[SimWeb]:
    with SimWeb(hosts=(PARTNER,)) as w:
        yield w


def petition(n: int, letters: str = "1,2K") -> Route:
    nl, en = f"{n:,}".replace(",", "."), f"{n:,}"
    return Route(body=BODY.format(nl=nl, en=en, letters=letters))


def days(web: SimWeb, tmp_path: Path, **extra: object) -> tuple[Days, str]:
    url = web.route(PARTNER, "/petitie", petition(12345))
    cfg = config(tmp_path, {"name": "Petitie", "url": url, "links": False, **extra})
    return Days(cfg), url


def test_the_report_gives_the_value_and_the_previous_one(web: SimWeb, tmp_path: Path) -> None:
    d, _ = days(web, tmp_path)
    d.check()
    web.route(PARTNER, "/petitie", petition(12665))
    (counter,) = [c.to_json() for c in page_of(d.check(), "Petitie").counters]
    assert {k: counter[k] for k in ("name", "value", "previous", "goal", "text")} == {
        "name": "signatures",
        "value": 12665,
        "previous": 12345,
        "goal": 20000,
        "text": "12.665 mensen hebben getekend",
    }


def test_a_moving_counter_is_not_a_content_change(web: SimWeb, tmp_path: Path) -> None:
    d, _ = days(web, tmp_path)
    d.check()
    web.route(PARTNER, "/petitie", petition(12665))
    assert page_of(d.check(), "Petitie").content is ContentState.UNCHANGED


def test_counters_false_reads_none(web: SimWeb, tmp_path: Path) -> None:
    d, _ = days(web, tmp_path, counters=False)
    assert page_of(d.check(), "Petitie").counters == []


def test_a_named_counter_is_read_by_its_selector(web: SimWeb, tmp_path: Path) -> None:
    d, _ = days(web, tmp_path, counters=[{"name": "Brieven", "selector": ".brieven"}])
    (counter,) = page_of(d.check(), "Petitie").counters
    assert (counter.counter.name, counter.counter.value) == ("Brieven", 1200)


def test_a_named_counter_moving_is_not_a_content_change(web: SimWeb, tmp_path: Path) -> None:
    d, _ = days(web, tmp_path, counters=[{"name": "Brieven", "pattern": r"(\S+) brieven"}])
    d.check()
    web.route(PARTNER, "/petitie", petition(12345, letters="1,3K"))
    assert page_of(d.check(), "Petitie").content is ContentState.UNCHANGED


def test_monitor_counters_csv_gives_the_same_numbers_as_the_report(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d, url = days(web, tmp_path)
    d.check()
    web.route(PARTNER, "/petitie", petition(12665))
    d.check()
    capsys.readouterr()
    assert cli.main(["counters", "--config", str(d.cfg.path), url, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["counter"], r["value"], r["goal"]) for r in rows] == [
        ("signatures", "12345", "20000"),
        ("signatures", "12665", "20000"),
    ]


def test_monitor_counters_shows_a_gap_as_not_shown(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d, url = days(web, tmp_path)
    d.check()
    web.route(PARTNER, "/petitie", Route(body="<html><body><main><h1>Gesloten</h1></main>"))
    d.check()
    capsys.readouterr()
    assert cli.main(["counters", "--config", str(d.cfg.path), url]) == 0
    assert "not shown" in capsys.readouterr().out


def test_monitor_history_lists_the_counters(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d, url = days(web, tmp_path)
    d.check()
    capsys.readouterr()
    assert cli.main(["history", "--config", str(d.cfg.path), url]) == 0
    out = capsys.readouterr().out
    assert "counters" in out and "12,345" in out


def test_monitor_counters_of_an_unknown_page_is_a_usage_error(web: SimWeb, tmp_path: Path) -> None:
    d, _ = days(web, tmp_path)
    assert cli.main(["counters", "--config", str(d.cfg.path), "https://nowhere.example/"]) == 2


def test_the_json_report_lists_counters_for_every_page(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d, _ = days(web, tmp_path)
    capsys.readouterr()
    cli.main(["check", "--config", str(d.cfg.path), "--json", "-", "-q"])
    page = json.loads(capsys.readouterr().out)["pages"][0]
    assert [(c["value"], c["previous"], c["previous_at"]) for c in page["counters"]] == [
        (12345, None, None)
    ]


CONTRACT_COUNTER_KEYS = {"name", "label", "value", "previous", "previous_at", "goal", "text"}


def test_a_counter_in_the_json_report_has_every_key_of_the_contract(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d, _ = days(web, tmp_path)
    d.check()
    web.route(PARTNER, "/petitie", petition(12665))
    capsys.readouterr()
    cli.main(["check", "--config", str(d.cfg.path), "--json", "-", "-q"])
    (counter,) = json.loads(capsys.readouterr().out)["pages"][0]["counters"]
    assert (
        counter.keys() >= CONTRACT_COUNTER_KEYS,
        counter["label"],
        counter["previous"],
        isinstance(counter["previous_at"], str) and counter["previous_at"][:4].isdigit(),
    ) == (True, "mensen hebben getekend", 12345, True)


# -- the README's examples ------------------------------------------------------------------

README = Path(__file__).parent.parent / "README.md"


def test_the_readme_csv_example_has_the_command_s_columns() -> None:
    block = re.search(r"\$ monitor counters \S+ --csv\n(.*?)```", README.read_text(), re.S)
    assert block is not None and block.group(1).splitlines()[0] == ",".join(cli.COUNTER_COLUMNS)


def test_the_readme_json_example_has_exactly_a_counter_s_keys() -> None:
    text = README.read_text(encoding="utf-8")
    shown = json.loads(re.findall(r"```json\n(.*?)```", text, flags=re.S)[0])
    counter = Counter("signatures", CounterKind.SIGNATURES, "signed", 1, None, "1 signed")
    assert shown["pages"][0]["counters"][0].keys() == CounterReport(counter).to_json().keys()


def test_a_selected_counter_in_a_paragraph_moving_is_not_a_change(
    web: SimWeb, tmp_path: Path
) -> None:
    def page(cards: str) -> Route:
        return Route(
            body="<html><body><main><article><h1>Kaarten voor Ales</h1><p>Stuur een kaart "
            "naar Ales Bialiatski in de gevangenis. Hij zit al sinds 2021 vast en een kaart "
            "laat hem weten dat hij niet vergeten is.</p><div class='kaarten'><p>Samen hebben "
            f"we al heel wat kaarten gestuurd.</p><p>Teller: {cards} kaarten verstuurd naar "
            "Ales en zijn collega's</p></div><p>Schrijf in eenvoudige woorden, in het Engels "
            "of het Russisch.</p></article></main></body></html>"
        )

    url = web.route(PARTNER, "/kaarten", page("1,2K"))
    rules = [{"name": "Kaarten", "selector": ".kaarten"}]
    d = Days(config(tmp_path, {"name": "Kaarten", "url": url, "counters": rules}))
    d.check()
    web.route(PARTNER, "/kaarten", page("1,3K"))
    assert page_of(d.check(), "Kaarten").content is ContentState.UNCHANGED
