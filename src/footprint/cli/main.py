"""The `footprint` command."""

from __future__ import annotations

import typer

from footprint import __version__
from footprint.cli import admin, case, demo, hashset, operation
from footprint.cli.scan import scan_command
from footprint.cli.serve import serve_command

app = typer.Typer(
    help="footprint: known-image triage and coordinated child-protection operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(hashset.app, name="hashset")
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.orgs_app, name="orgs")
app.add_typer(admin.users_app, name="users")
app.add_typer(admin.audit_app, name="audit")
app.add_typer(operation.operation_app, name="operation")
app.add_typer(operation.referrals_app, name="referrals")
app.add_typer(operation.subjects_app, name="subjects")
app.add_typer(operation.postcodes_app, name="postcodes")
app.add_typer(operation.risk_app, name="risk")
app.add_typer(operation.packages_app, name="packages")
app.add_typer(case.case_app, name="case")
app.command("allocate")(operation.allocate)
app.command("figures")(case.figures_command)
app.command("scan")(scan_command)
app.command("demo")(demo.demo_command)
app.command("demo-data")(demo.demo_data_command)
app.command("serve")(serve_command)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
