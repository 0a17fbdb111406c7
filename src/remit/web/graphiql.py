"""GraphiQL from Remit's own files. Strawberry's GraphiQL page loads its code from a public
CDN, which leaves it blank offline or behind a strict firewall. Remit serves the same page
with each of those URLs pointed at `/graphiql/<package>@<version>/<file>`, and serves those
files from ASSETS, where `make graphiql` (scripts/fetch_graphiql.py) puts them: fetched once
from npm, checked against the page's own integrity hashes."""

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from strawberry.http.ides import get_graphql_ide_html

ASSETS = Path(__file__).parent / "static" / "graphiql"
PREFIX = "/graphiql"
CDN = re.compile(r"https://unpkg\.com/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/([\w./-]+)")
TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.DOTALL)
INTEGRITY = re.compile(r'integrity="([^"]+)"')

# Strawberry's page reads Django's CSRF cookie; Remit's is a double-submit pair (the console's).
SCRIPT_CHANGES = [
    ('Cookies.get("csrftoken")', 'Cookies.get("remit_csrf")'),
    ('defaultHeaders["x-csrftoken"]', 'defaultHeaders["X-CSRF-Token"]'),
    (
        "        subscriptionUrl,\n      });",
        "        subscriptionUrl,\n"
        '        fetch: (url, init) => window.fetch(url, { ...init, credentials: "same-origin" }),\n'
        "      });",
    ),
]
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is not installed</title></head>
<body><main><h1>GraphiQL is not installed here</h1>
<p>Its files are fetched from npm once, with <code>make graphiql</code> (part of
<code>make run</code>; it needs npm). The API at this address works without them:
POST GraphQL queries with <code>Authorization: Bearer &lt;api key&gt;</code>.</p></main></body>
</html>
"""


@dataclass(frozen=True)
class Asset:
    package: str  # "graphiql", "@graphiql/plugin-explorer"
    version: str
    file: str  # inside the npm package: "graphiql.min.js", "dist/style.css"
    integrity: str | None  # "sha384-<base64>", as the page states it

    @property
    def path(self) -> str:
        """Where it is kept under ASSETS, and served under PREFIX."""
        return f"{self.package}@{self.version}/{self.file}"


def assets(html: str) -> list[Asset]:
    """The files the page loads from the CDN, with their integrity hashes."""
    found = []
    for tag in TAG.findall(html):
        url = CDN.search(tag)
        if url is not None:
            integrity = INTEGRITY.search(tag)
            found.append(Asset(url[1], url[2], url[3], integrity[1] if integrity else None))
    return found


def digest(data: bytes, integrity: str) -> str:
    """`data`'s hash in the form of `integrity` ("sha384-<base64>"), to compare with it."""
    algorithm = integrity.partition("-")[0]
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def strawberry_page() -> str:
    return get_graphql_ide_html("graphiql")


def installed(html: str) -> bool:
    return all((ASSETS / asset.path).is_file() for asset in assets(html))


def page(html: str) -> str:
    """The page loading its files from this server, or, when they are not installed, a
    page that says how to install them."""
    if not installed(html):
        return MISSING
    for old, new in SCRIPT_CHANGES:
        if old not in html:
            raise ValueError(f"strawberry's GraphiQL page changed: {old!r} is not in it")
        html = html.replace(old, new)
    return CDN.sub(lambda url: f"{PREFIX}/{url[1]}@{url[2]}/{url[3]}", html)


def security_headers(html: str) -> dict[str, str]:
    """The page's scripts come from this server, and its own inline script runs by its hash;
    it talks to this server only (`'self'` covers its WebSocket too). GraphiQL's editors set
    style attributes, hence inline styles; its fonts and the page's icon are data: URLs."""
    scripts = " ".join(
        ["'self'"]
        + [
            f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
            for script in INLINE_SCRIPT.findall(html)
        ]
    )
    policy = (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff"}


async def asset(request: Request) -> Response:
    """One of the page's files; nothing else under the folder is served."""
    wanted = request.path_params["path"]
    known = {asset.path for asset in assets(strawberry_page())}
    if wanted not in known or not (ASSETS / wanted).is_file():
        return PlainTextResponse("Not found", status_code=404)
    # The version is in the path: a file never changes under its URL.
    return FileResponse(
        ASSETS / wanted, headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )
