import io

import httpx
import pytest
import respx
from lxml import etree
from PIL import Image as PillowImage

from remit.billing import invoicing_settings, logos
from remit.billing.errors import Forbidden, Invalid
from remit.billing.roles import Actor
from remit.models.settings import InvoicingSettings, Logo
from remit.models.users import UserRole
from tests import factories

FIELD = ["file"]
LOGO_URL = "https://cdn.acme.example/logo.png"


def jpeg() -> bytes:
    out = io.BytesIO()
    PillowImage.new("RGB", (30, 10), factories.LOGO_COLOUR).save(out, "JPEG")
    return out.getvalue()


def refusal(content: bytes) -> str:
    with pytest.raises(Invalid) as refused:
        logos.checked(content, FIELD)
    assert refused.value.field == FIELD
    return refused.value.message


def test_a_png_and_a_jpeg_are_kept_as_they_are():
    png = factories.png()
    assert logos.checked(png, FIELD) == logos.Image(png, "image/png")
    assert logos.checked(jpeg(), FIELD) == logos.Image(jpeg(), "image/jpeg")


def test_what_is_not_an_image_is_refused_whatever_it_is_called():
    # An HTML page, as a file named logo.png would carry it: the content decides.
    assert refusal(b"<!doctype html><html><script>alert(1)</script></html>") == (
        "The logo must be a PNG, JPEG or SVG image."
    )
    assert refusal(b"GIF89a\x01\x00\x01\x00") == "The logo must be a PNG, JPEG or SVG image."
    # A PNG's or a JPEG's signature on what does not decode, or is cut short (whether or
    # not WeasyPrint, imported, has Pillow fill in truncated images).
    assert refusal(b"\x89PNG\r\n\x1a\n not a png IEND\xaeB`\x82") == (
        "The logo is not a readable PNG image."
    )
    assert refusal(b"\xff\xd8\xff\xe0 not a jpeg \xff\xd9") == (
        "The logo is not a readable JPEG image."
    )
    cut_short = "The logo is not a readable {} image: it is cut short."
    assert refusal(factories.png()[:60]) == cut_short.format("PNG")
    assert refusal(jpeg()[:-40]) == cut_short.format("JPEG")


def test_an_oversized_logo_is_refused():
    assert refusal(factories.png() + b"\0" * logos.MAX_BYTES) == (
        "A logo is at most 512 KB; this one is 513 KB."
    )
    # Small as a file, huge once decoded.
    assert refusal(factories.png(5000, 4000)) == (
        "A logo is at most 16,777,216 pixels; this one is 5000 by 4000."
    )


MALICIOUS_SVG = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 100 40" width="100" height="40" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css); .a { fill: #E0115F }</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#E0115F"/></linearGradient></defs>
  <rect class="a" width="100" height="40" fill="url(#g)" onclick="alert(3)"/>
  <circle r="5" style="fill: url(https://evil.example/p.svg)"/>
  <a href="javascript:alert(4)"><text x="0" y="20">Acme &secret;</text></a>
  <use xlink:href="https://evil.example/sprite.svg#logo"/>
  <use href="#g"/>
  <image href="https://evil.example/track.png" width="1" height="1"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <text x="0" y="30">Acme</text>
