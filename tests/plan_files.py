"""Plan files for tests: a valid plan's parts, and the broken plans the loader refuses
(each with the fragments its message must hold). Shared by the loader's tests and the
plan library's import tests, which must refuse every one with the same message."""

from __future__ import annotations

import pytest

HEAD = """\
title = { es = "Plan de prueba", en = "Test plan" }
description = { es = "Descripción", en = "Description" }

[lanes.conditions]
social = { es = "Social", en = "Social" }
trust = { es = "Confianza", en = "Trust" }
"""

PICTURE = """\
[[stages]]
id = "picture"
kind = "discuss"
title = { es = "Imagen", en = "Picture" }
prompt = { es = "¿Cómo es?", en = "What is it like?" }
"""

WORKS = """\
[[stages]]
id = "works"
kind = "write"
lanes = "conditions"
title = { es = "Lo que funciona", en = "What works" }
prompt = { es = "¿Qué funciona?", en = "What works?" }
"""

GROUP = """\
[[stages]]
id = "group"
kind = "cluster"
notes_from = ["works"]
title = { es = "Agrupar", en = "Group" }
prompt = { es = "Agrupemos", en = "Let us group" }
"""

PICK = """\
[[stages]]
id = "pick"
kind = "vote"
dots = 3
cap = 2
title = { es = "Elegir", en = "Pick" }
prompt = { es = "¿Cuál?", en = "Which?" }
"""

PLACE = """\
[[stages]]
id = "place"
kind = "rate"
title = { es = "Ubicar", en = "Place" }
prompt = { es = "¿Dónde?", en = "Where?" }
"""


def plan_text(*stages: str, head: str = HEAD) -> str:
    return "\n".join((head, *stages))


VALID = plan_text(PICTURE, WORKS, GROUP, PICK, PLACE)


BROKEN = [
    pytest.param(
        plan_text(PICTURE, WORKS.replace('kind = "write"', 'kind = "write')),
        ["not valid TOML", "line"],
        id="invalid-toml",
    ),
    pytest.param(HEAD, ["field 'stages'", "at least one [[stages]]"], id="missing-stages"),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('kind = "write"', 'kind = "brainstorm"')),
        ["stage 2 ('works'), field 'kind'", "'brainstorm'"],
        id="unknown-kind",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('id = "works"\n', "")),
        ["stage 2, field 'id'", "is required"],
        id="missing-id",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('id = "works"', 'id = "picture"')),
        ["stage 2 ('picture'), field 'id'", "used by an earlier stage"],
        id="duplicate-id",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace(', en = "What works?"', "")),
        ["stage 2 ('works'), field 'prompt'", "missing text for language(s) en"],
        id="missing-translation",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS + 'colour = "red"\n'),
        ["stage 2 ('works')", "unknown field(s) 'colour'"],
        id="unknown-field",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('lanes = "conditions"', 'lanes = "levels"')),
        ["stage 2 ('works'), field 'lanes'", "unknown lane set 'levels'", "known: conditions"],
        id="unknown-lane-set",
    ),
    pytest.param(
        plan_text(PICTURE.replace('kind = "discuss"', 'kind = "discuss"\nlanes = "conditions"')),
        ["stage 1 ('picture'), field 'lanes'", "only write stages have lanes"],
        id="lanes-on-discuss",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS, PICK.replace("cap = 2", "cap = 4")),
        ["stage 3 ('pick'), field 'cap'", "cannot exceed the dot budget (3)"],
        id="cap-above-dots",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS, PICK.replace("dots = 3", 'dots = "three"')),
        ["stage 3 ('pick'), field 'dots'", "whole number"],
        id="dots-not-integer",
    ),
    pytest.param(
        plan_text(PICTURE, GROUP, WORKS),
        ["stage 2 ('group'), field 'notes_from'", "'works' is not an earlier stage"],
        id="notes-from-later-stage",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS, GROUP.replace('["works"]', '["work"]')),
        ["stage 3 ('group'), field 'notes_from'", "'work' is not an earlier stage"],
        id="notes-from-unknown-stage",
    ),
    pytest.param(
        plan_text(
            PICTURE,
            PLACE
            + "".join(
                f'[[stages.axes]]\nkey = "{key}"\nlabel = {{ es = "{key}", en = "{key}" }}\n'
                for key in ("impact", "effort", "cost")
            ),
        ),
        ["stage 2 ('place'), field 'axes'", "exactly two axes"],
        id="rate-with-three-axes",
    ),
    pytest.param(
        plan_text(PICTURE.replace('en = "Picture" }', 'en = "Picture", gn = "Ta\'anga" }')),
        ["stage 1 ('picture'), field 'title'", "unknown language(s) gn", "prompt_languages"],
        id="undeclared-prompt-language",
    ),
    pytest.param(
        plan_text(PICTURE, head='prompt_languages = ["Guarani"]\n' + HEAD),
        ["field 'prompt_languages'", "2 or 3 lower-case letters"],
        id="prompt-language-not-a-code",
    ),
    pytest.param(
        plan_text(PICTURE, head='prompt_languages = ["gn", "es"]\n' + HEAD),
        ["field 'prompt_languages'", "lists a language twice or one of es, en"],
        id="prompt-language-repeats-es",
    ),
    pytest.param(
        plan_text(PICTURE, PICK.replace('kind = "vote"', 'kind = "vote"\nshortlist = 5')),
        ["stage 2 ('pick'), field 'shortlist'", "only rate stages have it"],
        id="shortlist-on-a-vote",
    ),
    pytest.param(
        plan_text(PICTURE, PLACE.replace('kind = "rate"', 'kind = "rate"\nshortlist = 0')),
        ["stage 2 ('place'), field 'shortlist'", "whole number from 1 to 40"],
        id="shortlist-zero",
    ),
    pytest.param(
        plan_text(PICTURE, WORKS.replace('kind = "write"', 'kind = "write"\nmark = "Hecho"')),
        ["stage 2 ('works'), field 'mark'", "only cluster stages have it"],
        id="mark-on-a-write-stage",
    ),
    pytest.param(
        plan_text(
            PICTURE, WORKS, GROUP.replace('kind = "cluster"', 'kind = "cluster"\nmark = "' + "x" * 81 + '"')
        ),
        ["stage 3 ('group'), field 'mark'", "81 characters; at most 80"],
        id="mark-too-long",
    ),
]
