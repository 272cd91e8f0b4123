"""The running service: composes ingest, store and picture for the api and the cli."""

from crowdsafety.service.clock import Clock, ReplayClock, SystemClock
from crowdsafety.service.runtime import Runtime

__all__ = ["Clock", "ReplayClock", "Runtime", "SystemClock"]
