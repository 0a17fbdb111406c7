"""Cursor pagination for every list in the API.

Cursors are opaque to clients: the ordering key of the last row (creation instant and id),
so a page stays correct while rows are added before it. `first` is capped at MAX_PAGE.
"""

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from remit.billing.errors import Invalid

MAX_PAGE = 200

Node = TypeVar("Node")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    node: Node
    cursor: str


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo
    listed: strawberry.Private[QuerySet]

    @strawberry.field
    async def total_count(self) -> int:
        # Counted only when asked for: most pages are read without it, a statement saved.
        return await self.listed.count()


def encode_cursor(created_at: datetime, id: UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, id = json.loads(raw)
        return datetime.fromisoformat(created_at), UUID(id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise Invalid("The cursor is not one this API gave out.", field=["after"]) from None


async def paginate(
    queryset: QuerySet,
    to_node: Callable,
    *,
    first: int,
    after: str | None,
    newest_first: bool = False,
) -> Connection:
    """One page of `queryset`, each row mapped by `to_node`."""
    if first < 0:
        raise Invalid("first must not be negative.", field=["first"])
    first = min(first, MAX_PAGE)
    page = queryset.order_by(*(["-created_at", "-id"] if newest_first else ["created_at", "id"]))
    if after is not None:
        created_at, id = decode_cursor(after)
        if newest_first:
            page = page.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=id))
        else:
            page = page.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, id__gt=id))
    rows = await page.limit(first + 1)
    edges = [
        Edge(node=to_node(row), cursor=encode_cursor(row.created_at, row.id))
        for row in rows[:first]
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
        listed=queryset,
    )
