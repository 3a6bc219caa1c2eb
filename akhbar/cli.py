"""`akhbar`: the command line. Run `akhbar --help`, or `akhbar COMMAND --help`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.table import Table

from akhbar.console import console, err, print_results, sent_by_path, wait_for_job
from akhbar.console import fail as _fail
from akhbar.console import job_store as _job_store
from akhbar.console import print_job as _print_job
from akhbar.core.config import ServiceNotConfigured, Settings, SettingsError, load_settings
from akhbar.core.messages import INDEX_FLUSH_TASK, queue_of
from index.filters import FILTERS, FilterSpec
from workers.clean.places import place_names


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj


class FriendlyGroup(click.Group):
    """Known failures (service down, bad input) become one clear line, not a traceback."""

    def invoke(self, ctx):
        from akhbar.core.procs import ServiceStartError
        from index.adapter import SearchRequestError, SearchUnavailable

        try:
            return super().invoke(ctx)
        except (ServiceNotConfigured, ServiceStartError, SearchUnavailable) as exc:
            _fail(str(exc), 2)
        except SearchRequestError as exc:
            _fail(f"the search engine rejected the request: {exc}", 2)
        except ConnectionError as exc:
            _fail(f"cannot reach a service: {exc}", 2)
        except Exception as exc:
            if _redis_down(exc):
                from akhbar.core.redis_retry import address, cli_wait

                url = ctx.obj.redis_url or ctx.obj.services_state().get("redis", {}).get("url") or ""
                _fail(f"Redis at {address(url)} unreachable for {cli_wait():.0f}s: start it (`akhbar services up`) "
                      "or check AKHBAR_REDIS_URL", 2)
            raise


def _redis_down(exc: BaseException) -> bool:
    """Redis connection errors, also as kombu/Celery wrap them when a task cannot be sent."""
    import redis

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
            return True
        if type(exc).__module__.startswith("kombu") and "OperationalError" in type(exc).__name__:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@click.group(cls=FriendlyGroup)
@click.version_option(package_name="akhbar")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Akhbar: crawl Libyan news outlets, clean and deduplicate their articles, search them in Arabic."""
    try:
        ctx.obj = load_settings()
    except SettingsError as exc:  # one line, before any command reads a setting
        raise click.ClickException(f"{exc}: set it to such a value, or unset it for the default") from None


# -- services -------------------------------------------------------------------------------------
@main.group()
def services() -> None:
    """Embedded Redis and OpenSearch node (no Docker needed). Data lives in $AKHBAR_HOME."""


@services.command("up")
@click.option("--redis-port", type=int, help="Port for Redis (default: a free port, kept across restarts).")
@click.option("--http-port", type=int, help="HTTP port for OpenSearch (default: a free port, kept across restarts).")
@click.option("--search-nodes", type=click.IntRange(1, 9), default=None,
              help="OpenSearch nodes forming one cluster on this machine (default: as last time, else 1); "
                   "from 2 on, the index keeps one replica (docs/cluster.md).")
@click.pass_context
def services_up(ctx, redis_port, http_port, search_nodes) -> None:
    """Start Redis and the OpenSearch node (building it with Maven on first use)."""
    from akhbar import services as svc
    from akhbar.core.config import search_node_urls

    state = svc.up(_settings(ctx), redis_port=redis_port, http_port=http_port, search_nodes=search_nodes,
                   log=console.print)
    console.print(f"\nexport AKHBAR_REDIS_URL={state['redis']['url']}")
    console.print(f"export AKHBAR_SEARCH_URL={','.join(search_node_urls(state))}")


@services.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def services_status(ctx, as_json) -> None:
    """Show which services run, where."""
    from akhbar import services as svc

    rows = svc.status(_settings(ctx))  # URLs come back with their passwords masked
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in rows]))
        return
    table = Table("service", "state", "url", "pid", "")
    for row in rows:
        table.add_row(row.name, "[green]running" if row.running else "[red]stopped", row.url or "-",
                      str(row.pid or "-"), row.detail)
    console.print(table)
    if not all(r.running for r in rows if r.name != "worker"):
        sys.exit(3)


@services.command("down")
@click.pass_context
def services_down(ctx) -> None:
    """Stop the services (their data stays in $AKHBAR_HOME)."""
    from akhbar import services as svc

    svc.down(_settings(ctx), log=console.print)


