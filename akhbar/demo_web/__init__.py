"""The demo's local web: five fake Libyan news outlets served on loopback, crawled by `akhbar demo`.

    from akhbar.demo_web import DemoWeb
    with DemoWeb() as web:
        web.outlets            # {"fx-wasat": "http://127.0.0.11:43123/", ...}
        web.write_outlets_yaml(path)

The test suite's fixture web (tests/fixture_site) builds on this one and adds its gold labels, a
crawl-trap outlet, hostile pages and the development set; none of that ships in the package.
"""

from akhbar.demo_web.server import DemoWeb

__all__ = ["DemoWeb"]
