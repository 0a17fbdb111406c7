"""The tenant's users: who is signed in, who else is there, and managing them."""

from datetime import datetime

import strawberry

from remit.billing import users
from remit.billing.errors import ErrorCode, Throttled
from remit.graph.context import Info
from remit.graph.errors import UserError, payload
from remit.graph.nodes import Node
from remit.graph.tenants import Tenant
from remit.models import users as models

UserRole = strawberry.enum(models.UserRole)


@strawberry.type
class User(Node):
    model: strawberry.Private[models.User]
    email: str
    name: str
    role: UserRole
    pending: bool = strawberry.field(description="Invited, no password set yet.")
    created_at: datetime

    @strawberry.field
    def tenant(self, info: Info) -> Tenant:
        # A caller only ever sees the users of its own tenant.
        return Tenant.from_model(info.context.tenant)

    @classmethod
    def from_model(cls, user: models.User) -> "User":
        return cls(
            model=user,
            id=strawberry.ID(str(user.id)),
            email=user.email,
            name=user.name,
            role=user.role,
            pending=user.password_hash is None,
            created_at=user.created_at,
        )


@strawberry.input
class UserInviteInput:
    email: str
    role: UserRole
    name: str | None = None


@strawberry.input
class UserRoleUpdateInput:
    id: strawberry.ID
    role: UserRole


@strawberry.input
class UserRemoveInput:
    id: strawberry.ID


@strawberry.input
class PasswordResetRequestInput:
    email: str


@strawberry.type
class UserPayload:
    user: User | None
    errors: list[UserError]


@strawberry.type
class UserRemovePayload:
    removed_id: strawberry.ID | None
    errors: list[UserError]


@strawberry.type
class PasswordResetRequestPayload:
    errors: list[UserError]


@strawberry.type
class UserQuery:
    @strawberry.field(description="The signed-in user; null when called with an API key.")
    def viewer(self, info: Info) -> User | None:
        user = info.context.actor.user
        return User.from_model(user) if user is not None else None

    @strawberry.field(description="The tenant's users, oldest first.")
    async def users(self, info: Info) -> list[User]:
        return [User.from_model(user) for user in await users.listed(info.context.tenant)]


@strawberry.type
class UserMutation:
    @strawberry.mutation(description="Add a user and email them a one-time link to set a password.")
    async def user_invite(self, info: Info, input: UserInviteInput) -> UserPayload:
        invited = users.invite(
            info.context.actor, input.email, models.UserRole(input.role), input.name
        )
        return await payload(UserPayload, invited, User.from_model, prefix=["input"])

    @strawberry.mutation(description="The last OWNER keeps that role.")
    async def user_role_update(self, info: Info, input: UserRoleUpdateInput) -> UserPayload:
        changed = users.change_role(info.context.actor, input.id, models.UserRole(input.role))
        # The id is inside the input here, not an argument of its own.
        return await payload(UserPayload, changed, User.from_model, prefix=["input"], arguments=())

    @strawberry.mutation(description="The last OWNER cannot be removed.")
    async def user_remove(self, info: Info, input: UserRemoveInput) -> UserRemovePayload:
        removed = users.remove(info.context.actor, input.id)
        return await payload(
            UserRemovePayload,
            removed,
            lambda id: strawberry.ID(str(id)),
            prefix=["input"],
            arguments=(),
        )

    @strawberry.mutation(
        description="Email a password reset link to this tenant's user with that email, if any."
    )
    async def password_reset_request(
        self, info: Info, input: PasswordResetRequestInput
    ) -> PasswordResetRequestPayload:
        try:
            await users.request_reset(input.email, info.context.tenant)
        except Throttled as throttled:
            # Not a RemitError (the web answers it with 429); here it is the caller's to read.
            return PasswordResetRequestPayload(
                errors=[UserError(field=None, message=throttled.message, code=ErrorCode.CONFLICT)]
            )
        return PasswordResetRequestPayload(errors=[])
