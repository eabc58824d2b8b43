// Lacuna's screening app. Plain JavaScript, served by `lacuna serve` from
// the binary. Record text is only ever set with textContent (never as
// HTML): titles and abstracts may hold "<script>" and it must stay text.
"use strict";

const state = { csrf: null, reviewer: null, record: null, reasons: [], reasonMode: false, busy: false };
const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function toast(msg, bad) {
  const t = $("toast");
  t.textContent = msg;
  t.classList.toggle("bad", !!bad);
  t.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove("show"), bad ? 5000 : 1800);
}

class Unauthorised extends Error {}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const r = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  if (r.status === 401) throw new Unauthorised((data && data.error) || "log in");
  if (!r.ok) throw new Error((data && data.error) || ("the server answered " + r.status));
  return data;
}

// Text with marked spans (UTF-16 offsets), built from text nodes only.
function marked(target, text, spans) {
  target.replaceChildren();
  let at = 0;
  for (const [a, b] of spans || []) {
    if (a < at || b > text.length) continue;
    target.append(document.createTextNode(text.slice(at, a)));
    target.append(el("mark", null, text.slice(a, b)));
    at = b;
  }
  target.append(document.createTextNode(text.slice(at)));
}

function fail(e) {
  if (e instanceof Unauthorised) { showLogin(); return; }
  toast(e.message || String(e), true);
}

// ---------- views ----------

const VIEWS = ["login", "screen", "search", "conflicts", "progress"];

function show(view) {
  for (const v of VIEWS) $("view-" + v).hidden = v !== view;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === view);
  document.body.dataset.view = view;
}

function showLogin() {
  state.csrf = null;
  $("nav").hidden = true;
  $("logout").hidden = true;
  $("who").textContent = "";
  show("login");
  $("token").focus();
}

function route() {
  if (!state.reviewer) return;
  const view = (location.hash || "#screen").slice(1);
  if (view === "search") { show("search"); $("q").focus(); }
  else if (view === "conflicts") { show("conflicts"); loadConflicts().catch(fail); }
  else if (view === "progress") { show("progress"); loadProgress().catch(fail); }
  else { show("screen"); loadNext().catch(fail); }
}

async function boot() {
  try {
    const st = await api("GET", "/api/status");
    state.reviewer = st.reviewer;
    if (st.csrf) state.csrf = st.csrf;
    $("who").textContent = st.reviewer + (st.dual ? " · blind dual screening" : "");
    $("nav").hidden = false;
    $("logout").hidden = false;
    drawStatus(st);
    route();
    refreshConflictCount();
  } catch (e) { fail(e); }
}

// ---------- screening ----------

function drawStatus(st) {
  state.reasons = st.reasons || [];
  const bar = $("progress-bar");
  bar.max = Math.max(1, st.total);
  bar.value = st.screened;
  const mine = st.dual ? ` · ${st.screened_by_me} by you` : "";
  $("progress-text").textContent =
    `${st.screened} of ${st.total} screened · ${st.included} included · ${st.excluded} excluded · ${st.maybes} maybe${mine}`;
  const est = st.recall_estimate;
  const recall = est === null || est === undefined ? "" : `recall ≈ ${est.toFixed(2)} · `;
  $("stop-line").textContent = recall + st.stopping_line;
  $("stop-line").title = st.stopping_line;
  const ol = $("reasons");
  ol.replaceChildren();
  state.reasons.slice(0, 9).forEach((r, i) => {
    const li = el("li", null, `${r.label}`);
    li.dataset.reason = r.id;
    li.value = i + 1;
    li.addEventListener("click", () => decide("exclude", r.id));
    ol.append(li);
  });
  $("reason-button").disabled = state.reasons.length === 0;
}

async function refreshStatus() {
  drawStatus(await api("GET", "/api/status"));
}

