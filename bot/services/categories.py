"""The catalog's categories as a two-level tree ("女装 > 连衣裙"), for browsing.

Each category has a short key (8 hex digits of its CRC-32) that fits in a button's callback
data; a key is resolved against the current tree, so a key whose category is gone is simply
unknown.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Product
from bot.search.filters import BRANCH


def key_of(path: str) -> str:
    return f"{zlib.crc32(path.encode()):08x}"


@dataclass
class Node:
    path: str  # "女装" or "女装 > 连衣裙"
    count: int = 0  # available products in it and below
    children: list[Node] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.rpartition(BRANCH)[2]

    @property
    def key(self) -> str:
        return key_of(self.path)


@dataclass
class Tree:
    top: list[Node]  # most products first
    by_key: dict[str, Node]

    def find(self, key: str) -> Node | None:
        return self.by_key.get(key)

    def names(self) -> set[str]:
        """The names shown in the menus: every top category's and its kinds'."""
        return {node.name for top in self.top for node in (top, *top.children)}


# Available products per category. The bare column, as the partial index
# ix_products_available_category names it: SQLite uses a partial index only when the query
# repeats its condition ("available = 1", which SQLAlchemy writes for the column on SQLite, is
# not the same). Read from that index alone (migration 0010), not from the table.
COUNTS = (
    select(Product.category, func.count())
    .where(text("products.available"), Product.category != "")
    .group_by(Product.category)
)


async def tree(session: AsyncSession) -> Tree:
    """Top-level categories and their subcategories, with product counts (deeper levels are
    folded into their second-level branch)."""
    rows = await session.execute(COUNTS)
    top: dict[str, Node] = {}
    subs: dict[str, Node] = {}
    for path, count in rows.all():
        parts = [part.strip() for part in path.split(BRANCH)]  # a name may hold a ">"
        head = top.setdefault(parts[0], Node(parts[0]))
        head.count += count
        if len(parts) > 1 and parts[1]:
            sub_path = f"{parts[0]}{BRANCH}{parts[1]}"
            sub = subs.get(sub_path)
            if sub is None:
                sub = subs[sub_path] = Node(sub_path)
                head.children.append(sub)
            sub.count += count
    for node in top.values():
        node.children.sort(key=lambda n: (-n.count, n.path))
    ordered = sorted(top.values(), key=lambda n: (-n.count, n.path))
    by_key = {n.key: n for n in [*ordered, *subs.values()]}
    return Tree(ordered, by_key)
