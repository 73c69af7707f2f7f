"""The watch list: what loads, and the one clear line a maintainer gets for each mistake."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import config
from monitor.config import ConfigError, reader

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
watch:
  - name: Campaign page
    url: https://example.org/campaign
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config.loads(text, file="w.yaml")
    return [str(p) for p in info.value.problems]


def test_the_shipped_watch_list_loads() -> None:
    cfg = config.load(ROOT / "config" / "watchlist.yaml")
    names = [w.name for w in cfg.watch]
    assert "Campaign page" in names
    assert any("FIDH" in n for n in names)
    assert any("Viasna" in n for n in names)
    assert any("OSCE" in n for n in names)
    assert any("Petition" in n for n in names)


DOCS = ("README.md", "docs/watchlist.md")  # the documents that show watch lists


def docs_text() -> str:
    return "\n".join((ROOT / name).read_text(encoding="utf-8") for name in DOCS)


def readme_validate_examples() -> list[tuple[str, str]]:
    """The docs' watch lists with mistakes, each followed by what `monitor validate` says."""
    text = docs_text()
    return re.findall(
        r"```yaml\n((?:(?!```).)*)```\n\n```console\n\$ monitor validate\n((?:(?!```).)*)```",
        text,
        flags=re.DOTALL,
    )


def readme_yaml_blocks() -> list[str]:
    """The docs' watch list examples, but for those shown with their mistakes."""
    text = docs_text()
    broken = {yaml_text for yaml_text, _said in readme_validate_examples()}
    return [b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL) if b not in broken]


def test_the_readme_has_yaml_examples() -> None:
    assert readme_yaml_blocks(), "the README shows at least one watch list example"


@pytest.mark.parametrize("block", readme_yaml_blocks(), ids=lambda b: b.splitlines()[0][:40])
def test_every_yaml_example_in_the_readme_loads(block: str) -> None:
    config.loads(block, file="README.md")


def test_the_readme_shows_watch_lists_with_mistakes() -> None:
    assert len(readme_validate_examples()) >= 2


@pytest.mark.parametrize(
    ("block", "said"),
    [
        pytest.param(block, said, id=said.splitlines()[0].split(": ", 2)[2][:40])
        for block, said in readme_validate_examples()
    ],
)
def test_what_the_readme_says_validate_prints_is_what_it_prints(
    tmp_path: Path, block: str, said: str
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "watchlist.yaml").write_text(block, encoding="utf-8")
    out = run_cli("validate", cwd=tmp_path)
    assert (out.returncode, out.stdout, out.stderr) == (2, "", said)


