"""Pure: which parts of a page's text move on every visit without saying anything new.

This module owns the line-level noise rules applied to a watched page's text before it
is compared (``extract`` calls :func:`drop_noise`; ``run`` calls :func:`steady_title`):

* whole lines that are page furniture: datelines and bylines ("Posted on 2 May 2024 by
  FIDH"), "Read also" captions, entries of live feeds ("Tomas K. signed 3 minutes ago",
  "Alena · 2 days ago");
* parts of lines that move: a live signature count ("12,345 people have signed",
  "Signatures: 12,345", "24% of our goal", "37,655 to go", in any form a number is
  written: "1.2k", "12'345", "12 тыс.", "12 duizend"), a trailing relative time
  ("…, announced 2 hours ago"), view and comment counts, a copyright year, a
  temperature, "page generated in 0.2 s".

The rule everywhere: cut only what moves, keep the news beside it. "The petition is
closed. 12,345 people have signed." is compared as "The petition is closed.";
"Sentenced on 3 March 2023 by Minsk City Court" is news, not a byline; a bare date
under a section heading or a label ("Next court hearing" / "15 June 2025") is news, not
a dateline. Forms are known in English, Dutch, French, German, Spanish, Russian,
Belarusian and Ukrainian. Everything here takes strings and returns strings; every count
pattern starts only where a count can start (``_START``), so a hostile 1 MB line of
digits and separators is read in linear time (tests/test_noise.py feeds such lines).
"""

from __future__ import annotations

import re

__all__ = ["drop_noise", "is_dateline", "line", "live_counts", "steady_title"]

# ------------------------------------------------------------------- dates

# Month names as they appear in datelines of the partner sites we watch: English,
# French, German, Dutch, Spanish, Russian, Belarusian, Ukrainian (nominative and genitive).
_MONTHS = (
    r"jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?"
    r"|aug(?:ust|\.)?|sep(?:t|tember|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?"
    r"|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre"
    r"|d[ée]cembre|januar|februar|m[äa]rz|juni|juli|oktober|dezember|januari|februari"
    r"|maart|mei|augustus|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre"
    r"|octubre|noviembre|diciembre"
    r"|январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]"
    r"|октябр[ья]|ноябр[ья]|декабр[ья]"
    r"|студзен[ья]|лют(?:ы|ага)|сакав[іи]ка?|красав[іи]ка?|травен[ья]|чэрвен[ья]|ліпен[ья]"
    r"|жн[іи](?:вен[ья]|ўня)|верас(?:ень|ня)|кастрычн[іи]ка?|л[іи]стапада?|снеж(?:ань|ня)"
    r"|с[іи]ч(?:ень|ня)|лют(?:ий|ого)|берез(?:ень|ня)|кв[іи]т(?:ень|ня)|трав(?:ень|ня)"
    r"|черв(?:ень|ня)|лип(?:ень|ня)|серп(?:ень|ня)|верес(?:ень|ня)|жовт(?:ень|ня)|груд(?:ень|ня)"
)
_DATE = re.compile(
    rf"""(?<!\w)(?:
        \d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[T\s]\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?
      | \d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}
      | \d{{1,2}}\s+de\s+(?:{_MONTHS})(?!\w)(?:\s+de\s+\d{{4}})?
      | \d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:{_MONTHS})(?!\w),?(?:\s+\d{{4}})?
      | (?:{_MONTHS})(?!\w)\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}
      | (?:{_MONTHS})(?!\w)\s+\d{{4}}
      | \d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s*[ap]\.?m\.?)?
      | \d{{1,2}}h\d{{2}}
    )(?!\w)""",
    re.I | re.X,
)
# Words that may stand beside a date in a line that says nothing but "when".
_DATE_FILLER = frozenset(
    (
        "at", "on", "the", "of", "in", "le", "am", "de", "del", "den", "updated", "last",
        "update", "published", "posted", "date", "time", "utc", "gmt", "cet", "cest", "eet",
        "eest", "msk", "modified", "created", "mis", "jour", "publié", "publie",
        "veröffentlicht", "aktualisiert", "г", "года", "году", "гг", "в", "у", "обновлено",
        "опубликовано", "дата", "время", "абноўлена", "апублікавана", "оновлено",
        "опубліковано", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "lundi", "mardi",
        "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "понедельник", "вторник",
        "среда", "четверг", "пятница", "суббота", "воскресенье", "пн", "вт", "ср", "чт",
        "пт", "сб", "вс", "панядзелак", "аўторак", "серада", "чацвер", "пятніца", "субота",
        "нядзеля", "à", "op", "om", "um", "uhr", "bijgewerkt", "geplaatst", "gepubliceerd",
        "laatst", "gewijzigd", "actualisé", "actualise", "modifié", "modifie", "stand",
        "actualizado", "publicado", "el", "a", "las", "hrs", "h", "zuletzt", "page", "this",
        "was", "read", "min", "minutes", "lesezeit", "leestijd", "today", "is", "it",
        "vandaag", "aujourd", "hui", "heute", "hoy", "сегодня",
    )
)  # fmt: skip
_BYLINE = re.compile(
    r"(?<!\w)(?:by|par|von|door|por|автор|аўтар|posted|published|updated|опубликовано"
    r"|обновлено|апублікавана|абноўлена)(?!\w)",
    re.I,
)
_NAME_PARTICLES = frozenset({"de", "van", "der", "den", "von", "la", "le", "du", "da", "di"})
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


