import strawberry

from remit.graph.context import Info
from remit.graph.nodes import Node
from remit.models.tenants import Tenant as TenantModel


@strawberry.type
class Tenant(Node):
    name: str
    invoicing_enabled: bool

    @classmethod
    def from_model(cls, tenant: TenantModel) -> "Tenant":
        return cls(
            id=strawberry.ID(str(tenant.id)),
            name=tenant.name,
            invoicing_enabled=tenant.invoicing_enabled,
        )


@strawberry.type
class TenantQuery:
    @strawberry.field(description="The tenant behind the API key.")
    def tenant(self, info: Info) -> Tenant:
        return Tenant.from_model(info.context.tenant)
