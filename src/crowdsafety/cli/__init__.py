"""The ``crowdsafety`` command: the composition root that wires the stages together."""