_BY_LEAD = re.compile(r"^[\s,;:|—–-]*(?:by|par|door|von|por|автор|аўтар)\s+", re.I)
_NAME_JOINERS = frozenset({"and", "und", "et", "en", "y", "и", "і", "&"})


def _without_author(after: str) -> str:
    """``after`` (what follows a date) without the author right after it: "by" and the
    names ("— by FIDH, OMCT", "von Greenpeace Schweiz und WWF"), not what follows them
    ("im Bericht …"), and not a "von" further on ("- Rede von Bundesrätin …": a speech).
    """
    lead = _BY_LEAD.match(after)
    if lead is None:
        return after
    words = after[lead.end() :].split()
    i = 0
    while i < len(words):
        word = words[i].strip(",")
        if not (word[:1].isupper() or word.casefold() in _NAME_PARTICLES | _NAME_JOINERS):
            break
        i += 1
        if word.endswith((":", ";")):  # "by Viasna: Ales Bialiatski was released"
            break
    return " ".join(words[i:])


def is_dateline(text: str) -> bool:
    """True for a line that only says when (and by whom) a page was written.

    Datelines and bylines ("25.04.2023, 16:40", "Paris, 3 March 2023 — by FIDH",
    "Posted on May 2, 2024", "Anna de Vries, 12 March 2025") sit above or below
    articles, change when a page is merely re-saved, and are not what campaigners watch:
    the brief's "bylines with dates". A line where something happens beside the date is
    news ("Sentenced on 3 March 2023 by Minsk City Court", "Updated 14 March 2025: Ales
    Bialiatski has been released"). Headings are never datelines, nor table rows
    ("Hearing | 12.03.2024").
    """
    if text.startswith("# ") or len(text) > 160:
        return False
    if not _DIGIT.search(text):  # every form of _DATE has one: most lines end here
        return False
    # One pass (subn), not search then sub: most lines with a date-like number are not
    # datelines, and a link list whose text shows URLs has one on every line (a host
    # such as 10.0.0.12 reads as a date).
    rest, dates = _DATE.subn(" ", text)
    if not dates:
        return False
    words = [w.casefold() for w in _WORD.findall(rest)]
    if all(w in _DATE_FILLER or w.isdigit() for w in words):
        return True  # a stamp, even as a table row ("Published: 2 May 2024 | 4 min read")
    if text.rstrip().endswith((".", "!", "?", ":")):
        return False
    found = list(_DATE.finditer(text))
    before, after = text[: found[0].start()], text[found[-1].end() :]
    byline = bool(_BYLINE.search(rest))
    if " | " in text and not _BYLINE.match(text.strip()):
        return False  # a table row with a date in one cell
    # After the date: only who wrote it ("— by FIDH, OMCT"), nothing that happens.
    happening = [
        w for w in _WORD.findall(_without_author(after)) if w.casefold() not in _DATE_FILLER
    ]
    if len(happening) > 2:
        return False
    # Before the date: "Posted on", "By FIDH,", or places and names ending in a comma
    # ("Paris, Vilnius,", "Paris, le", "Anna de Vries,"); not an event ("Sentenced on").
    lead = [w.casefold() for w in _WORD.findall(before)]
    trimmed = before.rstrip()
    while trimmed and trimmed.split()[-1].casefold() in _DATE_FILLER:
        trimmed = trimmed.rsplit(None, 1)[0] if " " in trimmed else ""
    named = trimmed.endswith((",", "—", "–", "-", "|"))
    if byline:
        return (
            not lead
            or all(w in _DATE_FILLER or _BYLINE.fullmatch(w) for w in lead)
            or bool(_BYLINE.match(before.strip()))
            or named
        )
    # No byline word: a name or place with a comma, and nothing after the date.
    names = _WORD.findall(trimmed)
    return (
        named
        and not happening
        and 0 < len(names) <= 4
        and all(n[:1].isupper() or n.casefold() in _NAME_PARTICLES for n in names)
    )


