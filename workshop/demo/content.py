"""What the simulated phones say: a small bank of notes about family health units (USF),
the themes the facilitator groups them by, and the order they are dealt in."""

from __future__ import annotations

import random
from dataclasses import dataclass

NOTES_PER_PARTICIPANT = (1, 3)


@dataclass(frozen=True)
class Idea:
    """One note the simulated participants may write, in both languages."""

    theme: str
    lane: str | None
    es: str
    en: str

    def text(self, language: str) -> str:
        return self.es if language == "es" else self.en


THEMES: dict[str, dict[str, str]] = {
    "supplies": {"es": "Insumos y medicamentos", "en": "Supplies and medicines"},
    "visits": {"es": "Visitas domiciliarias y agenda", "en": "Home visits and scheduling"},
    "staff": {"es": "Personal y capacitación", "en": "Staff and training"},
    "community": {"es": "Comunidad y confianza", "en": "Community and trust"},
}

# Lanes `usf`, `region`, `ministry` are the "levels" of reform-codesign's idea stage;
# other plans' lanes get these notes round-robin.
IDEAS: tuple[Idea, ...] = (
    Idea("supplies", "usf", "Falta de insumos para curaciones", "Not enough supplies for wound care"),
    Idea(
        "supplies",
        "region",
        "Pedido de medicamentos según el consumo real de cada USF",
        "Order medicines from each unit's actual use",
    ),
    Idea(
        "supplies",
        "ministry",
        "Stock mínimo garantizado de insumos básicos en cada USF",
        "A guaranteed minimum stock of basic supplies in every unit",
    ),
    Idea(
        "supplies",
        "usf",
        "Registro semanal de faltantes compartido con la región",
        "A weekly shortage log shared with the region",
    ),
    Idea(
        "visits", "usf", "Visitas domiciliarias con agenda compartida", "Home visits with a shared schedule"
    ),
    Idea(
        "visits",
        "usf",
        "Turnos por teléfono para no hacer fila desde la madrugada",
        "Appointments by phone so nobody queues before dawn",
    ),
    Idea(
        "visits",
        "region",
        "Movilidad para llegar a las compañías más alejadas",
        "Transport to reach the most remote communities",
    ),
    Idea(
        "visits",
        "ministry",
        "Tiempo protegido en la agenda para visitas, no solo consultorio",
        "Protected time for home visits, not only clinic hours",
    ),
    Idea(
        "staff",
        "ministry",
        "Completar los equipos: faltan agentes comunitarios en varias USF",
        "Complete the teams: several units lack a community health worker",
    ),
    Idea(
        "staff",
        "region",
        "Capacitación en servicio dentro del horario laboral",
        "On-the-job training within working hours",
    ),
    Idea(
        "staff",
        "region",
        "Reconocer a los equipos que mejoran sus indicadores",
        "Recognise the teams that improve their indicators",
    ),
    Idea(
        "staff",
        "ministry",
        "Menos planillas repetidas: un solo registro digital",
        "Fewer duplicate forms: one digital record",
    ),
    Idea(
        "community",
        "usf",
        "Reuniones mensuales con la comisión vecinal",
        "Monthly meetings with the neighbourhood committee",
    ),
    Idea(
        "community",
        "usf",
        "Buzón y WhatsApp para reclamos y sugerencias",
        "A suggestion box and a WhatsApp line for complaints",
    ),
    Idea(
        "community",
        "region",
        "Promotores de la comunidad en el consejo local de salud",
        "Community promoters on the local health council",
    ),
    Idea(
        "community",
        "ministry",
        "Informar qué servicios ofrece la USF y en qué horario",
        "Tell people which services the unit offers, and when",
    ),
)

