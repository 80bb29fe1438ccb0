"""The bundled demo district and its OneRoster 1.2 server (``demo-server``, ``--demo``)."""

from app.demo.district import DemoDistrict, to_v1p1
from app.demo.faults import Faults
from app.demo.server import DEMO_CLIENT_ID, DEMO_SECRET, DemoServer, serve

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_SECRET",
    "DemoDistrict",
    "DemoServer",
    "Faults",
    "serve",
    "to_v1p1",
]
