"""Weidian (微店): item detail through the vdian open API, and Weidian item URLs."""

from integrations.marketplaces.weidian.adapter import Weidian as Adapter

__all__ = ["Adapter"]
