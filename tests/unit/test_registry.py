"""The outlet registry: built-in file, user overrides, validation, URL and alias lookups."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from akhbar.core.registry import (
    BUILTIN_FILE,
    DEFAULT_SCHEDULE,
    ENV_VAR,
    Outlet,
    Registry,
    RegistryError,
    UnknownOutletError,
    load_registry,
    parse_duration,
    registry_from_entries,
)

REQUIRED = {
    "lana": "lana.gov.ly",
    "alwasat": "alwasat.ly",
    "eanlibya": "eanlibya.com",
    "almarsad": "almarsad.co",
    "218tv": "218tv.net",
    "libyaalahrar": "libyaalahrar.net",
    "akhbarlibya24": "akhbarlibya24.net",
    "libyaalaan": "libyaalaan.com",
    "libyaobserver": "libyaobserver.ly",
    "libyaherald": "libyaherald.com",
    "afrigate": "afrigatenews.net",
    "libyaakhbar": "libyaakhbar.com",
    "alsaaa24": "alsaaa24.com",
}


@pytest.fixture(autouse=True)
def _no_env_outlets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def builtin() -> Registry:
    return load_registry(include_builtin=True)


def write(tmp_path: Path, text: str, name: str = "outlets.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- built-in file


def test_builtin_has_required_outlets(builtin: Registry) -> None:
    assert len(builtin) >= 15
    for name, host in REQUIRED.items():
        outlet = builtin.get(name)
        assert outlet.host == host, name
        assert outlet.timezone == "Africa/Tripoli"
        assert outlet.name_ar and outlet.name_en
    assert builtin.get("libyaalaan").kind == "aggregator"
    assert builtin.get("libyaalaan").is_aggregator
    assert builtin.get("libyaobserver").language == "en"
    assert builtin.get("libyaherald").language == "en"
    assert builtin.get("alwasat").language == "ar"


def test_builtin_entries_are_complete_and_honest(builtin: Registry) -> None:
    for outlet in builtin:
        assert outlet.base_url.startswith("https://"), outlet.name
        assert outlet.language in ("ar", "en")
        assert isinstance(outlet.founded, date) and 1900 < outlet.founded.year <= date.today().year
        assert outlet.feeds or outlet.sitemaps or outlet.listings, outlet.name
        assert outlet.enabled
        for source in outlet.sources:
            # every built-in URL states whether it was verified; unverified ones say why
            assert source.verified in (True, False), (outlet.name, source.url)
            assert source.notes, (outlet.name, source.url)
            assert source.url.startswith(("http://", "https://"))
        for url in (*outlet.feeds, *outlet.sitemaps, *outlet.listings):
            # every entry point of an outlet belongs to that outlet
            assert builtin.for_url(url) is outlet, (outlet.name, url)


def test_builtin_sources_match_lists(builtin: Registry) -> None:
    outlet = builtin.get("almarsad")
    assert outlet.feeds == ("https://almarsad.co/feed/",)
    kinds = {s.kind for s in outlet.sources}
    assert kinds == {"feed", "sitemap", "listing"}
    assert [s.url for s in outlet.sources if s.kind == "feed"] == list(outlet.feeds)
    assert all(s.verified is False for s in outlet.unverified())
    assert builtin.get("libyaalaan").verified is False


def test_builtin_alias_keys_are_unambiguous(builtin: Registry) -> None:
    for outlet in builtin:
        for alias in (outlet.name, outlet.name_ar, outlet.name_en, *outlet.aliases):
            assert alias
            assert builtin.find_all_by_alias(alias) == [outlet], alias


def test_builtin_file_is_packaged_next_to_module() -> None:
    assert BUILTIN_FILE.name == "outlets.yaml" and BUILTIN_FILE.exists()


# --------------------------------------------------------------------------- user files


def test_user_file_overrides_field_by_field(tmp_path: Path, builtin: Registry) -> None:
    path = write(
        tmp_path,
        """
        outlets:
          - name: alwasat
            feeds: [https://alwasat.ly/rss.xml]
            schedule: {feeds: 5m}
            selectors: {title: h1.title}
        """,
    )
    registry = load_registry(path)
    original = builtin.get("alwasat")
    outlet = registry.get("alwasat")
    assert outlet.feeds == ("https://alwasat.ly/rss.xml",)
    assert outlet.sources[0].verified is None  # user file did not say
    # untouched fields come from the built-in entry
    assert outlet.base_url == original.base_url
    assert outlet.name_ar == original.name_ar
    assert outlet.listings == original.listings
    assert outlet.founded == original.founded
    # nested mappings merge key by key
    assert outlet.schedule.feeds == timedelta(minutes=5)
    assert outlet.schedule.sitemaps == original.schedule.sitemaps
    assert outlet.selectors.title == "h1.title"
    assert outlet.selectors.body == original.selectors.body
    assert str(path) in outlet.origin and "outlets.yaml" in outlet.origin
    assert len(registry) == len(builtin)


def test_user_file_extends_with_minimal_entry(tmp_path: Path, builtin: Registry) -> None:
    path = write(
        tmp_path,
        """
        outlets:
          - name: my-site
            base_url: http://127.0.0.1:8765/site-a/
        """,
    )
    registry = load_registry(str(path))
    assert len(registry) == len(builtin) + 1
    outlet = registry.get("my-site")
    assert outlet == Outlet(name="my-site", base_url="http://127.0.0.1:8765/site-a/")
    assert outlet.host == "127.0.0.1"
    assert outlet.language == "ar"
    assert outlet.timezone == "Africa/Tripoli"
    assert outlet.founded is None
    assert outlet.kind == "outlet"
    assert outlet.schedule == DEFAULT_SCHEDULE
    assert not outlet.selectors
    assert outlet.feeds == outlet.sitemaps == outlet.listings == ()
    assert registry.all()[-1] is outlet  # user additions come after the built-in outlets


def test_user_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "outlets:\n  - {name: envsite, base_url: 'https://env.example/'}\n")
    monkeypatch.setenv(ENV_VAR, str(path))
    assert "envsite" in load_registry()
    monkeypatch.setenv(ENV_VAR, "")
    assert "envsite" not in load_registry()


def test_user_file_mapping_form_and_relative_urls(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        outlets:
          site-a:
            base_url: http://127.0.0.1:8765/site-a
            language: en
            founded: 2012-02-17
            feeds: [feed.xml]
            sitemaps: [{url: /sitemap.xml, verified: true, notes: served by the fixture}]
            listings: [news/]
            enabled: false
        """,
    )
    registry = load_registry(path, include_builtin=False)
    outlet = registry.get("site-a")
    assert outlet.base_url == "http://127.0.0.1:8765/site-a"
    assert outlet.feeds == ("http://127.0.0.1:8765/feed.xml",)  # urljoin semantics
    assert outlet.sitemaps == ("http://127.0.0.1:8765/sitemap.xml",)
    assert outlet.sources[1].verified is True and outlet.sources[1].notes == "served by the fixture"
    assert outlet.founded == date(2012, 2, 17)
    assert outlet.enabled is False
    assert registry.enabled() == [] and registry.all() == [outlet]


