from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from huike.auth import service
from huike.auth.deps import CurrentActor
from huike.kit.web import CSRF_COOKIE, DB, SESSION_COOKIE, UnitOfWorkRoute
from huike.org.endpoints import MeRead, me_read

router = APIRouter(prefix="/auth", tags=["auth"], route_class=UnitOfWorkRoute)


class LoginIn(BaseModel):
    tenant: str = Field(min_length=1, max_length=40, examples=["demo"])
    username: str = Field(min_length=1, max_length=64, examples=["admin"])
    password: str = Field(min_length=1, max_length=200)


class LoginOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    csrf_token: str
    employee: MeRead


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response, db: DB) -> LoginOut:
    settings = request.app.state.db.settings
    result = service.login(request.app.state.db, body.tenant, body.username, body.password,
                           ip=request.client.host if request.client else "unknown",
                           user_agent=request.headers.get("user-agent"))
    max_age = settings.session_ttl_hours * 3600
    response.set_cookie(SESSION_COOKIE, result.token, max_age=max_age, httponly=True, samesite="lax",
                        secure=settings.cookie_secure, path="/")
    response.set_cookie(CSRF_COOKIE, result.csrf_token, max_age=max_age, httponly=False, samesite="strict",
                        secure=settings.cookie_secure, path="/")
    actor, _ = service.authenticate(db, result.token)
    return LoginOut(access_token=result.token, expires_at=result.expires_at, csrf_token=result.csrf_token,
                    employee=me_read(db, actor))


@router.post("/logout", status_code=204)
def logout(actor: CurrentActor, db: DB, response: Response) -> Response:
    service.logout(db, actor)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