def test_defaults_are_the_contracts() -> None:
    s = config.loads(GOOD).settings
    assert (s.timeout_s, s.concurrency, s.per_host, s.retries) == (20, 64, 4, 2)
    assert str(s.database) == "state/monitor.db" and str(s.reports_dir) == "reports"
    assert s.schedule == "0 7 * * *" and s.timezone == "UTC"
    assert s.archive_lookup is True and s.allow_private_links is False
    assert s.user_agent.startswith("partner-monitor/")
    w = config.loads(GOOD).watch[0]
    assert (w.links, w.content, w.selector, w.ignore, w.keywords) == (True, True, None, [], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "settings:\n  timout_s: 5\n" + GOOD,
            "w.yaml:2: settings.timout_s: unknown key (did you mean 'timeout_s'?)",
            id="unknown-settings-key-with-did-you-mean",
        ),
        pytest.param(
            GOOD + "    keywrds: [x]\n",
            'w.yaml:4: watch "Campaign page" (1st entry).keywrds: unknown key '
            "(did you mean 'keywords'?)",
            id="unknown-watch-key-with-did-you-mean",
        ),
        pytest.param(
            "watch:\n  - url: https://a.example/\n",
            "w.yaml:2: watch (1st entry).name: is required",
            id="missing-name",
        ),
        pytest.param(
            "watch:\n  - name: A\n",
            'w.yaml:2: watch "A" (1st entry).url: is required',
            id="missing-url",
        ),
        pytest.param(
            GOOD + "  - name: Campaign page\n    url: https://b.example/\n",
            'w.yaml:4: watch "Campaign page" (2nd entry).name: the 1st entry has this name too',
            id="duplicate-name",
        ),
        pytest.param(
            "watch:\n  - name: A\n    url: ftp://files.example/x\n",
            'w.yaml:3: watch "A" (1st entry).url: must be an http:// or https:// URL',
            id="non-http-url",
        ),
        pytest.param(
            "watch:\n  - name: A\n    url: not a url\n",
            'w.yaml:3: watch "A" (1st entry).url: must be an http:// or https:// URL',
            id="garbage-url",
        ),
        pytest.param(
            GOOD + "    ignore: ['(unclosed']\n",
            "w.yaml:4: watch \"Campaign page\" (1st entry).ignore: '(unclosed' "
            "is not a valid regular expression",
            id="bad-ignore-regex",
        ),
        pytest.param(
            "settings:\n  ignore_links: ['[a-']\n" + GOOD,
            "w.yaml:2: settings.ignore_links: '[a-' is not a valid regular expression",
            id="bad-ignore-links-regex",
        ),
        pytest.param(
            "settings:\n  schedule: '61 7 * * *'\n" + GOOD,
            "w.yaml:2: settings.schedule: '61 7 * * *' is not a valid cron expression",
            id="bad-cron-value",
        ),
        pytest.param(
            "settings:\n  schedule: 'daily'\n" + GOOD,
            "w.yaml:2: settings.schedule: must be a cron expression of 5 fields",
            id="cron-not-five-fields",
        ),
        pytest.param(
            "settings:\n  timezone: Mars/Base\n" + GOOD,
            "w.yaml:2: settings.timezone: unknown time zone 'Mars/Base'",
            id="bad-timezone",
        ),
        pytest.param(
            GOOD + "    selector: 'div[['\n",
            "w.yaml:4: watch \"Campaign page\" (1st entry).selector: 'div[[' "
            "is not a valid CSS selector",
            id="bad-css-selector",
        ),
        pytest.param(
            "settings:\n  concurrency: many\n" + GOOD,
            "w.yaml:2: settings.concurrency: Input should be a valid integer",
            id="wrong-type-int",
        ),
        pytest.param(
            GOOD + "    links: maybe\n",
            'w.yaml:4: watch "Campaign page" (1st entry).links: Input should be a valid boolean',
            id="wrong-type-bool",
        ),
        pytest.param(
            GOOD + "    keywords: closed\n",
            'w.yaml:4: watch "Campaign page" (1st entry).keywords: Input should be a valid list',
            id="wrong-type-list",
        ),
        pytest.param(
            "settings:\n  per_host: 0\n" + GOOD,
            "w.yaml:2: settings.per_host: Input should be greater than or equal to 1",
            id="out-of-range",
        ),
        pytest.param(
            "settings:\n  email:\n    password_env: 'my secret pw'\n" + GOOD,
            "w.yaml:3: settings.email.password_env: must be the NAME of an environment variable",
            id="password-instead-of-env-name",
        ),
        pytest.param(
            "settings:\n  email:\n    to: [nobody]\n" + GOOD,
            "w.yaml:3: settings.email.to: 'nobody' is not an e-mail address",
            id="bad-email-address",
        ),
        pytest.param(
            "watch: []\n",
            "w.yaml:1: watch: List should have at least 1 item",
            id="empty-watch-list",
        ),
        pytest.param(
            GOOD + "    counters:\n      - name: Signatures\n",
            'w.yaml:5: watch "Campaign page" (1st entry).counters (1st item): give either a '
            "selector or a pattern",
            id="named-counter-without-selector-or-pattern",
        ),
        pytest.param(
            GOOD + "    counters: manual\n",
            'w.yaml:4: watch "Campaign page" (1st entry).counters: Input should be',
            id="counters-neither-auto-false-nor-a-list",
        ),
        pytest.param("settings: {}\n", "w.yaml:1: watch: is required", id="no-watch-key"),
        pytest.param("watch: [\n  - name: A\n", "w.yaml:2: not valid YAML", id="yaml-syntax-error"),
        pytest.param("", "w.yaml: the file is empty", id="empty-file"),
        pytest.param("- just\n- a list\n", "w.yaml:1: must be a mapping", id="top-level-list"),
    ],
)
def test_each_mistake_names_file_line_and_key(text: str, expected: str) -> None:
    found = problems_of(text)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            GOOD + "    ignore:\n      - 'Updated: .*'\n      - '(\\d+ signatures'\n",
            "w.yaml:6: watch \"Campaign page\" (1st entry).ignore: '(\\d+ signatures' is not a "
            "valid regular expression: missing ), unterminated subpattern at position 0",
            id="an-item-of-a-block-list-on-its-own-line-single-quoted",
        ),
        pytest.param(
            GOOD + '    ignore:\n      - "(\\\\d+ signatures"\n',
            'w.yaml:5: watch "Campaign page" (1st entry).ignore: "(\\\\d+ signatures" is not a '
            "valid regular expression: missing ), unterminated subpattern at position 0",
            id="double-quoted-as-written-in-the-file",
        ),
        pytest.param(
            GOOD + "    ignore:\n      - (\\d+ signatures\n",
            'w.yaml:5: watch "Campaign page" (1st entry).ignore: (\\d+ signatures is not a '
            "valid regular expression: missing ), unterminated subpattern at position 0",
            id="plain-as-written-in-the-file",
        ),
        pytest.param(
            "settings:\n  ignore_links:\n    - '^https://ok\\.example/'\n    - '*.pdf'\n" + GOOD,
            "w.yaml:4: settings.ignore_links: '*.pdf' is not a valid regular expression: "
            "nothing to repeat at position 0",
            id="ignore-links-item-on-its-own-line",
        ),
    ],
)
def test_a_bad_regex_is_shown_as_written_on_its_own_line(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "watch:\n  - name: A\n\turl: https://a.example/\n",
            ["w.yaml:3: indented with a tab; use spaces, not tabs, to indent"],
            id="a-tab-indents-a-key",
        ),
        pytest.param(
            "watch:\n\t- name: A\n\t  url: https://a.example/\n",
            [
                "w.yaml:2: indented with a tab; use spaces, not tabs, to indent",
                "w.yaml:3: indented with a tab; use spaces, not tabs, to indent",
            ],
            id="every-line-indented-with-a-tab-at-once",
        ),
        pytest.param(
            "watch:\n  -\tname: A\n    url: https://a.example/\n",
            ["w.yaml:2: indented with a tab; use spaces, not tabs, to indent"],
            id="a-tab-after-a-list-dash",
        ),
        pytest.param(
            "watch:\n  - name: A\n   url: https://a.example/\n",
            ["w.yaml:3: the indentation is wrong; line up `url:` under `name:` (line 2)"],
            id="url-indented-less-than-name",
        ),
        pytest.param(
            "watch:\n  - name: A\n      url: https://a.example/\n",
            ["w.yaml:3: the indentation is wrong; line up `url:` under `name:` (line 2)"],
            id="url-indented-more-than-name",
        ),
        pytest.param(
            "watch:\n  - name: A\n  url: https://a.example/\n",
            ["w.yaml:3: the indentation is wrong; line up `url:` under `name:` (line 2)"],
            id="url-under-the-list-dash",
        ),
        pytest.param(
            GOOD + "  - name: B\n   url: https://b.example/\n",
            ["w.yaml:5: the indentation is wrong; line up `url:` under `name:` (line 4)"],
            id="url-of-the-second-entry",
        ),
        pytest.param(
            GOOD + "    ignore:\n      - 'Updated: .*'\n     keywords: [verdict]\n",
            ["w.yaml:6: the indentation is wrong; line up `keywords:` under `name:` (line 2)"],
            id="a-key-after-a-nested-list",
        ),
        pytest.param(
            "settings:\n  timeout_s: 5\n    retries: 2\n" + GOOD,
            ["w.yaml:3: the indentation is wrong; line up `retries:` under `timeout_s:` (line 2)"],
            id="a-settings-key-indented-more",
        ),
        pytest.param(
            "watch:\n- name: A\nurl: https://a.example/\n",
            [
                'w.yaml:2: watch "A" (1st entry).url: is required',
                "w.yaml:3: url: is not a key at this level; line up `url:` under `name:` (line 2)",
            ],
            id="url-at-the-left-edge-is-valid-yaml-but-out-of-its-entry",
        ),
        pytest.param(
            "settings:\n  timeout_s: 5\nretries: 2\n" + GOOD,
            [
                "w.yaml:3: retries: is not a key at this level; "
                "line up `retries:` under `timeout_s:` (line 2)"
            ],
            id="a-settings-key-at-the-left-edge-is-out-of-settings",
        ),
        pytest.param(
            "settings:\n  timeout_s: 5\nretires: 2\n" + GOOD,
            ["w.yaml:3: retires: unknown key"],
            id="an-unknown-key-at-the-left-edge-is-no-indentation-mistake",
        ),
        pytest.param(
            "watch:\n  - name: Campaign: release\n    url: https://a.example/\n",
            ["w.yaml:2: not valid YAML: mapping values are not allowed here"],
            id="a-colon-in-a-value-is-no-indentation-mistake",
        ),
        pytest.param(
            GOOD + '    ignore: ["\\d+ signatures"]\n',
            [
                "w.yaml:4: ignore: in double quotes YAML reads \\d as an escape and refuses it; "
                "write regexes in single quotes: '\\d+ signatures'"
            ],
            id="a-regex-in-double-quotes-in-a-flow-list",
        ),
        pytest.param(
            'settings:\n  ignore_links:\n    - "^https://(www\\.)?x\\.com/"\n' + GOOD,
            [
                "w.yaml:3: ignore_links: in double quotes YAML reads \\. as an escape and refuses "
                "it; write regexes in single quotes: '^https://(www\\.)?x\\.com/'"
            ],
            id="a-regex-in-double-quotes-in-a-block-list",
        ),
        pytest.param(
            GOOD + '    ignore:\n      - "\\\\d+ \\"signed\\" by \\w+"\n',
            [
                "w.yaml:5: ignore: in double quotes YAML reads \\w as an escape and refuses it; "
                "write regexes in single quotes: '\\d+ \"signed\" by \\w+'"
            ],
            id="a-regex-in-double-quotes-with-escaped-backslashes-and-quotes",
        ),
        pytest.param(
            GOOD + '    ignore:\n      - "\\bverdict\\b"\n',
            [
                'w.yaml:5: watch "Campaign page" (1st entry).ignore: in double quotes YAML reads '
                "\\b as a backspace, not a word boundary; "
                "write regexes in single quotes: '\\bverdict\\b'"
            ],
            id="a-word-boundary-in-double-quotes-is-read-as-a-backspace",
        ),
        pytest.param(
            'watch:\n  - name: "C:\\Users\\campaigns"\n    url: https://a.example/\n',
            [
                "w.yaml:2: name: in double quotes YAML reads \\U as an escape and refuses it; "
                "write it in single quotes: 'C:\\Users\\campaigns'"
            ],
            id="a-backslash-in-double-quotes-that-is-no-regex",
        ),
    ],
)
def test_a_common_mistake_is_told_in_plain_words_with_what_to_do(
    text: str, expected: list[str]
) -> None:
    assert problems_of(text) == expected


