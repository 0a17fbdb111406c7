"""The tenant's logo through the API: uploaded in a multipart request, served from Remit's
own address, shown in the PDF and the emails."""

import io
import json
import re
import subprocess
from datetime import date
from urllib.parse import urlsplit

import pytest
from PIL import Image as PillowImage

from remit.billing import cycle, delivery, documents, logos
from remit.billing.roles import Actor
from remit.models.invoices import Invoice
from remit.models.settings import InvoicingSettings, Logo
from remit.models.users import UserRole
from tests import factories
from tests.billing.test_delivery import mail_server, received  # noqa: F401 (a fixture)
from tests.billing.test_documents import invoice_document
from tests.billing.test_logos import MALICIOUS_SVG

UPLOAD = """
mutation($file: Upload!) {
  logoUpload(file: $file) { settings { branding { logoUrl } } errors { field message code } }
}"""
DELETE = (
    "mutation { logoDelete { settings { branding { logoUrl } } errors { field message code } } }"
)
BRANDING = "{ invoicingSettings { branding { logoUrl } } }"
SERVED = re.compile(r"http://127\.0\.0\.1:8000/logos/[0-9a-f-]{36}/[0-9a-f]{64}\.(png|jpg|svg)")


def multipart(content: bytes, filename: str, content_type: str) -> dict:
    """The GraphQL multipart request (the file in the `file` variable) as httpx sends it."""
    operations = {"query": UPLOAD, "variables": {"file": None}}
    return {
        "data": {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        "files": {"0": (filename, content, content_type)},
    }


async def upload(api, key: str, content: bytes, filename="logo.png", content_type="image/png"):
    response = await api.post(
        "/graphql",
        headers={"Authorization": f"Bearer {key}"},
        **multipart(content, filename, content_type),
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["logoUpload"]


async def test_an_uploaded_logo_is_served_from_remits_own_address(api, graphql):
    tenant, key = await factories.tenant()

    result = await upload(api, key, factories.png())

    assert result["errors"] == []
    url = result["settings"]["branding"]["logoUrl"]
    assert SERVED.fullmatch(url) and url.endswith(".png")
    assert (await graphql(key).query(BRANDING))["invoicingSettings"]["branding"]["logoUrl"] == url
    # Public (pages and emails show it), kept for good: the address changes with the image.
    served = await api.get(urlsplit(url).path)
    assert served.status_code == 200
    assert served.content == factories.png()
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in served.headers
    again = await api.get(urlsplit(url).path, headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304

    replaced = await upload(api, key, factories.png(colour=(0, 0, 0)))
    assert replaced["settings"]["branding"]["logoUrl"] != url
    assert (await api.get(urlsplit(url).path)).status_code == 404

    deleted = (await graphql(key).query(DELETE))["logoDelete"]
    assert deleted == {"settings": {"branding": {"logoUrl": None}}, "errors": []}
    assert await Logo.filter(tenant=tenant).count() == 0


async def test_an_svg_is_served_sanitised_under_a_policy_that_runs_nothing(api):
    _, key = await factories.tenant()

    result = await upload(api, key, MALICIOUS_SVG, "logo.svg", "image/svg+xml")

    url = result["settings"]["branding"]["logoUrl"]
    assert url.endswith(".svg")
    served = await api.get(urlsplit(url).path)
    assert served.headers["content-type"] == "image/svg+xml"
    assert served.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    assert b"script" not in served.content and b"evil.example" not in served.content


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "message"),
    [
        (
            factories.png() + b"\0" * logos.MAX_BYTES,
            "logo.png",
            "image/png",
            "A logo is at most 512 KB; this one is 513 KB.",
        ),
        (
            b"<!doctype html><title>x</title><script>alert(1)</script>",
            "logo.png",
            "image/png",
            "The logo must be a PNG, JPEG or SVG image.",
        ),
    ],
    ids=["oversized", "html-named-png"],
)
async def test_a_refused_upload_is_an_error_on_the_file_and_changes_nothing(
    api, content, filename, content_type, message
):
    tenant, key = await factories.tenant()
    await upload(api, key, factories.png())
    before = bytes((await Logo.get(tenant=tenant)).content)

    result = await upload(api, key, content, filename, content_type)

    assert result == {
        "settings": None,
        "errors": [{"field": ["file"], "message": message, "code": "INVALID"}],
    }
    assert bytes((await Logo.get(tenant=tenant)).content) == before


async def test_a_file_given_as_a_json_value_is_an_error(graphql):
    _, key = await factories.tenant()
    response = await graphql(key).post(UPLOAD, file="iVBORw0KGgo=")
    assert response.json()["data"]["logoUpload"]["errors"] == [
        {
            "field": ["file"],
            "message": "No file was sent: send the logo as a file in a multipart request.",
            "code": "INVALID",
        }
    ]


async def test_a_member_or_a_post_without_the_csrf_token_changes_no_logo(console):
    tenant, _ = await factories.tenant()
    await factories.user(tenant, "ann@acme.com", UserRole.OWNER)
    await factories.user(tenant, "mo@acme.com", UserRole.MEMBER)
    owner = await console("ann@acme.com", factories.PASSWORD)
    member = await console("mo@acme.com", factories.PASSWORD)

    def sent_by(browser, csrf: bool):
        headers = {"X-CSRF-Token": browser.csrf_token} if csrf else {}
        return browser.http.post(
            "/graphql", headers=headers, **multipart(factories.png(), "logo.png", "image/png")
        )

    refused = await sent_by(owner, csrf=False)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "CSRF"
    forbidden = (await sent_by(member, csrf=True)).json()["data"]["logoUpload"]
    assert forbidden["settings"] is None
    assert [error["code"] for error in forbidden["errors"]] == ["FORBIDDEN"]
    deleted = (await member.query(DELETE))["logoDelete"]
    assert [error["code"] for error in deleted["errors"]] == ["FORBIDDEN"]
    assert await Logo.filter(tenant=tenant).count() == 0

    accepted = (await sent_by(owner, csrf=True)).json()["data"]["logoUpload"]
    assert accepted["errors"] == []
    assert await Logo.filter(tenant=tenant).count() == 1


def logo_pixels(pdf: bytes) -> list[tuple[int, int]]:
    """Where the first page of `pdf`, rendered at 96 dpi (a pixel a CSS px), has the logo's
    colour."""
    page = subprocess.run(
        ["pdftoppm", "-r", "96", "-f", "1", "-l", "1", "-png", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    with PillowImage.open(io.BytesIO(page)) as image:
        rgb = image.convert("RGB")
        return [
            (x, y)
            for y in range(rgb.height)
            for x in range(rgb.width)
            if all(
                abs(a - b) <= 8
                for a, b in zip(rgb.getpixel((x, y)), factories.LOGO_COLOUR, strict=True)
            )
        ]


async def test_the_logo_is_in_the_pdf_and_the_emails_inline_image(mail_server, drain_jobs):  # noqa: F811
    tenant, _ = await factories.ready_tenant()
    await logos.upload(Actor.system(tenant), factories.png(120, 40))
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)

    [(_, message)] = received(mail_server)
    html = message.get_body(("html",))
    [src] = re.findall(r'<img src="([^"]+)"', html.get_content())
    [inline] = [part for part in message.walk() if part["Content-ID"]]
    assert src == "cid:" + inline["Content-ID"].strip("<>")
    assert inline.get_content_type() == "image/png"
    assert inline.get_content() == factories.png(120, 40)
    # The image belongs with the HTML (multipart/related), apart from the attached PDF.
    assert html.get_content_type() == "text/html"
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
        "application/xml",
    ]

    attachment, _ = list(message.iter_attachments())
    for pdf in (
        attachment.get_content(),
        await delivery.render_pdf(await delivery.document(invoice)),
    ):
        pixels = logo_pixels(pdf)
        xs, ys = [x for x, _ in pixels], [y for _, y in pixels]
        # The logo whole at the top left of the page, as large as it is (the masthead lets
        # it be up to 4rem high): 120 by 40 px, give or take a pixel of its edges.
        width, height = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
        assert abs(width - 120) <= 1 and abs(height - 40) <= 1, (width, height)
        assert len(pixels) >= 119 * 39
        assert min(xs) < 100 and min(ys) < 100


async def test_the_hosted_page_links_the_served_logo_and_its_policy_allows_it(api, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    await logos.upload(Actor.system(tenant), factories.png())
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)

    page = await api.get(f"/i/{invoice.public_token}")

    url = await logos.current_url(tenant.id)
    assert f'<img class="logo" src="{url}"' in page.text
    assert "img-src 'self' https: data:;" in page.headers["content-security-policy"]
    assert (await InvoicingSettings.get(tenant=tenant)).logo_url is None


def test_a_sanitised_svg_logo_is_drawn_in_the_pdf():
    drawn = b"""<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" onload="x()">
      <script>x()</script><rect width="120" height="40" fill="#E0115F"/></svg>"""
    svg = logos.checked(drawn, ["file"])
    logo = documents.LogoImage(svg.content, svg.content_type, "cd" * 32)
    branding = documents.Branding(logo_url=None, brand_color=None, footer_note=None, logo=logo)

    pixels = logo_pixels(documents.render_pdf(invoice_document(branding=branding)))

    assert abs(len(pixels) - 120 * 40) <= 120 + 40
