"""Typed dependencies: the runtime of the site this app serves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from crowdsafety.service import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