# reform-codesign's pilot stage: lanes `owner`, `hypothesis`, `indicator`; each note
# starts with the idea's name, as that stage's prompt asks.
PILOT_NOTES: tuple[Idea, ...] = (
    Idea(
        "supplies",
        "owner",
        "Insumos: la licenciada de farmacia de la USF, con la región",
        "Supplies: the unit's pharmacy nurse, with the region",
    ),
    Idea(
        "supplies",
        "hypothesis",
        "Insumos: SI pedimos según el consumo real, ENTONCES no faltarán gasas ni antisépticos",
        "Supplies: IF we order by actual use, THEN gauze and antiseptics will not run out",
    ),
    Idea(
        "supplies",
        "indicator",
        "Insumos: días al mes sin stock de insumos básicos",
        "Supplies: days a month without basic supplies",
    ),
    Idea(
        "visits",
        "owner",
        "Visitas: la médica de familia y los agentes comunitarios",
        "Visits: the family doctor and the community health workers",
    ),
    Idea(
        "visits",
        "hypothesis",
        "Visitas: SI compartimos la agenda, ENTONCES visitamos más familias prioritarias",
        "Visits: IF we share the schedule, THEN we visit more priority families",
    ),
    Idea(
        "visits",
        "indicator",
        "Visitas: % de visitas programadas que se realizaron",
        "Visits: % of planned home visits carried out",
    ),
    Idea(
        "staff",
        "owner",
        "Personal: la coordinación regional de atención primaria",
        "Staff: the regional primary care coordinator",
    ),
    Idea(
        "staff",
        "hypothesis",
        "Personal: SI capacitamos en servicio, ENTONCES bajan las derivaciones innecesarias",
        "Staff: IF we train on the job, THEN unnecessary referrals go down",
    ),
    Idea(
        "staff",
        "indicator",
        "Personal: horas de capacitación por funcionario al trimestre",
        "Staff: training hours per worker per quarter",
    ),
    Idea(
        "community",
        "owner",
        "Comunidad: la jefa de la USF con la comisión vecinal",
        "Community: the unit's head with the neighbourhood committee",
    ),
    Idea(
        "community",
        "hypothesis",
        "Comunidad: SI respondemos cada reclamo, ENTONCES crece la confianza en la USF",
        "Community: IF we answer every complaint, THEN trust in the unit grows",
    ),
    Idea(
        "community",
        "indicator",
        "Comunidad: reclamos respondidos en menos de 30 días",
        "Community: complaints answered within 30 days",
    ),
)

QUADRANTS: dict[str, dict[str, str]] = {  # the matrix's corners, as the console names them
    "quick_win": {"es": "ganancia rápida", "en": "quick win"},
    "major_project": {"es": "gran proyecto", "en": "major project"},
    "fill_in": {"es": "complemento", "en": "fill-in"},
    "thankless": {"es": "tarea ingrata", "en": "thankless task"},
}

# For notes not from the bank (a real phone joined the demo): a theme by keyword.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "supplies": ("insumo", "medicament", "stock", "farmacia", "suppl", "medicine", "pharmac"),
    "visits": ("visita", "agenda", "turno", "movilidad", "visit", "schedul", "appointment"),
    "staff": ("personal", "capacit", "equipo", "planilla", "staff", "training", "team"),
    "community": ("comunidad", "vecin", "reclamo", "communit", "neighbour", "complaint"),
}


def theme_of(text: str, fallback: str) -> str:
    """The theme of a note: the bank's own, else a keyword, else `fallback` (round-robin)."""
    for idea in (*IDEAS, *PILOT_NOTES):
        if text in (idea.es, idea.en):
            return idea.theme
    lowered = text.lower()
    for theme, words in KEYWORDS.items():
        if any(word in lowered for word in words):
            return theme
    return fallback


def note_deck(lane_keys: list[str], rng: random.Random) -> list[tuple[Idea, str | None]]:
    """Notes in the order they will be dealt, each with the lane to post it in.

    Themes alternate, so even a few notes cover every theme and the cluster
    stage has 3–4 groups to make. Notes whose lane the stage has come first
    (the pilot bank for a pilot stage); a stage with other lanes gets the idea
    bank spread over its lanes; a stage without lanes gets no lane.
    """
    fitting = [idea for idea in PILOT_NOTES + IDEAS if idea.lane in lane_keys]
    pool = fitting or list(IDEAS)
    by_theme: dict[str, list[Idea]] = {}
    for idea in pool:
        by_theme.setdefault(idea.theme, []).append(idea)
    for ideas in by_theme.values():
        rng.shuffle(ideas)
    themes = list(by_theme)
    rng.shuffle(themes)
    deck: list[Idea] = []
    while any(by_theme.values()):
        deck.extend(by_theme[theme].pop() for theme in themes if by_theme[theme])
    dealt = []
    for number, idea in enumerate(deck):
        if not lane_keys:
            lane = None
        elif idea.lane in lane_keys:
            lane = idea.lane
        else:
            lane = lane_keys[number % len(lane_keys)]
        dealt.append((idea, lane))
    return dealt
