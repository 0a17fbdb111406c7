from datetime import date

from remit.billing import cycle
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.organizations import Organization
from remit.models.settings import InvoicingSettings
from remit.models.tenants import ApiKey
from remit.models.users import User, UserRole
from tests import factories
from tests.factories import PASSWORD

VIEWER = "{ viewer { email name role tenant { name } } }"
USERS = "{ users { email role pending } }"
ORGANIZATION_CREATE = """mutation { organizationCreate(input: {name: "Globex"}) {
  organization { name } errors { field message code } } }"""
SETTINGS_UPDATE = """mutation { invoicingSettingsUpdate(input: {defaultDueDays: 7}) {
  settings { defaultDueDays } errors { field message code } } }"""
INVITE = """mutation($email: String!, $role: UserRole!) {
  userInvite(input: {email: $email, role: $role}) { user { email role } errors { field message code } } }"""
ROLE_UPDATE = """mutation($id: ID!, $role: UserRole!) {
  userRoleUpdate(input: {id: $id, role: $role}) { user { email role } errors { field message code } } }"""
REMOVE = """mutation($id: ID!) {
  userRemove(input: {id: $id}) { removedId errors { field message code } } }"""
STATUS_UPDATE = """mutation($id: ID!) {
  invoiceStatusUpdate(id: $id, input: {status: PAID}) { invoice { status } errors { code } } }"""


def forbidden(role: str, what: str, field: str = "organization") -> dict:
    return {
        field: None,
        "errors": [{"field": None, "code": "FORBIDDEN", "message": f"A {role} may not {what}."}],
    }


async def signed_in(console, tenant, email: str, role: UserRole):
    user = await factories.user(tenant, email, role)
    return await console(user.email, PASSWORD)


async def test_the_viewer_is_the_signed_in_user_and_null_for_an_api_key(console, graphql):
    tenant, key = await factories.tenant("Acme")
    await factories.user(tenant, "ann@acme.com", UserRole.ADMIN, name="Ann")
    browser = await console("ann@acme.com", PASSWORD)

    assert await browser.query(VIEWER) == {
        "viewer": {
            "email": "ann@acme.com",
            "name": "Ann",
            "role": "ADMIN",
            "tenant": {"name": "Acme"},
        }
    }
    assert await graphql(key).query(VIEWER) == {"viewer": None}


async def test_users_lists_the_tenants_own_users_only(graphql):
    tenant, key = await factories.tenant()
    other, _ = await factories.tenant("Other")
    await factories.user(tenant, "ann@acme.com", UserRole.OWNER)
    await factories.user(other, "zed@other.com", UserRole.OWNER)
    await graphql(key).query(INVITE, email="bob@acme.com", role="VIEWER")

    assert await graphql(key).query(USERS) == {
        "users": [
            {"email": "ann@acme.com", "role": "OWNER", "pending": False},
            {"email": "bob@acme.com", "role": "VIEWER", "pending": True},
        ]
    }


async def test_a_viewers_mutation_is_refused_and_changes_nothing(console):
    tenant, _ = await factories.tenant()
    browser = await signed_in(console, tenant, "vic@acme.com", UserRole.VIEWER)

    result = await browser.query(ORGANIZATION_CREATE)

    assert result["organizationCreate"] == forbidden(
        "VIEWER", "change organizations, contracts or invoices"
    )
    assert await Organization.all().count() == 0


async def test_a_members_settings_change_is_refused_and_changes_nothing(console):
    tenant, _ = await factories.tenant()
    browser = await signed_in(console, tenant, "mel@acme.com", UserRole.MEMBER)
    before = dict(await InvoicingSettings.get(tenant=tenant).values())

    refused = await browser.query(SETTINGS_UPDATE)
    enable = await browser.query("mutation { invoicingEnable { errors { code } } }")
    allowed = await browser.query(ORGANIZATION_CREATE)

    assert refused["invoicingSettingsUpdate"] == forbidden(
        "MEMBER", "change the invoicing settings or payment methods", "settings"
    )
    assert enable == {"invoicingEnable": {"errors": [{"code": "FORBIDDEN"}]}}
    assert dict(await InvoicingSettings.get(tenant=tenant).values()) == before
    assert allowed["organizationCreate"]["errors"] == []


