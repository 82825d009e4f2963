"""The challenge question: stored with the workshop (cleaned like a note's text), suggested
by the plan, edited by the facilitator from the console form or the CLI, sent to every
audience in its state, and opening the report's method section."""

from __future__ import annotations

import json
import re

import pytest

from workshop.audiences.state import workshop_state
from workshop.cli import main
from workshop.core.models import Workshop
from workshop.errors import InvalidInput, NotAllowed
from workshop.extensions import db
from workshop.plans import PlanError, list_plans, plan_from_data
from workshop.reports.data import build_report
from workshop.reports.formats import to_json, to_markdown
from workshop.reports.render import report_html
from workshop.workshops.services import close_workshop, create_workshop, set_question

LOGIN = {"email": "ana@example.org", "password": "correct horse battery"}
QUESTION = "¿Cómo podríamos reducir la espera en la USF sin más personal?"


def test_a_new_workshop_keeps_its_question_cleaned(app, facilitator, plan):
    workshop = create_workshop(
        facilitator, plan, "USF Luque", question="  ¿Cómo\x00 podríamos\r\nesperar menos?\x07  "
    )
    db.session.commit()
    assert workshop.question == "¿Cómo podríamos\nesperar menos?"
    assert create_workshop(facilitator, plan, "Sin pregunta", question="   ").question is None
    assert create_workshop(facilitator, plan, "Tampoco").question is None


def test_a_lone_surrogate_is_replaced_not_refused(app, facilitator, workshop):
    set_question(workshop, facilitator, "¿Cómo \ud800podríamos?")
    db.session.commit()
    assert workshop.question == "¿Cómo \ufffdpodríamos?"


def test_the_question_is_bounded(app, facilitator, plan, workshop):
    with pytest.raises(InvalidInput, match="at most 300 characters"):
        create_workshop(facilitator, plan, "Larga", question="x" * 301)
    db.session.rollback()
    set_question(workshop, facilitator, "x" * 300)
    assert len(workshop.question) == 300
    with pytest.raises(InvalidInput):
        set_question(workshop, facilitator, ["no", "text"])


def test_only_a_facilitator_sets_it_while_the_workshop_is_open(app, facilitator, workshop, make_participant):
    participant = make_participant(workshop)
    with pytest.raises(NotAllowed):
        set_question(workshop, participant, QUESTION)
    with pytest.raises(NotAllowed):
        set_question(workshop, None, QUESTION)
    close_workshop(workshop, facilitator)
    db.session.commit()
    with pytest.raises(NotAllowed, match="closed"):
        set_question(workshop, facilitator, QUESTION)


def test_editing_bumps_the_revision_and_reaches_every_audience(app, facilitator, workshop, make_participant):
    participant = make_participant(workshop)
    before = workshop.revision
    set_question(workshop, facilitator, QUESTION)
    db.session.commit()
    assert workshop.revision == before + 1
    for audience, who in (("facilitator", None), ("screen", None), ("participant", participant)):
        assert workshop_state(workshop, audience, who)["workshop"]["question"] == QUESTION
    set_question(workshop, facilitator, QUESTION)  # the same text again changes nothing
    db.session.commit()
    assert workshop.revision == before + 1
    set_question(workshop, facilitator, "")
    db.session.commit()
    assert workshop.question is None


# --- The plans suggest one ---------------------------------------------------------------


def test_every_shipped_plan_suggests_a_question_in_spanish_and_english(plans_dir):
    for plan in list_plans(plans_dir):
        assert set(plan.question) == {"es", "en"}, plan.slug
        assert plan.question["es"].startswith("¿") and plan.question["es"].endswith("?")
        assert plan.summary()["question"] == plan.question


def _plan_data(**extra) -> dict:
    return {
        "title": {"es": "T", "en": "T"},
        "description": {"es": "D", "en": "D"},
        "stages": [{"id": "a", "kind": "discuss", "title": {"es": "A", "en": "A"}, "prompt": "¿?"}],
        **extra,
    }


def test_the_loader_checks_the_suggested_question():
    assert plan_from_data(_plan_data(), "p").question == {}
    assert plan_from_data(_plan_data(question="¿Cómo?"), "p").question == {"es": "¿Cómo?", "en": "¿Cómo?"}
    with pytest.raises(PlanError, match="field 'question': missing text for language"):
        plan_from_data(_plan_data(question={"es": "¿Cómo?"}), "p")
    with pytest.raises(PlanError, match="field 'question': the es text has 301 characters"):
        plan_from_data(_plan_data(question={"es": "x" * 301, "en": "y"}), "p")
    with pytest.raises(PlanError, match="field 'question'"):
        plan_from_data(_plan_data(question=3), "p")


# --- Doors: the new-workshop form, the console form, the CLI, Socket.IO ----------------


def _login(client) -> None:
    assert client.post("/login", data=LOGIN).status_code == 302


def test_the_new_workshop_form_offers_the_plans_suggestion(client, facilitator, plans_dir):
    _login(client)
    plans = {plan.slug: plan for plan in list_plans(plans_dir)}
    page = client.get("/w/new").get_data(as_text=True)
    first = next(iter(plans.values()))
    assert re.search(r'<textarea[^>]*id="question"[^>]*>\s*' + re.escape(first.question["es"]), page)
    page = client.get("/w/new?plan=reform-codesign").get_data(as_text=True)
    assert plans["reform-codesign"].question["es"] in page
    suggestions = json.loads(re.search(r'id="question-suggestions">(.*?)</script>', page).group(1))
    assert suggestions["pd-discovery"]["en"] == plans["pd-discovery"].question["en"]


