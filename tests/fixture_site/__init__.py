"""Fixture web of fake Libyan news outlets, served on loopback for crawler/cleaner tests.

    from tests.fixture_site import FixtureWeb, load_gold
    with FixtureWeb() as web:
        web.outlets            # {"fx-wasat": "http://127.0.0.11:43123/", ...}
        web.write_outlets_yaml(tmp_path / "outlets.yaml")
        web.requests("fx-trap")  # request targets seen by one outlet
        web.release(3)         # three more held-back articles go live
"""

from tests.fixture_site.gold import (
    DEFAULT_HELD_BACK,
    article_url,
    bad_pages,
    gold_by_key,
    independent_pairs,
    load_gold,
    syndicated_pairs,
)
from tests.fixture_site.server import FixtureWeb

__all__ = [
    "DEFAULT_HELD_BACK",
    "FixtureWeb",
    "article_url",
    "bad_pages",
    "gold_by_key",
    "independent_pairs",
    "load_gold",
    "syndicated_pairs",
]
