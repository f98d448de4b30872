"""Pinduoduo through the Duoduojinbao (多多进宝, pdd.ddk.*) affiliate API."""

from integrations.marketplaces.pinduoduo.adapter import Adapter

__all__ = ["Adapter"]
