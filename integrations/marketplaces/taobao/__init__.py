"""Taobao and Tmall through the Taobao Open Platform affiliate ("tbk") API."""

from integrations.marketplaces.taobao.adapter import Adapter

__all__ = ["Adapter"]
