"""`remit demo`: a demo tenant to try Remit with. Running it again reuses the tenant and
prints a fresh key, since a key is shown only once."""

from billing import tenants
from models.tenants import Tenant

DEMO_TENANT_NAME = "Demo Company Ltd"


async def seed() -> tuple[Tenant, str]:
    tenant = await Tenant.filter(name=DEMO_TENANT_NAME).order_by("created_at").first()
    if tenant is None:
        return await tenants.create_tenant(DEMO_TENANT_NAME)
    return tenant, await tenants.create_api_key(tenant.id)