# -- worker -------------------------------------------------------------------------------------------
@main.command()
@click.option("-Q", "--queues", default="crawl,clean,dedupe,index", show_default=True)
@click.option("-c", "--concurrency", type=int, default=None, help="Worker processes (default: cores + 1).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(queues, concurrency, loglevel) -> None:
    """Run a Celery worker for the pipeline queues."""
    import os

    from akhbar.core.celery_app import app

    concurrency = concurrency or (os.cpu_count() or 1) + 1
    app.worker_main(["worker", "-Q", queues, "-c", str(concurrency), "--loglevel", loglevel, "-E",
                     "-n", f"akhbar-{os.getpid()}@%h"])


# -- crawl & jobs -------------------------------------------------------------------------------------
def _registry(outlets_file: str | None, settings: Settings):
    from akhbar.core.registry import load_registry

    return load_registry(outlets_file or settings.outlets_file, home=settings.home)


def _place_id(value: str) -> str:
    """A gazetteer id as given, else the most likely place of that name ("طرابلس": the Libyan one)."""
    from workers.clean import gazetteer

    if value in place_names():
        return value
    found = gazetteer.default().lookup(value)
    if not found:
        _fail(f"unknown place {value!r}: give a name such as طرابلس or Misrata, or an id such as ly:tripoli")
    return found[0].id


# Filter values the CLI turns into what search takes (a place name -> its gazetteer id), by filter name.
CLI_RESOLVERS: dict[str, Callable[[str], str]] = {"place": _place_id, "main_place": _place_id}


def filter_options(table: Sequence[FilterSpec] = FILTERS) -> Callable[[Callable], Callable]:
    """One option per search filter of the table (`--outlet`, `--from`...): `search` and `alerts add`."""
    def decorate(command: Callable) -> Callable:
        for spec in reversed(table):  # click lists options in the order they are written
            help_text = (spec.cli_help or spec.description).rstrip(".")
            command = (click.option(spec.flag, spec.name, multiple=True,
                                    help=f"{help_text} (repeatable; commas separate values).")
                       if spec.multi else click.option(spec.flag, spec.name, help=f"{help_text}."))(command)
        return command
    return decorate


def filter_values(options: dict[str, Any], table: Sequence[FilterSpec] = FILTERS) -> dict[str, Any]:
    """The filter options given, by public name, as search and saved searches take them."""
    out: dict[str, Any] = {}
    for spec in table:
        value = options.get(spec.name)
        if spec.multi:
            resolve = CLI_RESOLVERS.get(spec.name, str.strip)
            value = [resolve(v.strip()) for given in value or () for v in given.split(",") if v.strip()]
        if value:
            out[spec.key] = value
    return out


def _outlet_names(settings: Settings) -> dict[str, str]:
    """Readable outlet names for output; ids alone if the user's registry file cannot be read."""
    try:
        return _registry(None, settings).display_names()
    except Exception as exc:  # a broken user registry must not stop a search
        err.print(f"[yellow]warning:[/] outlet names not shown: {exc}")
        return {}


def _named_outlets(outlets_file: str | None, settings: Settings, outlets: Sequence[str],
                   everyone: Callable[[Any], list]) -> tuple[Any, list[str]]:
    """The registry and the outlet names a command was given (`all`: `everyone(registry)`); one line and
    exit 1 for an unknown name or a broken registry file."""
    from akhbar.core.registry import RegistryError, UnknownOutletError

    try:
        registry = _registry(outlets_file, settings)
        names = [o.name for o in everyone(registry)] if list(outlets) == ["all"] else list(outlets)
        for name in names:
            registry.get(name)
    except (RegistryError, UnknownOutletError) as exc:
        _fail(str(exc))
    return registry, names


@main.command()
@click.argument("outlets", nargs=-1, required=True)
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False),
              help="Your outlet registry file (YAML), added to the built-in one. Also: $AKHBAR_OUTLETS.")
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--max-pages", type=int, help="Page budget for the job.")
@click.option("--recrawl", is_flag=True, help="Fetch articles again even if an earlier crawl had them.")
@click.option("--mode", type=click.Choice(["live", "fixture"]), default="live", show_default=True,
              help="fixture lifts politeness delays: only for local test sites.")
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Crawler processes for the job; they share one frontier and per-host politeness.")
@click.option("--wait/--no-wait", default=False, help="Show progress until the job ends.")
@click.option("--timeout", type=float, default=3600, show_default=True, help="With --wait: give up after N s.")
@click.pass_context
def crawl(ctx, outlets, outlets_file, since, max_pages, recrawl, mode, processes, wait, timeout) -> None:
    """Submit a crawl job for OUTLETS (registry names; `all` for every enabled outlet)."""
    from datetime import date

    from akhbar.console import celery_app
    from akhbar.core.submit import submit_crawl

    settings = _settings(ctx)
    registry, names = _named_outlets(outlets_file, settings, outlets, lambda r: r.crawlable())
    for name in [n for n in names if registry.get(n).defunct]:
        err.print(f"skipping {name}: its site is gone (status: defunct in the registry); "
                  f"`akhbar backfill {name}` reads it from web archives", soft_wrap=True, markup=False,
                  highlight=False)
        names.remove(name)
    if not names:
        sys.exit(1)  # the line above said why
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            _fail(f"--since must be a date like 2024-01-31, not {since!r}")
    celery_app(settings)  # sending the crawl task waits for the broker like every CLI command
    job = submit_crawl(_job_store(settings), registry, names, since=since, max_pages=max_pages,
                       recrawl=recrawl, mode=mode, processes=processes)
    console.print(f"job [bold]{job.id}[/] queued for {', '.join(names)}")
    if wait:
        final = wait_for_job(settings, job.id, timeout)
        sys.exit(0 if final.state == "succeeded" else 1)


