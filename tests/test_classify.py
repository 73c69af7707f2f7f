"""check: each status row end to end (SimWeb -> probe -> classify), then the pure rules."""

from __future__ import annotations

import asyncio
import ssl
import string
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import trustme

from monitor.classify import classify, host_profile, page_signals, page_verdict
from monitor.fetch import Fetcher
from monitor.models import FetchError, FetchResult, Hop, HostProfile, LinkVerdict, Status
from monitor.testing.web import Route, SimWeb, html_page

A, B = "127.0.0.2", "127.0.0.3"
HOME_TEXT = " ".join(f"{w} news and campaigns of the partner" for w in string.ascii_lowercase)


def judge(url: str, *, with_profile: bool = False, **options: Any) -> LinkVerdict:
    """Probe ``url`` with a real Fetcher and classify it (with its host's profile if asked)."""
    settings: dict[str, Any] = {
        "user_agent": "pm-test",
        "timeout_s": 1.0,
        "backoff_base_s": 0.01,
        "allow_private_links": True,
    }
    settings.update(options)

    async def main() -> LinkVerdict:
        async with Fetcher(**settings) as fetcher:
            result = await fetcher.probe(url)
            profile = host_profile(await fetcher.missing_path(url)) if with_profile else None
            return classify(result, profile)

    return asyncio.run(main())


# -- one test per status row of the contract, end to end -----------------------------------


def _ok(web: SimWeb) -> str:
    return web.route(A, "/campaign", Route.page("Our campaign", "Join us. 404 volunteers so far!"))


def _ok_after_temporary_redirect(web: SimWeb) -> str:
    web.route(A, "/campaign/", Route.page("Our campaign", "Join us."))
    return web.route(A, "/go", Route.redirect("/campaign/", 302))


def _moved(web: SimWeb) -> str:
    web.route(B, "/new-campaign", Route.page("New campaign"))
    return web.route(A, "/old-campaign", Route.redirect(web.url(B, "/new-campaign"), 301))


def _soft_404_home_redirect(web: SimWeb) -> str:
    web.route(A, "/", Route.page("Partner", HOME_TEXT))
    return web.route(A, "/campaign/2019", Route.redirect("/", 301))


def _soft_404_title(web: SimWeb) -> str:
    return web.route(A, "/actie", Route.page("Pagina niet gevonden - Partner", "Sorry!"))


def _soft_404_catch_all(web: SimWeb) -> str:
    web.default(B, Route.page("Partner", HOME_TEXT))  # every unknown path: the home page
    return web.url(B, "/campaign/removed")


def _broken(web: SimWeb) -> str:
    return web.url(A, "/does-not-exist")


def _server_error(web: SimWeb) -> str:
    return web.route(A, "/crash", Route(status=500))


def _timeout(web: SimWeb) -> str:
    return web.route(A, "/hang", Route(hang=True))


def _unreachable(web: SimWeb) -> str:
    return "http://127.0.0.2:9/"  # discard port: nobody listens


def _blocked(web: SimWeb) -> str:
    return web.route(A, "/members", Route(status=403))


def _blocked_after_retries(web: SimWeb) -> str:
    return web.route(A, "/busy", Route(status=429, headers={"Retry-After": "0"}))


def _skipped(web: SimWeb) -> str:
    return web.route(A, "/intranet", Route.page("Intranet"))