# ------------------------------------------------------------------- moving parts

# "Read also: <link>" lines and "Related articles" captions inside article bodies.  A bare
# "Related" counts only as a caption ("Related:"), not as a sentence ("Related to this...").
_READ_ALSO = re.compile(
    r"^(?:# )?(?:read (?:also|more)|see also|also read|related (?:articles|stories|posts"
    r"|news|content|actions|reading)|related\s*(?::|$)|lire aussi|à lire aussi|voir aussi"
    r"|lesen sie auch|mehr zum thema|lees ook|lee también|читайте также|смотрите также"
    r"|читайте також|чытайце таксама|глядзіце таксама)(?!\w)",
    re.I,
)
_UNITS = (
    r"seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|months?|mo|years?"
    r"|yrs?|y"
)
# A relative time ("3 minutes ago", "il y a 3 jours", "vor 2 Tagen", "2 дня назад",
# "3 мин. назад", "yesterday", "just now").
_RELATIVE = (
    rf"(?<!\w)(?:\d+|an?|one)\s*(?:{_UNITS})\.?\s+ago"
    r"|(?<!\w)(?:a\s+)?(?:few\s+)?moments?\s+ago"
    r"|(?<!\w)\d+\s*\w+\.?\s+(?:назад|таму|тому|geleden)"
    r"|(?<!\w)il y a\s+(?:\d+|une?|quelques)\s+\w+"
    r"|(?<!\w)vor\s+(?:\d+|einer?|einem|wenigen)\s+\w+"
    r"|(?<!\w)hace\s+(?:\d+|una?|unos|unas)\s+\w+"
    r"|(?<!\w)(?:just now|yesterday|today|gisteren|vandaag|zojuist|hier|aujourd'hui"
    r"|à l'instant|gestern|heute|gerade eben|ayer|hoy|justo ahora|вчера|сегодня"
    r"|только что|учора|сёння|вчора|сьогодні)(?!\w)"
)
# At the end of a line: "…, announced 2 hours ago" (a sentence such as "He was arrested
# 3 months ago." ends with a full stop, and keeps it).
_RELATIVE_TIME = re.compile(rf"(?:{_RELATIVE})\s*$", re.I)
# "bis heute", "until today", "depuis hier": a span of time that reaches the day, not the
# age of a line, so the day word stays.
_SINCE_OR_UNTIL = re.compile(
    r"(?<!\w)(?:bis|seit|ab|until|till|since|from|as of|up to|jusqu'à|jusqu'a|depuis|dès"
    r"|tot|sinds|vanaf|hasta|desde|до|с|з|па)\s*$",
    re.I,
)
_RELATIVE_TAIL = 48  # characters: "il y a quelques minutes", "3 мин. назад" fit
# A bare age after a separator, as feeds show it: "Anna (Utrecht) · 3 min".
_FEED_AGE = re.compile(r"\s*[·•|–—-]\s*\d+\s*(?:min|mins|m|h|hrs|d|мин|ч|дн)\.?\s*$", re.I)
_RELATIVE_ANYWHERE = re.compile(_RELATIVE, re.I)
# An entry of a live feed once its time is gone: a first name with an initial or a place
# ("Alena", "Tomas K.", "Anna (Utrecht)", "Anna from Utrecht", "Anna aus Köln"), or up to
# three capitalised names before a signing verb ("Maria Kowalska signed").
_PLACE = (
    r"(?:\s*\([^()]{1,40}\)|\s+(?:from|aus|uit|van|de|du|из|з)\s+[^\W\d_][\w'’-]*"
    r"(?:\s+[^\W\d_][\w'’-]*)?)?"
)
_NAME = rf"[^\W\d_][\w'’-]*(?:\s+[^\W\d_]\.?)?{_PLACE}"
_FULL_NAME = rf"[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’.-]*){{0,2}}{_PLACE}"
_FEED_VERB = (
    r"(?:just\s+)?(?:signed|has\s+(?:just\s+)?signed|joined|donated|commented|a\s+signé"
    r"|vient\s+de\s+signer|hat\s+(?:gerade\s+)?unterschrieben|unterschrieb|heeft\s+"
    r"(?:net\s+)?(?:getekend|ondertekend)|tekende|firmó|ha\s+firmado|подписал\w*"
    r"|падпісаў\w*|підписав\w*)"
)
_PETITION = (
    r"(?:\s+(?:the|this|our|de|het|la|die|diese|esta)\s+(?:petition|petitie|pétition"
    r"|petición|appeal|oproep|appel|aufruf|campaign|campagne|kampagne))?"
)
# A name alone, with a numeric age ("Alena · 2 days ago"), or a name and a signing verb.
_FEED_NAME = re.compile(_NAME)
_FEED_SIGNER = re.compile(rf"{_FULL_NAME}\s+{_FEED_VERB}{_PETITION}", re.I)
_JUST_SIGNED = re.compile(
    rf"{_NAME}\s+(?:just\s+signed|has\s+just\s+signed|vient\s+de\s+signer|heeft\s+net\s+"
    r"getekend|hat\s+gerade\s+unterschrieben|acaba\s+de\s+firmar)",
    re.I,
)
# Words and abbreviations for a thousand and a million in the languages these rules know
# ("12 тыс.", "12,3 тыс.", "12 duizend", "12 mille", "12 mil", "12 Tausend", "1,2 miljoen").
THOUSANDS = r"thousand|duizend|mille|mil|tausend|tsd\.?|тыс\.?|тысяч[аи]?|тис\.?|тисяч[аі]?"
MILLIONS = (
    r"million|millions|miljoen|mio\.?|mln\.?|millones|millón|млн\.?|миллион\w*"
    r"|мільйон\w*|мільён\w*"
)
# A scaled count: "1.2k", "1,2K", "12k", "1.5M" (a letter right after the number; a
# lower-case "m" is metres, "5m to go" no count), or a number and a word ("12 тыс.").
SCALED = rf"\d{{1,4}}(?:[.,]\d{{1,3}})?(?:(?-i:[kKM])|\s?(?:{THOUSANDS}|{MILLIONS}))(?!\w)"
# A count as people write it: scaled (first: "Signatures: 1,2K" is not "Signatures: 1"),
# groups of three after one kind of separator ("12,345", "12.345", "12 345" with any
# space, "12'345"), or digits. Not "a digit, then digits, dots and spaces": on a line of
# "1 1 1 1 ..." that backtracked from every digit to the end of the line (quadratic;
# tests/test_noise.py keeps it out).
NUMBER = rf"(?:{SCALED}|\d{{1,3}}(?:[,.\u00a0\u202f\u2009 '’]\d{{3}})+|\d+)"
_NUMBER = NUMBER
_OF_GOAL = rf"(?:\s*(?:/|of|van|sur|von|de|из|із)\s*{_NUMBER})?"
# Where a count may start: not inside a word or a number, nor at its second group (so a
# line of "111 111 111 …" is tried once, not from every group to the end of the line).
_START = r"(?<![\w.,])(?<!\d )(?<!\d\u00a0)(?<!\d\u202f)(?<!\d\u2009)(?<!\d')(?<!\d’)"
# What petitions count, as the words around a live count say it: who is counted
# (``_PEOPLE``), what they did (``_SIGNED``), the label before a count (``_LABELS``),
# what is still needed (``_TO_GO``) and a share of the goal (``_OF_THE_GOAL``). These
# lists are shared with ``counters`` (which reads the same counts as numbers): one
# source of truth for what a counter looks like.
_PEOPLE = (
    r"people|supporters|mensen|personen|personnes|menschen|personas|человек|чалавек"
    r"|людей|осіб"
)
_SIGNED = (
    r"(?:have|has)\s+(?:already\s+)?signed|signed|signatures|signatories|supporters"
    r"|signataires|unterzeichner\w*(?:\*innen)?|have taken action|took action"
    r"|handtekeningen|hebben\s+(?:al\s+)?getekend|getekend|ondertekend|ont signé|signé"
    r"|unterschriften|haben unterschrieben|unterschrieben|firmas|han firmado|podpisów"
    r"|подписали|подписей|подписи|подписа\w*|падпісалі|подпис\w*|подпіс\w*|підпис\w*"
)
_LABELS = (
    r"signatures|signed|handtekeningen|ondertekend|unterschriften"
    r"|firmas|signataires|подписей|подписи|подпісаў|supporters"
)
_OF_THE_GOAL = (
    r"of\s+(?:the\s+|our\s+)?goal|van\s+het\s+doel"
    r"|de\s+l'objectif|des\s+ziels|del\s+objetivo|от\s+цели"
)
# A second kind of count beside the signatures: the countries they come from ("12,345
# signatures · 37 countries", "12.345 handtekeningen uit 37 landen", "Countries: 37").
# Alone in a sentence, countries are a fact ("Amnesty works in 150 countries."): a bare
# count of countries is live only on a line with another live count, or labelled.
COUNTRIES = (
    r"countries|landen|pays|ländern|länder|países|paises|стран|страны|странах|краін|краіны"
    r"|краінах|країн|країни|країнах"
)
_FROM = r"from|in|across|uit|aus|dans|de|en|из|в|з|із|у"
IN_COUNTRIES = rf"(?:(?:{_FROM})\s+)?{_START}{NUMBER}\s+(?:{COUNTRIES})(?!\w)"
# Searched from a digit (a search trying every preposition at every character of a long
# line costs five times as much); the preposition before it is looked for after.
_COUNTRIES_BESIDE = re.compile(rf"{_START}{NUMBER}\s+(?:{COUNTRIES})(?!\w)", re.I)
_FROM_BEFORE = re.compile(rf"(?<!\w)(?:{_FROM})\s+$", re.I)
COUNTRIES_LABELLED = rf"(?<!\w)(?:{COUNTRIES})\s*:\s*{NUMBER}(?!\w)"
_TO_GO = r"to\s+go|needed|signatures\s+needed|te\s+gaan|nodig|restantes|manquantes|fehlen"
# A number (not a bare year) followed by what petitions count: "48,211 have signed",
# "12,345 of 50,000 signatures", "12 345 подписей". "In 2021 signatures were collected"
# is not a counter.
_COUNTER = re.compile(
    rf"{_START}(?!(?:19|20)\d\d(?![\d,.])){_NUMBER}{_OF_GOAL}\s"
    rf"(?:(?:{_PEOPLE})\s+(?:{IN_COUNTRIES}\s+)?(?:who\s+)?)?"
    rf"(?:{_SIGNED})(?!\w)",
    re.I,
)
# Counts that are never news, wherever they stand: a labelled count ("Signatures:
# 12,345"), a share of a goal, what is still needed, views and comments, "Нас уже 12 345".
_ALWAYS_MOVING = re.compile(
    rf"(?<!\w)(?:(?:total\s+)?(?:{_LABELS})\s*:\s*{_NUMBER}{_OF_GOAL}"
    rf"|(?<!\d)\d{{1,3}}(?:[.,]\d+)?\s?%\s+(?:{_OF_THE_GOAL})"
    rf"|(?:only\s+|nog\s+|plus\s+que\s+|noch\s+|solo\s+)?{_START}{_NUMBER}\s+(?:more\s+)?"
    rf"(?:{_TO_GO})"
    rf"|{_START}{_NUMBER}\s+(?:views?|comments?|reactions?|shares?|likes?|reads?|keer\s+bekeken"
    r"|weergaven|reacties|vues|commentaires|aufrufe|kommentare|visitas|comentarios"
    r"|просмотр\w*|комментари\w*)"
    rf"|viewed\s+{_NUMBER}\s+times|нас\s+(?:уже\s+)?{_NUMBER}|{COUNTRIES_LABELLED}"
    r"|©\s*(?:\d{4}\s*[-–]\s*)?\d{4}|(?:page\s+)?generated\s+in\s+\d+(?:[.,]\d+)?\s*(?:ms|s"
    r"|seconds?))(?!\w)",
    re.I,
)
# A temperature ("Minsk 12 °C", "-3°"): live in a weather widget's short line, a fact in
# a sentence ("Water boils at 100 °C at sea level").
_TEMPERATURE = re.compile(r"-?(?<!\d)\d+(?:[.,]\d)?\s*°\s*[CF]?(?!\w)")
_WIDGET_WORDS = 4
# A count is live when it opens its sentence (or follows a separator), alone or after one
# of these words ("Already 12,345 people have signed!"); inside a sentence it is history
# ("We delivered 40,000 signatures to the European Parliament").
_LIVE_LEAD = re.compile(
    r"(?:^|(?<=[.!?:—–|·•])\s+)(?:(?:already|over|more than|nearly|almost|join|déjà|plus de"
    r"|bereits|al|reeds|ruim|meer dan|ya|más de|уже|ужо|более|больше|понад|вже)\s+)?$",
    re.I,
)
# A count opening its sentence is live when it is the sentence ("48,211 have signed.",
# "12,345 signatures · 37,655 to go"); "1,200 signatures were handed to the Minister on
# Monday." is what happened to them.
_COUNT_END = re.compile(
    rf"(?P<tail>(?:\s+{IN_COUNTRIES})?(?:\s+(?:so far|collected|gathered|and counting"
    r"|verzameld|gesammelt|recogidas|recueillies|собрано))?)\s*(?:[.!?…]|[·•|–—]|-\s|$)",
    re.I,
)
_SENTENCE_END = re.compile(r"[\s.!?…)]*(?:$|(?<=[.!?…])\s)")
_SENTENCE_OPENING = re.compile(r"(?:^|(?<=[.!?])\s+)[^.!?]*$")
_SO_FAR = re.compile(
    r"(?:so far|to date|until now|up to now|now|today|already|tot nu toe|inmiddels|al"
    r"|jusqu'à présent|à ce jour|déjà|bisher|schon|hasta ahora|ya|уже|пока|ужо|вже)"
    r"(?:\s+(?:have|has|hebben|heeft|ont|haben|han))?\W*$",
    re.I,
)
# Words that make a dateline a time stamp of the page itself ("Updated 3 May 2024"), as
# opposed to a bare date, which under a section heading is that section's news
# ("# Next court hearing" / "15 June 2025").
_STAMP = re.compile(
    r"(?<!\w)(?:updated?|last|published|posted|modified|created|mis à jour|publié|publie"
    r"|veröffentlicht|aktualisiert|обновлено|опубликовано|абноўлена|апублікавана|оновлено"
    r"|опубліковано)(?!\w)",
    re.I,
)
# ". ." left where a count was, once spaces are single (a leading "\s*" was quadratic on
# the long run of spaces that cutting 7,000 counts out of a line leaves).
_LEFTOVER = re.compile(r" ?([.,;:!?])(?: ?[.,;:!?])+")
_EDGE_PUNCT = " \t,;:·•|-–—(/"


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without ``spans`` (ordered, not overlapping), tidied where they were."""
    kept, at = [], 0
    for start, end in spans:
        kept.append(text[at:start])
        at = max(at, end)
    kept.append(text[at:])
    tidy = _LEFTOVER.sub(r"\1", " ".join(" ".join(kept).split()))
    return tidy.lstrip(_EDGE_PUNCT + ".!?").rstrip(_EDGE_PUNCT)


def _moving_counts(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that are live counts (with their lead words), in order."""
    spans = [(m.start(), m.end()) for m in _ALWAYS_MOVING.finditer(text)]
    if "°" in text and len(_WORD.findall(text, 0, 200)) <= _WIDGET_WORDS:
        spans.extend((m.start(), m.end()) for m in _TEMPERATURE.finditer(text))
        spans.sort()
    for count in _COUNTER.finditer(text):
        # Lead words are short: looking further back made a 1 MB line of counts quadratic.
        lead = _LIVE_LEAD.search(text, max(0, count.start() - 40), count.start())
        end = _COUNT_END.match(text, count.end()) if lead is not None else None
        if lead is not None and end is not None:
            spans.append((lead.start(), end.end("tail")))
            continue
        # A count that closes a sentence opened by "so far" is live too ("So far, 12,345
        # people have signed."): the sentence goes. "Thank you to the 8,412 people who
        # signed." is a closed petition's tally, and a count followed by more words history.
        if _SENTENCE_END.match(text, count.end()):
            opening = _SENTENCE_OPENING.search(text, max(0, count.start() - 60), count.start())
            if opening is not None and _SO_FAR.match(opening.group().strip()):
                spans.append((opening.start(), count.end()))
    if spans:
        # Countries beside a live count: "12,345 signatures · 37 countries".
        for m in _COUNTRIES_BESIDE.finditer(text):
            if not any(s <= m.start() < e or m.start() <= s < m.end() for s, e in spans):
                before = _FROM_BEFORE.search(text, max(0, m.start() - 12), m.start())
                spans.append((before.start() if before else m.start(), m.end()))
    return sorted(spans)


