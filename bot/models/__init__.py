"""The tables, one module per domain; importing this package registers them all on Base.metadata."""

from bot.models.alerts import Alert
from bot.models.carts import CartLine
from bot.models.catalog import Offer, PriceChange, Product, ProductTitle, Sku, WordTranslation
from bot.models.communities import Community, Deal, DealTouch, DigestItem, Watch
from bot.models.fulfilment import Parcel, Purchase
from bot.models.ops import FxRate, HandledUpdate, Lease, SyncRun
from bot.models.orders import Order, OrderEvent, OrderLine
from bot.models.payments import PaymentEvent, Refund
from bot.models.tracking import BlockedChat, Tracking, TrackingEvent, TrackingFollow
from bot.models.users import User

__all__ = [
    "Alert",
    "BlockedChat",
    "CartLine",
    "Community",
    "Deal",
    "DealTouch",
    "DigestItem",
    "FxRate",
    "HandledUpdate",
    "Lease",
    "Offer",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Parcel",
    "PaymentEvent",
    "PriceChange",
    "Product",
    "ProductTitle",
    "Purchase",
    "Refund",
    "Sku",
    "SyncRun",
    "Tracking",
    "TrackingEvent",
    "TrackingFollow",
    "User",
    "Watch",
    "WordTranslation",
]