function drawRecord(r) {
  state.record = r.done ? null : r;
  $("record").dataset.key = r.done ? "" : r.key;
  $("rec-done").hidden = !r.done;
  for (const id of ["rec-title", "rec-abstract", "rec-meta", "rec-authors", "rec-mesh", "rec-flags"]) $(id).replaceChildren();
  $("decide").classList.toggle("off", !!r.done);
  if (r.done) return;
  marked($("rec-title"), r.title || "(no title)", r.highlights && r.highlights.title);
  marked($("rec-abstract"), r.abstract || "(no abstract)", r.highlights && r.highlights.abstract);
  $("rec-meta").textContent = [r.journal, r.year, r.key].filter((x) => x !== null && x !== undefined && x !== "").join(" · ");
  $("rec-authors").textContent = (r.authors || []).slice(0, 8).join(", ") + ((r.authors || []).length > 8 ? ", …" : "");
  $("rec-mesh").textContent = (r.mesh || []).length ? "MeSH: " + r.mesh.join("; ") : "";
  const flags = $("rec-flags");
  if (r.sample) flags.append(el("span", "flag", `random sample · ${r.rank}`));
  if (r.again) flags.append(el("span", "flag", "again after undo"));
  if (r.set_aside) flags.append(el("span", "flag", "set aside earlier"));
  if (!r.sample && !r.again && r.rank) flags.append(el("span", "flag", `rank ${r.rank}`));
  $("record").scrollTop = 0;
  $("note").value = "";
}

async function loadNext() {
  drawRecord(await api("GET", "/api/next"));
  await refreshStatus();
}

function reasonMode(on) {
  state.reasonMode = on && state.reasons.length > 0;
  $("reasons").hidden = !state.reasonMode;
}

async function decide(label, reason) {
  if (!state.record || state.busy) return;
  state.busy = true;
  reasonMode(false);
  const body = { record: state.record.key, label };
  if (reason) body.reason = reason;
  const note = $("note").value.trim();
  if (note) body.note = note;
  try {
    await api("POST", "/api/decisions", body);
    toast(`${label}${reason ? " · " + reason : ""}: stored`);
    await loadNext();
  } catch (e) { fail(e); } finally { state.busy = false; }
}

async function undo() {
  if (state.busy) return;
  state.busy = true;
  try {
    const r = await api("POST", "/api/undo");
    toast(r.undone ? "undone: decide it again" : "nothing to undo");
    if (r.undone) await loadNext();
  } catch (e) { fail(e); } finally { state.busy = false; }
}

