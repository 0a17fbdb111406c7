import pytest

from remit.billing import delivery


@pytest.fixture(autouse=True)
def quick_documents(monkeypatch):
    """The sweeps judge who sees and changes what, not documents: each PDF would cost a
    second of WeasyPrint while the tenants' invoices are mailed."""

    async def render_pdf(shown) -> bytes:
        return b"%PDF-1.7 sweep"

    monkeypatch.setattr(delivery, "render_pdf", render_pdf)
