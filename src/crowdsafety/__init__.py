"""Crowd Safety Manager: one shared picture of crowding in public space.

The package follows the flow of data, one sub-package per stage::

    sources -> ingest -> store -> picture -> forecast -> decide -> api / web

``domain`` holds the value types every stage shares; ``cli`` and ``api`` are the only places that
wire stages together.
"""

__version__ = "0.1.0"
