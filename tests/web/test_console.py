"""The console's files as the app serves them: index.html for every route of the app, the
hashed assets cached for good, a policy that allows only this server, and a page saying how
to build the console when it is not built."""

import pytest

from remit.web import console

INDEX = b'<!doctype html><script type="module" src="/app/assets/index-Ab12.js"></script>'
SCRIPT = b"console.log('remit')"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; connect-src 'self' ws://remit.test; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A build laid out as Vite writes it."""
    monkeypatch.setattr(console, "ASSETS", tmp_path)
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "index-Ab12.js").write_bytes(SCRIPT)
    (tmp_path / "secret.txt").write_text("not an asset")
    return tmp_path


@pytest.mark.parametrize("path", ["/app", "/app/", "/app/invoices/SW52b2ljZTox", "/app/signin"])
async def test_every_route_of_the_app_gets_its_page(api, built, path):
    response = await api.get(path)

    assert response.status_code == 200
    assert response.content == INDEX
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-security-policy"] == POLICY
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_hashed_files_are_cached_for_good(api, built):
    response = await api.get("/app/assets/index-Ab12.js")

    assert response.status_code == 200
    assert response.content == SCRIPT
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path", ["/app/assets/index-Zz99.js", "/app/assets/%2E%2E/secret.txt", "/app/assets/a/b.js"]
)
async def test_nothing_else_is_served_as_an_asset(api, built, path):
    response = await api.get(path)

    assert response.status_code == 404
    assert response.text == "Not found"


async def test_the_websocket_follows_the_scheme(built):
    from starlette.requests import Request

    request = Request(
        {
            "type": "http",
            "scheme": "https",
            "server": ("remit.example", 443),
            "path": "/app",
            "headers": [(b"host", b"remit.example")],
            "query_string": b"",
        }
    )

    assert "connect-src 'self' wss://remit.example; " in console.policy(request)


async def test_without_a_build_the_page_says_how_to_make_it(api, tmp_path, monkeypatch):
    monkeypatch.setattr(console, "ASSETS", tmp_path / "missing")

    response = await api.get("/app/invoices")

    assert response.status_code == 503
    assert "make console" in response.text
    assert response.headers["content-security-policy"] == POLICY
