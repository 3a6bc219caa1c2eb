"""python -m tests.fixture_site: serve the fixture outlets until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from tests.fixture_site.server import FixtureWeb


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fixture_site", description=__doc__)
    parser.add_argument("--write-outlets", metavar="FILE", help="write the outlet registry YAML here")
    parser.add_argument("--host-base", default="127.0.0.11", help="first loopback IP (one per outlet)")
    parser.add_argument("--port", type=int, default=0, help="port for every outlet (0: pick free ports)")
    parser.add_argument("--held-back", type=int, default=0,
                        help="newest articles to hold back (default 0: everything published)")
    parser.add_argument("--dev", action="store_true",
                        help="serve the issue-11 development set (dx-* outlets, tests.fixture_site.devset) instead; "
                             "--write-outlets then lists base URLs only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.dev:
        from tests.fixture_site.devweb import DEV_HOST_BASE, DevFixtureWeb

        host_base = DEV_HOST_BASE if args.host_base == "127.0.0.11" else args.host_base
        web_cm: FixtureWeb = DevFixtureWeb(host_base=host_base, port=args.port)
    else:
        web_cm = FixtureWeb(host_base=args.host_base, held_back=args.held_back, port=args.port)
    with web_cm as web:
        for slug, base in web.outlets.items():
            print(f"{slug:12s} {base}", flush=True)
        if not web.distinct_hosts:
            print("note: one host per outlet unavailable; outlets use distinct ports on 127.0.0.1", flush=True)
        if args.write_outlets:
            written = web.write_base_urls_yaml(args.write_outlets) if args.dev else web.write_outlets_yaml(args.write_outlets)
            print(f"registry written to {written}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
