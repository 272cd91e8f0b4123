"""``python -m crowdsafety.cli``."""

from crowdsafety.cli.main import run

run()