def live_counts(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` (one line) that :func:`line` cuts as live counts, in order: the
    places ``counters`` reads numbers from, so what is read and what is cut agree."""
    return _moving_counts(text) if _DIGIT.search(text) else []


def _is_feed_entry(text: str) -> bool:
    """True for "Tomas K. signed 3 minutes ago", "Maria Kowalska signed 3 minutes ago",
    "Anna heeft 3 minuten geleden getekend", "Anna (Utrecht) · 3 min", "Alena · 2 days
    ago", "Anna from Utrecht just signed"; not for "Petition closed · 1 day ago",
    "Released today", "Parliament joined the call today" or "Lukashenko signed a pardon
    decree today."."""
    if len(text) > 120:
        return False
    if _JUST_SIGNED.fullmatch(text.strip(_EDGE_PUNCT)):
        return True
    aged = _FEED_AGE.sub("", text)
    timeless = _RELATIVE_ANYWHERE.sub(" ", aged)
    if timeless == text:
        return False  # no time in it: "Lukashenko signed" is news
    rest = " ".join(timeless.split()).strip(_EDGE_PUNCT)
    if _FEED_SIGNER.fullmatch(rest):
        return True
    # A name alone only with an age in numbers: "Released today" is news.
    numeric_age = aged != text or any(
        _DIGIT.search(m.group()) for m in _RELATIVE_ANYWHERE.finditer(aged)
    )
    return numeric_age and bool(_FEED_NAME.fullmatch(rest))


def line(text: str, *, label: bool = False) -> str | None:
    """``text`` (one line of a page) as it is compared and stored, or None for furniture.

    ``label``: the line above is a section heading or a label ("Next hearing:"), which
    makes a bare date below it news. See the module docstring for what goes.
    """
    if len(text) <= 200 and _READ_ALSO.match(text):
        return None
    if is_dateline(text):
        if label and not _BYLINE.search(text) and not _STAMP.search(text):
            return text
        return None
    heading = text.startswith("# ")
    body = text[2:] if heading else text
    if not heading and _is_feed_entry(body):
        return None
    # A relative time ends the line and is short: looking at the tail alone keeps a
    # page's long paragraphs from being scanned from every character.
    moving = _RELATIVE_TIME.search(body, max(0, len(body) - _RELATIVE_TAIL))
    if moving is not None and _SINCE_OR_UNTIL.search(body, 0, moving.start()):
        moving = None
    if moving is not None:
        body = body[: moving.start()].rstrip(_EDGE_PUNCT)
        if not body:
            return None
    spans = _moving_counts(body) if _DIGIT.search(body) else []  # every count has a digit
    if spans:
        body = _cut(body, spans)
        if not _WORD.search(body):
            return None  # "48,211 have signed.": nothing else was said
    return "# " + body if heading else body


def _is_label(text: str, titled: bool) -> bool:
    """True when ``text`` labels what follows: a section heading (not the page's title,
    the first heading), a line ending in ":", or a short caption ("Next hearing")."""
    if text.startswith("# "):
        return titled
    stripped = text.rstrip()
    if stripped.endswith(":") and len(stripped) <= 80:
        return True
    words = _WORD.findall(stripped)
    return (
        0 < len(words) <= 5
        and len(stripped) <= 40
        and not _DIGIT.search(stripped)
        and not stripped.endswith((".", "!", "?"))
        and not _BYLINE.match(stripped)
    )


def drop_noise(lines: list[str]) -> list[str]:
    """``lines`` (a page's text, headings prefixed "# ") without furniture and with their
    moving parts cut (:func:`line`). The page's first heading is its title, whose dateline
    is furniture; the headings after it, and labels, make a bare date below them news."""
    out: list[str] = []
    label = titled = False
    for text in lines:
        kept = line(text, label=label)
        if kept is not None:
            out.append(kept)
        label = _is_label(text, titled)
        titled = titled or text.startswith("# ")
    return out


# ------------------------------------------------------------------- titles

_TITLE_SEPARATOR = re.compile(r"(\s+[|·•–—:-]+\s+|,\s+)")
# Notification counts ("(3) Free Ales", "Free Ales (1)", "[1] Free Ales") and anything in
# brackets with a digit ("(14 March 2025)", "(12,345 signed)").
_TITLE_NOISE = re.compile(r"\s*(?:\([^()]*\d[^()]*\)|\[[^\[\]]*\d[^\[\]]*\])\s*")


def steady_title(title: str) -> str:
    """``title`` without what moves on every visit, for comparing. Takes a page title;
    returns it without notification counts, bracketed dates and counts, and the parts
    (between " | ", " – ", ", "…) that are stamps, dates or counts: "Free Ales | Updated
    12 May 2024 10:22" -> "Free Ales", "(3) Free Ales - 12,345 signatures" -> "Free Ales".
    Returns "" when nothing steady is left."""
    parts = _TITLE_SEPARATOR.split(_TITLE_NOISE.sub(" ", title).strip())
    kept: list[str] = []
    for i in range(0, len(parts), 2):
        part = parts[i].strip()
        if not part:
            continue
        steady = line(part)
        if steady:
            steady = _cut(steady, [(m.start(), m.end()) for m in _DATE.finditer(steady)])
        if steady:
            if kept:
                kept.append(parts[i - 1])
            kept.append(steady)
    return "".join(kept).strip()
