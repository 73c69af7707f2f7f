"""The digest's HTML (Jinja2, autoescaped, inline styles for mail clients) and its
plain-text twin."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import jinja2

from monitor import __version__, wording
from monitor.digest.model import ChangeView, Digest, HistoryView, Segment
from monitor.digest.text import is_http_url

# -- rendering ------------------------------------------------------------------------------

# Styles live on the elements (mail clients drop <style>); one table keeps them consistent.
# Colours pass WCAG AA on their backgrounds, and every coloured thing also has a word or sign.
_FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif"
STYLES: dict[str, str] = {
    "body": "margin:0;padding:0;background:#f3f4f6;",
    "wrap": (
        f"max-width:720px;margin:0 auto;padding:24px 16px 40px;font-family:{_FONT};"
        "font-size:16px;line-height:1.5;color:#1f2933;background:#f3f4f6;"
    ),
    "kicker": "margin:0 0 4px;font-size:13px;color:#52606d;letter-spacing:.02em;",
    "h1": "margin:0 0 4px;font-size:26px;line-height:1.25;color:#111827;",
    "period": "margin:0 0 20px;font-size:14px;color:#52606d;",
    "notice": (
        "margin:0 0 12px;padding:10px 14px;background:#fffaeb;border:1px solid #fedf89;"
        "border-left:5px solid #dc6803;border-radius:6px;color:#7a2e0e;font-size:15px;"
    ),
    "summary": (
        "margin:0 0 28px;padding:16px 18px;background:#ffffff;border:1px solid #d9dee3;"
        "border-radius:8px;"
    ),
    "clear": (
        "margin:0 0 28px;padding:18px;background:#ecfdf3;border:1px solid #abefc6;"
        "border-left:6px solid #079455;border-radius:8px;color:#054f31;"
    ),
    "clear_big": "margin:0;font-size:24px;font-weight:700;line-height:1.3;",
    "headline": "margin:0 0 10px;font-size:20px;font-weight:700;line-height:1.3;color:#111827;",
    "pill": (
        "display:inline-block;margin:0 6px 6px 0;padding:2px 10px;border-radius:999px;"
        "font-size:14px;font-weight:600;border:1px solid #d0d5dd;background:#f9fafb;color:#344054;"
    ),
    "h2": (
        "margin:32px 0 12px;padding-bottom:6px;font-size:20px;line-height:1.3;color:#111827;"
        "border-bottom:2px solid #d9dee3;"
    ),
    "h3": "margin:20px 0 8px;font-size:17px;line-height:1.3;color:#111827;",
    "intro": "margin:-4px 0 12px;font-size:14px;color:#52606d;",
    "card_red": (
        "margin:0 0 12px;padding:12px 16px;background:#ffffff;border:1px solid #d9dee3;"
        "border-left:5px solid #d92d20;border-radius:6px;"
    ),
    "card": (
        "margin:0 0 14px;padding:12px 16px;background:#ffffff;border:1px solid #d9dee3;"
        "border-left:5px solid #2e90fa;border-radius:6px;"
    ),
    "badge_red": (
        "display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;font-size:13px;"
        "font-weight:700;background:#fee4e2;color:#912018;border:1px solid #fda29b;"
    ),
    "badge_amber": (
        "display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;font-size:13px;"
        "font-weight:700;background:#fef0c7;color:#7a2e0e;border:1px solid #fec84b;"
    ),
    "badge_green": (
        "display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;font-size:13px;"
        "font-weight:700;background:#dcfae6;color:#074d31;border:1px solid #75e0a7;"
    ),
    "badge_grey": (
        "display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;font-size:13px;"
        "font-weight:700;background:#f2f4f7;color:#344054;border:1px solid #d0d5dd;"
    ),
    "p": "margin:6px 0 0;",
    "headtext": "margin:0;font-weight:600;color:#111827;",
    "url": (
        "margin:4px 0 0;font-size:14px;word-break:break-all;overflow-wrap:anywhere;"
        "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#344054;"
    ),
    "label": "font-weight:600;color:#344054;",
    "a": "color:#175cd3;text-decoration:underline;",
    "ul": "margin:0;padding:0;list-style:none;",
    "li": (
        "margin:0 0 8px;padding:8px 12px;background:#ffffff;border:1px solid #e4e7ec;"
        "border-radius:6px;font-size:15px;overflow-wrap:anywhere;"
    ),
    "small": "font-size:14px;color:#52606d;",
    "keyword": (
        "display:inline-block;margin:4px 6px 4px 0;padding:3px 10px;border-radius:4px;"
        "background:#fef0c7;color:#7a2e0e;border:1px solid #fec84b;font-weight:700;font-size:15px;"
    ),
    "when": "margin:10px 0 4px;font-size:14px;font-weight:600;color:#344054;",
    "under": (
        "margin:10px 0 4px;font-size:13px;font-weight:700;color:#52606d;text-transform:uppercase;"
        "letter-spacing:.03em;"
    ),
    "added": (
        "margin:4px 0;padding:6px 10px;background:#ecfdf3;border-left:4px solid #17b26a;"
        "border-radius:3px;color:#1f2933;overflow-wrap:anywhere;"
    ),
    "removed": (
        "margin:4px 0;padding:6px 10px;background:#fef3f2;border-left:4px solid #f04438;"
        "border-radius:3px;color:#1f2933;overflow-wrap:anywhere;"
    ),
    "changed": (
        "margin:4px 0;padding:6px 10px;background:#f8f9fc;border-left:4px solid #717bbc;"
        "border-radius:3px;color:#1f2933;overflow-wrap:anywhere;"
    ),
    "op": "font-size:13px;font-weight:700;color:#344054;margin-right:4px;",
    "ins": (
        "background:#abefc6;color:#053321;text-decoration:underline;font-weight:600;"
        "padding:0 2px;border-radius:2px;"
    ),
    "del": (
        "background:#fecdca;color:#55160c;text-decoration:line-through;padding:0 2px;"
        "border-radius:2px;"
    ),
    "more": "margin:6px 0 0;font-size:14px;color:#52606d;font-style:italic;",
    "code": (
        "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-style:normal;"
        "font-size:13px;padding:0 4px;border-radius:3px;background:#f2f4f7;color:#1f2933;"
        "overflow-wrap:anywhere;"
    ),
    "notes": "margin:0;padding-left:20px;font-size:14px;color:#52606d;",
    "footer": (
        "margin:36px 0 0;padding-top:12px;border-top:1px solid #d9dee3;font-size:13px;"
        "color:#52606d;"
    ),
    "table": "width:100%;border-collapse:collapse;font-size:15px;",
    "th": "text-align:left;padding:8px 10px;border-bottom:2px solid #d9dee3;color:#344054;",
    "td": "padding:8px 10px;border-bottom:1px solid #e4e7ec;vertical-align:top;",
}

_BADGE_STYLE = {"✖": "badge_red", "✔": "badge_green", "↪": "badge_grey", "⊘": "badge_grey"}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor", "templates"),
        autoescape=True,  # every template is HTML; partner text must never become markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["http_url"] = is_http_url
    # A namespace, not the dict: `s.clear` on a dict would be dict.clear, not the style.
    env.globals.update(s=SimpleNamespace(**STYLES), badge_style=_BADGE_STYLE, version=__version__)
    return env


_ENV: jinja2.Environment | None = None


def template(name: str) -> jinja2.Template:
    global _ENV
    if _ENV is None:
        _ENV = _env()
    return _ENV.get_template(name)


def render_html(d: Digest, *, index_href: str | None = None, reports: str | None = "") -> str:
    """The digest as one self-contained HTML page (inline styles, no scripts, no fetches).

    Takes a ``Digest``; ``index_href`` adds a link to the list of all digests (the files
    have one, the e-mail has none); ``reports`` is what the paths of change and history
    pages are joined to: "" in the reports folder itself (relative links), the published
    address of the folder in an e-mail (``settings.reports_url``), or None when it has
    none (the page is then named by its file, never linked). Returns the HTML text.
    Everything shown is escaped by Jinja's autoescape; only http(s) URLs become links.
    """
    return template("digest.html").render(d=d, index_href=index_href, reports=reports)


def render_change(view: ChangeView) -> str:
    """A change page (``changes/…``): the whole change of a watched page, self-contained."""
    return template("change.html").render(v=view, root="../")


def render_history(view: HistoryView) -> str:
    """A history page (``history/…``): statuses over time, versions, changes linked."""
    return template("history.html").render(v=view, root="../")


def _wdiff(segments: Sequence[Segment]) -> str:
    """A changed sentence in wdiff notation: ``The petition is [-open-]{+closed+}.``"""
    parts = []
    for seg in segments:
        core, tail = seg.text.strip(), " " if seg.text.endswith(" ") else ""
        lead = " " if seg.text.startswith(" ") else ""
        if seg.op == "=":
            parts.append(seg.text)
        elif seg.op == "-":
            parts.append(f"{lead}[-{core}-]{tail}")
        else:
            parts.append(f"{lead}{{+{core}+}}{tail}")
    return "".join(parts).strip()


def render_text(d: Digest, *, reports: str | None = "") -> str:
    """The digest as plain text with the same sections (e-mail text part and ``--text``),
    from ``templates/digest.txt``.

    Takes a ``Digest`` and ``reports`` (as ``render_html``); returns the text. Partner
    text was cleaned by ``build`` (no control or bidi characters), so it cannot drive a
    terminal or reorder a line.
    """
    global _TEXT_ENV
    if _TEXT_ENV is None:
        _TEXT_ENV = _text_env()
    return _TEXT_ENV.get_template("digest.txt").render(d=d, reports=reports)


def _text_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor", "templates"),
        autoescape=False,  # plain text: nothing is markup, and nothing is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        wdiff=_wdiff,
        plural=lambda n, one: wording.plural(n, one),
        counts=lambda pairs: ", ".join(f"{n} {label}" for label, n in pairs),
    )
    env.globals.update(version=__version__)
    return env


_TEXT_ENV: jinja2.Environment | None = None
