"""Parcel tracking providers (AfterShip, 17TRACK), one package each, behind one interface.

``couriers()`` lists them, ``create(name, env, http)`` configures one and ``configured(env)``
names those whose credentials are set (base.py); detect.py recognizes tracking numbers.
"""

from integrations.couriers.base import CourierBase, configured, couriers, create

__all__ = ["CourierBase", "configured", "couriers", "create"]
