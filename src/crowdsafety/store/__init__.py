"""The store: the only place with SQL. ``open_store(url)`` picks a backend by URL."""

from crowdsafety.store.base import AppendResult, Store, open_store

__all__ = ["AppendResult", "Store", "open_store"]
