"""The tenant's logo: an image uploaded, or fetched once from the https address the settings
name, checked by its content (a PNG or JPEG that decodes, or an SVG rebuilt from a whitelist
of elements and attributes, so that it can run nothing and fetch nothing), stored in the
database (the servers of one Remit share no disk) and served from Remit's own address, named
by its hash. Documents never fetch it: the PDF inlines it, emails attach it."""

import asyncio
import hashlib
import io
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from lxml import etree
from PIL import Image as PillowImage

from remit.billing import config, jobs
from remit.billing.errors import Invalid
from remit.billing.roles import Actor, Permission, require
from remit.models.settings import InvoicingSettings, Logo
from remit.models.tenants import Tenant

MAX_BYTES = 512 * 1024
# Pillow decodes a PNG or JPEG whole: a small file of huge dimensions would take gigabytes.
MAX_PIXELS = 4096 * 4096
FETCH_SECONDS = 5.0

PNG = "image/png"
JPEG = "image/jpeg"
SVG = "image/svg+xml"
EXTENSIONS = {PNG: "png", JPEG: "jpg", SVG: "svg"}
SIGNATURES = {PNG: b"\x89PNG\r\n\x1a\n", JPEG: b"\xff\xd8\xff"}
# How a whole file ends (PNG's IEND chunk, JPEG's end-of-image marker, which some writers
# follow with padding). Checked here since WeasyPrint, once imported, has Pillow fill in a
# truncated image rather than refuse it, for the whole process.
ENDINGS = {PNG: b"IEND\xaeB`\x82", JPEG: b"\xff\xd9"}
TRAILER_BYTES = 1024
PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG"}


@dataclass(frozen=True)
class Image:
    """A logo as checked: the bytes to store and serve, and their type."""

    content: bytes
    content_type: str


def checked(content: bytes, field: Sequence[str]) -> Image:
    """`content` as a logo, by what it is, whatever its name or declared type says: a PNG
    or a JPEG that Pillow decodes, or an SVG, sanitised. Raises Invalid on `field`."""
    if len(content) > MAX_BYTES:
        raise Invalid(
            f"A logo is at most {MAX_BYTES // 1024} KB; this one is {_kilobytes(len(content))}.",
            field=field,
        )
    for content_type, signature in SIGNATURES.items():
        if content.startswith(signature):
            _decode(content, content_type, field)
            return Image(content, content_type)
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return Image(sanitised_svg(content, field), SVG)
    raise Invalid("The logo must be a PNG, JPEG or SVG image.", field=field)


def _kilobytes(size: int) -> str:
    return f"{-(-size // 1024)} KB"


def _decode(content: bytes, content_type: str, field: Sequence[str]) -> None:
    kind = PILLOW_FORMATS[content_type]
    if ENDINGS[content_type] not in content[-TRAILER_BYTES:]:
        raise Invalid(f"The logo is not a readable {kind} image: it is cut short.", field=field)
    try:
        with PillowImage.open(io.BytesIO(content), formats=[kind]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise Invalid(
                    f"A logo is at most {MAX_PIXELS:,} pixels; this one is "
                    f"{image.width} by {image.height}.",
                    field=field,
                )
            image.load()
    except (OSError, SyntaxError, ValueError, PillowImage.DecompressionBombError):
        raise Invalid(f"The logo is not a readable {kind} image.", field=field) from None


# -- SVG ---------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Shapes, text, grouping, gradients, clipping and masks: what a logo is drawn with. Left out,
# with everything inside them: script, foreignObject, image, a, animations, filters (which
# can load images), fonts, and anything unknown.
SVG_ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "symbol", "use", "title", "desc", "style",
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "textPath",
        "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern",
    }
)  # fmt: skip
# Geometry and presentation only: no event handler (on*), no href but a local one.
SVG_ATTRIBUTES = frozenset(
    {
        "id", "class", "style", "version", "viewBox", "preserveAspectRatio", "width",
        "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy",
        "fr", "d", "points", "pathLength", "transform", "dx", "dy", "rotate", "offset",
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
        "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
        "stroke-opacity", "opacity", "color", "display", "visibility", "overflow",
        "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
        "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits",
        "patternUnits", "patternContentUnits", "patternTransform", "vector-effect",
        "font-family", "font-size", "font-weight", "font-style", "font-variant",
        "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift",
        "letter-spacing", "word-spacing", "text-decoration", "textLength", "lengthAdjust",
        "startOffset", "shape-rendering", "text-rendering", "paint-order", "type", "media",
    }
)  # fmt: skip
HREFS = frozenset({"href", f"{{{XLINK_NS}}}href"})