def _month(value: str | None, option: str) -> str | None:
    import re

    if value is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        _fail(f"{option} must be a month like 2014-03, not {value!r}")
    return value


@main.command()
@click.argument("outlets", nargs=-1, required=True)
@click.option("--from", "first", help="First month to read (YYYY-MM; default: the archive's oldest).")
@click.option("--to", "last", help="Last month to read (YYYY-MM; default: now).")
@click.option("--source", default="wayback", show_default=True,
              help="wayback (the Internet Archive), commoncrawl, or the URL of a CDX server "
                   "(a pywb collection: http://HOST:PORT/COLL/cdx).")
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False),
              help="Your outlet registry file (YAML), added to the built-in one. Also: $AKHBAR_OUTLETS.")
@click.option("--wait/--no-wait", default=False, help="Show progress until the job ends.")
@click.option("--timeout", type=float, default=24 * 3600, show_default=True, help="With --wait: give up after N s.")
@click.pass_context
def backfill(ctx, outlets, first, last, source, outlets_file, wait, timeout) -> None:
    """Backfill OUTLETS (registry names; `all` for every enabled one, defunct ones included) from a web
    archive: their captures' original pages, through clean -> dedupe -> index, as a job. At most
    AKHBAR_ARCHIVE_RATE requests a minute to the archive (default 60, the Internet Archive's limit)."""
    from akhbar.console import celery_app
    from akhbar.core.submit import submit_backfill
    from crawler.backfill import archive_for

    settings = _settings(ctx)
    first, last = _month(first, "--from"), _month(last, "--to")
    if first and last and first > last:
        _fail(f"--from {first} is after --to {last}")
    try:
        archive_for(source)
    except ValueError as exc:
        _fail(str(exc))
    registry, names = _named_outlets(outlets_file, settings, outlets, lambda r: r.enabled())
    celery_app(settings)
    job = submit_backfill(_job_store(settings), registry, names, source=source, first=first, last=last)
    console.print(f"job [bold]{job.id}[/] queued: backfill of {', '.join(names)} from {source}")
    if wait:
        final = wait_for_job(settings, job.id, timeout)
        sys.exit(0 if final.state == "succeeded" else 1)


@main.group()
def jobs() -> None:
    """List, inspect, cancel and retry crawl jobs."""


@jobs.command("list")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def jobs_list(ctx, limit, as_json) -> None:
    from akhbar.core import stall

    store = _job_store(_settings(ctx))
    items = stall.check_many(store, store.list(limit))
    if as_json:
        click.echo(json.dumps([j.to_dict() for j in items], ensure_ascii=False))
        return
    table = Table("id", "state", "outlets", "fetched", "new", "dup", "failed", "dead", "sent by path")
    for j in items:
        c = j.counters
        table.add_row(j.id, j.state, ",".join(j.outlets), str(c.get("pages_fetched", 0)),
                      str(c.get("articles_new", 0)), str(c.get("articles_duplicate", 0)),
                      str(c.get("articles_failed", 0)), str(c.get("articles_dead", 0)), sent_by_path(j))
    console.print(table)


@jobs.command("show")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def jobs_show(ctx, job_id, as_json) -> None:
    from akhbar.core import stall

    store = _job_store(_settings(ctx))
    try:
        job = stall.check(store, store.get(job_id))
    except KeyError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(job.to_dict(), ensure_ascii=False))
    else:
        _print_job(job)


@jobs.command("cancel")
@click.argument("job_id")
@click.pass_context
def jobs_cancel(ctx, job_id) -> None:
    try:
        job = _job_store(_settings(ctx)).cancel(job_id)
    except KeyError as exc:
        _fail(str(exc))
    console.print(f"job {job.id}: {job.state}")


@jobs.command("retry")
@click.argument("job_id")
@click.option("--wait/--no-wait", default=False, help="Show progress until the job ends.")
@click.option("--timeout", type=float, default=3600, show_default=True, help="With --wait: give up after N s.")
@click.pass_context
def jobs_retry(ctx, job_id, wait, timeout) -> None:
    """Retry a job without losing or repeating work: pending pages are sent again from the job's ledger
    (their WARC records or stored copies), a failed or cancelled crawl resumes from its frontier."""
    from akhbar.console import celery_app
    from akhbar.core.submit import NotResumable, retry_job
    from crawler.frontier import CrawlerProcesses

    store = _job_store(_settings(ctx))
    celery_app(_settings(ctx))
    try:
        job, what = retry_job(store, job_id, alive_crawlers=CrawlerProcesses(store.redis, job_id).others_alive())
    except (KeyError, NotResumable) as exc:
        _fail(str(exc).strip("'\""))
    console.print(f"job [bold]{job.id}[/]: {what}")
    if wait:
        sys.exit(0 if wait_for_job(_settings(ctx), job.id, timeout).state == "succeeded" else 1)