</svg>"""


def test_an_svg_keeps_its_drawing_and_loses_what_could_run_or_fetch():
    image = logos.checked(MALICIOUS_SVG, FIELD)
    assert image.content_type == "image/svg+xml"
    text = image.content.decode()
    for gone in (
        "script", "onload", "onclick", "alert", "@import", "evil.example", "javascript",
        "foreignObject", "image", "ENTITY", "passwd", "DOCTYPE", "<a",
    ):  # fmt: skip
        assert gone not in text, gone
    root = etree.fromstring(image.content)
    svg = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{svg}svg" and root.get("viewBox") == "0 0 100 40"
    assert [element.tag.removeprefix(svg) for element in root] == [
        "style", "defs", "rect", "circle", "use", "use", "text",
    ]  # fmt: skip
    style, _, rect, circle, external, local, _ = root
    assert style.text is None  # a style sheet that imports is left out whole
    assert (rect.get("fill"), rect.get("class")) == ("url(#g)", "a")
    assert circle.get("style") is None
    assert external.get("{http://www.w3.org/1999/xlink}href") is None
    assert local.get("href") == "#g"


def test_xml_that_is_not_an_svg_is_refused():
    assert (
        refusal(b"<html><body>logo</body></html>") == "The logo must be a PNG, JPEG or SVG image."
    )
    assert refusal(b"<svg xmlns='http://www.w3.org/2000/svg'>") == (
        "The logo must be a PNG, JPEG or SVG image."
    )


async def test_an_upload_replaces_the_logo_and_a_delete_removes_it():
    tenant, _ = await factories.tenant()
    owner = Actor.system(tenant)
    await logos.upload(owner, factories.png())
    first = await Logo.get(tenant=tenant)
    assert await logos.current_url(tenant.id) == logos.url(tenant.id, first.sha256, "image/png")

    await logos.upload(owner, jpeg())
    [second] = await Logo.filter(tenant=tenant)
    assert (second.id, second.content_type, bytes(second.content)) == (
        first.id,
        "image/jpeg",
        jpeg(),
    )
    assert await logos.current_url(tenant.id) != logos.url(tenant.id, first.sha256, "image/png")

    await logos.delete(owner)
    assert await Logo.filter(tenant=tenant).count() == 0
    assert await logos.current_url(tenant.id) is None


async def test_a_member_changes_no_logo():
    tenant, _ = await factories.tenant()
    await logos.upload(Actor.system(tenant), factories.png())
    member = await factories.user(tenant, "mo@acme.com", UserRole.MEMBER)
    actor = Actor.of_user(member, tenant)
    with pytest.raises(Forbidden):
        await logos.upload(actor, jpeg())
    with pytest.raises(Forbidden):
        await logos.delete(actor)
    assert bytes((await Logo.get(tenant=tenant)).content) == factories.png()


async def branding_after(tenant, url: str) -> tuple[list, bytes | None, str | None]:
    """The errors of setting the logo's address, the stored image and the address kept."""
    try:
        await invoicing_settings.update(Actor.system(tenant), {"branding": {"logo_url": url}})
        errors = []
    except Invalid as error:
        errors = [(error.field, error.message)]
    logo = await Logo.get_or_none(tenant=tenant)
    settings = await InvoicingSettings.get(tenant=tenant)
    return errors, bytes(logo.content) if logo else None, settings.logo_url


@respx.mock
async def test_a_logo_address_is_fetched_once_and_stored():
    route = respx.get(LOGO_URL).respond(200, content=factories.png())
    tenant, _ = await factories.tenant()

    assert await branding_after(tenant, LOGO_URL) == ([], factories.png(), LOGO_URL)
    assert route.call_count == 1
    # The address Remit serves it at, as read back and sent again: nothing is fetched.
    served = await logos.current_url(tenant.id)
    assert await branding_after(tenant, served) == ([], factories.png(), LOGO_URL)
    assert route.call_count == 1
    # Null removes it.
    assert await branding_after(tenant, None) == ([], None, None)


LOGO_FIELD = ["branding", "logo_url"]


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(200, content=factories.png() + b"\0" * logos.MAX_BYTES),
            "A logo is at most 512 KB; this one is larger.",
        ),
        (
            httpx.Response(
                200, content=b"<html>" + b" " * 100, headers={"Content-Type": "image/png"}
            ),
            "The logo must be a PNG, JPEG or SVG image.",
        ),
        (httpx.Response(404), f"{LOGO_URL} answered HTTP 404, not the logo."),
        (
            httpx.Response(301, headers={"Location": "http://10.0.0.1/logo.png"}),
            f"{LOGO_URL} answered HTTP 301, not the logo.",
        ),
        (
            httpx.ConnectTimeout("timed out"),
            "cdn.acme.example did not send the logo within 5 seconds.",
        ),
        (
            httpx.ConnectError("refused"),
            "The logo could not be fetched from cdn.acme.example: refused",
        ),
    ],
    ids=["too-large", "not-an-image", "not-found", "redirect", "timeout", "unreachable"],
)
async def test_a_failed_fetch_is_an_error_on_the_field_and_changes_nothing(response, message):
    tenant, _ = await factories.tenant()
    with respx.mock:
        respx.get(LOGO_URL).respond(200, content=factories.png())
        await branding_after(tenant, LOGO_URL)
    before = await Logo.get(tenant=tenant)

    with respx.mock:
        route = respx.get(LOGO_URL)
        if isinstance(response, Exception):
            route.side_effect = response
        else:
            route.return_value = response
        assert await branding_after(tenant, LOGO_URL) == (
            [(LOGO_FIELD, message)],
            factories.png(),
            LOGO_URL,
        )
    assert (await Logo.get(tenant=tenant)).updated_at == before.updated_at


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://cdn.acme.example/logo.png", "Give the logo's https address."),
        ("https://127.0.0.1/logo.png", "127.0.0.1 is not a public address."),
        ("https://[::1]/logo.png", "::1 is not a public address."),
        ("https://169.254.169.254/latest", "169.254.169.254 is not a public address."),
        ("https://intranet.localhost/logo.png", "intranet.localhost is not a public address."),
    ],
)
@respx.mock
async def test_only_a_public_https_address_is_fetched(url, message):
    tenant, _ = await factories.tenant()
    assert await branding_after(tenant, url) == ([(LOGO_FIELD, message)], None, None)
    assert respx.calls.call_count == 0