def test_registry_from_entries() -> None:
    registry = registry_from_entries(
        [{"name": "x", "base_url": "https://x.example", "schedule": {"feeds": 60}, "founded": "2014-05"}]
    )
    outlet = registry.get("x")
    assert outlet.base_url == "https://x.example/"
    assert outlet.schedule.feeds == timedelta(seconds=60)
    assert outlet.schedule_seconds() == {"feeds": 60, "sitemaps": 3600, "listings": 21600}
    assert outlet.founded == date(2014, 5, 1)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{name: newsite}", "'base_url' is required for a new outlet"),
        ("{name: s, base_url: 'ftp://x.example/'}", "must be an http:// or https:// URL"),
        ("{name: s, base_url: 'x.example/news'}", "must be an http:// or https:// URL"),
        ("{name: s, base_url: 'https:///path'}", "has no host"),
        (
            "{name: s, base_url: 'https://x.example/', feed: [a]}",
            "unknown key(s) 'feed' (did you mean 'feeds'?)",
        ),
        ("{name: s, base_url: 'https://x.example/', feeds: ['ftp://x/f']}", "feeds URL 'ftp://x/f'"),
        ("{name: s, base_url: 'https://x.example/', feeds: [{href: x}]}", "unknown key(s) ['href']"),
        ("{name: s, base_url: 'https://x.example/', language: arabic}", "not a language code"),
        ("{name: s, base_url: 'https://x.example/', timezone: Mars/Olympus}", "unknown timezone"),
        ("{name: s, base_url: 'https://x.example/', founded: soon}", "founded must be a year"),
        ("{name: s, base_url: 'https://x.example/', founded: 1500}", "out of range"),
        ("{name: s, base_url: 'https://x.example/', kind: blog}", "kind 'blog' must be one of"),
        (
            "{name: s, base_url: 'https://x.example/', schedule: {feeds: often}}",
            "schedule.feeds: not a duration",
        ),
        (
            "{name: s, base_url: 'https://x.example/', schedule: {rss: 1h}}",
            "schedule: unknown key(s) ['rss']",
        ),
        ("{name: s, base_url: 'https://x.example/', selectors: {headline: h1}}", "selectors: unknown key(s)"),
        ("{name: s, base_url: 'https://x.example/', article_patterns: ['(']}", "bad regular expression"),
        ("{name: s, base_url: 'https://x.example/', verified: maybe}", "verified must be true or false"),
    ],
)
def test_validation_errors_name_file_and_entry(tmp_path: Path, entry: str, message: str) -> None:
    path = write(tmp_path, f"outlets:\n  - {entry}\n", name="bad.yaml")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    text = str(info.value)
    assert str(path) in text
    assert message in text
    assert "outlet 's'" in text or "outlet 'newsite'" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("outlets:\n  - base_url: https://x.example/\n", "entry #1: 'name' is required"),
        ("outlets:\n  - {name: 'Bad Name', base_url: 'https://x.example/'}\n", "must be a slug"),
        ("outlets:\n  - just-a-string\n", "entry #1: must be a mapping"),
        ("outlet:\n  - {name: s, base_url: 'https://x.example/'}\n", "unknown top-level key(s) ['outlet']"),
        ("outlets: 3\n", "'outlets' must be a list"),
        ("outlets: [\n", "not valid YAML"),
        (
            "outlets:\n  - {name: s, base_url: 'https://x.example/'}\n  - {name: s, base_url: 'https://y.example/'}\n",
            "outlet 's' appears twice",
        ),
    ],
)
def test_file_level_errors(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, content, name="broken.yaml")
    with pytest.raises(RegistryError, match="broken.yaml") as info:
        load_registry(path)
    assert message in str(info.value)


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not found"):
        load_registry(tmp_path / "nope.yaml")