@jobs.command("resume")
@click.argument("job_id")
@click.option("--wait/--no-wait", default=False, help="Show progress until the job ends.")
@click.option("--timeout", type=float, default=3600, show_default=True, help="With --wait: give up after N s.")
@click.pass_context
def jobs_resume(ctx, job_id, wait, timeout) -> None:
    """Continue a crawl job whose crawler died (or that failed or was cancelled) from its shared frontier:
    nothing it finished is fetched again, and what its dead processes had in flight is not lost."""
    from akhbar.console import celery_app
    from akhbar.core.submit import NotResumable, resume_job
    from crawler.frontier import CrawlerProcesses

    settings = _settings(ctx)
    store = _job_store(settings)
    celery_app(settings)
    try:
        job = resume_job(store, job_id, alive_crawlers=CrawlerProcesses(store.redis, job_id).others_alive())
    except (KeyError, NotResumable) as exc:
        _fail(str(exc).strip("'\""))
    console.print(f"job [bold]{job.id}[/] queued again: it resumes from its frontier")
    if wait:
        sys.exit(0 if wait_for_job(settings, job.id, timeout).state == "succeeded" else 1)


# -- search ----------------------------------------------------------------------------------------------
@main.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (stable shape).")
@click.option("--size", default=10, show_default=True)
@filter_options()
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--after", "cursor", help="Cursor from a previous page (`next`).")
@click.option("--all-versions", is_flag=True, help="Show every outlet's copy of a story, not one per cluster.")
@click.pass_context
def search(ctx, query, as_json, size, sort, cursor, all_versions, **filters) -> None:
    """Full-text search of the archive, in Arabic or English."""
    from index.adapter import SearchAdapter
    from index.query import QueryError
    from index.search import run_search

    settings = _settings(ctx)
    adapter = SearchAdapter(settings.require_search_url(), settings.search_engine)
    params = {"q": query, "size": size, **filter_values(filters), "sort": sort, "cursor": cursor,
              "all_versions": all_versions}
    try:
        result = run_search(adapter, settings.index_alias, params, _outlet_names(settings), place_names())
    except QueryError as exc:
        _fail(f"bad query: {exc}")
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    print_results(result)


# -- extract -------------------------------------------------------------------------------------------
@main.command()
@click.argument("file", type=click.File("rb"))
@click.option("--url", required=True, help="The URL the page was fetched from.")
@click.option("--outlet", help="Registry name of the outlet (default: matched from the URL).")
@click.pass_context
def extract(ctx, file, url, outlet) -> None:
    """Print the article extracted from FILE (an HTML page, or - for stdin) as JSON. No services needed."""
    from workers.clean.errors import ExtractionError
    from workers.clean.extract import extract_article

    raw = file.read()
    config = None
    try:
        registry = _registry(None, _settings(ctx))
        match = registry.get(outlet) if outlet else registry.for_url(url)
        if match is not None:
            config, outlet = match, match.name
    except Exception as exc:  # an unusable user registry should not stop a one-off extraction
        err.print(f"[yellow]warning:[/] outlet registry not used: {exc}")
    try:
        article = extract_article(raw, url, outlet=outlet, outlet_config=config)
    except ExtractionError as exc:
        _fail(f"cannot extract an article from {file.name}: {exc}")
    click.echo(json.dumps(article, ensure_ascii=False, indent=2))


# -- dead letters --------------------------------------------------------------------------------------
@main.group()
def dlq() -> None:
    """Pages and documents that failed for good, with their reasons."""


def _redis(settings: Settings):
    from akhbar.console import redis_client

    return redis_client(settings)


@dlq.command("list")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def dlq_list(ctx, limit, as_json) -> None:
    from akhbar.core import dlq as dead

    items = dead.letters(_redis(_settings(ctx)), 0, limit - 1)
    if as_json:
        click.echo(json.dumps([{k: v for k, v in e.to_payload().items() if k != "payload"} | {"url": e.url}
                               for e in items], ensure_ascii=False))
        return
    console.print(f"{dead.size(_redis(_settings(ctx)))} dead letters")
    for e in items:
        console.print(f"- {e.task} [red]{e.reason}[/] {e.label}")


