"""A Shopify store's public catalogue (/products.json): listing, item by handle, product URLs."""

from integrations.marketplaces.shopify.adapter import Shopify as Adapter

__all__ = ["Adapter"]
