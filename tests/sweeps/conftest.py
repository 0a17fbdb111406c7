import pytest
import respx

from remit.billing import delivery
from tests import factories
from tests.sweeps.valid_calls import LOGO_URL


@pytest.fixture(autouse=True)
def quick_documents(monkeypatch):
    """The sweeps judge who sees and changes what, not documents: each PDF would cost a
    second of WeasyPrint while the tenants' invoices are mailed."""

    async def render_pdf(shown) -> bytes:
        return b"%PDF-1.7 sweep"

    monkeypatch.setattr(delivery, "render_pdf", render_pdf)


@pytest.fixture(autouse=True)
def logo_host():
    """The address the valid calls give for the tenant's logo, which Remit fetches when the
    settings are saved, and no other there (a longer address is answered 404); Remit's own app stays
    reachable in-process."""
    with respx.mock(assert_all_called=False) as host:
        host.get(LOGO_URL).respond(200, content=factories.png())
        host.get(host="acme.example").respond(404)
        yield host