async def test_an_admin_changes_settings_but_cannot_manage_users(console):
    tenant, _ = await factories.tenant()
    owner = await factories.user(tenant, "ann@acme.com", UserRole.OWNER)
    browser = await signed_in(console, tenant, "ada@acme.com", UserRole.ADMIN)

    settings = await browser.query(SETTINGS_UPDATE)
    invite = await browser.query(INVITE, email="bob@acme.com", role="ADMIN")
    demote = await browser.query(ROLE_UPDATE, id=str(owner.id), role="VIEWER")
    remove = await browser.query(REMOVE, id=str(owner.id))
    platform = await browser.query(
        'mutation { platformPaymentMethodSetup(input: {kind: "bank_transfer", billingEmail: "a@acme.com"}) { errors { code message } } }'
    )

    assert settings["invoicingSettingsUpdate"]["errors"] == []
    assert invite["userInvite"] == forbidden("ADMIN", "manage users", "user")
    assert demote["userRoleUpdate"] == forbidden("ADMIN", "manage users", "user")
    assert remove["userRemove"] == forbidden("ADMIN", "manage users", "removedId")
    assert platform["platformPaymentMethodSetup"]["errors"] == [
        {"code": "FORBIDDEN", "message": "A ADMIN may not set up the platform payment method."}
    ]
    assert sorted(await User.all().values_list("email", "role")) == [
        ("ada@acme.com", UserRole.ADMIN),
        ("ann@acme.com", UserRole.OWNER),
    ]


async def test_the_last_owner_can_be_neither_demoted_nor_removed(console):
    tenant, _ = await factories.tenant()
    browser = await signed_in(console, tenant, "ann@acme.com", UserRole.OWNER)
    ann = await User.get(email="ann@acme.com")

    demote = await browser.query(ROLE_UPDATE, id=str(ann.id), role="ADMIN")
    remove = await browser.query(REMOVE, id=str(ann.id))

    assert demote["userRoleUpdate"] == {
        "user": None,
        "errors": [
            {
                "field": ["input", "role"],
                "code": "CONFLICT",
                "message": "The last OWNER cannot be given another role.",
            }
        ],
    }
    assert remove["userRemove"] == {
        "removedId": None,
        "errors": [
            {
                "field": ["input", "id"],
                "code": "CONFLICT",
                "message": "The last OWNER cannot be removed.",
            }
        ],
    }
    assert (await User.get(id=ann.id)).role == UserRole.OWNER

    bob = await factories.user(tenant, "bob@acme.com", UserRole.OWNER)
    demoted = await browser.query(ROLE_UPDATE, id=str(bob.id), role="MEMBER")
    removed = await browser.query(REMOVE, id=str(bob.id))

    assert demoted["userRoleUpdate"] == {
        "user": {"email": "bob@acme.com", "role": "MEMBER"},
        "errors": [],
    }
    assert removed["userRemove"] == {"removedId": str(bob.id), "errors": []}
    assert await User.all().values_list("email", flat=True) == ["ann@acme.com"]


async def test_another_tenants_user_is_not_found(graphql):
    _, key = await factories.tenant()
    other, _ = await factories.tenant("Other")
    zed = await factories.user(other, "zed@other.com")

    result = await graphql(key).query(REMOVE, id=str(zed.id))

    assert result["userRemove"] == {
        "removedId": None,
        "errors": [
            {"field": ["input", "id"], "code": "NOT_FOUND", "message": f"No user with id {zed.id}."}
        ],
    }
    assert await User.filter(id=zed.id).exists()


async def test_invoice_events_name_the_user_or_the_api_key_that_acted(console, graphql, drain_jobs):
    tenant, key = await factories.ready_tenant()
    first = await factories.live_contract(tenant, date(2027, 1, 1))
    second = await factories.live_contract(tenant, date(2027, 1, 1), organization_name="Initech")
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    browser = await signed_in(console, tenant, "mel@acme.com", UserRole.MEMBER)
    by_user = await Invoice.get(contract=first)
    by_key = await Invoice.get(contract=second)

    await browser.query(STATUS_UPDATE, id=str(by_user.id))
    await graphql(key).query(STATUS_UPDATE, id=str(by_key.id))

    prefix = (await ApiKey.get(tenant=tenant)).prefix
    for invoice, actor in ((by_user, "user:mel@acme.com"), (by_key, f"apikey:{prefix}")):
        last = await InvoiceEvent.filter(invoice=invoice).order_by("-at", "-id").first()
        assert (last.to_status, last.actor) == ("PAID", actor)


async def test_a_password_reset_request_mails_only_the_tenants_own_users(graphql, mail_server):
    tenant, key = await factories.tenant()
    other, _ = await factories.tenant("Other")
    await factories.user(tenant, "ann@acme.com")
    await factories.user(other, "zed@other.com")

    answers = [
        await graphql(key).query(
            "mutation($email: String!) { passwordResetRequest(input: {email: $email}) { errors { code } } }",
            email=email,
        )
        for email in ("ann@acme.com", "zed@other.com", "nobody@acme.com")
    ]

    assert answers == [{"passwordResetRequest": {"errors": []}}] * 3
    assert [envelope.rcpt_tos for envelope in mail_server.envelopes] == [["ann@acme.com"]]
