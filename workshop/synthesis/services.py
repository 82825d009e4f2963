"""Synthesis across workshops: one plan run at several sites, compared in one document.

`build_synthesis` is assembled only from each workshop's `build_report`, so a
synthesis shows exactly the ranking, the dots and the anonymity of the reports
it summarises (no names, only titles; dots only from closed votes). It adds
what no single report can: the ideas that recur across sites ("themes"), found
by comparing idea titles word by word, and totals over all sites.

How titles are matched: lower case, accents dropped, Spanish and English stop
words dropped, a light plural stripping (final -s, then final -e: "agendas
compartidas" and "Agenda compartida" give the same words), then the Jaccard
similarity of the two word sets. Ideas join a theme only when *every* pair in
it reaches `SIMILARITY` (complete linkage), so a chain of loosely similar
titles never snowballs into one theme. A theme recurs when it is found at two
or more sites.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import date
from typing import Any

from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from workshop.core.codes import normalise_code
from workshop.core.models import Workshop
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.i18n import LANGUAGE_NAMES
from workshop.rating.services import quadrant, quadrant_label
from workshop.reports.data import build_report
from workshop.workshops.services import find_workshop

SYNTHESIS_VERSION = 1
MIN_SITES = 2
MAX_SITES = 30  # one PDF rendered in a child process with a time limit
TOP_IDEAS = 10
SIMILARITY = 0.5

_SPANISH_STOP_WORDS = """
a al algo algun alguna algunas alguno algunos ante antes asi aun bajo cada como con contra cual
cuales cuando de del desde donde durante e el ella ellas ellos en entre era es esa esas ese eso
esos esta estas este esto estos fue ha hacer hacia hasta hay la las le les lo los mas me mi mis
muy ni no nos nuestra nuestras nuestro nuestros o os otra otras otro otros para pero poco por
porque que quien quienes se sea segun ser si sin sobre su sus tambien tan te todo todos toda
todas tu tus u un una unas uno unos y ya
"""
_ENGLISH_STOP_WORDS = """
about all an and any are as at be by can could do each for from has have how if in into is it
its more most not of on or our per should so than that the their them they this those through
to up was we were what when which who will with within without would you your
"""
STOP_WORDS = frozenset((_SPANISH_STOP_WORDS + _ENGLISH_STOP_WORDS).split())

_WORD = re.compile(r"[a-z0-9]+")


# Matching titles ------------------------------------------------------------------------------


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    """A light plural stripping that gives singular and plural the same form.

    Spanish adds -s after a vowel and -es after a consonant, and English mostly
    -s or -es, so dropping a final -s and then a final -e maps both to one form
    (agendas/agenda → agenda, reuniones/reunión → reunion, agentes/agente → agent).
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def title_words(title: str) -> frozenset[str]:
    """The key words of a title, normalised for matching across sites."""
    words = _WORD.findall(_strip_accents((title or "").casefold()))
    return frozenset(_stem(word) for word in words if len(word) > 1 and word not in STOP_WORDS)


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard similarity of two word sets (0 when either is empty)."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def _group_titles(words: list[frozenset[str]]) -> list[list[int]]:
    """Complete-linkage grouping of titles: every pair in a group is at least SIMILARITY alike.

    Returns groups of indexes (each sorted), titles without key words left out.
    Deterministic: the most similar pair of groups merges first, ties by position.
    """
    by_word: dict[str, list[int]] = defaultdict(list)
    for index, word_set in enumerate(words):
        for word in word_set:
            by_word[word].append(index)
    pairs: dict[tuple[int, int], float] = {}
    for indexes in by_word.values():
        for position, i in enumerate(indexes):
            for j in indexes[position + 1 :]:
                if (i, j) not in pairs:
                    score = similarity(words[i], words[j])
                    if score >= SIMILARITY:
                        pairs[(i, j)] = score
    groups = {index: [index] for index, word_set in enumerate(words) if word_set}
    owner = {index: index for index in groups}
    while True:
        best: tuple[float, tuple[int, int]] | None = None
        seen: set[tuple[int, int]] = set()
        for i, j in pairs:
            key = (min(owner[i], owner[j]), max(owner[i], owner[j]))
            if key[0] == key[1] or key in seen:
                continue
            seen.add(key)
            score = min(
                pairs.get((min(x, y), max(x, y)), 0.0) for x in groups[key[0]] for y in groups[key[1]]
            )
            if score >= SIMILARITY and (
                best is None or score > best[0] or (score == best[0] and key < best[1])
            ):
                best = (score, key)
        if best is None:
            break
        keep, gone = best[1]
        for index in groups[gone]:
            owner[index] = keep
        groups[keep] = sorted(groups[keep] + groups.pop(gone))
    return sorted(groups.values())


