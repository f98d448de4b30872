"""Product feeds in Google Merchant Center format (RSS 2.0 / Atom XML, or TSV).

``parse_feed`` turns one feed file into unified ``Product`` records (one per ``item_group_id``,
one ``Sku`` per feed item) plus a list of per-item problems; it does no I/O of its own.
A feed that cannot be read as a whole raises ``FeedError``.
"""

from integrations.marketplaces.feed.parse import FeedError, FeedResult, ItemError, parse_feed

__all__ = ["FeedError", "FeedResult", "ItemError", "parse_feed"]
