"""The `workshop` command on a fresh database."""

from __future__ import annotations

import json
import subprocess
import sys

from workshop.cli import main


def run(runner, *args, **kwargs):
    return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)


def test_create_facilitator_then_new_workshop(runner):
    result = run(
        runner, "create-facilitator", "lab@example.org", "--password-stdin", input="a long password\n"
    )
    assert result.exit_code == 0, result.output
    result = run(
        runner,
        "new",
        "--plan",
        "pd-discovery",
        "--title",
        "USF Luque",
        "--owner",
        "lab@example.org",
        "--lang",
        "en",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"id", "code", "join_url", "facilitator_url", "screen_url"}
    assert data["join_url"] == f"http://workshop.test/j/{data['code'].replace('-', '')}"
    assert data["facilitator_url"] == f"http://workshop.test/w/{data['id']}"
    assert data["screen_url"].startswith("http://workshop.test/s/")


def test_new_accepts_a_plan_path(runner, facilitator, plans_dir):
    result = run(
        runner,
        "new",
        "--plan",
        str(plans_dir / "reform-codesign.toml"),
        "--title",
        "Reforma",
        "--owner",
        "ana@example.org",
        "--json",
    )
    assert result.exit_code == 0, result.output


def test_new_with_unknown_plan_or_owner_fails_clearly(runner, facilitator):
    result = runner.invoke(main, ["new", "--plan", "nope", "--title", "T", "--owner", "ana@example.org"])
    assert result.exit_code != 0
    assert "no plan called 'nope'" in result.output
    result = runner.invoke(
        main, ["new", "--plan", "pd-discovery", "--title", "T", "--owner", "ghost@example.org"]
    )
    assert result.exit_code != 0
    assert "No facilitator with email ghost@example.org" in result.output


def test_short_password_is_refused(runner):
    result = runner.invoke(main, ["create-facilitator", "x@example.org", "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert "at least 10" in result.output


def test_plans_json_lists_the_method_library(runner):
    result = run(runner, "plans", "--json")
    plans = {plan["slug"]: plan for plan in json.loads(result.output)}
    assert {"pd-discovery", "reverse-engineering", "solutions-mapping", "reform-codesign"} <= set(plans)
    discovery = plans["pd-discovery"]
    assert discovery["languages"] == ["es", "en"]
    assert discovery["title"]["es"]
    kinds = [stage["kind"] for stage in discovery["stages"]]
    assert kinds[:2] == ["discuss", "write"]
    assert "social" in discovery["stages"][2]["lanes"]


def test_commands_work_on_a_fresh_instance(tmp_path):
    """A real `workshop` process against an empty instance folder creates its database."""
    env = {"WORKSHOP_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "workshop.cli"]
    created = subprocess.run(
        [*command, "create-facilitator", "new@example.org", "--password-stdin"],
        input="a long password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "workshop.db").exists()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    listed = subprocess.run(
        [*command, "plans", "--json"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert listed.returncode == 0
    assert json.loads(listed.stdout)
