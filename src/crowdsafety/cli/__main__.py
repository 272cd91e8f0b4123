"""``python -m crowdsafety.cli``."""

from crowdsafety.cli.main import app

app()
