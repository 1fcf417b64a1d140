"""Administration: `db upgrade`, `orgs list`, `users add|list`, `audit checkpoint|verify`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn

import click
import typer
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError

from footprint.cli.common import ExitCode, console, err_console, fail, settings
from footprint.errors import REFUSALS, message_for
from footprint.inputs import check_json_text
from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.security.audit_chain import Checkpoint
from footprint.security.credentials import issue_token, revoke_token, set_password, unlock
from footprint.security.reference_data import organisations, prepare_database
from footprint.security.roles import Role, parse_roles
from footprint.security.users import UserError, actor_for, add_user, list_users
from footprint.store import Database

db_app = typer.Typer(help="The operations database.", no_args_is_help=True)
orgs_app = typer.Typer(
    help="Organisations: the 45 forces and the coordinator.", no_args_is_help=True
)
users_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


def not_ready(exc: Exception) -> NoReturn:
    fail(f"the database is not ready ({type(exc).__name__}); run `footprint db upgrade` first")


@contextmanager
def open_database() -> Iterator[Database]:
    """The operations database for one command: refusals and a missing schema become clear
    errors with exit code 2, and the engine is always released."""
    db = Database(settings().database_url)
    try:
        yield db
    except REFUSALS as exc:  # bad input, not allowed, not found: said, exit code 2
        if isinstance(exc, AccessDenied) and not exc.audited:
            _audit_refusal(db, exc)
        fail(message_for(exc))
    except (OperationalError, ProgrammingError) as exc:
        not_ready(exc)
    finally:
        db.dispose()


def _record(db: Database, action: str, record_type: str, record_id: object, **detail: Any) -> None:
    """One audit entry, in a transaction of its own, as the user the command runs as."""
    actor = current_actor(db)
    with db.unit_of_work() as session:
        audit.record(session, actor, action, record_type, record_id, **detail)


def _audit_refusal(db: Database, exc: AccessDenied) -> None:
    """A refused command, audited as the user who ran it (the command's own work rolled back)."""
    command = click.get_current_context(silent=True)
    path = command.command_path if command else "footprint"
    # no database to write to, or no such user: the refusal stands all the same
    with suppress(OperationalError, ProgrammingError, UserError):
        _record(db, "access.refused", "command", path, why=str(exc))


def audit_outside(action: str, record_type: str, record_id: object, **detail: Any) -> None:
    """An audit entry for work done outside the operations database (a scan, a hash-set
    import), as the user the command runs as. A workstation used for triage alone may have no
    operations database: the work stands, and the user is told it was not audited."""
    url = settings().database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        _not_audited()
        return
    db = Database(url)
    try:
        _record(db, action, record_type, record_id, **detail)
    except (OperationalError, ProgrammingError):
        _not_audited()
    except UserError as exc:  # FOOTPRINT_USER names nobody: nothing is done unaudited
        fail(str(exc))
    finally:
        db.dispose()


def _not_audited() -> None:
    err_console.print(
        "[yellow]warning:[/] not audited: the operations database is not set up "
        "(`footprint db upgrade`)"
    )


def current_actor(db: Database) -> Actor:
    """Who this command acts as: the user named by FOOTPRINT_USER, else the local administrator
    (the coordinator's `system`). Sign-in with passwords belongs to the web application."""
    username = os.environ.get("FOOTPRINT_USER", "").strip()
    if not username:
        return Actor.system()
    with db.unit_of_work() as session:
        return actor_for(session, username)


@db_app.command("upgrade")
def upgrade() -> None:
    """Create or migrate the schema to the newest version and load reference data."""
    with open_database() as db:
        prepare_database(db)
    console.print(f"database at the newest schema: {db.url.split('@')[-1]}")


@orgs_app.command("list")
def orgs_list() -> None:
    """List organisations with their codes (ONS GSS codes for forces)."""
    table = Table("code", "name", "kind", "country")
    with open_database() as db, db.unit_of_work() as session:
        for code, name, kind, country in organisations(session):
            table.add_row(code, name, kind, country or "")
    console.print(table)


@users_app.command("add")
def users_add(
    username: str = typer.Argument(...),
    org: str = typer.Option(..., "--org", help="Organisation code, e.g. E23000001 or NCA."),
    role: list[str] = typer.Option(
        ..., "--role", help=f"Repeat for several: {', '.join(r.value for r in Role)}."
    ),
    name: str | None = typer.Option(None, "--name", help="Display name."),
) -> None:
    """Add a user (the local administrator, or a user administrator: see `docs/operations.md`;
    audited)."""
    try:
        roles = parse_roles(role)
    except ValueError as exc:
        fail(str(exc))
    with open_database() as db, db.unit_of_work() as session:
        user = add_user(session, current_actor(db), username, org, roles, name)
    console.print(f"added {user.username} ({user.organisation}: {', '.join(user.roles)})")


@users_app.command("list")
def users_list() -> None:
    """List users with their organisation and roles."""
    table = Table("username", "name", "organisation", "roles", "active")
    with open_database() as db, db.unit_of_work() as session:
        for user in list_users(session, current_actor(db)):
            roles = ", ".join(user.roles)
            table.add_row(
                user.username, user.display_name, user.organisation, roles, str(user.active)
            )
    console.print(table)


@users_app.command("set-password")
def users_set_password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (scripts)."
    ),
) -> None:
    """Set a user's sign-in password (stored as an argon2id hash; clears any lock)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with open_database() as db, db.unit_of_work() as session:
        set_password(session, current_actor(db), username, password)
    console.print(f"password set for {username}")


@users_app.command("unlock")
def users_unlock(username: str = typer.Argument(...)) -> None:
    """Lift every sign-in lock on an account (a credentials administrator; audited)."""
    with open_database() as db, db.unit_of_work() as session:
        lifted = unlock(session, current_actor(db), username)
    console.print(f"{username}: {lifted} lock(s) lifted")


@users_app.command("token-issue")
def users_token_issue(
    username: str = typer.Argument(...),
    label: str = typer.Option(..., "--label", help="What the token is for."),
) -> None:
    """Issue an API token for a machine client; it is shown once and only its hash is kept."""
    with open_database() as db, db.unit_of_work() as session:
        token_id, token = issue_token(session, current_actor(db), username, label)
    console.print(f"token {token_id} for {username} (shown once): {token}")


@users_app.command("token-revoke")
def users_token_revoke(token_id: int = typer.Argument(...)) -> None:
    """Revoke an API token; it stops working at once."""
    with open_database() as db, db.unit_of_work() as session:
        revoke_token(session, current_actor(db), token_id)
    console.print(f"token {token_id} revoked")


@audit_app.command("checkpoint")
def audit_checkpoint(
    out: Path | None = typer.Option(
        None, "--out", help="Write the checkpoint (JSON) here; default: standard output."
    ),
) -> None:
    """Write the audit chain's head (sequence, hash, time) for you to keep outside the database
    (another machine, write-once media); `audit verify --against` proves the log extends it."""
    with open_database() as db, db.unit_of_work() as session:
        taken = audit.checkpoint(session)
    text = json.dumps(taken.as_dict(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text)
    err_console.print(f"checkpoint of entry {taken.seq:,} written to {out}")


CHECKPOINT_BYTES = 4096  # a checkpoint is a few hundred bytes: read no more than this


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        with path.open("rb") as stream:
            text = stream.read(CHECKPOINT_BYTES + 1).decode("utf-8")
        if len(text) > CHECKPOINT_BYTES:
            raise ValueError(f"over {CHECKPOINT_BYTES} bytes")
        check_json_text(text, path.name)  # bounded nesting and numbers before json reads it
        return Checkpoint.from_dict(json.loads(text))
    except (OSError, ValueError) as exc:  # UnicodeError and JSONDecodeError are ValueErrors
        fail(f"{path}: not a checkpoint ({exc})")


@audit_app.command("verify")
def audit_verify(
    against: Path | None = typer.Option(
        None, "--against", help="A checkpoint from `audit checkpoint`: the log must extend it."
    ),
) -> None:
    """Check the whole audit chain; names every edited, inserted or deleted entry and, with
    --against, a log rewritten at or before the checkpoint. Exit 5 if any."""
    anchor = _read_checkpoint(against) if against is not None else None
    with open_database() as db, db.unit_of_work() as session:
        checked, problems = audit.verify(session, anchor)
    if not problems:
        extends = f"; extends the checkpoint at entry {anchor.seq:,}" if anchor else ""
        console.print(f"audit chain intact: {checked:,} entries verified{extends}")
        return
    for problem in problems:
        console.print(f"[bold red]{problem.kind}[/]: {problem.message}")
    console.print(f"{len(problems)} problem(s) in {checked:,} entries")
    raise typer.Exit(int(ExitCode.TAMPERED))