def test_a_hint_is_a_typed_value_and_its_words_are_written_by_the_problem() -> None:
    with pytest.raises(ConfigError) as info:
        config.loads("watch:\n\t- name: A\n", file="w.yaml")
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.hint) == ("w.yaml", 2, config.Hint.SPACES_NOT_TABS)
    assert str(problem).endswith("; use spaces, not tabs, to indent")


def test_a_regex_in_double_quotes_that_yaml_reads_as_meant_loads() -> None:
    cfg = config.loads(GOOD + '    ignore: ["\\\\d+ signatures", "a\\tb"]\n')
    assert cfg.watch[0].ignore == ["\\d+ signatures", "a\tb"]


def test_a_tab_inside_a_value_is_no_mistake() -> None:
    assert config.loads("watch:\n  - name: 'A\tB'\n    url: https://a.example/\n").watch[0].name


def test_every_problem_is_reported_at_once() -> None:
    text = (
        "settings:\n  timout_s: 5\n  timezone: Nowhere/City\n"
        "watch:\n  - name: A\n    url: ftp://x\n  - name: A\n    url: https://ok.example/\n"
    )
    found = problems_of(text)
    assert len(found) == 4, found
    assert [p.split(":")[1] for p in found] == ["2", "3", "6", "7"]


PETITION = "  - name: Petition\n    url: https://amnesty.example/petition\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            GOOD + PETITION + "  - name: FIDH special page\n    url: nope\n",
            'w.yaml:7: watch "FIDH special page" (3rd entry).url: must be',
            id="an-entry-by-its-name-and-place",
        ),
        pytest.param(
            GOOD + "  - url: nope\n",
            "w.yaml:4: watch (2nd entry).url: must be",
            id="an-entry-without-a-name-by-its-place",
        ),
        pytest.param(
            GOOD + "  - name: ''\n    url: nope\n",
            "w.yaml:5: watch (2nd entry).url: must be",
            id="an-entry-with-an-empty-name-by-its-place",
        ),
        pytest.param(
            GOOD + "    keywords: [closed, [x]]\n",
            'w.yaml:4: watch "Campaign page" (1st entry).keywords (2nd item): Input should be',
            id="an-item-of-a-list-by-its-place",
        ),
    ],
)
def test_a_watch_entry_is_named_by_its_name_and_its_place(text: str, expected: str) -> None:
    found = problems_of(text)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        pytest.param(n, word, id=word)
        for n, word in [
            (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
            (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (111, "111th"),
        ]
    ],
)  # fmt: skip
def test_a_place_in_the_list_is_an_ordinal(n: int, expected: str) -> None:
    assert reader._ordinal(n) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            GOOD + PETITION + "  - name: Petition text\n    url: https://amnesty.example/petition"
            "\n    selector: main\n",
            [
                'w.yaml:7: watch "Petition text" (3rd entry).url: the same URL as '
                'watch "Petition" (2nd entry): list a page once'
            ],
            id="the-same-url-once-with-a-selector-once-without",
        ),
        pytest.param(
            GOOD + PETITION + "  - name: Again\n    url: ' https://amnesty.example/petition '\n",
            [
                'w.yaml:7: watch "Again" (3rd entry).url: the same URL as '
                'watch "Petition" (2nd entry): list a page once'
            ],
            id="the-same-url-with-spaces-around-it",
        ),
        pytest.param(
            GOOD + PETITION + "  - name: Petition\n    url: https://amnesty.example/petition\n",
            [
                'w.yaml:6: watch "Petition" (3rd entry).name: the 2nd entry has this name too; '
                "names must be unique",
                'w.yaml:7: watch "Petition" (3rd entry).url: the same URL as '
                'watch "Petition" (2nd entry): list a page once',
            ],
            id="an-entry-listed-twice-is-told-for-its-name-and-its-url",
        ),
    ],
)
def test_a_url_listed_twice_is_refused_naming_the_first_entry(
    text: str, expected: list[str]
) -> None:
    assert problems_of(text) == expected