@pytest.mark.parametrize(
    ("setup", "options", "status", "reason"),
    [
        pytest.param(_ok, {}, Status.OK, None, id="ok"),
        pytest.param(_ok_after_temporary_redirect, {}, Status.OK, None,
                     id="ok after a temporary redirect"),
        pytest.param(_moved, {}, Status.MOVED, "Moved permanently to http://127.0.0.3", id="moved"),
        pytest.param(_soft_404_home_redirect, {}, Status.SOFT_404, "home page",
                     id="soft_404 by a redirect to the home page"),
        pytest.param(_soft_404_title, {}, Status.SOFT_404, "Pagina niet gevonden",
                     id="soft_404 by a not-found title"),
        pytest.param(_soft_404_catch_all, {"with_profile": True}, Status.SOFT_404,
                     "any missing address", id="soft_404 by the host's missing-path page"),
        pytest.param(_broken, {}, Status.BROKEN, "Page not found (404)", id="broken"),
        pytest.param(_server_error, {}, Status.SERVER_ERROR, "Server error (500",
                     id="server_error"),
        pytest.param(_timeout, {"timeout_s": 0.5, "retries": 0}, Status.TIMEOUT,
                     "did not answer within 0.5 s", id="timeout"),
        pytest.param(_unreachable, {}, Status.UNREACHABLE, "refused the connection",
                     id="unreachable"),
        pytest.param(_blocked, {}, Status.BLOCKED, "(403): could not verify", id="blocked"),
        pytest.param(_blocked_after_retries, {"retries": 1}, Status.BLOCKED, "(429)",
                     id="blocked by 429 after retries"),
        pytest.param(_skipped, {"allow_private_links": False}, Status.SKIPPED,
                     "private or local network", id="skipped"),
    ],
)  # fmt: skip
def test_each_status_of_the_contract_end_to_end(
    simweb: SimWeb,
    setup: Callable[[SimWeb], str],
    options: dict[str, Any],
    status: Status,
    reason: str | None,
) -> None:
    verdict = judge(setup(simweb), **options)
    assert verdict.status is status
    if reason is None:
        assert verdict.reason is None
    else:
        assert reason in (verdict.reason or "")