function onKey(ev) {
  if (document.body.dataset.view !== "screen") return;
  const t = ev.target;
  const typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT");
  if (typing) {
    if (ev.key === "Escape") t.blur();
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (state.reasonMode) {
    if (/^[1-9]$/.test(ev.key)) {
      const r = state.reasons[Number(ev.key) - 1];
      if (r) { ev.preventDefault(); decide("exclude", r.id); }
      return;
    }
    if (ev.key === "Escape") { reasonMode(false); return; }
  }
  const k = ev.key.toLowerCase();
  if (k === "i") { ev.preventDefault(); decide("include"); }
  else if (k === "e") { ev.preventDefault(); decide("exclude"); }
  else if (k === "m") { ev.preventDefault(); decide("maybe"); }
  else if (k === "r") { ev.preventDefault(); reasonMode(!state.reasonMode); }
  else if (k === "u") { ev.preventDefault(); undo(); }
  else if (k === "n") { ev.preventDefault(); $("note").focus(); }
  else if (k === "/") { ev.preventDefault(); location.hash = "#search"; }
}

// ---------- search ----------

async function runSearch(q) {
  const r = await api("GET", "/api/search?q=" + encodeURIComponent(q));
  $("search-summary").textContent = `${r.total} record${r.total === 1 ? "" : "s"} match “${r.query}”` + (r.total > r.hits.length ? ` (the best ${r.hits.length} shown)` : "");
  const list = $("hits");
  list.replaceChildren();
  for (const h of r.hits) {
    const li = el("li");
    const title = el("h2");
    marked(title, h.title_snippet.text || h.title, h.title_snippet.highlights);
    li.append(title);
    li.append(el("p", "meta", [h.journal, h.year, h.key].filter((x) => x !== null && x !== undefined).join(" · ")));
    const snip = el("p");
    marked(snip, h.abstract_snippet.text, h.abstract_snippet.highlights);
    li.append(snip);
    const row = el("div", "row");
    const said = el("span", "decided");
    for (const label of ["include", "exclude", "maybe"]) {
      const b = el("button", label, label[0].toUpperCase() + label.slice(1));
      b.type = "button";
      b.addEventListener("click", async () => {
        if (!h.key) return;
        try {
          await api("POST", "/api/decisions", { record: h.key, label });
          said.textContent = "decided: " + label;
          said.className = "decided " + label;
          toast(`${label}: stored`);
        } catch (e) { fail(e); }
      });
      row.append(b);
    }
    row.append(said);
    li.append(row);
    list.append(li);
  }
}

// ---------- conflicts ----------

async function refreshConflictCount() {
  try {
    const c = await api("GET", "/api/conflicts");
    $("nconflicts").textContent = c.conflicts.length ? String(c.conflicts.length) : "";
    return c;
  } catch (e) { fail(e); return null; }
}

async function loadConflicts() {
  const c = await refreshConflictCount();
  if (!c) return;
  $("conflicts-summary").textContent = c.conflicts.length
    ? `${c.conflicts.length} record${c.conflicts.length === 1 ? "" : "s"} labelled differently: read both decisions and store the resolution.`
    : "No open conflicts.";
  const list = $("conflict-list");
  list.replaceChildren();
  for (const x of c.conflicts) {
    const li = el("li");
    li.dataset.key = x.key;
    li.append(el("h2", null, x.title || "(no title)"));
    li.append(el("p", "meta", x.key));
    const votes = el("div", "votes");
    for (const v of x.votes) {
      const d = el("div", "vote");
      d.append(el("strong", null, v.reviewer));
      d.append(el("span", "decided " + v.label, v.label));
      votes.append(d);
    }
    li.append(votes);
    if (x.abstract) li.append(el("p", "abstract", x.abstract));
    const row = el("div", "row");
    row.append(el("span", null, "Resolve as:"));
    for (const label of ["include", "exclude"]) {
      const b = el("button", label, label[0].toUpperCase() + label.slice(1));
      b.type = "button";
      b.dataset.resolve = label;
      b.addEventListener("click", async () => {
        try {
          await api("POST", "/api/conflicts/resolve", { record: x.key, label });
          toast(`resolved: ${label}`);
          await loadConflicts();
        } catch (e) { fail(e); }
      });
      row.append(b);
    }
    li.append(row);
    list.append(li);
  }
}

// ---------- progress ----------

function cell(tr, text, num) {
  tr.append(el("td", num ? "num" : null, text));
}

async function loadProgress() {
  const [a, st] = await Promise.all([api("GET", "/api/agreement"), api("GET", "/api/status")]);
  $("team-summary").textContent =
    `${st.screened} of ${st.total} records screened${a.dual ? " (your queue, blind)" : ""}; ${a.conflicts} open conflict${a.conflicts === 1 ? "" : "s"}. ${st.stopping_line}`;
  const body = document.querySelector("#per-reviewer tbody");
  body.replaceChildren();
  for (const r of a.reviewers) {
    const tr = el("tr");
    cell(tr, r.reviewer);
    cell(tr, r.screened, true);
    cell(tr, r.included, true);
    cell(tr, r.excluded, true);
    cell(tr, r.maybes, true);
    body.append(tr);
  }
  const pairs = document.querySelector("#pairs tbody");
  pairs.replaceChildren();
  for (const p of a.pairs) {
    const tr = el("tr");
    cell(tr, `${p.a} & ${p.b}`);
    cell(tr, p.both, true);
    cell(tr, p.agreed, true);
    cell(tr, p.kappa === null || p.kappa === undefined ? "–" : p.kappa.toFixed(2), true);
    tr.dataset.pair = `${p.a}|${p.b}`;
    pairs.append(tr);
  }
}

// ---------- wiring ----------

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("login-error").textContent = "";
    try {
      const r = await api("POST", "/api/login", { token: $("token").value.trim() });
      state.csrf = r.csrf;
      $("token").value = "";
      if (!location.hash || location.hash === "#login") location.hash = "#screen";
      await boot();
    } catch (e) {
      $("login-error").textContent = e instanceof Unauthorised ? "That token is not known: ask for a new one (lacuna reviewer add)." : e.message;
    }
  });
  $("logout").addEventListener("click", async () => {
    try { await api("POST", "/api/logout"); } catch (_) { /* the cookie goes anyway */ }
    state.reviewer = null;
    showLogin();
  });
  for (const b of document.querySelectorAll("#decide button[data-label]")) {
    b.addEventListener("click", () => decide(b.dataset.label));
  }
  $("reason-button").addEventListener("click", () => reasonMode(!state.reasonMode));
  $("undo-button").addEventListener("click", undo);
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("q").value.trim();
    if (q) runSearch(q).catch(fail);
  });
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);
  boot();
});
