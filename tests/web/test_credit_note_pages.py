import pytest

from remit.billing import credit_notes
from remit.billing.roles import Actor
from remit.models.invoices import InvoiceLine
from tests.billing.test_documents import pdf_text
from tests.web.test_pages import issued


async def credit_note(drain_jobs):
    tenant, invoice = await issued(drain_jobs)
    seats = await InvoiceLine.get(invoice=invoice, name="Seats")
    note = await credit_notes.create(
        Actor.system(tenant),
        invoice.id,
        "Three seats were <never> used.",
        [{"invoice_line_id": seats.id, "quantity": "3"}],
    )
    return invoice, note


async def test_the_credit_note_page_shows_what_it_corrects_and_is_not_indexed(api, drain_jobs):
    invoice, note = await credit_note(drain_jobs)

    response = await api.get(f"/c/{note.public_token}")

    assert response.status_code == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert "<title>Credit note INV-CN-000001 from Acme Corp</title>" in page
    assert f'<a href="http://127.0.0.1:8000/i/{invoice.public_token}">INV-000001</a>' in page
    assert "Three seats were &lt;never&gt; used." in page
    assert "€179.96" in page
    assert f'<a href="http://127.0.0.1:8000/c/{note.public_token}.pdf">Download PDF</a>' in page


async def test_the_credit_note_pdf_is_served_and_cached_by_its_etag(api, drain_jobs):
    _, note = await credit_note(drain_jobs)

    response = await api.get(f"/c/{note.public_token}.pdf")
    again = await api.get(
        f"/c/{note.public_token}.pdf", headers={"If-None-Match": response.headers["etag"]}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="INV-CN-000001.pdf"'
    assert "Credit note INV-CN-000001" in pdf_text(response.content)
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize("token", ["unknown-token-unknown-token-unknown", "short", "x" * 65])
async def test_unknown_and_malformed_credit_note_tokens_are_404(api, drain_jobs, token):
    invoice, _ = await credit_note(drain_jobs)

    for path in (f"/c/{token}", f"/c/{token}.pdf", f"/c/{invoice.public_token}"):
        response = await api.get(path)
        assert response.status_code == 404, path
        assert "There is no credit note at this address." in response.text


async def test_the_invoice_page_lists_its_credit_notes(api, drain_jobs):
    invoice, note = await credit_note(drain_jobs)

    page = (await api.get(f"/i/{invoice.public_token}")).text
    pdf = (await api.get(f"/i/{invoice.public_token}.pdf")).content

    assert '<h2 id="credit-notes">Credit notes</h2>' in page
    assert (
        f'<a href="http://127.0.0.1:8000/c/{note.public_token}">Credit note INV-CN-000001</a>'
        in page
    )
    # The invoice's PDF stays the invoice as issued.
    assert "INV-CN-000001" not in pdf_text(pdf)