def sanitised_svg(content: bytes, field: Sequence[str]) -> bytes:
    """The SVG rebuilt from what it may hold (SVG_ELEMENTS, SVG_ATTRIBUTES, hrefs within the
    document, styles that name no other resource): anything else is left out. No entity is
    expanded and nothing fetched while reading it. Raises Invalid unless it is an SVG."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        raise Invalid("The logo must be a PNG, JPEG or SVG image.", field=field) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise Invalid("The logo must be a PNG, JPEG or SVG image.", field=field)
    clean = _copy(root, None)
    return etree.tostring(clean, encoding="utf-8", xml_declaration=True)


def _copy(element: etree._Element, parent: etree._Element | None) -> etree._Element:
    nsmap = {None: SVG_NS, "xlink": XLINK_NS}
    copy = (
        etree.Element(element.tag, nsmap=nsmap)
        if parent is None
        else etree.SubElement(parent, element.tag)
    )
    for name, value in element.attrib.items():
        if _allowed_attribute(name, value):
            copy.set(name, value)
    name = etree.QName(element).localname
    if name == "style":
        copy.text = element.text if _harmless_style(element.text or "") else None
        return copy
    copy.text = element.text
    for child in element:
        # Comments, processing instructions and entity references are not elements.
        if not isinstance(child.tag, str):
            continue
        qualified = etree.QName(child)
        if qualified.namespace == SVG_NS and qualified.localname in SVG_ELEMENTS:
            _copy(child, copy).tail = child.tail
    return copy


def _allowed_attribute(name: str, value: str) -> bool:
    if name in HREFS:
        return value.startswith("#")
    if name == f"{{{XML_NS}}}space":
        return True
    return name in SVG_ATTRIBUTES and _harmless_style(value)


def _harmless_style(text: str) -> bool:
    """CSS (a style sheet, a style attribute, a paint such as fill) that refers to nothing
    outside the document: url() only of a local #id, no @import, no escapes that could spell
    either."""
    lowered = text.lower()
    if "@" in lowered or "\\" in lowered or "expression" in lowered:
        return False
    parts = lowered.split("url(")
    return all(part.lstrip(" \"'").startswith("#") for part in parts[1:])


# -- fetching ----------------------------------------------------------------------------


async def fetched(url: str, field: Sequence[str]) -> Image:
    """The image at the https address `url`, fetched now (at most FETCH_SECONDS and MAX_BYTES,
    no redirects) and checked as an upload is. Raises Invalid on `field`."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise Invalid("Give the logo's https address.", field=field)
    if not _public_host(parts.hostname):
        raise Invalid(f"{parts.hostname} is not a public address.", field=field)
    host = parts.hostname
    try:
        async with asyncio.timeout(FETCH_SECONDS):
            content = await _download(url, field)
    except (TimeoutError, httpx.TimeoutException):
        raise Invalid(
            f"{host} did not send the logo within {FETCH_SECONDS:g} seconds.", field=field
        ) from None
    except httpx.HTTPError as error:
        raise Invalid(f"The logo could not be fetched from {host}: {error}", field=field) from None
    return checked(content, field)


def _public_host(host: str) -> bool:
    """Not this machine nor a private network, as far as the address itself says. (A name
    that resolves to a private address is not looked up here.)"""
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return True


async def _download(url: str, field: Sequence[str]) -> bytes:
    too_large = Invalid(
        f"A logo is at most {MAX_BYTES // 1024} KB; this one is larger.", field=field
    )
    async with (
        httpx.AsyncClient(timeout=FETCH_SECONDS, follow_redirects=False) as client,
        client.stream("GET", url, headers={"Accept": f"{PNG}, {JPEG}, {SVG}"}) as response,
    ):
        if response.status_code != 200:
            raise Invalid(f"{url} answered HTTP {response.status_code}, not the logo.", field=field)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES:
            raise too_large
        content = bytearray()
        async for chunk in response.aiter_bytes():
            content += chunk
            if len(content) > MAX_BYTES:
                raise too_large
    return bytes(content)


# -- storing and serving -----------------------------------------------------------------


async def store(tenant: Tenant, image: Image | None) -> None:
    """Replace the tenant's logo with `image` (None: remove it). Within the caller's
    transaction, which holds the tenant's settings row locked."""
    if image is None:
        await Logo.filter(tenant_id=tenant.id).delete()
        return
    logo = await Logo.get_or_none(tenant_id=tenant.id) or Logo(tenant_id=tenant.id)
    logo.content = image.content
    logo.content_type = image.content_type
    logo.sha256 = hashlib.sha256(image.content).hexdigest()
    await logo.save()


async def upload(actor: Actor, content: bytes | None) -> InvoicingSettings:
    """The uploaded file becomes the tenant's logo, in place of any address set. None: the
    request carried no file."""
    require(actor, Permission.SETTINGS)
    if content is None:
        raise Invalid(
            "No file was sent: send the logo as a file in a multipart request.", field=["file"]
        )
    image = checked(content, ["file"])
    return await _replaced(actor.tenant, image)


async def delete(actor: Actor) -> InvoicingSettings:
    """The tenant's documents go without a logo."""
    require(actor, Permission.SETTINGS)
    return await _replaced(actor.tenant, None)


async def _replaced(tenant: Tenant, image: Image | None) -> InvoicingSettings:
    async with jobs.atomic():
        settings = await InvoicingSettings.select_for_update().get(tenant_id=tenant.id)
        settings.logo_url = None
        await settings.save(update_fields=["logo_url", "updated_at"])
        await store(tenant, image)
    return settings


def url(tenant_id: UUID, sha256: str, content_type: str) -> str:
    """Where the logo is served: a new address whenever the image changes."""
    base = config.current().public_url.rstrip("/")
    return f"{base}/logos/{tenant_id}/{sha256}.{EXTENSIONS[content_type]}"


async def current_url(tenant_id: UUID) -> str | None:
    """The address of the tenant's logo, without reading the image; None without one."""
    row = await Logo.filter(tenant_id=tenant_id).values_list("sha256", "content_type")
    return url(tenant_id, *row[0]) if row else None


async def served(tenant_id: str, name: str) -> Logo | None:
    """The logo at /logos/{tenant_id}/{name}, or None when that is not the tenant's current
    logo (an older one, a wrong extension, a malformed id)."""
    try:
        tenant = UUID(tenant_id)
    except ValueError:
        return None
    logo = await Logo.get_or_none(tenant_id=tenant)
    if logo is None or name != f"{logo.sha256}.{EXTENSIONS[logo.content_type]}":
        return None
    return logo
