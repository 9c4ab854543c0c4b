"""Security headers on every response: a strict content security policy (no inline script or style, nothing
from another origin), no framing, no sniffing, no referrer to other sites, and no caching of signed-in pages."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""Swagger UI (``/api/docs`` only) sets inline styles."""

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
]

MAX_BODY = 1_000_000
"""Largest request body accepted (no route takes uploads; forms are small)."""

BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods whose bodies no route reads (so one sent without a length is left unread)."""


def secure(headers: list[tuple[bytes, bytes]], scope: Scope) -> list[tuple[bytes, bytes]]:
    """``headers`` of a response to ``scope`` with the security headers added (those already there are kept)."""
    present = {name.lower() for name, _ in headers}
    added = [(b"content-security-policy", (DOCS_CSP if scope["path"] == "/api/docs" else CSP).encode()), *HEADERS]
    if scope.get("scheme") == "https":
        added.append((b"strict-transport-security", b"max-age=31536000"))
    static = scope["path"].startswith("/assets/")
    added.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
    return headers + [(name, value) for name, value in added if name not in present]


class SecurityHeaders:
    """ASGI middleware adding ``HEADERS`` (and ``Cache-Control: no-store`` outside ``/assets``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            await _too_large(scope, send)
            return
        if length is None and scope.get("method") not in BODYLESS:
            body = await _read_body(receive)  # chunked: no length to check, so count it
            if body is None:
                await _too_large(scope, send)
                return
            receive = _replay(body, receive)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secure(list(message.get("headers", [])), scope)
            await send(message)

        await self.app(scope, receive, with_headers)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None as soon as it passes ``MAX_BODY``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app ``body`` (already read) and then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _too_large(scope: Scope, send: Send) -> None:
    body = b'{"error":{"code":"too_large","message":"The request body is too large.","status":413}}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": secure(headers, scope)})
    await send({"type": "http.response.body", "body": body})
