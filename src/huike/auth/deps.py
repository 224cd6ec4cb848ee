"""`CurrentActor`: authenticates the request (bearer token or session cookie + CSRF)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from huike.auth.service import authenticate
from huike.authz.actor import Actor
from huike.kit.errors import HuikeError, Unauthenticated
from huike.kit.web import CSRF_HEADER, DB, SESSION_COOKIE

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def current_actor(request: Request, db: DB) -> Actor:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token, via_cookie = header[7:].strip(), False
    else:
        token, via_cookie = request.cookies.get(SESSION_COOKIE, ""), True
    if not token:
        raise Unauthenticated()
    actor, auth = authenticate(db, token)
    if via_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, auth.csrf_token):
            raise HuikeError("csrf_failed", 403)
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
