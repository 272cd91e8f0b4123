"""HTTP API: ``create_app(runtime)`` builds the FastAPI application."""

from crowdsafety.api.app import create_app

__all__ = ["create_app"]