# Choosing workshops ---------------------------------------------------------------------------


def workshops_for_references(references: list[str]) -> list[Workshop]:
    """The workshops named by ids or join codes, in the order given.

    Closed workshops count too: a synthesis is usually made after the sessions
    ended, when their join codes no longer let anyone in.
    Raises NotFound naming the reference that matches no workshop.
    """
    workshops = []
    for reference in references:
        reference = (reference or "").strip()
        try:
            workshops.append(find_workshop(reference))
        except NotAllowed:
            workshops.append(_closed_workshop_for_code(reference))
        except NotFound:
            raise NotFound(
                _("No workshop has the id or code “%(reference)s”.", reference=reference)
            ) from None
    return workshops


def _closed_workshop_for_code(reference: str) -> Workshop:
    workshop = db.session.scalar(select(Workshop).where(Workshop.code == normalise_code(reference)))
    if workshop is None:  # pragma: no cover - find_workshop only refuses codes that exist
        raise NotFound(_("No workshop has the id or code “%(reference)s”.", reference=reference))
    return workshop


def _check_choice(workshops: list[Workshop]) -> None:
    if len(workshops) < MIN_SITES:
        raise InvalidInput(_("Choose at least two workshops to compare in a synthesis."))
    if len(workshops) > MAX_SITES:
        raise InvalidInput(_("A synthesis compares at most %(count)d workshops.", count=MAX_SITES))
    seen: set[int] = set()
    for workshop in workshops:
        if workshop.id in seen:
            raise InvalidInput(
                _("“%(title)s” is chosen twice: choose each workshop once.", title=workshop.title)
            )
        seen.add(workshop.id)


# The synthesis document -----------------------------------------------------------------------


def build_synthesis(workshops: list[Workshop], top: int = TOP_IDEAS) -> dict[str, Any]:
    """Compare several workshops: each site's ranking, the themes that recur, the totals.

    The document is written in the first workshop's language (a notice says so
    when the others differ). Raises InvalidInput for fewer than two workshops,
    too many, or the same workshop twice.
    """
    _check_choice(workshops)
    if top < 1:
        raise InvalidInput(_("Show at least one idea per workshop."))
    reports = [build_report(workshop) for workshop in workshops]
    language = reports[0]["workshop"]["language"]
    with force_locale(language):
        return _build(reports, language, top)


def _build(reports: list[dict[str, Any]], language: str, top: int) -> dict[str, Any]:
    sites = [_site(number, report) for number, report in enumerate(reports, start=1)]
    themes = _themes(reports, sites)
    theme_of = {
        (item["site"], item["id"], item["type"]): theme["number"]
        for theme in themes
        for item in theme["items"]
    }
    for site, report in zip(sites, reports, strict=True):
        site["ideas"] = [
            _site_idea(idea, theme_of.get((site["number"], idea["id"], idea["type"])))
            for idea in report["ideas"][:top]
        ]
    return {
        "version": SYNTHESIS_VERSION,
        "language": language,
        "language_name": LANGUAGE_NAMES.get(language, language),
        "generated_on": date.today().isoformat(),
        "axes": _axes(reports[0]),
        "method": {"top": top, "similarity": SIMILARITY},
        "plans": list({site["plan"]["slug"]: site["plan"]["title"] for site in sites}.values()),
        "period": {"first": min(site["date"] for site in sites), "last": max(site["date"] for site in sites)},
        "sites": sites,
        "themes": themes,
        "totals": _totals(sites, themes),
        "commitments": sum(len(site["commitments"]) for site in sites),
        "by_profile": _by_profile(reports, sites),
        "notices": _notices(reports, sites, language),
    }


