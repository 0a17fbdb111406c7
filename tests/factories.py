"""Factory functions: each makes one valid thing with defaults a test can override."""

from billing import tenants
from models.organizations import Organization
from models.tenants import Tenant


async def tenant(name: str = "Acme Corp") -> tuple[Tenant, str]:
    """A tenant and an API key for it."""
    return await tenants.create_tenant(name)


async def organization(owner: Tenant, name: str = "Globex", **fields) -> Organization:
    return await Organization.create(
        tenant=owner, name=name, **{"billing_emails": ["ap@globex.test"], **fields}
    )
