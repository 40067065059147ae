"""Load the whole demo: the district (``district.py``) and its requests (``requests.py``)."""

from __future__ import annotations

from gatekeeper.modules.demo.district import load_district


def load_demo(password: str) -> str:
    """Load the demo district and its requests; returns a one-line summary."""
    load_district(password)
    try:
        from gatekeeper.modules.demo.requests import load_requests
    except ModuleNotFoundError:
        return "District loaded (no demo requests module)."
    return load_requests()
