"""What every resolver gets: the acting user or API key (and so the tenant), the request id
and the dataloaders, all made fresh for each request."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo
from tortoise.models import Model

from remit.billing.roles import Actor
from remit.models.tenants import Tenant


class Loaders:
    """One DataLoader per model, batching loads by id within a request. Every load is
    scoped to the tenant, so another tenant's id loads as None: "not found"."""

    def __init__(self, tenant_id: UUID) -> None:
        self._tenant_id = tenant_id
        self._loaders: dict[type[Model], DataLoader] = {}

    def __getitem__(self, model: type[Model]) -> DataLoader:
        if model not in self._loaders:
            self._loaders[model] = DataLoader(load_fn=lambda ids: self._load(model, ids))
        return self._loaders[model]

    async def _load(self, model: type[Model], ids: Sequence[UUID | str]) -> list[Model | None]:
        wanted = [_uuid(id) for id in ids]
        rows = await model.filter(tenant_id=self._tenant_id, id__in=[id for id in wanted if id])
        by_id = {row.id: row for row in rows}
        return [by_id.get(id) for id in wanted]


def _uuid(value: UUID | str) -> UUID | None:
    """A malformed id names nothing: it loads as None, like another tenant's."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None


@dataclass
class Context:
    actor: Actor
    request_id: str
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.tenant.id)

    @property
    def tenant(self) -> Tenant:
        return self.actor.tenant


Info = StrawberryInfo[Context, None]