def test_empty_user_file_changes_nothing(tmp_path: Path, builtin: Registry) -> None:
    assert len(load_registry(write(tmp_path, ""))) == len(builtin)


def test_get_unknown_lists_close_matches(builtin: Registry) -> None:
    with pytest.raises(KeyError) as info:
        builtin.get("alwast")
    assert isinstance(info.value, UnknownOutletError)
    assert "alwasat" in info.value.suggestions
    assert str(info.value).startswith("unknown outlet 'alwast'; did you mean: alwasat")
    with pytest.raises(UnknownOutletError) as info2:
        builtin.get("ليبيا هيرالد")  # an alias, not a slug: suggested
    assert info2.value.suggestions[0] == "libyaherald"
    assert builtin.get("AlWasat").name == "alwasat"


def test_parse_duration() -> None:
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("1h") == timedelta(hours=1)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration(30) == timedelta(seconds=30)
    for bad in ("0m", "soon", -5, True):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert DEFAULT_SCHEDULE.interval("feed") == timedelta(minutes=15)
    assert DEFAULT_SCHEDULE.interval("listings") == timedelta(hours=6)


# --------------------------------------------------------------------------- for_url


def test_for_url_by_host(builtin: Registry) -> None:
    assert builtin.get("alwasat") is builtin.for_url("https://alwasat.ly/news/libya/123456")
    assert builtin.for_url("http://www.alwasat.ly/news/libya/123456").name == "alwasat"
    assert builtin.for_url("https://WWW.LibyaHerald.com/2024/01/x/").name == "libyaherald"
    assert builtin.for_url("https://eanlibya.com/x").name == "eanlibya"  # www. ignored both ways
    assert builtin.for_url("https://libyaalahrar.tv/local/1").name == "libyaalahrar"  # alt host
    assert builtin.for_url("https://alsaaa24.net/category/libya/").name == "alsaaa24"
    assert builtin.for_url("https://en.libyaobserver.ly/news/x").name == "libyaobserver"  # sub-domain
    assert builtin.for_url("https://example.com/alwasat.ly") is None
    assert builtin.for_url("not a url") is None
    assert builtin.for_url("https://alwasat.ly:8443/x") is None  # another service on the host