@dlq.command("replay")
@click.option("--limit", type=int, help="Replay at most N entries.")
@click.pass_context
def dlq_replay(ctx, limit) -> None:
    """Send dead letters through the pipeline again."""
    from akhbar.console import celery_app
    from akhbar.core import dlq as dead
    from workers.indexbuffer import IndexBuffer

    app = celery_app(_settings(ctx))
    client = _redis(_settings(ctx))
    entries = dead.pop_all(client, limit)
    for e in entries:
        if e.kind == "index_op":  # a single document that the bulk request rejected
            IndexBuffer(client).push([e.index_op()])
            app.send_task(INDEX_FLUSH_TASK, queue=queue_of(INDEX_FLUSH_TASK))
        else:
            app.send_task(e.task, args=[e.payload], queue=queue_of(e.task))
    console.print(f"replayed {len(entries)} dead letters")


# -- index ---------------------------------------------------------------------------------------------
@main.group("index")
def index_group() -> None:
    """Manage the article index (versioned indices behind an alias)."""


@index_group.command("create")
@click.pass_context
def index_create(ctx) -> None:
    from index.adapter import connect
    from index.manage import ensure_index

    settings = _settings(ctx)
    console.print(f"{settings.index_alias} -> {ensure_index(connect(settings), settings.index_alias)}")


@index_group.command("migrate")
@click.option("--delete-old", is_flag=True, help="Delete the old index after the alias moved.")
@click.pass_context
def index_migrate(ctx, delete_old) -> None:
    """Reindex into a new version with the current mapping and swap the alias (no search downtime)."""
    from index.adapter import connect
    from index.manage import migrate

    settings = _settings(ctx)
    def show(done: int, total: int) -> None:
        err.print(f"\r  copied {done}/{total}", end="")

    new = migrate(connect(settings), settings.index_alias, delete_old=delete_old, log=console.print, progress=show)
    console.print(f"{settings.index_alias} -> {new}")


@index_group.command("synonyms")
@click.pass_context
def index_synonyms(ctx) -> None:
    """Reload the synonym rules (index/synonyms/libya.txt + $AKHBAR_SYNONYMS) without reindexing.

    The index is closed for a moment while the search analyzer changes; use `migrate` if even that is too much."""
    from index.adapter import connect
    from index.manage import update_synonyms

    settings = _settings(ctx)
    rules = update_synonyms(connect(settings), settings.index_alias)
    console.print(f"{len(rules)} synonym rules active on {settings.index_alias}")


@main.command()
@click.option("--jsonl", "as_jsonl", is_flag=True, default=True, help="One JSON object per line (the default).")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", show_default=True)
@click.pass_context
def export(ctx, as_jsonl, output) -> None:
    """Write every indexed article (all fields, plus id, cluster_id, also_published_by) as JSON lines."""
    from index.adapter import connect
    from index.export import iter_articles

    settings = _settings(ctx)
    total = 0
    for article in iter_articles(connect(settings), settings.index_alias, outlet_names=_outlet_names(settings)):
        output.write(json.dumps(article, ensure_ascii=False) + "\n")
        total += 1
    err.print(f"exported {total} articles")


# -- demo ----------------------------------------------------------------------------------------------
@main.command()
@click.option("--query", "queries", multiple=True, default=("مركز مشترك", "المؤسسة الوطنية للنفط", "Misrata"))
@click.pass_context
def demo(ctx, queries) -> None:
    """Everything on the embedded default: services, a worker, the fixture outlets, a crawl, searches."""
    from akhbar.demo import run_demo

    sys.exit(run_demo(_settings(ctx), list(queries), console))


# -- HTTP API, recurring crawls, outlet health, Kibana ---------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0: every interface; set AKHBAR_API_TOKEN then).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer requests whose Host is NAME (a proxy's public name; repeatable). Loopback "
                   "names and the --host address are always served. Also: $AKHBAR_API_ALLOWED_HOSTS.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def api(host, port, allow_hosts, log_level) -> None:
    """Serve the HTTP API and the Arabic search page (OpenAPI docs at /docs).

    Writes (POST /jobs, DELETE /jobs/ID, POST/DELETE /alerts) always need the token:
    `Authorization: Bearer $AKHBAR_API_TOKEN`. Without that variable a new token is made at each start,
    printed as a URL that logs the page in, and kept in $AKHBAR_HOME/api-token (`akhbar api-token`)."""
    from akhbar.api import serve

    try:
        serve(host=host, port=port, log_level=log_level, allow_hosts=allow_hosts)
    except (ValueError, OSError) as exc:  # a malformed AKHBAR_API_* setting, an unwritable AKHBAR_HOME
        _fail(str(exc))


@main.command("api-token")
@click.pass_context
def api_token(ctx) -> None:
    """Print the API token for this machine's `akhbar api`: AKHBAR_API_TOKEN, else the one it generated.

    curl -H "Authorization: Bearer $(akhbar api-token)" -X POST 127.0.0.1:8000/jobs ..."""
    from akhbar.api import local_token, token_path

    settings = _settings(ctx)
    token = settings.api_token or local_token(settings.home)
    if not token:
        _fail(f"no API token: set AKHBAR_API_TOKEN, or start `akhbar api` once (it writes {token_path(settings.home)})")
    click.echo(token)


