"""Typed dependency: the app's :class:`~crowdsafety.service.deciding.Decider`.

``create_app`` puts one on ``app.state.decider`` (with notifiers); an app without one gets a
quiet Decider (no notifiers) on first use, so the routers also work in a bare app.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from crowdsafety.service.deciding import Decider, build_decider

_create = threading.Lock()


def get_decider(request: Request) -> Decider:
    state = request.app.state
    with _create:
        if getattr(state, "decider", None) is None:
            state.decider = build_decider(state.runtime, env={})
    return state.decider


DeciderDep = Annotated[Decider, Depends(get_decider)]
