"""The `footprint` command."""

from __future__ import annotations

import typer

from footprint import __version__
from footprint.cli import admin, case, demo, grade, hashset, operation, subjects, tasks
from footprint.cli.scan import scan_command, scan_export_command
from footprint.cli.serve import serve_command

app = typer.Typer(
    help="footprint: known-image triage and coordinated child-protection operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
GROUPS = {  # `footprint <group> <command>`, in the order --help lists them
    "hashset": hashset.app,
    "db": admin.db_app,
    "orgs": admin.orgs_app,
    "users": admin.users_app,
    "audit": admin.audit_app,
    "operation": operation.operation_app,
    "referrals": operation.referrals_app,
    "subjects": subjects.subjects_app,
    "postcodes": subjects.postcodes_app,
    "risk": subjects.risk_app,
    "packages": subjects.packages_app,
    "case": case.case_app,
    "tasks": tasks.tasks_app,
    "grade": grade.grade_app,
}
for group_name, group in GROUPS.items():
    app.add_typer(group, name=group_name)
app.command("allocate")(subjects.allocate)
app.command("figures")(case.figures_command)
app.command("scan")(scan_command)
app.command("scan-export")(scan_export_command)
app.command("demo")(demo.demo_command)
app.command("demo-data")(demo.demo_data_command)
app.command("serve")(serve_command)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