@main.command()
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False),
              help="Your outlet registry file (YAML), added to the built-in one. Also: $AKHBAR_OUTLETS.")
@click.option("--only", multiple=True, help="Schedule only these outlets (repeatable).")
@click.option("--max-pages", type=int, help="Page budget of each scheduled job.")
@click.option("--mode", type=click.Choice(["live", "fixture"]), default="live", show_default=True)
@click.option("--show", is_flag=True, help="Print the schedule and exit.")
@click.option("--once", is_flag=True, help="Submit the crawls that are due now and exit (for cron).")
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_context
def beat(ctx, outlets_file, only, max_pages, mode, show, once, loglevel) -> None:
    """Recurring crawls: Celery beat with one entry per enabled outlet, at the outlet's schedule.

    A job is submitted for an outlet only when its interval has passed and its previous scheduled job
    has finished, so several beats (or a restarted one) never pile jobs up. Needs a running worker."""
    from akhbar.core.registry import RegistryError, UnknownOutletError
    from workers.beat import build_schedule, run_beat, tick

    settings = _settings(ctx)
    try:
        registry = _registry(outlets_file, settings)
        schedule = build_schedule(registry, only=only, max_pages=max_pages, mode=mode)
    except (RegistryError, UnknownOutletError) as exc:
        _fail(str(exc))
    if show:
        table = Table("entry", "every", "outlet URL")
        for name, entry in schedule.items():
            table.add_row(name, str(entry["schedule"]), entry["args"][0]["base_url"])
        console.print(table)
        return
    if once:
        jobs_ = tick(_redis(settings), registry, only=only, max_pages=max_pages, mode=mode)
        for job in jobs_:
            console.print(f"job [bold]{job.id}[/] queued for {', '.join(job.outlets)}")
        console.print(f"{len(jobs_)} of {len(schedule)} scheduled crawls were due")
        return
    settings.require_redis_url()
    settings.home.mkdir(parents=True, exist_ok=True)
    run_beat(registry, _redis(settings), schedule_file=str(settings.home / "beat-schedule"), only=only,
             max_pages=max_pages, mode=mode, loglevel=loglevel)


@main.group()
def outlets() -> None:
    """The outlet registry and how each outlet is doing."""


@outlets.command("health")
@click.argument("names", nargs=-1)
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "show_all", is_flag=True, help="Also outlets without any article or crawl.")
@click.pass_context
def outlets_health(ctx, names, outlets_file, as_json, show_all) -> None:
    """Per outlet: newest article and its age, articles crawled per day (7 days), extraction fill rates, and
    what its last crawl found by discovery path, with a warning when that crawl fetched more than twice as
    many HTML pages as it sent articles (and the top reasons pages were not sent).

    Exit status 1 when an outlet is stale or degraded (a fill rate fell: its template may have changed), or
    its last crawl has that warning."""
    from akhbar.health import FILL_FIELDS, month_ranges, outlet_health, with_discovery
    from index.adapter import connect

    settings = _settings(ctx)
    registry = _registry(outlets_file, settings)
    wanted = list(names) or registry.names()
    found, why_not = _outlet_discovery(settings, list(names) or None)
    health = with_discovery(outlet_health(connect(settings), settings.index_alias, wanted), found)
    rows = {name: health[name] for name in (names or health) if name in health}
    if not show_all and not names:
        rows = {k: v for k, v in rows.items() if v["articles"] or v["discovery"]}
    missed = {name: h["discovery"]["warning"] for name, h in rows.items()
              if h["discovery"] and h["discovery"]["warning"]}
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        table = Table("outlet", "status", "articles", "oldest", "newest crawl", "months without articles",
                      "per day (7d)", *[f[:7] for f in FILL_FIELDS], "last crawl: pages/sent", "warnings")
        colour = {"ok": "green", "stale": "yellow", "degraded": "red", "no_data": "dim"}
        for name, h in rows.items():
            age = h["newest_crawled_age_seconds"]
            fills = [f"{v:.0%}" if v is not None else "-" for v in (h["fill_rates"].get(f) for f in FILL_FIELDS)]
            holes = month_ranges(h["months_without_articles"])
            crawl = h["discovery"]
            table.add_row(name, f"[{colour.get(h['status'], 'white')}]{h['status']}", str(h["articles"]),
                          (h["oldest_published_at"] or "-")[:10],
                          "-" if age is None else f"{age / 3600:.1f} h ago",
                          f"{len(h['months_without_articles'])}: {', '.join(holes[:4])}{' …' * (len(holes) > 4)}"
                          if holes else "-",
                          " ".join(str(d["articles"]) for d in h["per_day"]) or "-", *fills,
                          f"{crawl['counted_pages']}/{crawl['articles_sent']}" if crawl else "-",
                          "; ".join(w for w in h["warnings"] if w != missed.get(name)))
        console.print(table)
        for name, line in missed.items():  # one line per outlet, whole however narrow the terminal
            console.print(f"[yellow]warning:[/] {name}: {line}", soft_wrap=True, highlight=False)
        if why_not:
            err.print(f"[dim]no discovery report: {why_not}[/]", soft_wrap=True, highlight=False)
    sys.exit(1 if missed or any(h["status"] in ("stale", "degraded") for h in rows.values()) else 0)


