// Akhbar search page and article page. Vanilla JS, no build step; talks to the JSON API.
// Safety: every piece of text from the index is inserted as a text node; highlight fragments are
// split on <mark>/</mark> and only those become elements (see markedText), so no markup from an
// article can ever reach the page.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const dateFormat = new Intl.DateTimeFormat("ar-LY-u-nu-latn", {
    year: "numeric", month: "long", day: "numeric", timeZone: "Africa/Tripoli",
  });
  const numberFormat = new Intl.NumberFormat("ar-LY-u-nu-latn");
  const monthFormat = new Intl.DateTimeFormat("ar-LY-u-nu-latn", { year: "numeric", month: "long", timeZone: "UTC" });
  let outletNames = {};
  let filters = []; // the search filters, from GET /search/filters (index/filters.py): name, kind, label...

  // ---- helpers -----------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, name) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : match;
      }
      return ENTITIES[name.toLowerCase()] ?? match;
    });
  }

  // A highlight fragment (HTML-escaped text with <mark> tags) as DOM nodes: text nodes and <mark> only.
  function markedText(fragment) {
    const out = document.createDocumentFragment();
    let marked = false;
    for (const part of String(fragment).split(/(<mark>|<\/mark>)/)) {
      if (part === "<mark>") { marked = true; continue; }
      if (part === "</mark>") { marked = false; continue; }
      if (!part) continue;
      const text = document.createTextNode(decodeEntities(part));
      out.append(marked ? el("mark", {}, text) : text);
    }
    return out;
  }

  // The API puts the name a reader expects next to every outlet id (outlet_name, facet bucket name...).
  function learnNames(result) {
    for (const hit of (result && result.hits) || []) {
      if (hit.outlet && hit.outlet_name) outletNames[hit.outlet] = hit.outlet_name;
      if (hit.source_outlet && hit.source_outlet_name) outletNames[hit.source_outlet] = hit.source_outlet_name;
      (hit.also_published_by || []).forEach((id, i) => {
        const name = (hit.also_published_by_names || [])[i];
        if (name) outletNames[id] = name;
      });
    }
    for (const bucket of (result && result.facets && result.facets.outlet) || []) {
      if (bucket.name) outletNames[bucket.key] = bucket.name;
    }
  }

  function outletLabel(name) {
    return outletNames[name] || name || "مصدر غير معروف";
  }

  function formatDate(iso) {
    if (!iso) return null;
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? null : dateFormat.format(date);
  }

  function monthLabel(key) {
    const [year, month] = key.split("-").map(Number);
    return year && month ? monthFormat.format(new Date(Date.UTC(year, month - 1, 1))) : key;
  }

  async function getJSON(url) {
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" } });
    } catch (error) {
      throw new Error("تعذّر الاتصال بالخادم");
    }
    let body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    if (!response.ok) {
      const error = new Error(
        response.status === 503 ? "محرك البحث غير متاح حالياً، حاول بعد قليل"
          : response.status === 404 ? "لم يُعثر على المطلوب"
          : response.status === 429 ? "طلبات كثيرة في وقت قصير، حاول بعد قليل"
          : (body && body.error && body.error.message) || "حدث خطأ غير متوقع");
      error.status = response.status;
      error.detail = body && body.error;
      throw error;
    }
    return body;
  }

  async function loadOutlets() {
    try {
      const data = await getJSON("/outlets?health=false");
      for (const outlet of data.outlets || []) {
        if (outlet.registered) outletNames[outlet.name] = outlet.name_ar || outlet.name_en || outlet.name;
      }
      return data.outlets || [];
    } catch (error) {
      return [];
    }
  }

  async function loadFilters() {
    try {
      return (await getJSON("/search/filters")).filters || [];
    } catch (error) {
      return []; // no filter controls; searching still works
    }
  }

  // ---- the search page ----------------------------------------------------------------------------
  // The state (and the page's URL) holds one value per filter, under the filter's API name.
  function readState() {
    const params = new URLSearchParams(location.search);
    const state = { q: params.get("q") || "", sort: params.get("sort") || "", all_versions: params.get("all_versions") === "true" };
    for (const filter of filters) state[filter.name] = params.get(filter.name) || "";
    return state;
  }

  function stateToParams(state) {
    const params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    for (const filter of filters) if (state[filter.name]) params.set(filter.name, state[filter.name]);
    if (state.sort) params.set("sort", state.sort);
    if (state.all_versions) params.set("all_versions", "true");
    return params;
  }

  const control = (filter) => $(`f-${filter.name}`);

  function formState() {
    const kept = readState(); // filters without a control (place: chosen from its facet) keep their value
    const state = {
      q: $("q").value.trim(),
      sort: $("f-sort").value === "relevance" ? "" : $("f-sort").value,
      all_versions: $("f-all").checked,
    };
    for (const filter of filters) state[filter.name] = control(filter) ? control(filter).value : kept[filter.name];
    return state;
  }

  function fillForm(state) {
    $("q").value = state.q;
    for (const filter of filters) {
      const input = control(filter);
      if (!input) continue;
      if (input.tagName === "SELECT") ensureOption(input, state[filter.name]);
      input.value = state[filter.name] || "";
    }
    $("f-sort").value = state.sort || "relevance";
    $("f-all").checked = state.all_versions;
  }

  // One control per filter with a label, before the sort order: a date input for a range bound, else a select.
  function buildFilterForm(outlets) {
    const before = $("f-sort").closest("label");
    for (const filter of filters.filter((f) => f.label)) {
      let input;
      if (filter.kind === "from" || filter.kind === "to") {
        input = el("input", { type: "date", id: `f-${filter.name}` });
      } else {
        input = el("select", { id: `f-${filter.name}` }, el("option", { value: "", text: filter.any || "الكل" }));
        for (const choice of filter.choices || []) input.append(el("option", { value: choice.value, text: choice.label }));
        if (filter.choices_from === "outlets") {
          for (const outlet of outlets) if (outlet.registered && outlet.enabled !== false) ensureOption(input, outlet.name);
        }
      }
      input.addEventListener("change", () => search(formState()));
      before.before(el("label", {}, filter.label, " ", input));
    }
  }

  function ensureOption(select, value) {
    if (value && ![...select.options].some((o) => o.value === value)) {
      select.append(el("option", { value, text: outletLabel(value) }));
    }
  }

  let current = null; // {state, next}

  function renderHit(hit) {
    const title = el("a", { href: `/article/${encodeURIComponent(hit.id)}`, dir: "auto" });
    const highlighted = hit.highlight && hit.highlight.title && hit.highlight.title[0];
    title.append(highlighted ? markedText(highlighted) : document.createTextNode(hit.title || "(بلا عنوان)"));

    const meta = el("p", { class: "meta" }, el("span", { class: "outlet", text: outletLabel(hit.outlet) }));
    const when = formatDate(hit.published_at);
    meta.append(" · ", when ? el("time", { datetime: hit.published_at, text: when }) : el("span", { class: "muted", text: "تاريخ غير معروف" }));
    if (hit.source_outlet && hit.source_outlet !== hit.outlet) {
      meta.append(" · ", el("span", { class: "source", text: `نقلاً عن ${outletLabel(hit.source_outlet)}` }));
    }

    const item = el("li", { class: "result", "data-id": hit.id }, el("h3", { class: "result-title" }, title), meta);
    const fragments = (hit.highlight && hit.highlight.body) || [];
    if (fragments.length) {
      const snippet = el("p", { class: "snippet", dir: "auto" });
      fragments.slice(0, 2).forEach((fragment, i) => {
        if (i) snippet.append(" … ");
        snippet.append(markedText(fragment));
      });
      item.append(snippet);
    }

    const why = renderMatched(hit.matched || []);
    if (why) item.append(why);

    const also = (hit.also_published_by || []).filter((name) => name !== hit.outlet);
    if (also.length || hit.versions > 1) {
      const row = el("div", { class: "also" });
      if (also.length) {
        row.append(el("span", { class: "also-label", text: "نُشر أيضاً في:" }));
        for (const name of also) row.append(el("span", { class: "chip", text: outletLabel(name) }));
      }
      const versions = el("ul", { class: "versions", hidden: true });
      const toggle = el("button", {
        type: "button", class: "link-button versions-toggle", "aria-expanded": "false",
        text: `عرض كل النسخ${hit.versions > 1 ? ` (${numberFormat.format(hit.versions)})` : ""}`,
      });
      toggle.addEventListener("click", () => toggleVersions(hit, toggle, versions));
      row.append(toggle);
      item.append(row, versions);
    }
    return item;
  }

  // Why a hit matched where the text has another form than the query word (index/explain.py).
  const MATCH_REASONS = {
    transliteration: "الاسم بحروف أخرى",
    synonym: "مرادف",
    spelling: "اختلاف إملائي",
    stem: "صيغة أخرى للكلمة",
  };

  function renderMatched(matched) {
    if (!matched.length) return null;
    const row = el("p", { class: "matched" }, el("span", { class: "matched-label", text: "طابق:" }));
    for (const m of matched.slice(0, 4)) {
      row.append(el("span", { class: "match", title: MATCH_REASONS[m.reason] || m.reason, "data-reason": m.reason },
        el("mark", { dir: "auto", text: m.form }), " ← ", el("bdi", { text: m.query }),
        el("span", { class: "match-reason", text: ` (${MATCH_REASONS[m.reason] || m.reason})` })));
    }
    return row;
  }

  async function toggleVersions(hit, button, list) {
    const open = button.getAttribute("aria-expanded") === "true";
    if (open) {
      list.hidden = true;
      button.setAttribute("aria-expanded", "false");
      return;
    }
    if (!list.childElementCount) {
      button.disabled = true;
      try {
        const article = await getJSON(`/articles/${encodeURIComponent(hit.id)}`);
        for (const version of article.versions || []) list.append(renderVersion(version));
        if (!list.childElementCount) list.append(el("li", { class: "muted", text: "لا توجد نسخ أخرى" }));
      } catch (error) {
        list.append(el("li", { class: "error", text: error.message }));
      } finally {
        button.disabled = false;
      }
    }
    list.hidden = false;
    button.setAttribute("aria-expanded", "true");
  }

  function renderVersion(version) {
    const when = formatDate(version.published_at);
    return el("li", {},
      el("span", { class: "chip", text: outletLabel(version.outlet) }), " ",
      el("a", { href: `/article/${encodeURIComponent(version.id)}`, dir: "auto", text: version.title || version.url }),
      when ? el("span", { class: "muted", text: ` · ${when}` }) : null);
  }

  // Counts past the engine's cap are a lower bound ("10,000+"); sampled facet counts are estimates ("≈").
  function totalLabel(data) {
    return numberFormat.format(data.total) + (data.total_relation === "gte" ? "+" : "");
  }

  function countLabel(count, approximate) {
    return (approximate ? "≈" : "") + numberFormat.format(count);
  }

  function renderFacets(facets, state, approximate) {
    const outlets = $("facet-outlet");
    const months = $("facet-month");
    outlets.replaceChildren();
    months.replaceChildren();
    for (const bucket of (facets && facets.outlet) || []) {
      if ($("f-outlet")) ensureOption($("f-outlet"), bucket.key);
      const active = state.outlet === bucket.key;
      outlets.append(el("li", {}, el("button", {
        type: "button", class: `facet${active ? " active" : ""}`, "aria-pressed": String(active),
        "data-outlet": bucket.key,
        onclick: () => search({ ...state, outlet: active ? "" : bucket.key }),
      }, el("span", { class: "facet-name", text: outletLabel(bucket.key) }),
         el("span", { class: "count", text: countLabel(bucket.count, approximate) }))));
    }
    // two place facets: the place an article is mainly about, and every place it names
    for (const key of ["main_place", "place"]) {
      const places = $(`facet-${key}`);
      places.replaceChildren();
      for (const bucket of (facets && facets[key]) || []) {
        const active = state[key] === bucket.key;
        places.append(el("li", {}, el("button", {
          type: "button", class: `facet${active ? " active" : ""}`, "aria-pressed": String(active),
          [`data-${key.replace("_", "-")}`]: bucket.key,
          onclick: () => search({ ...state, [key]: active ? "" : bucket.key }),
        }, el("span", { class: "facet-name", text: bucket.name || bucket.key }),
           el("span", { class: "count", text: countLabel(bucket.count, approximate) }))));
      }
    }
    const monthBuckets = ((facets && facets.month) || []).slice().reverse().slice(0, 24);
    for (const bucket of monthBuckets) {
      const [year, month] = bucket.key.split("-").map(Number);
      const from = `${bucket.key}-01`;
      const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
      const to = `${bucket.key}-${String(last).padStart(2, "0")}`;
      const active = state.from === from && state.to === to;
      months.append(el("li", {}, el("button", {
        type: "button", class: `facet${active ? " active" : ""}`, "aria-pressed": String(active),
        "data-month": bucket.key,
        onclick: () => search(active ? { ...state, from: "", to: "" } : { ...state, from, to }),
      }, el("span", { class: "facet-name", text: monthLabel(bucket.key) }),
         el("span", { class: "count", text: countLabel(bucket.count, approximate) }))));
    }
    if (!outlets.childElementCount) outlets.append(el("li", { class: "muted", text: "—" }));
    if (!months.childElementCount) months.append(el("li", { class: "muted", text: "—" }));
  }

  function apiParams(state, cursor) {
    const params = stateToParams(state);
    if (!state.q && !state.sort) params.set("sort", "date"); // no query: the latest news first
    params.set("size", "10");
    if (cursor) params.set("cursor", cursor);
    return params;
  }

  async function search(state, { push = true } = {}) {
    fillForm(state);
    if (push) {
      const query = stateToParams(state).toString();
      history.pushState(state, "", query ? `/?${query}` : "/");
    }
    document.title = state.q ? `${state.q} · أخبار` : "أخبار · أرشيف الأخبار الليبية";
    const status = $("status");
    const list = $("results");
    status.className = "status loading";
    status.textContent = "جارٍ البحث…";
    $("more").hidden = true;
    try {
      const data = await getJSON(`/search?${apiParams(state).toString()}`);
      current = { state, next: data.next };
      learnNames(data);
      list.replaceChildren(...data.hits.map(renderHit));
      renderFacets(data.facets, state, data.facets_approximate);
      status.className = "status";
      if (!data.hits.length) {
        status.textContent = state.q ? `لا نتائج لـ«${state.q}». جرّب كلمات أخرى أو أزل بعض التصفية.` : "لا أخبار في الأرشيف بعد.";
      } else {
        status.textContent = state.q
          ? `عدد النتائج: ${totalLabel(data)}`
          : `أحدث الأخبار · ${totalLabel(data)} خبر في الأرشيف`;
      }
      $("more").hidden = !data.next;
    } catch (error) {
      list.replaceChildren();
      status.className = "status error";
      status.textContent = `تعذّر البحث: ${error.message}`;
    }
  }

  async function more() {
    if (!current || !current.next) return;
    const button = $("more");
    button.disabled = true;
    button.textContent = "جارٍ التحميل…";
    try {
      const data = await getJSON(`/search?${apiParams(current.state, current.next).toString()}`);
      learnNames(data);
      $("results").append(...data.hits.map(renderHit));
      current.next = data.next;
      button.hidden = !data.next;
    } catch (error) {
      $("status").className = "status error";
      $("status").textContent = `تعذّر تحميل المزيد: ${error.message}`;
    } finally {
      button.disabled = false;
      button.textContent = "المزيد";
    }
  }

  // ---- saving a search as an alert (POST /alerts) ---------------------------------------------------
  async function saveAlert(event) {
    event.preventDefault();
    const status = $("alert-status");
    const q = $("q").value.trim();
    status.className = "alert-status";
    if (!q) {
      status.className = "alert-status error";
      status.textContent = "اكتب كلمات البحث أولاً، ثم احفظها تنبيهاً.";
      return;
    }
    const body = { name: $("alert-name").value.trim(), q };
    const state = formState(); // every filter of the search goes with it
    for (const filter of filters) {
      if (state[filter.name]) body[filter.name] = filter.multi ? [state[filter.name]] : state[filter.name];
    }
    if ($("alert-webhook").value.trim()) body.webhook = $("alert-webhook").value.trim();
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const token = $("alert-token").value.trim();
    if (token) headers.Authorization = `Bearer ${token}`;
    // Opened through the URL `akhbar api` printed: the token is in an HttpOnly cookie; echo the CSRF
    // cookie in a header, which another site's page cannot read nor send.
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("akhbar_csrf="));
    if (csrf) headers["X-Akhbar-CSRF"] = decodeURIComponent(csrf.slice("akhbar_csrf=".length));
    $("alert-save").disabled = true;
    status.textContent = "جارٍ الحفظ…";
    try {
      let response;
      try {
        response = await fetch("/alerts", { method: "POST", headers, body: JSON.stringify(body) });
      } catch (error) {
        throw new Error("تعذّر الاتصال بالخادم");
      }
      let data = null;
      try { data = await response.json(); } catch (error) { data = null; }
      if (!response.ok) {
        const message = (data && data.error && data.error.message) || "";
        throw new Error(
          response.status === 401 ? "الخادم يطلب رمز الكتابة: افتح الرابط الذي طبعه akhbar api أو أدخل الرمز في الحقل أعلاه"
            : response.status === 403 && data && data.error && data.error.code === "target_not_allowed"
              ? `رابط الـwebhook مرفوض: ${message}`
            : response.status === 403 ? message || "الحفظ يحتاج إلى رمز الكتابة"
            : response.status === 409 ? "يوجد تنبيه بهذا الاسم، اختر اسماً آخر"
            : message || "حدث خطأ غير متوقع");
      }
      status.replaceChildren(`تم حفظ التنبيه «${data.name}». `,
        el("a", { href: data.feed, id: "alert-feed", text: "خلاصة Atom" }));
    } catch (error) {
      status.className = "alert-status error";
      status.textContent = `تعذّر الحفظ: ${error.message}`;
    } finally {
      $("alert-save").disabled = false;
    }
  }

  async function initSearchPage() {
    const [outlets, list] = await Promise.all([loadOutlets(), loadFilters()]);
    filters = list;
    buildFilterForm(outlets);
    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      search(formState());
    });
    for (const id of ["f-sort", "f-all"]) {
      $(id).addEventListener("change", () => search(formState()));
    }
    $("clear").addEventListener("click", () => search({ q: $("q").value.trim() }));
    $("more").addEventListener("click", more);
    $("alert-form").addEventListener("submit", saveAlert);
    window.addEventListener("popstate", () => search(readState(), { push: false }));
    if (window.matchMedia("(max-width: 760px)").matches) $("filters").open = false;
    search(readState(), { push: false });
  }

  // ---- the article page ---------------------------------------------------------------------------
  async function initArticlePage() {
    const id = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
    const status = $("status");
    const loading = loadOutlets();
    let article;
    try {
      article = await getJSON(`/articles/${encodeURIComponent(id)}`);
    } catch (error) {
      status.className = "status error";
      status.textContent = error.status === 404 ? "هذا الخبر غير موجود في الأرشيف." : `تعذّر تحميل الخبر: ${error.message}`;
      return;
    }
    await loading;
    document.title = `${article.title || "خبر"} · أخبار`;
    const node = $("article");
    if (article.language && article.language !== "ar") {
      node.setAttribute("lang", article.language);
      node.setAttribute("dir", article.language === "en" ? "ltr" : "auto");
    }
    $("a-title").textContent = article.title || "(بلا عنوان)";
    $("a-section").textContent = article.section || "";
    const meta = $("a-meta");
    meta.append(el("span", { class: "outlet", text: outletLabel(article.outlet) }));
    const when = formatDate(article.published_at);
    meta.append(" · ", when ? el("time", { datetime: article.published_at, text: when }) : el("span", { class: "muted", text: "تاريخ غير معروف" }));
    if (article.dateline) meta.append(" · ", el("span", { text: article.dateline }));
    if (article.authors && article.authors.length) meta.append(" · ", el("span", { class: "authors", text: article.authors.join("، ") }));
    if (article.source_outlet && article.source_outlet !== article.outlet) {
      const source = $("a-source");
      source.textContent = `نقلاً عن ${outletLabel(article.source_outlet)}`;
      source.hidden = false;
    }
    const body = $("a-body");
    for (const paragraph of String(article.body || article.lead || "").split(/\n\s*\n/)) {
      if (paragraph.trim()) body.append(el("p", { text: paragraph.trim() }));
    }
    const link = $("a-link");
    if (/^https?:\/\//i.test(article.url || "")) link.href = article.url; else link.remove();
    status.hidden = true;
    node.hidden = false;

    const others = (article.versions || []).filter((v) => v.id !== article.id);
    if (others.length) {
      $("version-list").append(...others.map(renderVersion));
      $("versions").hidden = false;
    }
    try {
      const similar = await getJSON(`/articles/${encodeURIComponent(id)}/similar?size=6`);
      if (similar.hits.length) {
        $("similar-list").append(...similar.hits.map((hit) => el("li", {},
          el("a", { href: `/article/${encodeURIComponent(hit.id)}`, dir: "auto", text: hit.title || hit.url }),
          el("span", { class: "muted", text: ` · ${outletLabel(hit.outlet)}` }))));
        $("similar").hidden = false;
      }
    } catch (error) {
      // similar articles are a bonus: the article itself is shown
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.dataset.page === "article") initArticlePage(); else initSearchPage();
  });
})();