@pytest.mark.parametrize(
    "other",
    [
        pytest.param("https://amnesty.example/petition/", id="with-a-trailing-slash"),
        pytest.param("https://amnesty.example/petition?lang=nl", id="with-a-query"),
        pytest.param("http://amnesty.example/petition", id="over-http"),
    ],
)
def test_urls_the_database_keeps_apart_may_both_be_watched(other: str) -> None:
    cfg = config.loads(GOOD + PETITION + f"  - name: Other\n    url: '{other}'\n")
    assert [w.url for w in cfg.watch][1:] == ["https://amnesty.example/petition", other]


def test_validate_refuses_a_url_listed_twice(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(
        GOOD + PETITION + "  - name: Petition text\n    url: https://amnesty.example/petition\n"
    )
    out = run_cli("validate", "--config", "w.yaml", cwd=tmp_path)
    assert out.returncode == 2
    assert (
        'w.yaml:7: watch "Petition text" (3rd entry).url: the same URL as '
        'watch "Petition" (2nd entry): list a page once' in out.stderr
    )


def test_only_keeps_the_named_pages_and_suggests_near_misses() -> None:
    cfg = config.loads(GOOD + "  - name: Petition\n    url: https://b.example/\n")
    assert [w.name for w in cfg.only(["Petition"]).watch] == ["Petition"]
    with pytest.raises(ConfigError, match="did you mean 'Petition'"):
        cfg.only(["Petiton"])


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        config.load(tmp_path / "nope.yaml")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(GOOD, "ok — 1 watched page, 1 partner; ", id="one-page-one-partner"),
        pytest.param(
            GOOD + PETITION.replace("Petition\n", "Petition\n    partner: Amnesty\n"),
            "ok — 2 watched pages, 2 partners; ",
            id="two-pages-two-partners",
        ),
    ],
)
def test_validate_prints_a_one_line_summary_in_singular_or_plural(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "w.yaml").write_text(text)
    out = run_cli("validate", "--config", "w.yaml", cwd=tmp_path)
    assert out.returncode == 0
    assert out.stdout.count("\n") == 1 and expected in out.stdout, out.stdout


