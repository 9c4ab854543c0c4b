"""``python -m observatory.cli``."""

from observatory.cli.main import app

app()
