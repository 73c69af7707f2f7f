"""Each simulated partner's pages (NHC, Amnesty, FIDH, Viasna, the others, the archive),
as they read on a simulated day.
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

from monitor.demo.addresses import Addresses
from monitor.demo.assets import (
    _CSS,
    _FAVICON,
    _GUIDELINES_PDF,
    _INSTRUCTIONS_PDF,
    _JS,
    _TEMPLATE_PNG,
    _TEMPLATE_ZIP,
    _TRIAL_NOTE_PDF,
    _logo_svg,
)
from monitor.demo.content import (
    _NHC_NEWS,
    _ORGS,
    _VIASNA_NEWS,
    ARCHIVE_API_PATH,
    DAYS,
    HOSTS,
    PETITION_CLOSES,
    SNAPSHOT_STAMP,
    WATCHES,
    _Day,
    _e,
    _Entry,
    _not_found_page,
    _petition_day,
    _section_page,
    _signatures_en,
    _signatures_nl,
)
from monitor.models import Status
from monitor.testing.web import Request, Route


class Partners(Addresses):
    """Each partner's pages on a simulated day (``DemoSite`` scripts the web with them)."""

    def _script(self, n: int) -> tuple[dict[tuple[str, str], _Entry], dict[str, _Entry]]:
        """Every route of day ``n`` with its expected status, and each host's default."""
        if not 1 <= n <= DAYS:
            raise ValueError(f"the demo has days 1..{DAYS}, not {n}")
        d = _Day(self, n)
        # Every site: its chrome's targets, assets and a real 404 for anything else.
        for key, org in _ORGS.items():
            d.defaults[HOSTS[key]] = d.not_found(key)
            for label, path in (*org.nav, *org.footer_links):
                body = _section_page(org, self.url(key, path), label, n)
                d.serve(key, path, _Entry(Route(body=body), Status.OK, html=body))
            d.file(key, "/static/css/site.css", _CSS, "text/css; charset=utf-8")
            d.file(key, "/static/js/site.js", _JS, "text/javascript; charset=utf-8")
            d.file(key, "/static/img/logo.svg", _logo_svg(org.name), "image/svg+xml")
            d.file(key, "/favicon.ico", _FAVICON, "image/x-icon")
            d.serve(key, "/search", _Entry(Route.page("Search", "Type a word."), Status.OK))
        self._nhc(d)
        self._amnesty(d)
        self._fidh(d)
        self._viasna(d)
        self._others(d)
        self._archive(d)
        return d.routes, d.defaults

    def _nhc(self, d: _Day) -> None:
        n = d.n
        files = "/files/campaigns/bialiatski"
        d.serve(
            "nhc",
            f"{files}/behind-bars-template.zip",
            _Entry(Route(body=_TEMPLATE_ZIP, content_type="application/zip"), Status.OK),
        )
        if n == 2:
            # Someone re-uploads the template and it is missing for a day.
            d.serve("nhc", f"{files}/behind-bars-template.png", d.not_found("nhc"))
        else:
            d.serve(
                "nhc",
                f"{files}/behind-bars-template.png",
                _Entry(Route(body=_TEMPLATE_PNG, content_type="image/png"), Status.OK),
            )
        if n >= 2:
            # The instructions were deleted in a clean-up of the media library.
            d.serve("nhc", f"{files}/behind-bars-instructions.pdf", d.not_found("nhc"))
        else:
            d.serve(
                "nhc",
                f"{files}/behind-bars-instructions.pdf",
                _Entry(Route(body=_INSTRUCTIONS_PDF, content_type="application/pdf"), Status.OK),
            )
        home_main = (
            "    <h1>Netherlands Helsinki Committee</h1>\n"
            "    <p>We support human rights defenders, lawyers and journalists in Europe and "
            "Central Asia, and we speak up when they are silenced.</p>\n"
            '    <p><a href="/en/campaign-release-ales-bialiatski">Campaign: free Ales '
            "Bialiatski</a></p>\n"
        )
        d.page("nhc", "/en/", "Netherlands Helsinki Committee", home_main)
        d.page(
            "nhc",
            "/nl/",
            "Nederlands Helsinki Comité",
            home_main.replace("We support", "Wij steunen"),
        )
        for slug, title in _NHC_NEWS:
            main = (
                f"    <h1>{_e(title)}</h1>\n"
                "    <p>News item of the Netherlands Helsinki Committee on its work with human "
                "rights defenders in the OSCE region.</p>\n"
            )
            d.page("nhc", f"/en/news/{slug}", f"{title} | Netherlands Helsinki Committee", main)
        d.page(
            "nhc",
            WATCHES[0].path,
            "Free Ales Bialiatski | Netherlands Helsinki Committee",
            self._campaign_main(n),
            aside=self._campaign_aside(n),
            share=True,
        )
        d.page(
            "nhc",
            WATCHES[1].path,
            "Organisations supporting the call to free Ales Bialiatski | NHC",
            self._organisations_main(),
            share=True,
        )

    def _campaign_main(self, n: int) -> str:
        files = "/files/campaigns/bialiatski"
        return f"""    <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/en/">Home</a> ›
      <a href="/en/campaigns">Campaigns</a> › Free Ales Bialiatski</nav>
    <article>
    <h1>Free Ales Bialiatski</h1>
    <p class="lead">Ales Bialiatski, founder of the Human Rights Centre Viasna and co-laureate
      of the 2022 Nobel Peace Prize, has been behind bars in Belarus since 14 July 2021. The
      Netherlands Helsinki Committee calls for his immediate and unconditional release, and
      for the release of his colleagues.</p>
    <h2>Who is Ales Bialiatski?</h2>
    <p>For more than twenty-five years Ales Bialiatski has documented arrests, torture and
      unfair trials in Belarus. In 1996 he founded Viasna ("Spring"), which grew into the
      country's best-known human rights organisation and has helped thousands of people who
      were persecuted for peaceful protest. He has also served as Vice-President of the
      International Federation for Human Rights (FIDH).</p>
    <p>He was detained together with his Viasna colleagues Valiantsin Stefanovich and
      Uladzimir Labkovich during a wave of searches against human rights defenders. The
      charges against them are widely seen as retaliation for their human rights work.</p>
    <h2>What you can do</h2>
    <ol>
      <li><strong>Sign the petition.</strong> <a href="{_e(self.petition)}">Sign the petition
        for Ales Bialiatski</a>, run by Amnesty International Netherlands together with the
        Netherlands Helsinki Committee. We will hand over the signatures to the embassy of
        Belarus.</li>
      <li><strong>Put yourself behind bars, on paper.</strong> Download the behind-bars
        template (<a href="{files}/behind-bars-template.png">PNG image</a> or
        <a href="{files}/behind-bars-template.zip">ZIP with print and social media
        sizes</a>), take a photo holding it and share it with #FreeAles. Please read the
        <a href="{files}/behind-bars-instructions.pdf">instructions (PDF)</a> first.</li>
      <li><strong>Ask your MP to speak up.</strong> Members of parliament can adopt a
        political prisoner and raise his case with the government.</li>
    </ol>
    <h2>Read more</h2>
    <ul>
      <li><a href="{_e(self.fidh_special)}">FIDH special page: Free Ales Bialiatski</a></li>
      <li><a href="{_e(self.viasna)}">Human Rights Centre Viasna</a> and its
        <a href="{_e(self.viasna_profile)}">profile of Ales Bialiatski</a></li>
      <li><a href="{_e(self.guidelines)}">OSCE/ODIHR Guidelines on the Protection of Human
        Rights Defenders</a></li>
      <li><a href="{_e(self.background)}">Amnesty International: Wie is Ales Bialiatski?</a>
        (in Dutch)</li>
      <li><a href="{WATCHES[1].path}">Organisations supporting this call</a></li>
    </ul>
    <p class="updated">{_e(self._updated(n, 42))}</p>
    </article>
"""

    def _campaign_aside(self, n: int) -> str:
        teasers = "\n".join(
            f'      <li><a href="/en/news/{slug}">{_e(title)}</a></li>' for slug, title in _NHC_NEWS
        )
        return f"""    <section class="teaser petition-teaser">
      <h2>Petition</h2>
      <p class="counter">{_e(_signatures_en(_petition_day(n)))} have signed</p>
      <p><a class="button" href="{_e(self.petition)}">Sign now</a></p>
    </section>
    <section class="teaser related">
      <h2>Related news</h2>
      <ul>
{teasers}
      </ul>
    </section>
    <section class="teaser newsletter">
      <h2>Stay informed</h2>
      <p><a href="/en/newsletter">Subscribe to our newsletter</a></p>
    </section>
"""

    def _organisations_main(self) -> str:
        orgs = (
            (
                "Amnesty International Netherlands",
                self.url("amnesty", "/"),
                "runs the petition together with the NHC",
            ),
            (
                "FIDH – International Federation for Human Rights",
                self.url("fidh", "/en/"),
                "of which Ales Bialiatski is a Vice-President",
            ),
            ("Human Rights Centre Viasna", self.viasna, "the organisation he founded in 1996"),
            (
                "Libereco – Partnership for Human Rights",
                self.libereco,
                "supports political prisoners in Belarus and Ukraine",
            ),
            (
                "Civil Rights Defenders",
                self.url("crd", "/en/"),
                "protects human rights defenders at risk",
            ),
            (
                "Front Line Defenders",
                self.url("fld", "/en/profile/ales-bialiatski"),
                "keeps a profile of his case",
            ),
            ("Netherlands Helsinki Committee", "/en/", "coordinates this campaign"),
        )
        items = "\n".join(
            f'      <li><a href="{_e(u)}">{_e(name)}</a>: {_e(what)}.</li>'
            for name, u, what in orgs
        )
        return f"""    <article>
    <h1>Organisations supporting the call</h1>
    <p>These organisations call together for the immediate and unconditional release of Ales
      Bialiatski and of all political prisoners in Belarus.</p>
    <ul class="organisations">
{items}
    </ul>
    <p>Is your organisation missing? <a href="mailto:campaigns@nhc.example">Tell us</a>.</p>
    </article>
"""

    def _amnesty(self, d: _Day) -> None:
        n = d.n
        d.page(
            "amnesty",
            "/",
            "Amnesty International Nederland",
            """    <h1>Samen komen we op voor mensenrechten</h1>
    <p>Amnesty International Nederland voert campagne tegen onrecht, overal ter wereld.
      Teken onze lopende petities, schrijf een brief of word lid.</p>
    <h2>Lopende acties</h2>
    <ul><li><a href="/kom-in-actie">Alle acties</a></li></ul>
""",
        )
        if n >= PETITION_CLOSES:
            # The petition closed; the CMS now sends its address to the home page.
            d.serve("amnesty", WATCHES[2].path, _Entry(Route.redirect("/", 302), Status.SOFT_404))
            d.serve(
                "amnesty",
                urlsplit(self.background).path,
                _Entry(
                    Route(body=_not_found_page(_ORGS["amnesty"], self.background, n)),
                    Status.SOFT_404,
                ),
            )
        else:
            d.page(
                "amnesty",
                WATCHES[2].path,
                "Teken de petitie: laat Ales Bialiatski vrij | Amnesty International",
                self._petition_main(n),
                share=True,
            )
            d.page(
                "amnesty",
                urlsplit(self.background).path,
                "Wie is Ales Bialiatski? | Amnesty International",
                """    <article>
    <h1>Wie is Ales Bialiatski?</h1>
    <p>Ales Bialiatski is een van de bekendste mensenrechtenverdedigers van Belarus. Hij
      richtte in 1996 het Mensenrechtencentrum Viasna op, dat gevangenen en hun families
      bijstaat en verslag doet van mensenrechtenschendingen.</p>
    <p>Sinds juli 2021 zit hij vast. Amnesty International beschouwt hem als
      gewetensgevangene: hij zit alleen vast vanwege zijn vreedzame werk voor de
      mensenrechten.</p>
    <p>In 2022 kreeg hij de Nobelprijs voor de Vrede, samen met de Russische organisatie
      Memorial en het Oekraïense Center for Civil Liberties.</p>
    </article>
""",
            )

    def _petition_main(self, n: int) -> str:
        return f"""    <article class="petition">
    <h1>Laat Ales Bialiatski vrij</h1>
    <p class="lead">Ales Bialiatski zet zich al tientallen jaren in voor de mensenrechten in
      Belarus. Sinds juli 2021 zit hij vast, net als zijn collega's van het
      Mensenrechtencentrum Viasna. Amnesty International beschouwt hem als
      gewetensgevangene.</p>
    <p class="counter"><strong>{_e(_signatures_nl(n))}</strong> – help ons naar 20.000!</p>
    <form class="petition-form" method="post" action="/petitie/ales-bialiatski/teken">
      <label>Voornaam <input name="voornaam"></label>
      <label>Achternaam <input name="achternaam"></label>
      <label>E-mailadres <input name="email" type="email"></label>
      <label><input type="checkbox" name="updates"> Houd mij op de hoogte</label>
      <button type="submit">Teken nu</button>
    </form>
    <h2>Petitietekst</h2>
    <p>Aan de ambassadeur van de Republiek Belarus,</p>
    <p>Excellentie, ik roep de autoriteiten van Belarus op om Ales Bialiatski en zijn
      collega's van Viasna onmiddellijk en onvoorwaardelijk vrij te laten, en om hun in
      afwachting daarvan toegang te geven tot hun familie, hun advocaten en medische zorg.</p>
    <p>Deze petitie is een gezamenlijke actie van Amnesty International Nederland en het
      Nederlands Helsinki Comité.</p>
    </article>
"""

    def _fidh(self, d: _Day) -> None:
        n = d.n
        d.serve(
            "fidh",
            "/IMG/pdf/belarus-bialiatski-trial-note.pdf",
            _Entry(Route(body=_TRIAL_NOTE_PDF, content_type="application/pdf"), Status.OK),
        )
        d.page(
            "fidh",
            "/en/",
            "FIDH - International Federation for Human Rights",
            "    <h1>FIDH</h1>\n    <p>A federation of 188 human rights organisations.</p>\n",
        )
        verdict = ""
        if n >= 3:
            verdict = """      <li><strong>3 March 2023.</strong> Verdict: the Leninski District
        Court of Minsk sentenced Ales Bialiatski to 10 years in a high-security penal colony,
        after a trial that FIDH considers politically motivated. Valiantsin Stefanovich
        and Uladzimir Labkovich received 9 and 7 years.</li>
"""
        d.page(
            "fidh",
            WATCHES[3].path,
            "#FreeAles: Ales Bialiatski behind bars - FIDH",
            f"""    <article>
    <h1>#FreeAles: FIDH Vice-President Ales Bialiatski behind bars</h1>
    <p class="lead">Ales Bialiatski, Vice-President of FIDH and founder of our member
      organisation Viasna, has been detained in Belarus since July 2021. FIDH demands that
      all charges against him be dropped.</p>
    <h2>Timeline</h2>
    <ul class="timeline">
      <li><strong>14 July 2021.</strong> Ales Bialiatski is arrested in Minsk, together with
        Viasna colleagues, after searches of their homes and offices.</li>
      <li><strong>7 October 2022.</strong> He is awarded the Nobel Peace Prize, together with
        Memorial (Russia) and the Center for Civil Liberties (Ukraine), while in detention.</li>
      <li><strong>5 January 2023.</strong> The trial of Ales Bialiatski, Valiantsin
        Stefanovich and Uladzimir Labkovich opens in Minsk, behind closed doors for most of
        the hearings.</li>
{verdict}    </ul>
    <h2>Take action</h2>
    <ul>
      <li><a href="{_e(self.petition)}">Sign the petition of Amnesty International
        Netherlands and the Netherlands Helsinki Committee</a></li>
      <li><a href="{_e(self.campaign)}">The campaign page of the Netherlands Helsinki
        Committee</a></li>
      <li><a href="{_e(self.viasna)}">Follow Viasna's reporting</a></li>
      <li><a href="/IMG/pdf/belarus-bialiatski-trial-note.pdf">Trial observation note
        (PDF)</a></li>
    </ul>
    <p class="updated">{_e(self._updated(n, 15))}</p>
    </article>
""",
            share=True,
        )

    def _viasna(self, d: _Day) -> None:
        n = d.n
        news = "\n".join(
            f'      <li><a href="/en/news/{slug}">{_e(title)}</a></li>'
            for slug, title in _VIASNA_NEWS
        )
        for slug, title in _VIASNA_NEWS:
            d.page(
                "viasna",
                f"/en/news/{slug}",
                f"{title} | Viasna",
                f"    <h1>{_e(title)}</h1>\n    <p>Report of the Human Rights Centre Viasna.</p>\n",
            )
        d.page(
            "viasna",
            "/en/political-prisoners/ales-bialiatski",
            "Ales Bialiatski | Political prisoners | Viasna",
            """    <article>
    <h1>Ales Bialiatski</h1>
    <p>Chairman of the Human Rights Centre Viasna. Recognised as a political prisoner by
      the Belarusian human rights community. Detained since 14 July 2021.</p>
    <p>Letters can be sent to him through the prison administration; write in Belarusian
      or Russian, and keep to personal and non-political topics.</p>
    </article>
""",
        )
        d.page(
            "viasna",
            "/en/",
            "Human Rights Centre Viasna",
            f"""    <h1>Human Rights Centre Viasna</h1>
    <p>Documenting human rights violations in Belarus since 1996.</p>
    <h2>Latest news</h2>
    <ul class="news">
{news}
    </ul>
    <p><a href="/en/political-prisoners/ales-bialiatski">Ales Bialiatski, our chairman, is a
      political prisoner</a></p>
""",
        )
        if n == 2:
            # The server is down for the day: every address answers 503.
            down = Route(
                status=503,
                body="<html><head><title>503 Service Unavailable</title></head>"
                "<body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>",
            )
            address = HOSTS["viasna"]
            for key in [k for k in d.routes if k[0] == address]:
                d.routes[key] = _Entry(down, Status.SERVER_ERROR)
            d.defaults[address] = _Entry(down, Status.SERVER_ERROR)

    def _others(self, d: _Day) -> None:
        n = d.n
        guidelines_main = f"""    <article>
    <h1>Guidelines on the Protection of Human Rights Defenders</h1>
    <p>The Guidelines were developed by the OSCE Office for Democratic Institutions and
      Human Rights (ODIHR) to help participating States protect human rights defenders,
      who face threats, attacks and judicial harassment for their work.</p>
    <p><a href="/files/f/documents/guidelines-human-rights-defenders.pdf">Download the
      Guidelines (PDF)</a></p>
    <p class="date">Published {date(2014, 6, 10).strftime("%d %B %Y")}</p>
    </article>
"""
        d.serve(
            "osce",
            "/files/f/documents/guidelines-human-rights-defenders.pdf",
            _Entry(Route(body=_GUIDELINES_PDF, content_type="application/pdf"), Status.OK),
        )
        new_path = urlsplit(self.guidelines_moved).path
        old_path = urlsplit(self.guidelines).path
        title = "Guidelines on the Protection of Human Rights Defenders | OSCE"
        if n >= 3:
            # A new site structure: the old numeric address redirects permanently.
            d.page("osce", new_path, title, guidelines_main)
            d.serve(
                "osce",
                old_path,
                _Entry(Route.redirect(new_path, 301), Status.MOVED, self.guidelines_moved),
            )
        else:
            d.page("osce", old_path, title, guidelines_main)

        for key, path, h1, text in (
            (
                "libereco",
                "/en/",
                "Libereco – Partnership for Human Rights",
                "We support political prisoners and civil society in Belarus and Ukraine.",
            ),
            (
                "crd",
                "/en/",
                "Civil Rights Defenders",
                "We defend people's civil and political rights and support human rights "
                "defenders at risk.",
            ),
            (
                "fld",
                "/en/profile/ales-bialiatski",
                "Ales Bialiatski",
                "Human rights defender, founder of the Human Rights Centre Viasna. "
                "Status: detained.",
            ),
        ):
            org = _ORGS[key]
            d.page(
                key, path, f"{h1} | {org.name}", f"    <h1>{_e(h1)}</h1>\n    <p>{_e(text)}</p>\n"
            )
        if n >= 3:
            # The server accepts connections and never answers.
            hang = _Entry(Route(hang=True), Status.TIMEOUT)
            d.serve("libereco", "/en/", hang)
            d.defaults[HOSTS["libereco"]] = hang

    def _archive(self, d: _Day) -> None:
        """A Wayback-style archive: the availability API and the archived copies."""
        address = HOSTS["archive"]

        def available(request: Request) -> Route:
            url = (parse_qs(request.query).get("url") or [""])[0]
            snapshot = self.snapshot(url)
            closest = (
                {
                    "closest": {
                        "available": True,
                        "url": snapshot,
                        "timestamp": SNAPSHOT_STAMP,
                        "status": "200",
                    }
                }
                if snapshot
                else {}
            )
            return Route(
                body=json.dumps({"url": url, "archived_snapshots": closest}),
                content_type="application/json",
            )

        def copy(request: Request) -> Route:
            if not request.path.startswith("/web/"):
                return Route(status=404, body="<h1>Not found</h1>")
            original = request.target.split("/", 3)[3] if request.target.count("/") >= 3 else ""
            return Route.page(
                "Wayback Machine (simulated)",
                f"An archived copy of {original}, as it was saved on 11 June 2024.",
            )

        d.routes[(address, ARCHIVE_API_PATH)] = _Entry(available, Status.OK)
        d.defaults[address] = _Entry(copy, Status.OK)