def _outlet_discovery(settings: Settings, names: list[str] | None) -> tuple[dict[str, dict], str | None]:
    """Each outlet's last crawl, from Redis; without Redis the rest of the health report still shows."""
    import redis

    from akhbar.core.jobs import JobStore
    from akhbar.core.redact import redact
    from akhbar.health import outlet_discovery

    try:
        client = redis.Redis.from_url(settings.require_redis_url(), socket_connect_timeout=3, socket_timeout=10)
        return outlet_discovery(JobStore(client), names), None
    except (ServiceNotConfigured, redis.RedisError) as exc:
        return {}, redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


@main.group()
def kibana() -> None:
    """Kibana saved objects: data views, saved searches and the Akhbar dashboard."""


@kibana.command("setup")
@click.option("--url", default="http://localhost:5601", show_default=True, help="Kibana's URL.")
@click.option("--space", help="Kibana space (default: the default space).")
@click.option("--user",
              help="user:password, when Kibana has security enabled (or $AKHBAR_KIBANA_USER, kept off the command line).")
@click.pass_context
def kibana_setup(ctx, url, space, user) -> None:
    """Import the saved objects through Kibana's `_import` API (overwriting earlier versions)."""
    from akhbar.kibana import KibanaError, setup

    if user is None:
        user = _settings(ctx).kibana_user
    auth = tuple(user.split(":", 1)) if user and ":" in user else None
    try:
        result = setup(url, space=space, auth=auth)
    except KibanaError as exc:
        _fail(str(exc), 2)
    for obj in result.objects:
        console.print(f"  {obj['type']:<14} {obj['title'] or obj['id']}")
    console.print(f"imported {result.success_count} saved objects into {url}; "
                  f"open {url.rstrip('/')}/app/dashboards#/view/akhbar-overview")


# -- crawler: WARC ingest, more crawler processes for a job -----------------------------------------------
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--outlet", help="Registry name of the outlet of every page (default: from the WARC or the URL).")
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False),
              help="Your outlet registry file (YAML), added to the built-in one. Also: $AKHBAR_OUTLETS.")
@click.option("--all-html", is_flag=True, help="Send every HTML page, not only the ones that look like articles.")
@click.option("--wait/--no-wait", default=False, help="Show progress until the job ends.")
@click.option("--timeout", type=float, default=3600, show_default=True, help="With --wait: give up after N s.")
@click.pass_context
def ingest(ctx, files, outlet, outlets_file, all_html, wait, timeout) -> None:
    """Feed the HTML responses of WARC FILES (.warc / .warc.gz) through clean -> dedupe -> index, as a job."""
    from pathlib import Path

    from akhbar.console import celery_app
    from akhbar.core.celery_app import send_page
    from akhbar.core.jobs import JobOptions
    from akhbar.core.registry import RegistryError, UnknownOutletError
    from crawler.ingest import ingest as run_ingest
    from crawler.ingest import outlet_resolver

    settings = _settings(ctx)
    try:
        registry = _registry(outlets_file, settings)
        outlet_for = outlet_resolver(registry, outlet)
    except (RegistryError, UnknownOutletError) as exc:
        _fail(str(exc))

    options = JobOptions.for_ingest(registry, files)
    app = celery_app(settings)
    report = run_ingest(_job_store(settings), [Path(f) for f in files], outlet_for,
                        lambda page: send_page(page.to_payload(), via=app),
                        options=options, all_html=all_html)
    job = report.job
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(report.skipped.items())) or "none"
    console.print(f"job [bold]{job.id}[/]: {report.sent} pages sent from {len(files)} WARC file(s); skipped: {skipped}")
    if wait:
        final = wait_for_job(settings, job.id, timeout)
        sys.exit(0 if final.state == "succeeded" else 1)


@main.command("crawl-join")
@click.argument("job_id")
@click.pass_context
def crawl_join(ctx, job_id) -> None:
    """Run one more crawler process for a running crawl job, here (another machine is fine): it shares
    the job's frontier and per-host politeness through Redis."""
    from crawler.run import run

    settings = _settings(ctx)
    try:
        _job_store(settings).get(job_id)
    except KeyError as exc:
        _fail(str(exc))
    sys.exit(run(job_id, settings.require_redis_url(), join=True))


# -- alerts (saved searches) -----------------------------------------------------------------------
@main.group()
def alerts() -> None:
    """Saved searches: an alert for each new story that matches, as it is indexed (Atom feed,
    webhook, `alerts tail`)."""


def _alert_adapter(settings: Settings):
    from index.adapter import SearchAdapter

    return SearchAdapter(settings.require_search_url(), settings.search_engine)


