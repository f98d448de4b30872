"""The tables, one module per domain; importing this package registers them all on Base.metadata."""

from bot.models.catalog import Offer, PriceChange, Product, ProductTitle, Sku
from bot.models.ops import FxRate, HandledUpdate, Lease, SyncRun
from bot.models.users import User

__all__ = [
    "FxRate",
    "HandledUpdate",
    "Lease",
    "Offer",
    "PriceChange",
    "Product",
    "ProductTitle",
    "Sku",
    "SyncRun",
    "User",
]