def _site(number: int, report: dict[str, Any]) -> dict[str, Any]:
    workshop = report["workshop"]
    ideas = report["ideas"]
    return {
        "number": number,
        "id": workshop["id"],
        "code": workshop["code"],
        "title": workshop["title"],
        "question": workshop["question"],
        "place": workshop["place"],
        "date": workshop["date"],
        "language": workshop["language"],
        "status": workshop["status"],
        "plan": {"slug": workshop["plan"]["slug"], "title": workshop["plan"]["title"]},
        "participants": workshop["participants"],
        "notes": sum(1 for note in report["notes"] if not note["deleted"] and not note["hidden"]),
        "groups": sum(1 for cluster in report["clusters"] if cluster["notes"]),
        "dots": sum(idea["dots"] for idea in ideas),
        "idea_count": len(ideas),
        "ideas": [],
        # What each workshop committed to, with its current status and dated history.
        "commitments": report["commitments"],
    }


def _by_profile(reports: list[dict[str, Any]], sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Which idea each group (by role, years …) put first at each workshop's closed vote.

    Read from each report's breakdowns, which already passed the anonymity floor: a group
    too small to show at its workshop is not shown here either.
    """
    rows = []
    for site, report in zip(sites, reports, strict=True):
        for item in report.get("breakdowns", []):
            vote = next((s for s in item["stages"] if s["kind"] == "vote" and not s["withheld"]), None)
            if vote is None or not vote["rows"]:
                continue
            for number, column in enumerate(vote["columns"]):
                best = max(vote["rows"], key=lambda row: row["values"][number])
                dots = best["values"][number]
                rows.append(
                    {
                        "site": site["number"],
                        "site_title": site["title"],
                        "question": item["label"],
                        "group": column["label"],
                        "people": column["people"],
                        "idea": best["title"] if dots else None,
                        "dots": dots,
                    }
                )
    return rows


def _site_idea(idea: dict[str, Any], theme: int | None) -> dict[str, Any]:
    return {
        "rank": idea["rank"],
        "tied": idea["tied"],
        "type": idea["type"],
        "id": idea["id"],
        "title": idea["title"],
        "dots": idea["dots"],
        "impact": idea["impact"],
        "feasibility": idea["feasibility"],
        "ratings": idea["ratings"],
        # Labelled again in the synthesis language: sites may have run in another one.
        "quadrant": idea["quadrant"],
        "quadrant_label": quadrant_label(idea["quadrant"]),
        "decision": idea["decision"],
        "theme": theme,
    }


def _themes(reports: list[dict[str, Any]], sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ideas whose titles match at two or more sites, most widespread first, then most dots."""
    items = [
        {"site": site["number"], "site_title": site["title"], **idea}
        for site, report in zip(sites, reports, strict=True)
        for idea in report["ideas"]
    ]
    groups = _group_titles([title_words(item["title"]) for item in items])
    themes = []
    for group in groups:
        members = [items[index] for index in group]
        site_numbers = sorted({member["site"] for member in members})
        if len(site_numbers) < MIN_SITES:
            continue
        themes.append(_theme(members, site_numbers, sites))
    themes.sort(
        key=lambda theme: (
            -len(theme["sites"]),
            -theme["dots"],
            -(theme["impact"] or 0),
            theme["title"].casefold(),
        )
    )
    for number, theme in enumerate(themes, start=1):
        theme["number"] = number
    return themes


def _weighted_mean(members: list[dict[str, Any]], key: str) -> float | None:
    """The mean over every rating of the matched ideas (each idea's mean weighted by its count)."""
    rated = [
        (member[key], member["ratings"])
        for member in members
        if member[key] is not None and member["ratings"]
    ]
    count = sum(weight for _value, weight in rated)
    if not count:
        return None
    return round(sum(value * weight for value, weight in rated) / count, 1)


def _theme(
    members: list[dict[str, Any]], site_numbers: list[int], sites: list[dict[str, Any]]
) -> dict[str, Any]:
    members = sorted(members, key=lambda m: (m["site"], m["rank"], m["id"]))
    # Named after its most voted idea; on a tie, the first site's.
    label = sorted(members, key=lambda m: (-m["dots"], m["site"], m["rank"]))[0]["title"]
    impact, feasibility = _weighted_mean(members, "impact"), _weighted_mean(members, "feasibility")
    place = quadrant(impact, feasibility)
    return {
        "number": 0,
        "title": label,
        "sites": [{"number": n, "title": sites[n - 1]["title"]} for n in site_numbers],
        "items": [
            {
                "site": m["site"],
                "site_title": m["site_title"],
                "type": m["type"],
                "id": m["id"],
                "title": m["title"],
                "rank": m["rank"],
                "tied": m["tied"],
                "dots": m["dots"],
                "impact": m["impact"],
                "feasibility": m["feasibility"],
                "ratings": m["ratings"],
            }
            for m in members
        ],
        "dots": sum(m["dots"] for m in members),
        "ratings": sum(m["ratings"] for m in members),
        "impact": impact,
        "feasibility": feasibility,
        "quadrant": place,
        "quadrant_label": quadrant_label(place),
    }


def _axes(report: dict[str, Any]) -> dict[str, str]:
    """Column names for the two rating axes: the first site's rate stage, else the defaults."""
    for stage in report["stages"]:
        if stage["kind"] == "rate" and len(stage["axes"]) == 2:
            return {"impact": stage["axes"][0]["label"], "feasibility": stage["axes"][1]["label"]}
    return {"impact": _("Impact"), "feasibility": _("Feasibility")}


def _totals(sites: list[dict[str, Any]], themes: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "sites": len(sites),
        "participants": sum(site["participants"] for site in sites),
        "notes": sum(site["notes"] for site in sites),
        "groups": sum(site["groups"] for site in sites),
        "ideas": sum(site["idea_count"] for site in sites),
        "dots": sum(site["dots"] for site in sites),
        "themes": len(themes),
    }


def _notices(reports: list[dict[str, Any]], sites: list[dict[str, Any]], language: str) -> list[str]:
    """What a reader must know before comparing: languages, plans, open votes, empty sites."""
    notices = []
    languages = list(dict.fromkeys(site["language"] for site in sites))
    if len(languages) > 1:
        notices.append(
            _(
                "These workshops were held in different languages (%(languages)s). This synthesis "
                "is written in the language of the first one, %(language)s; titles stay as "
                "participants wrote them, so themes are only matched between titles in the same "
                "words.",
                languages=", ".join(LANGUAGE_NAMES.get(code, code) for code in languages),
                language=LANGUAGE_NAMES.get(language, language),
            )
        )
    plans = {site["plan"]["slug"]: site["plan"]["title"] for site in reversed(sites)}
    if len(plans) > 1:
        titles = list(
            dict.fromkeys(
                site["plan"]["title"]
                for site in sites
                if plans[site["plan"]["slug"]] == site["plan"]["title"]
            )
        )
        notices.append(
            _(
                "These workshops followed different session plans (%(plans)s): compare "
                "their rankings with care.",
                plans="; ".join(titles),
            )
        )
    for site, report in zip(sites, reports, strict=True):
        if any(not vote["closed"] and vote["voters"] for vote in report["votes"]):
            notices.append(
                _(
                    "The vote at “%(site)s” is still open: its dots count only once the "
                    "facilitator closes it.",
                    site=site["title"],
                )
            )
        if not site["idea_count"]:
            notices.append(
                _("“%(site)s” has no ideas to rank yet (no groups, dots or ratings).", site=site["title"])
            )
    return notices


# Rendering ------------------------------------------------------------------------------------


def synthesis_html(synthesis: dict[str, Any]) -> str:
    """The print HTML of a synthesis (A4, for `render_pdf`), in the synthesis's language.

    Uses the report's stylesheet and its "Page X of Y" footer, so both documents look alike.
    """
    from workshop.reports.render import STYLESHEET, css_string, decimal, page_footer_css

    def long_date(value: str) -> str:
        return format_date(date.fromisoformat(value), format="long")

    with force_locale(synthesis["language"]):
        return render_template(
            "reports/synthesis.html",
            synthesis=synthesis,
            language=synthesis["language"],
            number=decimal,
            long_date=long_date,
            stylesheet=STYLESHEET,
            page_footer=page_footer_css(),
            header_prefix=css_string(_("Synthesis across workshops") + " · "),
        )