@pytest.mark.parametrize("command", ["validate", "check", "run", "digest"])
def test_a_bad_config_exits_2_with_no_traceback_and_writes_nothing(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "w.yaml").write_text(
        "settings:\n  database: db/x.db\n  reports_dir: out\nwatch:\n  - name: A\n    url: nope\n"
    )
    out = run_cli(command, "--config", "w.yaml", cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert 'w.yaml:6: watch "A" (1st entry).url:' in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.yaml"]


# -- any input: a config or a clear error, never a traceback ---------------------------

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(["https://example.org/", "0 6 * * *", "[", "(?P<", "a[href", "*/0 * * * *"]),
)
_keys = st.sampled_from(
    ["watch", "settings", "name", "url", "selector", "ignore", "keywords", "links", "content",
     "partner", "timeout_s", "concurrency", "per_host", "schedule", "email", "smtp_host",
     "ignore_links", "database", "reports_dir", "to", "from", "port", "ssl", "bogus"]
)  # fmt: skip
_tree = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_keys | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)


def _loads_or_explains(text: str) -> None:
    try:
        cfg = config.loads(text, file="w.yaml")
    except ConfigError as exc:
        assert exc.problems, "an error must name at least one problem"
        for problem in exc.problems:
            line = str(problem)
            assert line.startswith("w.yaml"), line  # every problem names the file
            assert "\n" not in line.strip(), line  # one line per problem
    else:
        assert cfg.watch, "a config that loads watches at least one page"


