"""Who acts, and what each role may do. Every service that changes something takes the
acting `Actor` and asks `require` first, so a refusal happens before anything changes,
whatever edge (GraphQL, CLI) the call came from."""

from dataclasses import dataclass
from enum import StrEnum

from remit.billing.errors import Forbidden
from remit.models.tenants import ApiKey, Tenant
from remit.models.users import User, UserRole


class Permission(StrEnum):
    BILLING = "BILLING"  # organizations, contracts, invoices, payments
    SETTINGS = "SETTINGS"  # invoicing settings, providers, enabling invoicing
    PLATFORM_PAYMENT = "PLATFORM_PAYMENT"  # the tenant's own payment method for the fee
    USERS = "USERS"  # inviting, changing roles, removing


PERMISSIONS: dict[UserRole, frozenset[Permission]] = {
    UserRole.OWNER: frozenset(Permission),
    UserRole.ADMIN: frozenset({Permission.BILLING, Permission.SETTINGS}),
    UserRole.MEMBER: frozenset({Permission.BILLING}),
    UserRole.VIEWER: frozenset(),
}

REFUSALS = {
    Permission.BILLING: "change organizations, contracts or invoices",
    Permission.SETTINGS: "change the invoicing settings or payment methods",
    Permission.PLATFORM_PAYMENT: "set up the platform payment method",
    Permission.USERS: "manage users",
}


@dataclass(frozen=True)
class Actor:
    """Recorded on events and payments as `who`: `user:<email>`, `apikey:<prefix>`, or
    `system` for the operator's own commands."""

    who: str
    tenant: Tenant
    role: UserRole
    user: User | None = None

    @classmethod
    def of_user(cls, user: User, tenant: Tenant) -> "Actor":
        return cls(f"user:{user.email}", tenant, user.role, user)

    @classmethod
    def of_api_key(cls, api_key: ApiKey) -> "Actor":
        # A key is the tenant's own server: it may do everything an owner may.
        return cls(f"apikey:{api_key.prefix}", api_key.tenant, UserRole.OWNER)

    @classmethod
    def system(cls, tenant: Tenant) -> "Actor":
        """The operator, through the CLI or the demo."""
        return cls("system", tenant, UserRole.OWNER)

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


def require(actor: Actor, permission: Permission) -> None:
    if not actor.may(permission):
        raise Forbidden(f"A {actor.role} may not {REFUSALS[permission]}.")
