"""What every resolver gets: the acting user or API key (and so the tenant), the request id
and the dataloaders, all made fresh for each request (on a WebSocket, for each operation and
each subscription event)."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo
from tortoise.models import Model

from remit.billing.roles import Actor
from remit.models.tenants import Tenant


class Loaders:
    """One DataLoader per model, batching loads by id within a request. Every load is
    scoped to the tenant, so another tenant's id loads as None: "not found". And one per
    kind of child list (an invoice's lines, say), so a page of parents reads each kind in
    one query, whatever its size."""

    def __init__(self, tenant_id: UUID) -> None:
        self._tenant_id = tenant_id
        self._loaders: dict[type[Model], DataLoader] = {}
        self._grouped: dict[Callable, DataLoader] = {}

    def grouped(
        self,
        rows_of: "Callable[[list[UUID]], Awaitable[Collection]]",
        parent: "Callable[[object], Hashable]",
    ) -> DataLoader:
        """The lists of children by parent id: `rows_of(ids)` reads the children of every
        parent asked for at once, in the order each list keeps; `parent(row)` is a row's
        parent id. The parents were read for this tenant, so their children are its own."""
        if rows_of not in self._grouped:

            async def load(ids: Sequence[UUID]) -> list[list]:
                groups: dict[Hashable, list] = defaultdict(list)
                for row in await rows_of(list(ids)):
                    groups[parent(row)].append(row)
                return [groups.get(id, []) for id in ids]

            self._grouped[rows_of] = DataLoader(load_fn=load)
        return self._grouped[rows_of]

    def each(self, values_of: "Callable[[list[UUID]], Awaitable[list]]") -> DataLoader:
        """A value per id, read for every id asked for at once: `values_of(ids)` returns
        them in the ids' order."""
        if values_of not in self._grouped:
            self._grouped[values_of] = DataLoader(load_fn=lambda ids: values_of(list(ids)))
        return self._grouped[values_of]

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
    # A WebSocket's is None until its connection_init is accepted; no operation runs before.
    actor: Actor | None
    request_id: str
    # A WebSocket's connection_init payload, set by strawberry.
    connection_params: object = None

    @property
    def tenant(self) -> Tenant:
        if self.actor is None:
            raise RuntimeError("an operation ran before its WebSocket was authenticated")
        return self.actor.tenant

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.tenant.id)

    def renew_loaders(self) -> None:
        """Forget what was loaded: a subscription's next event shows the rows as they are."""
        self.__dict__.pop("loaders", None)


Info = StrawberryInfo[Context, None]