@settings(max_examples=300, deadline=None)
@given(_tree)
def test_any_yaml_structure_gives_a_config_or_a_clear_error(tree: object) -> None:
    _loads_or_explains(yaml.safe_dump(tree, allow_unicode=True))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_config_or_a_clear_error(text: str) -> None:
    _loads_or_explains(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_keys, _scalar), max_size=6))
def test_any_values_in_a_watch_entry_give_a_config_or_a_clear_error(
    pairs: list[tuple[str, object]],
) -> None:
    entry = {"name": "Campaign page", "url": "https://example.org/campaign", **dict(pairs)}
    _loads_or_explains(yaml.safe_dump({"watch": [entry], "settings": dict(pairs)}))


def test_the_readme_json_report_example_has_exactly_the_report_s_keys() -> None:
    from monitor.models import ContentState, Status
    from monitor.pipeline import LinkReport, PageReport, RunReport

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    assert blocks, "the README shows the JSON report"
    shown = json.loads(blocks[0])
    page = PageReport("n", "u", None, Status.OK, 200, "u", ContentState.UNCHANGED)
    link = LinkReport("u", Status.OK, 200, "u", None)
    real = RunReport(1, "a", "b", [page], [link]).to_json()
    assert shown.keys() == real.keys()
    assert shown["run"].keys() == real["run"].keys()
    assert shown["summary"].keys() == real["summary"].keys()
    assert shown["pages"][0].keys() == real["pages"][0].keys()
    assert shown["links"][0].keys() == real["links"][0].keys()


def test_every_bad_control_url_is_named_at_once() -> None:
    text = "settings:\n  connectivity_check: [ftp://x, 'not a url']\nwatch:\n  - {name: A, url: 'https://a.example/'}\n"
    with pytest.raises(config.ConfigError) as raised:
        config.loads(text, file="w.yaml")
    (problem,) = raised.value.problems
    assert "'ftp://x', 'not a url'" in str(problem)