def test_for_url_shared_host_by_path_prefix_and_port() -> None:
    registry = registry_from_entries(
        [
            {"name": "root", "base_url": "http://127.0.0.1:8765/"},
            {"name": "site-a", "base_url": "http://127.0.0.1:8765/site-a/"},
            {"name": "site-ab", "base_url": "http://127.0.0.1:8765/site-a/b/"},
            {"name": "site-b", "base_url": "http://127.0.0.1:8765/site-b"},
            {"name": "other-port", "base_url": "http://127.0.0.1:9999/site-a/"},
            {"name": "plain", "base_url": "http://localhost/"},
        ]
    )
    assert registry.for_url("http://127.0.0.1:8765/site-a/2024/01/x.html").name == "site-a"
    assert registry.for_url("http://127.0.0.1:8765/site-a").name == "site-a"
    assert registry.for_url("http://127.0.0.1:8765/site-a/b/x").name == "site-ab"
    assert registry.for_url("http://127.0.0.1:8765/site-b/x").name == "site-b"
    assert registry.for_url("http://127.0.0.1:8765/site-abc/x").name == "root"  # segment boundary
    assert registry.for_url("http://127.0.0.1:8765/feed.xml").name == "root"
    assert registry.for_url("http://127.0.0.1:9999/site-a/x").name == "other-port"
    assert registry.for_url("http://127.0.0.1:9999/elsewhere") is None
    assert registry.for_url("http://127.0.0.1/site-a/x") is None  # port 80: none of them
    assert registry.for_url("http://localhost/x").name == "plain"
    assert registry.for_url("http://localhost:80/x").name == "plain"


# --------------------------------------------------------------------------- aliases


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("بوابة الوسط", "alwasat"),
        ("الوسط", "alwasat"),
        ("بوابة الوَسَط", "alwasat"),  # diacritics
        ("al-wasat", "alwasat"),
        ("ALWASAT", "alwasat"),
        ("وكالة الانباء الليبية", "lana"),  # hamza folded
        ("LANA", "lana"),
        ("عين ليبيا", "eanlibya"),
        ("المرصد", "almarsad"),
        ("صحيفة المرصد الليبيه", "almarsad"),  # ta marbuta folded
        ("قناة 218", "218tv"),
        ("218", "218tv"),
        ("ليبيا الاحرار", "libyaalahrar"),
        ("أخبار ليبيا ٢٤", "akhbarlibya24"),  # Arabic-Indic digits
        ("ليبيا الآن", "libyaalaan"),
        ("ليبيا الان", "libyaalaan"),
        ("The Libya Observer", "libyaobserver"),
        ("Libya Observer", "libyaobserver"),
        ("ليبيا هيرالد", "libyaherald"),
        ("بوابة أفريقيا الإخبارية", "afrigate"),
        ("بوابة افريقيا", "afrigate"),
        ("الساعة 24", "alsaaa24"),
        ("Libya Review", "libyareview"),
        ("libyaherald.com", "libyaherald"),
        ("www.alwasat.ly", "alwasat"),
    ],
)
def test_find_by_alias(builtin: Registry, alias: str, name: str) -> None:
    outlet = builtin.find_by_alias(alias)
    assert outlet is not None, alias
    assert outlet.name == name


def test_find_by_alias_unknown(builtin: Registry) -> None:
    assert builtin.find_by_alias("صحيفة لا وجود لها") is None
    assert builtin.find_by_alias("") is None
    assert builtin.find_by_alias("  ...  ") is None


def test_user_aliases_are_searchable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        outlets:
          - name: alwasat
            aliases: [الوسط الليبية]
          - name: new-outlet
            base_url: https://new.example.ly/
            name_ar: صحيفة جديدة
        """,
    )
    registry = load_registry(path)
    assert registry.find_by_alias("الوسط الليبيه").name == "alwasat"
    assert registry.find_by_alias("صحيفه جديده").name == "new-outlet"
    assert registry.find_by_alias("new").name == "new-outlet"  # first label of the host


def test_article_patterns(builtin: Registry) -> None:
    lana = builtin.get("lana")
    assert lana.is_article_url("https://lana.gov.ly/post.php?lang=ar&id=351103") is True
    assert lana.is_article_url("https://lana.gov.ly/post.php?id=351103&lang=ar") is True
    assert lana.is_article_url("https://lana.gov.ly/category.php?lang=ar&id=8") is False
    assert builtin.get("libyareview").is_article_url("https://libyareview.com/x") is None


def test_a_defunct_outlet_with_its_old_domains() -> None:
    registry = registry_from_entries([
        {"name": "gone", "base_url": "https://gone.ly/", "status": "defunct", "domains": ["www.Old-Gone.com"]},
        {"name": "here", "base_url": "https://here.ly/"},
    ])
    gone = registry.get("gone")
    assert gone.defunct and gone.hosts == ("gone.ly", "old-gone.com")
    assert registry.for_url("https://old-gone.com/2012/05/x.html") is gone  # moved domains are one outlet
    assert [o.name for o in registry.crawlable()] == ["here"]
    assert Outlet.from_payload(gone.to_payload()) == gone
    with pytest.raises(RegistryError, match="status 'closed' must be one of active, defunct"):
        registry_from_entries([{"name": "x", "base_url": "https://x.ly/", "status": "closed"}])
