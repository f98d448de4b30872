"""1688.com wholesale marketplace: item detail and product URLs through open.1688.com."""

from integrations.marketplaces.alibaba1688.adapter import Alibaba1688 as Adapter

__all__ = ["Adapter"]
