// Lacuna gap map page. Reads the map JSON from #data, draws the grid, and
// recomputes counts and gap flags when a filter changes (the same rules as
// src/gapmap/mod.rs). Text goes in with textContent only.
"use strict";
window.lacunaErrors = [];
window.addEventListener("error", function (e) { window.lacunaErrors.push(String(e.message)); });
(function () {
  var M = JSON.parse(document.getElementById("data").textContent);
  var byId = function (list) { var o = {}; list.forEach(function (x) { o[x.id] = x; }); return o; };
  var IV = byId(M.interventions), OC = byId(M.outcomes), PO = byId(M.populations), DE = byId(M.designs);
  var groups = {}; M.groups.forEach(function (g) { groups[g[0]] = g[1]; });
  var OFF = JSON.parse(document.getElementById("off-grid-data").textContent);
  var filter = { population: "", design: "", certainty: "" };
  // GRADE's levels, lowest first; a pooled result below the chosen level
  // is not shown as an answer under the "certainty at least" filter.
  var LEVELS = ["very_low", "low", "moderate", "high"];
  function certaintyOf(q) { return q && q.certainty ? q.certainty : null; }
  function meetsCertainty(q) {
    if (!filter.certainty) return true;
    var c = certaintyOf(q);
    return !!c && LEVELS.indexOf(c.rating) >= LEVELS.indexOf(filter.certainty);
  }
  // A cell meets the filter when any of its pooled measures does.
  function cellMeetsCertainty(cell) {
    return cell.pooled.some(meetsCertainty);
  }
  var selected = null, selectedKey = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function passes(s) {
    return (!filter.population || s.populations.indexOf(filter.population) >= 0) &&
      (!filter.design || s.designs.indexOf(filter.design) >= 0);
  }
  function isReview(s) {
    return M.rules.review_designs.some(function (d) { return s.designs.indexOf(d) >= 0; });
  }
  function summarise(cell) {
    var r = { n: 0, reviews: 0, ongoing: 0, primary: [], studies: [], rct: 0, gaps: [] };
    cell.studies.forEach(function (i) {
      var s = M.studies[i];
      if (!passes(s)) return;
      r.studies.push(s);
      if (s.status === "ongoing") { r.ongoing++; return; }
      r.n++;
      if (s.designs.indexOf("rct") >= 0) r.rct++;
      if (isReview(s)) r.reviews++; else r.primary.push(s);
    });
    if (r.n === 0) { r.gaps.push("absolute"); return r; }
    if (r.primary.length >= M.rules.synthesis_gap_min_primary && r.reviews === 0 && cell.pooled.length === 0) r.gaps.push("synthesis");
    var randomised = r.primary.some(function (s) {
      return M.rules.weak_randomised_designs.some(function (d) { return s.designs.indexOf(d) >= 0; });
    });
    var sized = r.primary.filter(function (s) { return typeof s.n === "number"; });
    var allSmall = sized.length > 0 && sized.length === r.primary.length &&
      sized.every(function (s) { return s.n < M.rules.weak_min_participants; });
    if (r.primary.length > 0 && (!randomised || allSmall)) r.gaps.push("weak");
    var low = cell.pooled.some(function (q) { var c = certaintyOf(q); return c && (c.rating === "low" || c.rating === "very_low"); });
    if (low) r.gaps.push("low_certainty");
    return r;
  }
  function fmt(x) { return (Math.round(x * 100) / 100).toFixed(2); }
  function short(label) { return label.split(" (")[0]; }
  function labelOf(table, id) { return table[id] ? short(table[id].label) : id; }
  var GAP_WORDS = { absolute: "no study", synthesis: "synthesis gap", weak: "weak evidence", low_certainty: "low or very low certainty" };
  function gapWords(gaps) { return gaps.map(function (g) { return GAP_WORDS[g] || g; }).join(", "); }
  // What the filter drops, in words: "all populations", "all designs".
  function filterScope() {
    var p = [];
    if (filter.population) p.push("populations");
    if (filter.design) p.push("designs");
    return p.length ? "all " + p.join(" and ") : "";
  }
  function filterWords() {
    var p = [];
    if (filter.population) p.push(labelOf(PO, filter.population));
    if (filter.design) p.push(labelOf(DE, filter.design));
    return p.join(", ");
  }
  // Does the cell's pooled result belong to the studies shown under the
  // filter? Without a filter it does (pooled over the cell's studies with
  // effect rows). Under a filter: when the library lists the pooled studies
  // (`q.studies`), only if the filtered completed studies are exactly those;
  // otherwise only if the filter drops none of the cell's studies (then the
  // pooling is unchanged). "filtered": show it; "all": it was pooled over
  // studies the filter drops; "": no pooled result, or the filter left the
  // cell empty.
  function pooledState(cell, r) {
    if (!cell.pooled.length || r.n === 0) return "";
    if (!filter.population && !filter.design) return "filtered";
    var shown = r.studies.filter(function (s) { return s.status === "completed"; }).map(function (s) { return s.id; }).sort();
    var q = cell.pooled[0];
    if (Array.isArray(q.studies)) {
      var pooledIds = q.studies.map(function (x) { return typeof x === "number" ? (M.studies[x] || {}).id : x; }).sort();
      return pooledIds.join("\u0000") === shown.join("\u0000") ? "filtered" : "all";
    }
    var every = cell.studies.filter(function (i) { return M.studies[i].status === "completed"; }).length;
    return every === r.n ? "filtered" : "all";
  }
  function paperLink(paper) {
    var a;
    if (paper.pmid) { a = el("a", "paper", paper.title); a.href = "https://pubmed.ncbi.nlm.nih.gov/" + paper.pmid + "/"; a.target = "_blank"; a.rel = "noopener"; }
    else if (paper.doi) { a = el("a", "paper", paper.title); a.href = "https://doi.org/" + paper.doi; a.target = "_blank"; a.rel = "noopener"; }
    else a = el("span", "paper", paper.title);
    return a;
  }
  // A study as the panel and the off-grid list show it: its name (when the
  // map has one), its papers with links, and its codes as labels.
  function studyItem(s, tag, withCodes) {
    var li = el(tag, "study");
    if (s.name) { li.appendChild(el("strong", "study-name", s.name)); li.appendChild(el("br")); }
    s.papers.forEach(function (paper, j) {
      if (j > 0) li.appendChild(el("br"));
      li.appendChild(paperLink(paper));
      if (paper.year) li.appendChild(el("span", "", " (" + paper.year + ")"));
      if (paper.retracted) { var rt = el("span", "retracted", "RETRACTED"); rt.title = "PubMed marks this record retracted; it is left out of pooling"; li.appendChild(rt); }
    });
    li.appendChild(el("br"));
    if (withCodes) {
      s.interventions.forEach(function (d) { if (IV[d]) li.appendChild(el("span", "tag iv", short(IV[d].label))); });
      s.outcomes.forEach(function (d) { if (OC[d]) li.appendChild(el("span", "tag oc", short(OC[d].label))); });
    }
    s.designs.forEach(function (d) { li.appendChild(el("span", "tag", labelOf(DE, d))); });
    if (s.status === "ongoing") li.appendChild(el("span", "tag", "ongoing"));
    s.populations.forEach(function (d) { li.appendChild(el("span", "tag", labelOf(PO, d))); });
    return li;
  }
  function pooledText(q) {
    var t = q.scale + " (k = " + q.k + ", " + q.method + "): " + fmt(q.shown[0]) + " [95% CI " + fmt(q.shown[1]) + " to " + fmt(q.shown[2]) + "]";
    if (q.shown_pi) t += "; 95% prediction interval " + fmt(q.shown_pi[0]) + " to " + fmt(q.shown_pi[1]);
    return t + "; I² = " + Math.round(q.i2) + "%";
  }

  function closePanel() {
    var p = document.getElementById("panel");
    p.hidden = true;
    if (selected) {
      selected.classList.remove("selected");
      var old = selected.querySelector(".estimate");
      if (old) old.parentNode.removeChild(old);
    }
    selected = null; selectedKey = null;
  }

  function showCell(cell, td) {
    if (selected) {
      selected.classList.remove("selected");
      var old = selected.querySelector(".estimate");
      if (old) old.parentNode.removeChild(old);
    }
    selected = td; selectedKey = cell.intervention + "|" + cell.outcome;
    td.classList.add("selected");
    var r = summarise(cell);
    var state = pooledState(cell, r);
    // the pooled estimate and its CI on the cell itself, on the reader's scale,
    // only when it belongs to the studies the cell shows
    if (state === "filtered") {
      var q0 = cell.pooled[0];
      var est = el("span", "estimate", fmt(q0.shown[0]) + " [" + fmt(q0.shown[1]) + ", " + fmt(q0.shown[2]) + "]");
      est.title = "pooled " + q0.scale + " with its 95% CI (k = " + q0.k + ")";
      (td.querySelector(".in") || td).appendChild(est);
    }
    var panel = document.getElementById("panel");
    var p = document.getElementById("panel-body");
    p.textContent = "";
    panel.hidden = false;
    p.appendChild(el("h2", "", short(IV[cell.intervention].label) + " × " + short(OC[cell.outcome].label)));
    if (filterWords()) p.appendChild(el("p", "filter-note", "Filtered: " + filterWords()));
    var line = r.n + " completed stud" + (r.n === 1 ? "y" : "ies") + (r.reviews ? " (" + r.reviews + " systematic review" + (r.reviews === 1 ? "" : "s") + ")" : "") +
      (r.ongoing ? "; " + r.ongoing + " ongoing" : "");
    var counts = el("p", "counts", line);
    counts.dataset.n = String(r.n);
    p.appendChild(counts);
    if (r.gaps.length) p.appendChild(el("p", "gaps", "Gap: " + gapWords(r.gaps)));
    cell.pooled.forEach(function (q) {
      var c = certaintyOf(q);
      if (c) {
        var h = el("p", "certainty", "How sure (GRADE): " + c.symbols + " " + c.label);
        h.dataset.rating = c.rating;
        p.appendChild(h);
        var ul = el("ul", "domains");
        c.domains.forEach(function (d) {
          var li = el("li", "", d.domain.replace(/_/g, " ") + (d.down ? " −" + d.down : " 0") + ": " + d.reason + (d.by ? " (judged by " + d.by + ")" : ""));
          // a person's judgement stands beside the rule's
          if (d.by && typeof d.rule_down === "number") li.appendChild(el("span", "rule", " — the rule: " + (d.rule_down ? "−" + d.rule_down : "0") + (d.rule_reason ? ", " + d.rule_reason : "")));
          ul.appendChild(li);
        });
        p.appendChild(ul);
      }
      if (state === "filtered") p.appendChild(el("p", "pooled-result", "Pooled " + pooledText(q)));
      else p.appendChild(el("p", "pooled-all", "Pooled over " + filterScope() + ", not re-pooled for " + filterWords() + " (" +
        (r.n === 0 ? "no study of this cell is left under the filter" : "the filter drops some of its studies") + "): " + pooledText(q)));
    });
    var ol = el("ol", "studies");
    r.studies.forEach(function (s) { ol.appendChild(studyItem(s, "li", false)); });
    p.appendChild(ol);
  }

  function draw() {
    var t = document.getElementById("map");
    t.textContent = "";
    var cg = el("colgroup");
    cg.appendChild(el("col", "row-col"));
    M.outcomes.forEach(function () { cg.appendChild(el("col", "cell-col")); });
    t.appendChild(cg);
    var head = el("tr");
    head.appendChild(el("th", "corner", ""));
    M.outcomes.forEach(function (c) { var th = el("th", "col", short(c.label)); th.title = c.label; th.dataset.outcome = c.id; head.appendChild(th); });
    t.appendChild(head);
    var cellsByRow = {};
    M.cells.forEach(function (c) { (cellsByRow[c.intervention] = cellsByRow[c.intervention] || []).push(c); });
    var maxN = 1, total = {}, gapsN = 0;
    var sums = {};
    M.cells.forEach(function (c) { var r = summarise(c); sums[c.intervention + "|" + c.outcome] = r; if (r.n > maxN) maxN = r.n; if (r.gaps.indexOf("absolute") >= 0) gapsN++; r.studies.forEach(function (s) { if (s.status === "completed") total[s.id] = 1; }); });
    var lastGroup = null;
    var again = null;
    M.interventions.forEach(function (iv) {
      if (iv.group && iv.group !== lastGroup) {
        var g = el("tr", "group"); var th = el("th", "", groups[iv.group] || iv.group); th.colSpan = M.outcomes.length + 1; g.appendChild(th); t.appendChild(g);
        lastGroup = iv.group;
      }
      var tr = el("tr");
      var rh = el("th", "row", short(iv.label)); rh.title = iv.label;
      if (iv.economic_gap) { var e = el("span", "econ", "†"); e.title = "studies but no economic evaluation"; rh.appendChild(e); }
      tr.appendChild(rh);
      (cellsByRow[iv.id] || []).forEach(function (c) {
        var r = sums[c.intervention + "|" + c.outcome];
        var state = pooledState(c, r);
        var td = el("td", "cell " + r.gaps.join(" "));
        td.dataset.intervention = c.intervention; td.dataset.outcome = c.outcome; td.dataset.n = String(r.n);
        td.dataset.pooled = state;
        td.title = short(iv.label) + " × " + short(OC[c.outcome].label) + ": " + r.n + " stud" + (r.n === 1 ? "y" : "ies") + (r.gaps.length ? " (gap: " + gapWords(r.gaps) + ")" : "");
        // the cell's content sits in its own box, so marks stay inside the cell
        var inner = el("div", "in");
        td.appendChild(inner);
        if (r.n > 0) {
          var d = Math.round(14 + 20 * Math.sqrt(r.n / maxN));
          var b = el("span", "bubble" + (r.gaps.indexOf("weak") >= 0 ? " weak" : (r.rct * 2 >= r.n ? " rct" : "")), r.n);
          b.style.width = d + "px"; b.style.height = d + "px";
          inner.appendChild(b);
        }
        var q0c = certaintyOf(c.pooled[0]);
        if (state && !cellMeetsCertainty(c)) { state = "below"; td.dataset.pooled = state; }
        if (state === "filtered") {
          var pm = el("span", "pooled", "◆"); pm.title = "pooled result: click the cell"; inner.appendChild(pm);
          if (q0c) { var gr = el("span", "grade", q0c.symbols); gr.title = "certainty (GRADE): " + q0c.label; inner.appendChild(gr); }
        }
        else if (state === "below") { var pb = el("span", "pooled-below", "◇"); pb.title = "pooled, but certainty " + (q0c ? q0c.label : "not rated") + ", below the chosen level"; inner.appendChild(pb); }
        else if (state === "all") { var pa = el("span", "pooled-all-mark", "◇"); pa.title = "pooled over " + filterScope() + ", not under this filter: click the cell"; inner.appendChild(pa); }
        if (r.ongoing) inner.appendChild(el("span", "ongoing", "+" + r.ongoing));
        td.addEventListener("click", function () { showCell(c, td); });
        td.tabIndex = 0;
        td.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); showCell(c, td); } });
        if (selectedKey === c.intervention + "|" + c.outcome) again = [c, td];
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    var kept = M.studies.filter(passes);
    var n = kept.filter(function (s) { return s.status === "completed"; }).length;
    var ongoing = kept.length - n;
    var placed = Object.keys(total).length;
    var off = drawOffGrid();
    document.getElementById("summary").textContent = kept.length + " studies" +
      (ongoing ? " (" + n + " completed, " + ongoing + " ongoing)" : "") +
      (filterWords() ? " under the filter " + filterWords() : "") + ": " +
      placed + " shown in the grid, " + off + " not (listed under the grid as “Included but not on the grid”); " +
      M.n_records + " records; " + gapsN + " of " + M.cells.length + " cells have no study.";
    document.body.dataset.studies = String(n);
    document.body.dataset.included = String(kept.length);
    document.body.dataset.inGrid = String(placed);
    drawPopulations();
    drawEquity();
    if (again) showCell(again[0], again[1]);
    else if (selectedKey) closePanel();
  }

  // The library's list of included studies no cell counts, under the
  // page's filter; returns how many it shows.
  function drawOffGrid() {
    var order = ["neither", "no_intervention", "no_outcome", "ongoing"];
    var rows = OFF.filter(function (o) { return M.studies[o.study] && passes(M.studies[o.study]); })
      .sort(function (a, b) { return (order.indexOf(a.reason) - order.indexOf(b.reason)) || (a.study - b.study); });
    document.getElementById("off-grid-n").textContent = String(rows.length);
    var tb = document.getElementById("off-grid-list");
    tb.textContent = "";
    var h = el("tr");
    ["Study", "Why it is not on the grid"].forEach(function (x) { h.appendChild(el("th", "", x)); });
    tb.appendChild(h);
    rows.forEach(function (o) {
      var tr = el("tr", "off-grid-row");
      tr.dataset.reason = o.reason;
      var td = studyItem(M.studies[o.study], "td", true);
      tr.appendChild(td);
      var why = el("td", "reason", o.label);
      if (o.detail) why.appendChild(el("div", "detail", o.detail));
      tr.appendChild(why);
      tb.appendChild(tr);
    });
    return rows.length;
  }

  function drawPopulations() {
    var sec = document.getElementById("populations");
    sec.textContent = "";
    sec.appendChild(el("h2", "", "Population subgroups"));
    var tb = el("table"); var h = el("tr");
    ["Subgroup", "Studies", "Studies that exclude it"].forEach(function (x) { h.appendChild(el("th", "", x)); });
    tb.appendChild(h);
    M.populations.forEach(function (p) {
      var n = 0, ex = 0;
      M.studies.forEach(function (s) {
        if (s.status !== "completed" || (filter.design && s.designs.indexOf(filter.design) < 0)) return;
        if (s.populations.indexOf(p.id) >= 0) n++;
        if (s.excluded_populations.indexOf(p.id) >= 0) ex++;
      });
      var tr = el("tr"); tr.appendChild(el("td", "", short(p.label)));
      tr.appendChild(el("td", n === 0 ? "zero" : "", n)); tr.appendChild(el("td", "", ex));
      tb.appendChild(tr);
    });
    sec.appendChild(tb);
  }

  // The equity lens (PROGRESS-Plus) under the page's filter: per factor the
  // completed studies that report results by it (none: an equity gap), and
  // per intervention how many of its studies report by any factor.
  function drawEquity() {
    var sec = document.getElementById("equity");
    sec.textContent = "";
    var EQ = M.equity || [];
    if (!EQ.length) return;
    var kept = M.studies.filter(function (s) { return s.status === "completed" && passes(s); });
    var by = function (s) { return s.equity || []; };
    sec.appendChild(el("h2", "", "Equity: results by PROGRESS-Plus factors"));
    sec.appendChild(el("p", "hint", "A study counts when it reports results by the factor (subgroups, strata, an interaction or moderator test) or chose its sample for it; never when the factor only describes its participants."));
    var tb = el("table", "equity-factors"); var h = el("tr");
    ["Factor", "Studies", "Which"].forEach(function (x) { h.appendChild(el("th", "", x)); });
    tb.appendChild(h);
    var gaps = [];
    EQ.forEach(function (f) {
      var which = kept.filter(function (s) { return by(s).indexOf(f.id) >= 0; });
      var tr = el("tr", which.length ? "" : "equity-gap"); tr.dataset.factor = f.id;
      tr.appendChild(el("td", "", short(f.label)));
      tr.appendChild(el("td", which.length ? "" : "zero", which.length));
      tr.appendChild(el("td", "", which.length ? which.map(function (s) { return s.name || s.id; }).join("; ") : "none: an equity gap"));
      if (!which.length) gaps.push(short(f.label));
      tb.appendChild(tr);
    });
    sec.appendChild(tb);
    sec.appendChild(el("p", "equity-gaps", gaps.length ? "Equity gaps (no study reports results by): " + gaps.join("; ") + "." : "Every factor has a study that reports results by it."));
    var rows = el("table", "equity-rows"); h = el("tr");
    ["Intervention", "Studies", "Reporting by any factor"].forEach(function (x) { h.appendChild(el("th", "", x)); });
    rows.appendChild(h);
    M.interventions.forEach(function (iv) {
      var mine = kept.filter(function (s) { return s.interventions.indexOf(iv.id) >= 0; });
      if (!mine.length) return;
      var n = mine.filter(function (s) { return by(s).length > 0; }).length;
      var tr = el("tr"); tr.dataset.intervention = iv.id;
      tr.appendChild(el("td", "", short(iv.label)));
      tr.appendChild(el("td", "", mine.length));
      tr.appendChild(el("td", n === 0 ? "zero" : "", n));
      rows.appendChild(tr);
    });
    sec.appendChild(rows);
  }

  function fill(id, list, key) {
    var s = document.getElementById(id);
    list.forEach(function (x) { var o = el("option", "", short(x.label) + " (" + x.n_studies + ")"); o.value = x.id; s.appendChild(o); });
    // the open panel follows the filter: draw() shows the same cell again
    s.addEventListener("change", function () { filter[key] = s.value; selected = null; draw(); });
    var m = new RegExp("[#&]" + key + "=([^&]+)").exec(location.hash);
    // A malformed fragment (`#population=%E0%A4%A`) or an unknown id is
    // passed over: the page draws the whole map rather than nothing.
    var v = null;
    if (m) { try { v = decodeURIComponent(m[1]); } catch (e) { v = null; } }
    if (v !== null && list.some(function (x) { return x.id === v; })) { s.value = v; filter[key] = v; }
  }
  document.getElementById("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closePanel(); });
  fill("f-population", M.populations, "population");
  fill("f-design", M.designs, "design");
  (function () {
    var s = document.getElementById("f-certainty");
    if (!s) return;
    s.addEventListener("change", function () { filter.certainty = s.value; selected = null; draw(); });
  })();
  draw();
})();
