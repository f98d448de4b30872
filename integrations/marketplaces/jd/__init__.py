"""JD.com through the JD Union (京东联盟) open API."""

from integrations.marketplaces.jd.adapter import Adapter

__all__ = ["Adapter"]
