"""GraphiQL from the app's own files: the page names no other origin, and serves its files."""

import base64
import hashlib
import re

import pytest

from remit.web import graphiql

REFERENCE = re.compile(r'\b(?:src|href)="([^"]*)"')


@pytest.fixture
def fetched(tmp_path, monkeypatch):
    """The page's files as `make graphiql` lays them out, each with its own content."""
    monkeypatch.setattr(graphiql, "ASSETS", tmp_path)
    contents = {}
    for asset in graphiql.assets(graphiql.strawberry_page()):
        path = tmp_path / asset.path
        path.parent.mkdir(parents=True, exist_ok=True)
        contents[asset.path] = f"/* {asset.path} */".encode()
        path.write_bytes(contents[asset.path])
    return contents


def references(html: str) -> list[str]:
    return [url for url in REFERENCE.findall(html) if not url.startswith("data:")]


async def test_the_page_loads_its_code_from_this_server_only(api, fetched):
    response = await api.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    found = references(response.text)
    assert sorted(found) == sorted(f"/graphiql/{path}" for path in fetched)
    assert len(found) == 7
    assert "unpkg" not in response.text and "https://" not in response.text


async def test_the_files_are_served_and_cached_for_good(api, fetched):
    for path, content in fetched.items():
        response = await api.get(f"/graphiql/{path}")

        assert response.status_code == 200, path
        assert response.content == content
        assert response.headers["content-type"].startswith(
            "text/css" if path.endswith(".css") else "text/javascript"
        ), path
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "graphiql@3.8.3/package.json",
        "graphiql@9.9.9/graphiql.min.js",
        "../graphiql@3.8.3/graphiql.min.js",
        "%2e%2e/%2e%2e/pyproject.toml",
        "",
    ],
)
async def test_nothing_else_is_served(api, fetched, path, tmp_path):
    (tmp_path / "graphiql@3.8.3" / "package.json").write_text("{}")

    response = await api.get(f"/graphiql/{path}")

    assert response.status_code == 404


async def test_without_its_files_the_page_says_how_to_get_them(api, tmp_path, monkeypatch):
    monkeypatch.setattr(graphiql, "ASSETS", tmp_path / "none")

    response = await api.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "<h1>GraphiQL is not installed here</h1>" in response.text
    assert "<code>make graphiql</code>" in response.text
    assert references(response.text) == []
    assert (await api.get("/graphiql/react@18.2.0/umd/react.production.min.js")).status_code == 404


def test_the_fetched_files_are_the_ones_the_page_was_written_for():
    page = graphiql.strawberry_page()
    if not graphiql.installed(page):
        pytest.skip("GraphiQL's files are not fetched here: make graphiql")
    for asset in graphiql.assets(page):
        data = (graphiql.ASSETS / asset.path).read_bytes()
        assert graphiql.digest(data, asset.integrity) == asset.integrity, asset.path


async def test_the_page_signs_in_as_the_console_does_under_a_strict_policy(api, fetched):
    response = await api.get("/graphql", headers={"Accept": "text/html"})

    assert 'Cookies.get("remit_csrf")' in response.text
    assert 'defaultHeaders["X-CSRF-Token"] = csrfToken' in response.text
    assert 'window.fetch(url, { ...init, credentials: "same-origin" })' in response.text
    assert "csrftoken" not in response.text
    [script] = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert response.headers["content-security-policy"] == (
        f"default-src 'none'; script-src 'self' 'sha256-{digest}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_page_strawberry_changed_is_refused_rather_than_served_half_changed(fetched):
    page = graphiql.strawberry_page().replace('Cookies.get("csrftoken")', "null")

    with pytest.raises(ValueError, match="strawberry's GraphiQL page changed"):
        graphiql.page(page)
