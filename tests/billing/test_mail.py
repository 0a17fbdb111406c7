from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from remit.billing.mail import (
    MailRejected,
    MailUnavailable,
    OutgoingMail,
    Transport,
    invoice_message,
    outbox_name,
    send,
    smtp_server,
)
from tests.billing.test_documents import invoice_document
from tests.servers import Collector, free_port, start

PDF = b"%PDF-1.7\n% a tiny stand-in for the rendered invoice\n%%EOF\n"
MESSAGE_ID = "<invoice-6a1f0c2e-0d1b-4c39-9f53-1b1f6e0c0a42@remit.test>"
SENDER = "billing@acme.example"
TO = "ap@globex.example"
CC = ["controller@globex.example", "cfo@globex.example"]
BCC = ["archive@acme.example"]
PASSWORD = "s3cret:p@ss/word%"
PASSWORD_IN_URL = "s3cret%3Ap%40ss%2Fword%25"

TEXT_BODY = """\
Hello,

Acme GmbH has sent you invoice INV-000042 for €1,299.88.

Amount due: €1,299.88
Due date: November 25, 2026
Period: November 1, 2026 \N{EN DASH} November 30, 2026

View and pay the invoice online:
http://127.0.0.1:8000/i/tok123

The invoice is attached as INV-000042.pdf.

Note:
PO 4711
Cost centre 12

How to pay

Bank transfer
Please transfer the amount due to:
Account holder: Acme GmbH
IBAN: DE89370400440532013000
BIC: COBADEFFXXX
Reference: INV-000042

Card
Pay now: https://checkout.stripe.test/c/pay/cs_test_123

--\x20
Thank you for your business.
"""


def outgoing(**changes) -> OutgoingMail:
    arguments = {
        "sender": SENDER,
        "to": TO,
        "cc": CC,
        "bcc": BCC,
        "pdf": PDF,
        "message_id": MESSAGE_ID,
        **changes,
    }
    return invoice_message(invoice_document(), **arguments)


class Logins:
    """An aiosmtpd authenticator accepting one user, recording every attempt."""

    def __init__(self, login: bytes, password: bytes) -> None:
        self.expected = LoginPassword(login, password)
        self.attempts = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.attempts.append((mechanism, auth_data))
        # handled=False: aiosmtpd itself answers 235 or 535.
        return AuthResult(success=auth_data == self.expected, handled=False)


def smtp_transport(port: int, tmp_path, credentials: str = "") -> Transport:
    return Transport(
        smtp_url=f"smtp://{credentials}127.0.0.1:{port}", outbox_dir=tmp_path / "outbox"
    )


def check_invoice_email(received: EmailMessage) -> None:
    assert received["Subject"] == "Invoice INV-000042 from Acme GmbH"
    assert received["From"] == "Acme GmbH <billing@acme.example>"
    assert received["To"] == "ap@globex.example"
    assert received["Cc"] == "controller@globex.example, cfo@globex.example"
    assert received["Message-ID"] == MESSAGE_ID
    assert received["Bcc"] is None
    assert received.get_content_type() == "multipart/mixed"
    alternative, attachment = received.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n") == TEXT_BODY  # CRLF after SMTP
    assert html.get_content_type() == "text/html"
    body = html.get_content().replace("\r\n", "\n")
    assert '<html lang="en">' in body
    assert "has sent you invoice INV-000042 for €1,299.88." in body
    assert 'font-weight:700;">€1,299.88</td>' in body
    assert 'font-weight:700;">November 25, 2026</td>' in body
    assert '<a href="http://127.0.0.1:8000/i/tok123"' in body
    assert "Please transfer the amount due to:<br>\nAccount holder: Acme GmbH<br>" in body
    assert '<a href="https://checkout.stripe.test/c/pay/cs_test_123"' in body
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "INV-000042.pdf"
    assert attachment.get_content() == PDF


def test_the_invoice_email():
    mail = outgoing()
    assert mail.recipients == (
        "ap@globex.example",
        "controller@globex.example",
        "cfo@globex.example",
        "archive@acme.example",
    )
    check_invoice_email(mail.message)
    assert "archive@acme.example" not in mail.message.as_string()


def test_each_recipient_once():
    mail = outgoing(cc=[TO, "cfo@globex.example"], bcc=["cfo@globex.example"])
    assert mail.recipients == ("ap@globex.example", "cfo@globex.example")
    assert outgoing(cc=[], bcc=[]).message["Cc"] is None


def test_only_known_kinds():
    with pytest.raises(ValueError, match="unknown email kind 'dunning'"):
        outgoing(kind="dunning")


async def test_send_through_smtp(smtpd, tmp_path):
    handler, port = smtpd
    mail = outgoing()
    await send(mail.message, mail.recipients, smtp_transport(port, tmp_path))

    [envelope] = handler.envelopes
    assert envelope.mail_from == "billing@acme.example"
    assert envelope.rcpt_tos == [
        "ap@globex.example",
        "controller@globex.example",
        "cfo@globex.example",
        "archive@acme.example",
    ]
    assert b"archive@acme.example" not in envelope.original_content
    check_invoice_email(message_from_bytes(envelope.original_content, policy=default_policy))
    assert not (tmp_path / "outbox").exists()


