#!/bin/sh
# What `make test` needs besides Python 3.11+ and the packages pip installs (the README's "Tests" list).
# Without arguments: one line naming what is missing and how to install it (exit 1), or nothing (exit 0).
# With --packages: only the Debian package names of what is missing (.ci/run installs them).
missing=""
need() { missing="$missing $1"; }
command -v java >/dev/null 2>&1 || need openjdk-17-jdk-headless  # the embedded OpenSearch node
command -v mvn >/dev/null 2>&1 || need maven                     # fetches the node's jars once
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need python3-venv
[ -x /usr/bin/chromium ] || need chromium                        # the search-page tests (Playwright drives it)
command -v docker-compose >/dev/null 2>&1 || need docker-compose # renders the compose files (no engine needed)
command -v curl >/dev/null 2>&1 || need curl                     # docker/setup.sh's tests run it as the ES image does
if [ "$1" = "--packages" ]; then
  echo $missing
  exit 0
fi
if [ -n "$missing" ]; then
  echo "make test cannot start: missing Debian packages:$missing (install: apt-get install -y$missing)"
  exit 1
fi
