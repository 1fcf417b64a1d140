from footprint.cli.main import app

app()