def test_creating_a_workshop_in_the_browser_with_a_question(client, facilitator):
    _login(client)
    response = client.post(
        "/w/new",
        data={"plan": "pd-discovery", "title": "USF Itá", "language": "es", "question": QUESTION},
    )
    assert response.status_code == 302
    workshop = db.session.scalar(db.select(Workshop).where(Workshop.title == "USF Itá"))
    assert workshop.question == QUESTION
    page = client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert QUESTION in page


def test_a_too_long_question_is_refused_beside_the_field(client, facilitator):
    _login(client)
    response = client.post(
        "/w/new", data={"plan": "pd-discovery", "title": "Larga", "language": "es", "question": "x" * 301}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Workshop).where(Workshop.title == "Larga")) is None


def test_the_console_form_sets_the_question_without_javascript(app, client, facilitator, workshop):
    _login(client)
    response = client.post(f"/w/{workshop.id}/question", data={"question": "<b>¿Cómo?</b>"})
    assert response.status_code == 302
    db.session.refresh(workshop)
    assert workshop.question == "<b>¿Cómo?</b>"
    page = client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert "&lt;b&gt;¿Cómo?&lt;/b&gt;" in page and "<b>¿Cómo?</b>" not in page


def test_the_console_form_needs_its_csrf_token(app, client, facilitator, workshop):
    _login(client)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/w/{workshop.id}/question", data={"question": "¿Falsificada?"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code in (302, 400)
    db.session.refresh(workshop)
    assert workshop.question is None


def test_the_question_form_is_for_facilitators_only(client, workshop):
    response = client.post(f"/w/{workshop.id}/question", data={"question": "¿Anónima?"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.refresh(workshop)
    assert workshop.question is None


def test_cli_new_with_a_question_or_the_plans_suggestion(runner, facilitator, plans_dir):
    result = runner.invoke(
        main,
        [
            "new",
            "--plan",
            "pd-discovery",
            "--title",
            "CLI",
            "--owner",
            LOGIN["email"],
            "--json",
            "--question",
            QUESTION,
        ],
    )
    assert result.exit_code == 0, result.output
    assert db.session.get(Workshop, json.loads(result.output)["id"]).question == QUESTION
    result = runner.invoke(
        main,
        [
            "new",
            "--plan",
            "pd-discovery",
            "--title",
            "CLI 2",
            "--owner",
            LOGIN["email"],
            "--json",
            "--lang",
            "en",
        ],
    )
    suggested = next(p for p in list_plans(plans_dir) if p.slug == "pd-discovery").question["en"]
    assert db.session.get(Workshop, json.loads(result.output)["id"]).question == suggested
    result = runner.invoke(
        main,
        [
            "new",
            "--plan",
            "pd-discovery",
            "--title",
            "CLI 3",
            "--owner",
            LOGIN["email"],
            "--json",
            "--question",
            "x" * 301,
        ],
    )
    assert result.exit_code != 0 and "300" in result.output


def test_cli_question_changes_and_removes_it(runner, workshop):
    result = runner.invoke(main, ["question", str(workshop.id), QUESTION])
    assert result.exit_code == 0, result.output
    db.session.refresh(workshop)
    assert workshop.question == QUESTION
    result = runner.invoke(main, ["question", workshop.code])
    assert result.exit_code == 0, result.output
    db.session.refresh(workshop)
    assert workshop.question is None


def test_a_participant_cannot_set_it_over_socketio(app, workshop):
    from workshop.extensions import socketio
    from workshop.live import NAMESPACE

    http = app.test_client()
    http.get(f"/j/{workshop.code}")
    phone = socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=http,
        auth={"workshop": workshop.id, "audience": "participant"},
    )
    ack = phone.emit("set_question", {"question": "¿Mía?"}, namespace=NAMESPACE, callback=True)
    assert ack["ok"] is False and ack["error"] == "not_allowed"
    phone.disconnect(namespace=NAMESPACE)
    db.session.refresh(workshop)
    assert workshop.question is None


# --- The report opens its method section with it ----------------------------------------


def test_the_report_opens_the_method_with_the_question_escaped(app, facilitator, workshop):
    set_question(workshop, facilitator, "¿Cómo <script>alert(1)</script> *podríamos*?")
    db.session.commit()
    report = build_report(workshop)
    assert report["workshop"]["question"] == workshop.question
    html = report_html(report)
    method = html[html.index('id="method"') :]
    assert method.index("&lt;script&gt;alert(1)&lt;/script&gt;") < method.index(
        report["workshop"]["plan"]["description"]
    )
    assert "<script>alert" not in html
    markdown = to_markdown(report)
    assert "> ¿Cómo \\<script\\>alert\\(1\\)\\</script\\> \\*podríamos\\*?" in markdown
    assert json.loads(to_json(report))["workshop"]["question"] == workshop.question


def test_a_report_without_a_question_says_nothing_of_it(app, workshop):
    report = build_report(workshop)
    assert report["workshop"]["question"] is None
    assert "blockquote" not in report_html(report)


def test_a_synthesis_names_each_workshops_question(app, facilitator, make_workshop):
    from workshop.synthesis.services import build_synthesis, synthesis_html

    first = make_workshop(title="USF Luque", question="¿Cómo <i>podríamos</i> esperar menos?")
    second = make_workshop(title="USF Itá")
    synthesis = build_synthesis([first, second])
    assert [site["question"] for site in synthesis["sites"]] == [
        "¿Cómo <i>podríamos</i> esperar menos?",
        None,
    ]
    html = synthesis_html(synthesis)
    assert "«¿Cómo &lt;i&gt;podríamos&lt;/i&gt; esperar menos?»" in html
    assert html.count("site-question") == 2  # the style, and the one workshop that has a question
