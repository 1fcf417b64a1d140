from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from footprint.cli.main import app
from footprint.store import Database

runner = CliRunner()


@pytest.fixture(autouse=True)
def use_test_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", database_url)


def test_users_and_audit_verify(database_url: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(app, ["users", "add", "alice", "--org", "E23000001", "--role", "analyst"])
    assert added.exit_code == 0, added.output
    assert "added alice (E23000001: analyst)" in added.output
    listed = runner.invoke(app, ["users", "list"])
    assert "alice" in listed.output and "E23000001" in listed.output
    orgs = runner.invoke(app, ["orgs", "list"])
    assert "Metropolitan Police" in orgs.output and "NCA" in orgs.output
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "intact: 2 entries" in verified.output

    db = Database(database_url)
    with db.unit_of_work() as session:
        session.execute(text("UPDATE audit_entries SET record_id = 'bob' WHERE seq = 1"))
    db.dispose()
    tampered = runner.invoke(app, ["audit", "verify"])
    assert tampered.exit_code == 5
    assert "edited: entry 1 was altered" in tampered.output


def test_user_errors_exit_2() -> None:
    bad_role = runner.invoke(app, ["users", "add", "x", "--org", "E23000001", "--role", "boss"])
    assert bad_role.exit_code == 2 and "not one of" in bad_role.output
    bad_org = runner.invoke(app, ["users", "add", "x", "--org", "ZZZ", "--role", "analyst"])
    assert bad_org.exit_code == 2 and "organisation 'ZZZ'" in bad_org.output


def test_commands_before_upgrade_say_what_to_do(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    result = runner.invoke(app, ["users", "list"])
    assert result.exit_code == 2 and "footprint db upgrade" in result.output


def test_operation_and_referral_commands(tmp_path) -> None:
    import json

    from tests.operations.samples import referral

    created = runner.invoke(
        app, ["operation", "create", "Op CLI", "--starts", "2026-10-01", "--force", "E23000001"]
    )
    assert created.exit_code == 0, created.output
    assert "1 forces" in created.output
    assert "Op CLI" in runner.invoke(app, ["operation", "list"]).output
    bad_date = runner.invoke(app, ["operation", "create", "Op D", "--starts", "1 Oct"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    path = tmp_path / "tips.json"
    path.write_text(json.dumps([referral(1), referral(2, report_id="")]))
    result = runner.invoke(app, ["referrals", "import", str(path), "--operation", "Op CLI"])
    assert result.exit_code == 4
    assert "1 imported" in result.output and "skipped record 2: report_id: missing" in result.output
    missing = runner.invoke(app, ["referrals", "import", str(path), "--operation", "Op None"])
    assert missing.exit_code == 2 and "not found" in missing.output


def test_referrals_grade_command(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from tests.hashsets.vics_samples import media, write_hashset
    from tests.operations.samples import referral

    monkeypatch.setenv("FOOTPRINT_HASHSET_STORE", str(tmp_path / "hs.sqlite"))
    known = write_hashset(tmp_path / "known.json", [media(1)])
    assert runner.invoke(app, ["hashset", "import", str(known), "--set", "national"]).exit_code == 0
    assert (
        runner.invoke(app, ["operation", "create", "Op G", "--starts", "2026-10-01"]).exit_code == 0
    )
    path = tmp_path / "tips.json"
    path.write_text(json.dumps([referral(1), referral(2)]))
    assert (
        runner.invoke(app, ["referrals", "import", str(path), "--operation", "Op G"]).exit_code == 0
    )
    result = runner.invoke(
        app, ["referrals", "grade", "--operation", "Op G", "--against", "national"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "graded 2 files: matched indecent-uncategorised 1; queued for human grading 1"
        in result.output
    )
    unknown_set = runner.invoke(
        app, ["referrals", "grade", "--operation", "Op G", "--against", "nope"]
    )
    assert unknown_set.exit_code == 2


def test_subject_commands(tmp_path) -> None:
    import json

    from tests.operations.samples import referral

    assert (
        runner.invoke(app, ["operation", "create", "Op R", "--starts", "2026-10-01"]).exit_code == 0
    )
    path = tmp_path / "tips.json"
    path.write_text(json.dumps([referral(1), referral(2)]))  # same phone: one subject
    assert (
        runner.invoke(app, ["referrals", "import", str(path), "--operation", "Op R"]).exit_code == 0
    )
    resolved = runner.invoke(app, ["subjects", "resolve", "--operation", "Op R"])
    assert (
        resolved.exit_code == 0
        and "1 subjects created, 0 merges, 2 referrals attached" in resolved.output
    )
    found = runner.invoke(app, ["subjects", "lookup", "phone", "07700 900123"])
    assert "NCMEC:TIP-000001" in found.output and "NCMEC:TIP-000002" in found.output
    bad = runner.invoke(app, ["subjects", "lookup", "email", "nope"])
    assert bad.exit_code == 2 and "not an e-mail" in bad.output
    assert runner.invoke(app, ["subjects", "unmerge", "99"]).exit_code == 2


def test_postcode_and_allocation_commands(tmp_path) -> None:
    import json

    from tests.operations.samples import referral

    table = tmp_path / "table.csv"
    table.write_text("postcode,pfa\nSW1A,E23000001\nXX1 1XX,E99\n")
    loaded = runner.invoke(app, ["postcodes", "load", str(table), "--format", "table"])
    assert loaded.exit_code == 4 and "1 postcodes loaded, 1 skipped" in loaded.output
    assert (
        runner.invoke(app, ["operation", "create", "Op P", "--starts", "2026-10-01"]).exit_code == 0
    )
    path = tmp_path / "tips.json"
    second = referral(2, reported_person={"emails": ["x@example.org"]})  # no postcode
    path.write_text(json.dumps([referral(1), second]))
    assert (
        runner.invoke(app, ["referrals", "import", str(path), "--operation", "Op P"]).exit_code == 0
    )
    assert runner.invoke(app, ["subjects", "resolve", "--operation", "Op P"]).exit_code == 0
    allocated = runner.invoke(app, ["allocate", "--operation", "Op P"])
    assert allocated.exit_code == 0, allocated.output
    assert "allocated: E23000001 1; waiting in the queue: 1" in allocated.output
    assert "no postcode in any referral" in allocated.output
    assigned = runner.invoke(
        app, ["subjects", "assign", "2", "--force", "E23000002", "--reason", "research"]
    )
    assert assigned.exit_code == 0, assigned.output
    blank = runner.invoke(app, ["subjects", "assign", "2", "--force", "E23000002", "--reason", " "])
    assert blank.exit_code == 2 and "needs a reason" in blank.output
    assert (
        "waiting in the queue: 0" in runner.invoke(app, ["allocate", "--operation", "Op P"]).output
    )


def test_risk_commands(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from tests.operations.samples import referral

    assert (
        runner.invoke(app, ["operation", "create", "Op K", "--starts", "2026-10-01"]).exit_code == 0
    )
    path = tmp_path / "tips.json"
    path.write_text(json.dumps([referral(1)]))
    assert (
        runner.invoke(app, ["referrals", "import", str(path), "--operation", "Op K"]).exit_code == 0
    )
    assert runner.invoke(app, ["subjects", "resolve", "--operation", "Op K"]).exit_code == 0
    assert runner.invoke(app, ["risk", "show", "1"]).exit_code == 2  # not assessed yet
    assessed = runner.invoke(
        app, ["risk", "assess", "1", "--factor", "lives_with_children", "--factor", "grooming"]
    )
    assert assessed.exit_code == 0, assessed.output
    assert (
        "subject 1: high" in assessed.output
        and "access to children: lives with children (+4)" in assessed.output
    )
    over = runner.invoke(
        app, ["risk", "override", "1", "--band", "very-high", "--reason", "threats"]
    )
    assert "very-high (assessed high, overridden: threats)" in over.output
    assert "very-high" in runner.invoke(app, ["risk", "show", "1"]).output
    bad = runner.invoke(app, ["risk", "assess", "1", "--factor", "tall"])
    assert bad.exit_code == 2 and "unknown tall" in bad.output
    model = tmp_path / "risk.toml"
    model.write_text("[weights]\ngrooming = 30\n")
    monkeypatch.setenv("FOOTPRINT_RISK_MODEL", str(model))
    custom = runner.invoke(app, ["risk", "assess", "1", "--factor", "grooming"])
    assert "subject 1: very-high" in custom.output
    model.write_text("[weights]\nmystery = 1\n")
    assert runner.invoke(app, ["risk", "assess", "1"]).exit_code == 2


def test_package_commands_as_coordinator_and_as_force_users(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from tests.operations.samples import referral

    def ok(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    ok("users", "add", "metsup", "--org", "E23000001", "--role", "force-supervisor")
    ok("users", "add", "gmpsup", "--org", "E23000005", "--role", "force-supervisor")
    ok("operation", "create", "Op Q", "--starts", "2026-10-01")
    path = tmp_path / "tips.json"
    path.write_text(json.dumps([referral(1)]))
    ok("referrals", "import", str(path), "--operation", "Op Q")
    ok("subjects", "resolve", "--operation", "Op Q")
    ok("subjects", "assign", "1", "--force", "E23000001", "--reason", "research")
    ok("risk", "assess", "1", "--factor", "grooming")
    issued = ok("packages", "issue", "1")
    assert "package 1: subject 1 -> Metropolitan Police (E23000001), issued" in issued
    monkeypatch.setenv("FOOTPRINT_USER", "gmpsup")
    assert "E23000001" not in ok("packages", "list")
    hidden = runner.invoke(app, ["packages", "show", "1"])
    assert hidden.exit_code == 2 and "package 1: not found" in hidden.output
    monkeypatch.setenv("FOOTPRINT_USER", "metsup")
    assert "acknowledged" in ok("packages", "acknowledge", "1")
    assert "Greater Manchester (E23000005), issued" in ok(
        "packages", "transfer", "1", "--to", "E23000005", "--reason", "moved"
    )
    monkeypatch.setenv("FOOTPRINT_USER", "gmpsup")
    assert '"band": "medium"' in ok("packages", "show", "1")
    monkeypatch.setenv("FOOTPRINT_USER", "nobody")
    unknown = runner.invoke(app, ["packages", "list"])
    assert unknown.exit_code == 2 and "unknown or inactive" in unknown.output


def test_password_and_token_commands() -> None:
    assert (
        runner.invoke(app, ["users", "add", "carol", "--org", "NCA", "--role", "analyst"]).exit_code
        == 0
    )
    short = runner.invoke(
        app, ["users", "set-password", "carol", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 2 and "at least 12" in short.output
    done = runner.invoke(
        app, ["users", "set-password", "carol", "--password-stdin"], input="a long enough secret\n"
    )
    assert done.exit_code == 0 and "password set for carol" in done.output
    issued = runner.invoke(app, ["users", "token-issue", "carol", "--label", "exports"])
    assert issued.exit_code == 0 and "(shown once): fp_" in issued.output
    assert "token 1 revoked" in runner.invoke(app, ["users", "token-revoke", "1"]).output
    again = runner.invoke(app, ["users", "token-revoke", "1"])
    assert again.exit_code == 2 and "already revoked" in again.output


def _as(monkeypatch: pytest.MonkeyPatch, user: str | None, *args: str) -> Result:
    if user is None:
        monkeypatch.delenv("FOOTPRINT_USER", raising=False)
    else:
        monkeypatch.setenv("FOOTPRINT_USER", user)
    return runner.invoke(app, list(args))


def _last_actor(database_url: str, action: str) -> str:
    db = Database(database_url)
    with db.unit_of_work() as session:
        found = session.execute(
            text("SELECT actor FROM audit_entries WHERE action = :a ORDER BY seq DESC"),
            {"a": action},
        ).first()
    db.dispose()
    assert found is not None, action
    return str(found[0])


def test_every_command_acts_as_its_user(
    tmp_path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """FOOTPRINT_USER is who a command acts as, through the same permission table as the web
    app; unset, the local administrator `system`. Refusals exit 2 and are audited as the user."""
    import json

    from tests.operations.samples import referral

    people = [
        ("natcoord", "NCA", "coordinator"),
        ("natanalyst", "NCA", "analyst"),
        ("nataudit", "NCA", "auditor"),
        ("metsup", "E23000001", "force-supervisor"),
        ("metinv", "E23000001", "investigator"),
        ("kentsup", "E23000032", "force-supervisor"),
    ]
    for name, org, role in people:
        assert (
            _as(monkeypatch, None, "users", "add", name, "--org", org, "--role", role).exit_code
            == 0
        )
    refused = _as(monkeypatch, "metsup", "operation", "create", "Op X", "--starts", "2026-10-01")
    assert refused.exit_code == 2 and "creating an operation is for the national" in refused.output
    made = _as(monkeypatch, "natcoord", "operation", "create", "Op U", "--starts", "2026-10-01")
    assert made.exit_code == 0, made.output
    assert _last_actor(database_url, "operation.create") == "natcoord"
    assert _last_actor(database_url, "access.refused") == "metsup"

    path = tmp_path / "tips.json"
    path.write_text(json.dumps([referral(1)]))
    args = ("referrals", "import", str(path), "--operation", "Op U")
    assert _as(monkeypatch, "metinv", *args).exit_code == 2
    assert _as(monkeypatch, "natanalyst", *args).exit_code == 0
    assert _as(monkeypatch, "nataudit", "subjects", "resolve", "--operation", "Op U").exit_code == 2
    assert (
        _as(monkeypatch, "natanalyst", "subjects", "resolve", "--operation", "Op U").exit_code == 0
    )
    assert _last_actor(database_url, "subject.resolve") == "natanalyst"

    assign = ("subjects", "assign", "1", "--force", "E23000001", "--reason", "research")
    for user in ("metinv", "nataudit", "natanalyst"):
        assert _as(monkeypatch, user, *assign).exit_code == 2, user
    assert _as(monkeypatch, "natcoord", *assign).exit_code == 0
    assess = ("risk", "assess", "1", "--factor", "lives_with_children")
    assert _as(monkeypatch, "metinv", *assess).exit_code == 0
    assert _last_actor(database_url, "risk.assess") == "metinv"
    override = ("risk", "override", "1", "--band", "low", "--reason", "because")
    kent = _as(monkeypatch, "kentsup", *override)  # another force's subject reads as missing
    assert kent.exit_code == 2 and "not found" in kent.output
    for user in ("natanalyst", "nataudit", "metinv"):
        assert _as(monkeypatch, user, *override).exit_code == 2, user
    assert _as(monkeypatch, "metsup", *override).exit_code == 0
    assert _last_actor(database_url, "risk.override") == "metsup"
    listed = _as(monkeypatch, "metsup", "operation", "list")
    assert listed.exit_code == 0 and "Op U" in listed.output
    assert _as(monkeypatch, "nobody", "operation", "list").exit_code == 2  # unknown user