@alerts.command("add")
@click.argument("name")
@click.argument("query")
@filter_options()
@click.option("--webhook", help="POST each new alert here as JSON (host allow-listed in AKHBAR_ALLOWED_DOMAINS).")
@click.option("--replace", is_flag=True, help="Overwrite a saved search of the same name.")
@click.pass_context
def alerts_add(ctx, name, query, webhook, replace, **filters) -> None:
    """Save QUERY (search syntax: words, "phrases", -excluded, a OR b) as NAME, with any search filter."""
    from akhbar import alerts as svc
    from akhbar.core.targets import TargetNotAllowed
    from index.percolate import SavedSearchError

    settings = _settings(ctx)
    try:
        search = svc.add(_alert_adapter(settings), settings, _redis(settings), name, query, None, webhook,
                         replace=replace, filters=filter_values(filters))
    except TargetNotAllowed as exc:
        _fail(f"webhook refused: {exc}")
    except SavedSearchError as exc:
        _fail(str(exc))
    console.print(f"saved [bold]{search.name}[/]: {search.q}"
                  + (f" ({svc.describe_filters(search)})" if search.filters else "")
                  + (f" → {search.webhook}" if search.webhook else ""))
    console.print(f"feed: /alerts/{search.name}.atom on the API; `akhbar alerts tail {search.name}` here")


@alerts.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts_list(ctx, as_json) -> None:
    """Saved searches, with their number of alerts."""
    from akhbar import alerts as svc
    from workers.alerts import AlertStore

    settings = _settings(ctx)
    store = AlertStore(_redis(settings))
    searches = svc.list_searches(_alert_adapter(settings), settings)
    items = [svc.search_json(s, store=store) for s in searches]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    if not items:
        console.print("no saved searches (add one with `akhbar alerts add NAME QUERY`)")
        return
    table = Table("name", "query", "filters", "webhook", "alerts")
    for search, item in zip(searches, items, strict=True):
        table.add_row(item["name"], item["q"], svc.describe_filters(search) or "-", item["webhook"] or "-",
                      str(item["alerts"]))
    console.print(table)


@alerts.command("rm")
@click.argument("name")
@click.pass_context
def alerts_rm(ctx, name) -> None:
    """Remove a saved search and its alerts."""
    from akhbar import alerts as svc
    from index.percolate import SavedSearchNotFound

    settings = _settings(ctx)
    try:
        svc.remove(_alert_adapter(settings), _redis(settings), settings, name)
    except SavedSearchNotFound as exc:
        _fail(str(exc))
    console.print(f"removed {name}")


@alerts.command("test")
@click.argument("name")
@click.option("--size", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts_test(ctx, name, size, as_json) -> None:
    """Run a saved search over the archive now (newest first): what it matches, with the same query
    the alerts use."""
    from akhbar import alerts as svc
    from index.percolate import SavedSearchNotFound

    settings = _settings(ctx)
    try:
        result = svc.preview(_alert_adapter(settings), settings, name, size)
    except SavedSearchNotFound as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        print_results(result)


def _print_alert_event(event: dict, as_json: bool) -> None:
    alert = event["alert"]
    if as_json:
        click.echo(json.dumps(event, ensure_ascii=False))
        return
    when = (alert.get("updated_at") if event["kind"] == "update" else alert.get("created_at")) or ""
    if event["kind"] == "update":
        console.print(f"{when[:19]}  [bold]{event['search']}[/]  + {', '.join(alert['also_published_by'])}"
                      f"  {alert.get('title')}", highlight=False)
    else:
        console.print(f"{when[:19]}  [bold]{event['search']}[/]  [green]new[/] {alert.get('outlet') or '-'}"
                      f"  {alert.get('title')}  {alert.get('url') or ''}", highlight=False)


@alerts.command("tail")
@click.argument("names", nargs=-1)
@click.option("--last", default=10, show_default=True, help="Show the last N events first.")
@click.option("--follow/--no-follow", default=True, help="Keep waiting for new alerts (Ctrl-C stops).")
@click.option("--json", "as_json", is_flag=True, help="One JSON event per line.")
@click.pass_context
def alerts_tail(ctx, names, last, follow, as_json) -> None:
    """Alerts as they are raised (all saved searches, or NAMES): new stories, and outlets that joined one."""
    from workers.alerts import AlertStore

    store = AlertStore(_redis(_settings(ctx)))
    wanted = set(names)
    last_id = "0-0"
    for event_id, event in store.last_events(last) if last > 0 else []:
        last_id = event_id
        if not wanted or event["search"] in wanted:
            _print_alert_event(event, as_json)
    if not follow:
        return
    if last_id == "0-0":
        last_id = "$"
    try:
        for _event_id, event in store.follow(last_id):
            if not wanted or event["search"] in wanted:
                _print_alert_event(event, as_json)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
