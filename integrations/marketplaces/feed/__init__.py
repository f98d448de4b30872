"""Google Merchant Center feeds (RSS/Atom XML or TSV), from a URL or a file."""

from integrations.marketplaces.feed.adapter import Adapter
from integrations.marketplaces.feed.incremental import Chunk, read
from integrations.marketplaces.feed.parse import FeedError, FeedResult, ItemError, parse_feed

__all__ = ["Adapter", "Chunk", "FeedError", "FeedResult", "ItemError", "parse_feed", "read"]
