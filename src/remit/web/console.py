"""The console: the single-page app built from `console/` by `make console` into ASSETS.
Every `/app` path without a file of its own answers the app's index.html, so its own routes
(`/app/invoices/...`) work when reloaded or opened from a link; the files under
`/app/assets/` have their content's hash in their names and are cached for good."""

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

ASSETS = Path(__file__).parent / "static" / "console"
# Vite's output: flat, hashed names such as index-COUP5onr.css; nothing else is served.
ASSET_NAME = re.compile(r"^[\w.-]+\.(?:js|css|svg|png|woff2?)$")

MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>The console is not built</title></head>
<body><main><h1>The console is not built here</h1>
<p>Build it once with <code>make console</code> (part of <code>make run</code>; it needs
Node 20 or newer). The API at <code>/graphql</code> works without it.</p></main></body>
</html>
"""


def policy(request: Request) -> str:
    """Only this server: scripts, styles, API calls and the subscriptions' WebSocket."""
    websocket = f"{'wss' if request.url.scheme == 'https' else 'ws'}://{request.url.netloc}"
    return (
        "default-src 'self'; script-src 'self'; "
        # Mantine writes its theme's CSS variables in a <style> element and places menus and
        # popovers with style attributes.
        "style-src 'self' 'unsafe-inline'; "
        # Tenant logos are https URLs anywhere; Mantine's inline icons are data: URLs.
        "img-src 'self' data: https:; "
        f"connect-src 'self' {websocket}; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def headers(request: Request) -> dict[str, str]:
    return {
        "Content-Security-Policy": policy(request),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Robots-Tag": "noindex, nofollow",
    }


async def page(request: Request) -> Response:
    path = request.path_params.get("path", "")
    if path.startswith("assets/"):
        return asset(request, path.removeprefix("assets/"))
    index = ASSETS / "index.html"
    if not index.is_file():
        return HTMLResponse(MISSING, status_code=503, headers=headers(request))
    # Always asked again: a new build names new asset files.
    return FileResponse(index, headers={**headers(request), "Cache-Control": "no-cache"})


def asset(request: Request, name: str) -> Response:
    file = ASSETS / "assets" / name
    if not ASSET_NAME.match(name) or not file.is_file():
        return PlainTextResponse("Not found", status_code=404)
    return FileResponse(
        file, headers={**headers(request), "Cache-Control": "public, max-age=31536000, immutable"}
    )