@pytest.fixture
def untrusted_https() -> Iterator[SimWeb]:
    """An HTTPS SimWeb whose certificate comes from a CA nobody trusts."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.6").configure_cert(context)
    with SimWeb(hosts=["127.0.0.6"], ssl_context=context) as web:
        yield web


def test_tls_error_end_to_end(untrusted_https: SimWeb) -> None:
    url = untrusted_https.route("127.0.0.6", "/secure", Route.page("Secure"))
    verdict = judge(url)
    assert verdict.status is Status.TLS_ERROR
    assert (verdict.reason or "").startswith("The certificate of this site is not valid: ")


def test_a_catch_all_hosts_own_home_page_stays_ok(simweb: SimWeb) -> None:
    simweb.default(B, Route.page("Partner", HOME_TEXT))
    home = simweb.route(B, "/", Route.page("Partner", HOME_TEXT))
    real = simweb.route(B, "/campaign", Route.page("Campaign", "A real page about the campaign."))
    assert judge(home, with_profile=True).status is Status.OK
    assert judge(real, with_profile=True).status is Status.OK


def test_a_moved_link_suggests_the_final_url(simweb: SimWeb) -> None:
    verdict = judge(_moved(simweb))
    assert verdict.suggestion == simweb.url(B, "/new-campaign")
    assert verdict.final_url == simweb.url(B, "/new-campaign")
    assert verdict.http_status == 200


# -- the pure rules ------------------------------------------------------------------------

LINK = "https://partner.org/campaign/2024"


def fetched(
    url: str = LINK,
    status: int | None = 200,
    *,
    title: str | None = None,
    h1: str | None = None,
    text: str = "Some real content about the campaign.",
    hops: tuple[Hop, ...] = (),
    final: str | None = None,
    headers: dict[str, str] | None = None,
    error: FetchError | None = None,
    detail: str | None = None,
    timeout_s: float | None = None,
) -> FetchResult:
    """A FetchResult as the Fetcher would give it; an HTML body when ``title`` is given."""
    body = html_page(title, text, h1=h1).encode() if title is not None else b""
    all_headers = {"content-type": "text/html; charset=utf-8"} if title is not None else {}
    all_headers.update(headers or {})
    return FetchResult(
        url=url,
        final_url=final or url,
        status_code=status,
        hops=hops,
        headers=all_headers,
        body=body,
        error=error,
        error_detail=detail,
        timeout_s=timeout_s,
    )


def redirected(chain: list[tuple[str, int]], final: str, **kw: Any) -> FetchResult:
    """``chain`` = [(url, code), ...] leading to ``final``."""
    targets = [u for u, _ in chain[1:]] + [final]
    hops = tuple(Hop(u, code, t) for (u, code), t in zip(chain, targets, strict=True))
    return fetched(chain[0][0], hops=hops, final=final, **kw)


@pytest.mark.parametrize(
    ("result", "status"),
    [
        pytest.param(fetched(title="Campaign", text="We fixed 404 broken links this year."),
                     Status.OK, id="a page that mentions 404 in its text is ok"),
        pytest.param(fetched(title="Route 404 to Paris"), Status.OK,
                     id="a title with 404 as a number is ok"),
        pytest.param(fetched(title="Found and lost: an exhibition"), Status.OK,
                     id="a title with found in it is ok"),
        pytest.param(fetched(title="404 | Partner"), Status.SOFT_404, id="title 404 | site"),
        pytest.param(fetched(title="Error 404"), Status.SOFT_404, id="title Error 404"),
        pytest.param(fetched(title="404 Not Found"), Status.SOFT_404, id="title 404 Not Found"),
        pytest.param(fetched(title="Not Found"), Status.SOFT_404, id="title Not Found"),
        pytest.param(fetched(title="Partner", h1="Oops! Page not found"), Status.SOFT_404,
                     id="English h1"),
        pytest.param(fetched(title="Pagina niet gevonden"), Status.SOFT_404, id="Dutch"),
        pytest.param(fetched(title="Page introuvable – Partenaire"), Status.SOFT_404,
                     id="French"),
        pytest.param(fetched(title="Страница не найдена"), Status.SOFT_404, id="Russian"),
        pytest.param(fetched(title="Старонка не знойдзена"), Status.SOFT_404, id="Belarusian"),
        pytest.param(fetched(title="Seite nicht gefunden"), Status.SOFT_404, id="German"),
        pytest.param(fetched(title="Página no encontrada"), Status.SOFT_404, id="Spanish"),
        pytest.param(fetched(title="Pagina no encontrada"), Status.SOFT_404,
                     id="Spanish without accents"),
        pytest.param(fetched(title="Partner", h1="Erreur 404"), Status.SOFT_404, id="French h1"),
    ],
)  # fmt: skip
def test_not_found_wording_in_title_or_heading_is_a_soft_404(
    result: FetchResult, status: Status
) -> None:
    assert classify(result).status is status


@pytest.mark.parametrize(
    ("result", "status", "suggestion"),
    [
        pytest.param(redirected([("http://partner.org/a", 301)], "https://partner.org/a"),
                     Status.MOVED, "https://partner.org/a", id="http to https is moved"),
        pytest.param(redirected([("https://partner.org/a", 308)], "https://partner.org/a/"),
                     Status.MOVED, "https://partner.org/a/", id="trailing slash is moved"),
        pytest.param(redirected([("https://partner.org/a", 301), ("https://partner.org/b", 302)],
                                "https://partner.org/b?session=1"),
                     Status.MOVED, "https://partner.org/b",
                     id="moved suggests the permanent target, not a temporary hop after it"),
        pytest.param(redirected([(LINK, 302)], "https://partner.org/campaign/2024/"),
                     Status.OK, None, id="a temporary redirect is ok"),
        pytest.param(redirected([(LINK, 301)], "https://partner.org/"),
                     Status.SOFT_404, None, id="a deep link moved to the home page is soft_404"),
        pytest.param(redirected([(LINK, 302)], "https://www.partner.org/nl/"),
                     Status.SOFT_404, None, id="a deep link sent to a language root is soft_404"),
        pytest.param(redirected([("http://partner.org/", 301)], "https://www.partner.org/"),
                     Status.MOVED, "https://www.partner.org/", id="home to home is moved"),
        pytest.param(redirected([("https://partner.org/en/", 301)], "https://partner.org/"),
                     Status.MOVED, "https://partner.org/", id="a language root to home is moved"),
        pytest.param(redirected([("https://bit.ly/3xYz", 301)], "https://partner.org/"),
                     Status.MOVED, "https://partner.org/",
                     id="a shortener leading to another site's home is not soft_404"),
        pytest.param(redirected([(LINK, 302)], "https://partner.org/login?next=/campaign/2024"),
                     Status.OK, None, id="a redirect to a login page is ok"),
    ],
)  # fmt: skip
def test_redirects_are_judged_by_where_they_lead(
    result: FetchResult, status: Status, suggestion: str | None
) -> None:
    verdict = classify(result)
    assert (verdict.status, verdict.suggestion) == (status, suggestion)


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        pytest.param(redirected([("http://partner.org/a", 301)], "https://partner.org/a"),
                     "Moved permanently to https://partner.org/a: update the link",
                     id="to a page: update the link"),
        pytest.param(redirected([("https://bit.ly/3xYz", 301)], "https://partner.org/"),
                     "Moved permanently to the home page of partner.org: check that it still "
                     "leads where it should", id="to another site's home: check where it leads"),
    ],
)  # fmt: skip
def test_a_moved_link_says_what_to_do_about_it(result: FetchResult, reason: str) -> None:
    assert classify(result).reason == reason


def test_a_not_found_title_in_cp1251_declared_after_inline_script_is_a_soft_404() -> None:
    script = "<script>var config = {" + "'k': 'v', " * 600 + "};</script>"
    body = (
        f"<html><head>{script}<meta charset='windows-1251'>"
        "<title>Старонка не знойдзена</title></head><body><p>Nothing here.</p></body></html>"
    ).encode("cp1251")
    assert body.index(b"<meta") > 4096
    result = FetchResult(
        url=LINK, final_url=LINK, status_code=200, headers={"content-type": "text/html"}, body=body
    )
    assert classify(result).status is Status.SOFT_404


@pytest.mark.parametrize(
    ("result", "link_status", "page_status"),
    [
        pytest.param(redirected([(LINK, 302)], "https://partner.org/login?next=/campaign/2024"),
                     Status.OK, Status.BLOCKED, id="a redirect to a login page"),
        pytest.param(redirected([(LINK, 302)], "https://other.org/"),
                     Status.OK, Status.SOFT_404, id="a deep page sent to another site's home"),
        pytest.param(redirected([(LINK, 301)], "https://other.org/"),
                     Status.MOVED, Status.SOFT_404, id="a deep page moved to another site's home"),
        pytest.param(redirected([("https://partner.org/", 301)], "https://other.org/"),
                     Status.MOVED, Status.SOFT_404, id="a site root moved to another site's home"),
        pytest.param(redirected([("https://freeales.fidh.net/", 302)], "https://www.fidh.org/en/"),
                     Status.OK, Status.SOFT_404,
                     id="a campaign microsite sent to its organisation's home"),
        pytest.param(redirected([("https://freeales.fidh.org/", 302)], "https://www.fidh.org/"),
                     Status.OK, Status.SOFT_404,
                     id="a subdomain microsite sent to its organisation's home"),
        pytest.param(redirected([(LINK, 302)], "https://login.partner.org/"),
                     Status.SOFT_404, Status.BLOCKED,
                     id="a deep page sent to the root of a login host is blocked"),
        pytest.param(redirected([("http://partner.org/", 301)], "https://www.partner.org/"),
                     Status.MOVED, Status.MOVED, id="a site root moved to https www stays moved"),
        pytest.param(redirected([("https://partner.org/", 302)], "https://partner.org/nl/"),
                     Status.OK, Status.OK, id="a site root sent to its own language root stays ok"),
        pytest.param(redirected([(LINK, 302)], "https://partner.org/campaign/2024/"),
                     Status.OK, Status.OK, id="a temporary redirect to the page itself stays ok"),
    ],
)  # fmt: skip
def test_a_watched_page_is_judged_stricter_than_a_link_where_its_text_is_lost(
    result: FetchResult, link_status: Status, page_status: Status
) -> None:
    assert classify(result).status is link_status
    verdict = page_verdict(result)
    assert verdict.status is page_status
    if page_status is Status.SOFT_404:
        assert f"home page of {urlsplit(result.final_url).hostname}" in (verdict.reason or "")


def test_a_watched_page_that_always_landed_on_another_sites_home_is_watched_there() -> None:
    short = redirected([("https://amnesty.nl/freeales", 301)], "https://freeales.org/")
    assert page_verdict(short).status is Status.SOFT_404  # it used to land elsewhere
    assert page_verdict(short, landed="https://www.freeales.org").status is Status.MOVED
    assert page_verdict(short, landed="https://amnesty.nl/freeales").status is Status.SOFT_404


def _with_body(html: str) -> FetchResult:
    return FetchResult(
        url=LINK,
        final_url=LINK,
        status_code=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=html.encode(),
    )


_LOGIN_BOX = "<form><input name=user><input type=password name=pw><button>Log in</button></form>"
# About 500 characters of text (a login wall is under 600): a real petition can be this short.
_SHORT_PETITION = (
    "<main><h1>Free Ales Bialiatski</h1><p>Ales Bialiatski, Nobel Peace Prize laureate and "
    "founder of the Viasna Human Rights Centre, is serving ten years in prison for his human "
    "rights work.</p><p>We call on the Belarusian authorities to release him and every "
    "political prisoner immediately and unconditionally, and to end the persecution of "
    "human rights defenders.</p><p>Add your name: we will hand the signatures to the "
    "embassy of Belarus in The Hague on 10 December, Human Rights Day. Share this page with "
    "your friends.</p></main>"
)


@pytest.mark.parametrize(
    ("html", "status"),
    [
        pytest.param("<title>Members</title><h1>Members only</h1><form><input name=u>"
                     "<input type=PASSWORD name=p><button>Log in</button></form>",
                     Status.BLOCKED, id="a login form and little else is blocked"),
        pytest.param("<title>Petition</title><header><form><input type=password></form>"
                     "</header><main><h1>Free them</h1>" + "<p>We call on the authorities "
                     "to release every political prisoner without delay.</p>" * 12 + "</main>",
                     Status.OK, id="a petition with a login box in its header stays ok"),
        pytest.param(f"<title>Petition</title><header>{_LOGIN_BOX}</header>{_SHORT_PETITION}",
                     Status.OK, id="a short petition with a login box in its header stays ok"),
        pytest.param(f"<title>Petition</title><nav>{_LOGIN_BOX}</nav>{_SHORT_PETITION}",
                     Status.OK, id="a short petition with a login box in its navigation stays ok"),
        pytest.param(f"<title>Petition</title>{_SHORT_PETITION}<aside>{_LOGIN_BOX}</aside>",
                     Status.OK, id="a short petition with a login box in a sidebar stays ok"),
        pytest.param(f"<title>Petition</title>{_SHORT_PETITION}<footer>{_LOGIN_BOX}</footer>",
                     Status.OK, id="a short petition with a login box in its footer stays ok"),
        pytest.param(f"<title>Petition</title><div role='banner'><p>Amnesty</p>{_LOGIN_BOX}"
                     f"</div>{_SHORT_PETITION}",
                     Status.OK, id="a short petition with a login box in a banner div stays ok"),
        pytest.param(f"<title>Petition</title><div role='Navigation menubar'>{_LOGIN_BOX}</div>"
                     f"{_SHORT_PETITION}",
                     Status.OK, id="a login box in a role=navigation div stays ok"),
        pytest.param(f"<title>Members</title><header><p>{'Amnesty International ' * 40}</p>"
                     f"</header><main><h1>Members only</h1>{_LOGIN_BOX}</main>",
                     Status.BLOCKED, id="a login form under a long header is still blocked"),
        pytest.param(f"<title>Members</title><div role='navigation'>{'Home About ' * 60}</div>"
                     f"<main><h1>Members only</h1>{_LOGIN_BOX}</main>",
                     Status.BLOCKED, id="a login form beside a long navigation div is blocked"),
        pytest.param(f"<title>Petition</title><main>{_LOGIN_BOX}{_SHORT_PETITION * 2}</main>",
                     Status.OK, id="a login box beside a page of real text stays ok"),
        pytest.param(f"<title>Petition</title><div hidden>{_LOGIN_BOX}</div>{_SHORT_PETITION}",
                     Status.OK, id="a hidden login pop-up stays ok"),
        pytest.param(f"<title>Petition</title><dialog>{_LOGIN_BOX}</dialog>{_SHORT_PETITION}",
                     Status.OK, id="a login dialog stays ok"),
        pytest.param(f"<title>Petition</title><main>{_LOGIN_BOX}"
                     f"<style>{'.a{color:red}' * 7000}</style>{_SHORT_PETITION * 2}</main>",
                     Status.OK, id="an article after 84 KB of css is measured too"),
        pytest.param(f"<title>Petition</title><div style='display: none'>{_LOGIN_BOX}</div>"
                     f"{_SHORT_PETITION}",
                     Status.OK, id="a login box styled hidden stays ok"),
    ],
)  # fmt: skip
def test_a_watched_page_that_became_a_login_form_is_blocked(html: str, status: Status) -> None:
    verdict = page_verdict(_with_body(html))
    assert verdict.status is status
    if status is Status.BLOCKED:
        assert "login form" in (verdict.reason or "")


@pytest.mark.parametrize(
    ("target", "login"),
    [
        pytest.param("https://partner.org/login", True, id="/login"),
        pytest.param("https://partner.org/user/login", True, id="/user/login"),
        pytest.param("https://partner.org/sign-in", True, id="/sign-in"),
        pytest.param("https://partner.org/sign_in/", True, id="/sign_in/"),
        pytest.param("https://partner.org/wp-login.php", True, id="/wp-login.php"),
        pytest.param("https://partner.org/account/login?next=/campaign/2024", True,
                     id="/account/login?next="),
        pytest.param("https://partner.org/auth/", True, id="/auth/"),
        pytest.param("https://partner.org/sso/", True, id="/sso/"),
        pytest.param("https://partner.org/Account/LogOn", True, id="/Account/LogOn"),
        pytest.param("https://partner.org/login.aspx", True, id="/login.aspx"),
        pytest.param("https://partner.org/member-login", True, id="/member-login"),
        pytest.param("https://partner.org/nl/inloggen", True, id="/nl/inloggen"),
        pytest.param("https://partner.org/oauth2/authorize", True, id="/oauth2/authorize"),
        pytest.param("https://login.partner.org/session", True, id="a login host"),
        pytest.param("https://partner.org/petitions/sign-in-solidarity-with-ales", False,
                     id="a petition whose slug starts with sign-in"),
        pytest.param("https://partner.org/login-to-our-campaign-news", False,
                     id="a page whose slug starts with login"),
        pytest.param("https://partner.org/authors/ales", False, id="/authors/"),
        pytest.param("https://partner.org/casus/belarus", False, id="/casus/"),
        pytest.param("https://partner.org/campaign/2024/blogin", False, id="blogin"),
    ],
)  # fmt: skip
def test_a_watched_page_redirected_to_a_login_path_is_blocked_and_a_slug_is_not(
    target: str, login: bool
) -> None:
    verdict = page_verdict(redirected([(LINK, 302)], target))
    assert (verdict.status is Status.BLOCKED) is login, verdict
    assert ("login page" in (verdict.reason or "")) is login


def test_a_login_redirect_explains_that_it_could_not_look_behind_it() -> None:
    verdict = classify(redirected([(LINK, 302)], "https://accounts.partner.org/signin"))
    assert verdict.status is Status.OK
    assert "login page" in (verdict.reason or "")


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        pytest.param(404, Status.BROKEN, "Page not found (404)", id="404"),
        pytest.param(410, Status.BROKEN, "The page was removed (410 Gone)", id="410"),
        pytest.param(400, Status.BROKEN, "(400 Bad Request)", id="400"),
        pytest.param(418, Status.BROKEN, "418", id="any other 4xx"),
        pytest.param(401, Status.BLOCKED, "Needs a login (401)", id="401"),
        pytest.param(403, Status.BLOCKED, "Login or bot protection (403): could not verify",
                     id="403"),
        pytest.param(429, Status.BLOCKED, "(429)", id="429"),
        pytest.param(999, Status.BLOCKED, "(999)", id="999"),
        pytest.param(500, Status.SERVER_ERROR, "Server error (500 Internal Server Error)",
                     id="500"),
        pytest.param(503, Status.SERVER_ERROR, "temporarily unavailable (503)", id="503"),
        pytest.param(304, Status.OK, None, id="304 not modified"),
    ],
)  # fmt: skip
def test_http_codes_map_to_the_contract_statuses(
    code: int, status: Status, reason: str | None
) -> None:
    verdict = classify(fetched(status=code))
    assert (verdict.status, verdict.http_status) == (status, code)
    if reason is None:
        assert verdict.reason is None
    else:
        assert reason in (verdict.reason or "")


def test_a_bot_challenge_503_is_blocked_not_a_server_error() -> None:
    verdict = classify(fetched(status=503, headers={"cf-mitigated": "challenge"}))
    assert verdict.status is Status.BLOCKED


@pytest.mark.parametrize(
    ("error", "detail", "status", "reason"),
    [
        pytest.param(FetchError.TIMEOUT, "no complete answer within 20 s", Status.TIMEOUT,
                     "The server did not answer within 20 s", id="timeout"),
        pytest.param(FetchError.DNS, "[Errno -2] Name or service not known", Status.UNREACHABLE,
                     "DNS lookup failed", id="dns"),
        pytest.param(FetchError.REFUSED, "connection refused", Status.UNREACHABLE,
                     "refused the connection", id="refused"),
        pytest.param(FetchError.RESET, "reset", Status.UNREACHABLE, "cut off", id="reset"),
        pytest.param(FetchError.TLS, "certificate has expired", Status.TLS_ERROR,
                     "The certificate of this site is not valid: certificate has expired",
                     id="expired certificate"),
        pytest.param(FetchError.TLS, "wrong version number", Status.TLS_ERROR,
                     "The secure connection to this site failed", id="handshake failure"),
        pytest.param(FetchError.REDIRECT_LOOP, "redirects back to x", Status.BROKEN,
                     "Redirects in a loop", id="loop"),
        pytest.param(FetchError.TOO_MANY_REDIRECTS, "more than 10", Status.BROKEN,
                     "More than 10 redirects", id="too many redirects"),
        pytest.param(FetchError.BAD_REDIRECT, "points to a file: address (file:///x)",
                     Status.BROKEN, "Broken redirect: points to a file: address",
                     id="bad redirect"),
        pytest.param(FetchError.PROTOCOL, "illegal header line", Status.SERVER_ERROR,
                     "malformed answer", id="protocol"),
        pytest.param(FetchError.PRIVATE_REDIRECT, "10.0.0.1 is a private address",
                     Status.SKIPPED, "private or local network", id="private"),
        pytest.param(FetchError.INVALID_URL, "invalid URL: bad host", Status.BROKEN,
                     "not a valid web address", id="invalid URL"),
        pytest.param(FetchError.NO_ROUTE, "[Errno 101] Network is unreachable",
                     Status.UNREACHABLE, "No network route to the site", id="no route"),
        pytest.param(FetchError.OTHER, "could not connect: no route to host", Status.UNREACHABLE,
                     "Could not check the link", id="other"),
    ],
)  # fmt: skip
def test_fetch_errors_map_to_a_status_and_a_clear_sentence(
    error: FetchError, detail: str, status: Status, reason: str
) -> None:
    limit = 20.0 if error is FetchError.TIMEOUT else None
    verdict = classify(fetched(status=None, error=error, detail=detail, timeout_s=limit))
    assert verdict.status is status
    assert reason in (verdict.reason or "")


def test_every_non_ok_verdict_has_a_reason() -> None:
    results = [fetched(status=code) for code in (301, 400, 403, 404, 429, 500, 503, 999)] + [
        fetched(status=None, error=error, detail="x") for error in FetchError
    ]
    for result in results:
        verdict = classify(result)
        assert verdict.status is Status.OK or verdict.reason, result


# -- soft-404 by the host's profile ---------------------------------------------------------


def profile_of(
    title: str, text: str, *, status: int = 200, final: str | None = None
) -> HostProfile:
    probe_url = "https://partner.org/0123abcd-pm-probe"
    return host_profile(fetched(probe_url, status, title=title, text=text, final=final))


NOT_HERE = " ".join(
    ["We looked everywhere but this page has wandered off."] * 3
    + ["Try the search box or go back to the home page of the partner."] * 2
)


@pytest.mark.parametrize(
    ("result", "profile", "status"),
    [
        pytest.param(fetched(title="Partner", text=HOME_TEXT), profile_of("Partner", HOME_TEXT),
                     Status.SOFT_404, id="a deep link showing the catch-all page is soft_404"),
        pytest.param(fetched("https://partner.org/", title="Partner", text=HOME_TEXT),
                     profile_of("Partner", HOME_TEXT), Status.OK,
                     id="the home page itself on a catch-all host is ok"),
        pytest.param(fetched(title="Campaign", text="A real page."),
                     profile_of("Partner", HOME_TEXT), Status.OK,
                     id="a different page on a catch-all host is ok"),
        pytest.param(fetched(title="Partner", text=HOME_TEXT + " Our campaign page."),
                     profile_of("Partner", HOME_TEXT), Status.SOFT_404,
                     id="near-identical text is soft_404"),
        pytest.param(fetched(title="Partner", text=HOME_TEXT), profile_of("Partner", HOME_TEXT,
                     status=404), Status.OK, id="a host with real 404s says nothing"),
        pytest.param(fetched(title="App", text="Loading"), profile_of("App", "Loading"),
                     Status.OK, id="an app shell serving every route alike is not evidence"),
        pytest.param(fetched(title="Sorry", text="The page /campaign/2024 is gone. " + NOT_HERE),
                     profile_of("Sorry", "The page /0123abcd-pm-probe is gone. " + NOT_HERE),
                     Status.SOFT_404, id="a missing-path page echoing the path still matches"),
        pytest.param(redirected([(LINK, 302)], "https://partner.org/search?q=notfound"),
                     profile_of("Search", "x", final="https://partner.org/search?q=notfound"),
                     Status.SOFT_404, id="redirected where every missing path goes"),
        pytest.param(fetched(title="Partner", text=HOME_TEXT),
                     HostProfile("https://other.org", 200, "https://other.org/x", "Partner",
                                 profile_of("Partner", HOME_TEXT).fingerprint, 100),
                     Status.OK, id="another host's profile is ignored"),
    ],
)  # fmt: skip
def test_the_host_profile_finds_pages_that_look_like_a_missing_path(
    result: FetchResult, profile: HostProfile, status: Status
) -> None:
    assert classify(result, profile).status is status


def test_host_profile_summarises_the_missing_path_answer() -> None:
    profile = profile_of("Partner", HOME_TEXT)
    assert profile.host == "https://partner.org"
    assert (profile.status_code, profile.title) == (200, "Partner")
    assert len(profile.fingerprint) > 20
    assert profile.length > 100
    failed = host_profile(fetched(status=None, error=FetchError.TIMEOUT))
    assert (failed.status_code, failed.fingerprint) == (None, frozenset())


# -- page signals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        pytest.param(b"<html><head><title> A\n  page </title></head><body><h1>Big <b>news</b></h1>"
                     b"<h1>second</h1></body></html>", "text/html", ("A page", "Big news"),
                     id="title and first h1, whitespace collapsed"),
        pytest.param("<title>Новости</title>".encode("cp1251"), "text/html; charset=windows-1251",
                     ("Новости", ""), id="charset from the header"),
        pytest.param(b'<meta charset="iso-8859-1"><title>Caf\xe9</title>', "text/html",
                     ("Café", ""), id="charset from a meta tag"),
        pytest.param(b"<title>x</title>", "application/pdf", ("", ""), id="not HTML"),
        pytest.param(b"", "text/html", ("", ""), id="empty"),
        pytest.param(b"   \n ", "text/html", ("", ""), id="blank"),
        pytest.param(b"<title>Undeclared</title>", "", ("Undeclared", ""),
                     id="undeclared type that looks like HTML"),
        pytest.param(b'<?xml version="1.0" encoding="utf-8"?><html><title>X</title></html>',
                     "application/xhtml+xml", ("X", ""), id="XHTML with an XML declaration"),
    ],
)  # fmt: skip
def test_page_signals_read_title_and_main_heading(
    body: bytes, content_type: str, expected: tuple[str, str]
) -> None:
    assert page_signals(body, content_type) == expected
