"""Shared-secret checks for webhooks and the JSON API, in constant time."""

from __future__ import annotations

import base64
import hmac

from fastapi import HTTPException, Request
from pydantic import SecretStr


def _presented_tokens(request: Request, allow_query: bool) -> list[str]:
    tokens: list[str] = []
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        tokens.append(value.strip())
    elif scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            tokens.append(decoded.partition(":")[2])  # the token is the password
        except (ValueError, UnicodeDecodeError):
            pass
    if allow_query and "token" in request.query_params:
        tokens.append(request.query_params["token"])
    return tokens


def check_token(
    request: Request, expected: SecretStr | None, *, allow_query: bool, what: str
) -> None:
    """Raise 401 unless the request carries `expected`. With no token configured, refuse all."""
    if expected is None:
        raise HTTPException(
            401,
            detail=f"{what} are refused: no token is configured on crebot",
            headers={"WWW-Authenticate": "Bearer"},
        )
    secret = expected.get_secret_value().encode()
    ok = False
    for token in _presented_tokens(request, allow_query):
        ok |= hmac.compare_digest(token.encode(), secret)
    if not ok:
        raise HTTPException(
            401, detail="missing or wrong credentials", headers={"WWW-Authenticate": "Bearer"}
        )
