"""The digest's HTML (Jinja2, autoescaped, inline styles for mail clients) and its
plain-text twin."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import jinja2

from monitor import __version__, wording
from monitor.digest.model import Digest, Item, Segment
from monitor.digest.text import is_http_url
from monitor.models import Status

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


def render_html(d: Digest, *, index_href: str | None = None) -> str:
    """The digest as one self-contained HTML page (inline styles, no scripts, no fetches).

    Takes a ``Digest``; ``index_href`` adds a link to the list of all digests (the files
    have one, the e-mail has none). Returns the HTML text. Everything shown is escaped by
    Jinja's autoescape; only http(s) URLs become links.
    """
    return template("digest.html").render(d=d, index_href=index_href)


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


def render_text(d: Digest) -> str:
    """The digest as plain text with the same sections (e-mail text part and ``--text``).

    Takes a ``Digest``; returns the text. Partner text was cleaned by ``build`` (no control
    or bidi characters), so it cannot drive a terminal or reorder a line.
    """
    out: list[str] = []
    add = out.append

    def section(title: str) -> None:
        add("")
        add(title.upper())
        add("=" * len(title))

    def places(item: Item, indent: str = "    ") -> None:
        also = ""
        if item.page is not None:
            add(f"{indent}This is a watched page: {item.page.page_name} <{item.page.page_url}>")
            also = "Also linked"
        for p in item.places:
            partner = f" ({p.group})" if p.group != item.group else ""
            where = f"{p.page_name}{partner} <{p.page_url}>"
            add(f"{indent}{also or 'Linked'} from: {where} as “{p.text}”")

    add(d.title)
    add(d.period)
    for n in d.notices:
        add("")
        add(f"!! NOTICE: {n}")
    add("")
    if d.all_clear:
        add("*** ALL CLEAR: nothing needs doing. ***")
    elif d.verdict.kind is wording.VerdictKind.TODO:
        add(f"*** TO DO: {d.headline} ***")
    else:
        add(f"*** {d.headline} ***")
    if d.detail:
        add(d.detail)
    if d.also:
        add("Also: " + ", ".join(f"{n} {label}" for label, n in d.also))

    if d.new:
        section(f"New problems ({d.new_count})")
        for g in d.new:
            add("")
            add(g.name)
            add("-" * min(len(g.name), 72))
            for it in g.items:
                add(f"[{it.symbol} {it.badge}] {it.url}")
                add(f"    {it.headline}")
                places(it)
                if it.since:
                    add(f"    Failing since {it.since}")
                if it.action:
                    add(f"    What to do: {it.action}")
                if it.suggestion:
                    kind = f" ({it.suggestion_label})" if it.suggestion_label else ""
                    add(f"    {it.suggestion_title}{kind}: {it.suggestion}")
    if d.still:
        section(f"Still broken ({len(d.still)})")
        for it in d.still:
            add(f"[{it.symbol}] {it.url} — {it.badge}, since {it.since} · {it.where} ({it.group})")
    if d.attention:
        section(f"Needs attention ({len(d.attention)})")
        add("Changes on these watched pages can go unnoticed: each says what to do.")
        for it in d.attention:
            add(f"[{it.symbol} {it.badge}] {it.url} · {it.where} ({it.group})")
            add(f"    {it.headline}")
    if d.fixed:
        section(f"Fixed ({len(d.fixed)})")
        for it in d.fixed:
            new = (
                f" New address: {it.suggestion}"
                if it.status == Status.MOVED and it.suggestion
                else ""
            )
            add(f"[✔] {it.url} — {it.note}{new} · {it.where} ({it.group})")
    if d.watching:
        section(f"Watching ({len(d.watching)})")
        add("Failed once; the next check confirms it as a problem or clears it.")
        for it in d.watching:
            add(f"[?] {it.url} — {it.headline} ({it.checked}) · {it.where} ({it.group})")
    if d.changes:
        section(f"Content changes ({len(d.changes)})")
        for c in d.changes:
            add("")
            add(f"{c.name} ({c.group}) <{c.url}>")
            if c.reverted:
                add(f"    {c.reverted}")
                continue
            for k in c.keywords:
                add(f"    !! KEYWORD: “{k.word}” {k.event}" + (f" ({k.when})" if k.when else ""))
            for e in c.events:
                if len(c.events) > 1:
                    add(f"    Changed {e.when}:")
                if e.file:
                    add(f"      {e.file}")
                for b in e.blocks:
                    if b.heading:
                        add(f"    Under “{b.heading}”:")
                    for line in b.lines:
                        if line.op == "changed":
                            add(f"      ~ {_wdiff(line.segments)}")
                        else:
                            sign = "+" if line.op == "added" else "-"
                            add(f"      {sign} {line.text}")
                if e.hidden:
                    more = wording.plural(e.hidden, "more changed line")
                    add(f"      … and {more}: run `{e.diff_command}` to see them all")
    if d.moved:
        section(f"Moved: update the link ({len(d.moved)})")
        for it in d.moved:
            add(f"[↪] {it.url}")
            add(f"    -> {it.suggestion or '(no new address known)'} · {it.where} ({it.group})")
    if d.blocked:
        section(f"Blocked: could not verify ({len(d.blocked)})")
        for it in d.blocked:
            note = f" {it.note}" if it.note else ""
            add(f"[⊘] {it.url} — {it.headline}{note} · {it.where} ({it.group})")
    if d.notes:
        section("Notes")
        for note in d.notes:
            add(f"- {note}")
    add("")
    add(f"Times are in {d.timezone}. Written {d.generated} by partner-monitor {__version__}.")
    return "\n".join(out) + "\n"