async def test_without_smtp_mail_goes_to_the_outbox(tmp_path):
    outbox = tmp_path / "outbox"
    transport = Transport(smtp_url=None, outbox_dir=outbox)
    mail = outgoing()
    await send(mail.message, mail.recipients, transport)

    path = outbox / "invoice-6a1f0c2e-0d1b-4c39-9f53-1b1f6e0c0a42@remit.test.eml"
    assert [p.name for p in outbox.iterdir()] == [path.name]
    written = path.read_bytes()
    check_invoice_email(message_from_bytes(written, policy=default_policy))

    await send(mail.message, mail.recipients, transport)  # sent again: the same file
    assert [p.name for p in outbox.iterdir()] == [path.name]
    assert path.read_bytes() == written


def test_outbox_names():
    assert outbox_name("<abc.1@remit.test>") == "abc.1@remit.test.eml"
    # Replaced characters add a hash: two ids never share a file, one id always has the same.
    assert outbox_name("<a/b@x>") == outbox_name("<a/b@x>")
    assert outbox_name("<a/b@x>") != outbox_name("<a_b@x>")
    assert outbox_name("<../../etc/passwd>").startswith("_.._etc_passwd-")
    assert "/" not in outbox_name("<../../etc/passwd>")


async def test_no_server_is_unavailable(tmp_path):
    port = free_port()  # nothing listens there
    mail = outgoing()
    with pytest.raises(MailUnavailable) as caught:
        await send(mail.message, mail.recipients, smtp_transport(port, tmp_path))
    assert caught.value.message.startswith(f"Cannot reach the mail server 127.0.0.1:{port}: ")
    assert "\n" not in caught.value.message
    assert caught.value.code == "MAIL_UNAVAILABLE"


async def test_refused_recipients_are_rejected(tmp_path):
    handler = Collector(rcpt_reply="550 5.1.1 No such user here")
    controller = start(handler)
    try:
        mail = outgoing(cc=[], bcc=[])
        with pytest.raises(MailRejected) as caught:
            await send(mail.message, mail.recipients, smtp_transport(controller.port, tmp_path))
    finally:
        controller.stop()
    assert caught.value.message == (
        f"The mail server 127.0.0.1:{controller.port} refused every recipient: "
        "ap@globex.example: 550 5.1.1 No such user here"
    )
    assert caught.value.code == "MAIL_REJECTED"
    assert handler.envelopes == []


async def test_a_temporary_refusal_is_unavailable(tmp_path):
    handler = Collector(rcpt_reply="451 4.3.0 Try again later")
    controller = start(handler)
    try:
        mail = outgoing(cc=[], bcc=[])
        with pytest.raises(MailUnavailable, match=r"451 4\.3\.0 Try again later"):
            await send(mail.message, mail.recipients, smtp_transport(controller.port, tmp_path))
    finally:
        controller.stop()


NO_TLS_IN_TESTS = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)


@pytest.fixture
def smtpd_with_login():
    handler = Collector()
    logins = Logins(b"mailer", PASSWORD.encode())
    controller = start(handler, authenticator=logins, auth_required=True, auth_require_tls=False)
    yield handler, logins, controller.port
    controller.stop()


@NO_TLS_IN_TESTS
async def test_credentials_from_the_url_are_used(smtpd_with_login, tmp_path):
    handler, logins, port = smtpd_with_login
    mail = outgoing()
    transport = smtp_transport(port, tmp_path, credentials=f"mailer:{PASSWORD_IN_URL}@")
    await send(mail.message, mail.recipients, transport)

    assert [auth_data for _, auth_data in logins.attempts] == [
        LoginPassword(b"mailer", PASSWORD.encode())
    ]
    [envelope] = handler.envelopes
    assert len(envelope.rcpt_tos) == 4


@NO_TLS_IN_TESTS
async def test_a_refused_login_never_shows_the_password(smtpd_with_login, tmp_path):
    handler, logins, port = smtpd_with_login
    wrong = "wrong:p@ss%"
    mail = outgoing()
    transport = smtp_transport(port, tmp_path, credentials="mailer:wrong%3Ap%40ss%25@")
    with pytest.raises(MailUnavailable) as caught:
        await send(mail.message, mail.recipients, transport)

    assert len(logins.attempts) >= 1
    assert all(auth_data.password == wrong.encode() for _, auth_data in logins.attempts)
    message = caught.value.message
    assert message.startswith(
        f"The mail server 127.0.0.1:{port} refused the login for 'mailer': 535 "
    )
    assert wrong not in message
    assert "wrong%3A" not in message
    assert "\n" not in message
    assert handler.envelopes == []


def test_smtp_urls():
    server = smtp_server(f"smtp://mailer:{PASSWORD_IN_URL}@mail.example:587")
    assert (server.hostname, server.port, server.use_tls) == ("mail.example", 587, False)
    assert (server.username, server.password) == ("mailer", PASSWORD)
    server = smtp_server("smtps://mail.example")
    assert (server.port, server.use_tls, server.username, server.password) == (
        465,
        True,
        None,
        None,
    )
    assert smtp_server("smtp://mail.example").port == 25
    with pytest.raises(ValueError) as caught:
        smtp_server(f"http://mailer:{PASSWORD_IN_URL}@mail.example")
    assert PASSWORD_IN_URL not in str(caught.value)
    assert PASSWORD not in str(caught.value)
