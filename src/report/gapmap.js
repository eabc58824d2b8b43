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
  var filter = { population: "", design: "" };
  var selected = null;

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
    return r;
  }
  function fmt(x) { return (Math.round(x * 100) / 100).toFixed(2); }

  function showCell(cell, td) {
    if (selected) {
      selected.classList.remove("selected");
      var old = selected.querySelector(".estimate");
      if (old) old.parentNode.removeChild(old);
    }
    selected = td; td.classList.add("selected");
    // the pooled estimate and its CI on the cell itself, on the reader's scale
    if (cell.pooled.length) {
      var q0 = cell.pooled[0];
      var est = el("span", "estimate", fmt(q0.shown[0]) + " [" + fmt(q0.shown[1]) + ", " + fmt(q0.shown[2]) + "]");
      est.title = "pooled " + q0.scale + " with its 95% CI (k = " + q0.k + ")";
      (td.querySelector(".in") || td).appendChild(est);
    }
    var r = summarise(cell);
    var p = document.getElementById("panel");
    p.textContent = "";
    p.appendChild(el("h2", "", IV[cell.intervention].label + " × " + OC[cell.outcome].label));
    var line = r.n + " completed stud" + (r.n === 1 ? "y" : "ies") + (r.reviews ? " (" + r.reviews + " systematic review" + (r.reviews === 1 ? "" : "s") + ")" : "") +
      (r.ongoing ? "; " + r.ongoing + " ongoing" : "");
    p.appendChild(el("p", "counts", line));
    if (r.gaps.length) p.appendChild(el("p", "gaps", "Gap: " + r.gaps.join(", ")));
    cell.pooled.forEach(function (q) {
      var t = "Pooled " + q.scale + " (k = " + q.k + ", " + q.method + "): " + fmt(q.shown[0]) + " [95% CI " + fmt(q.shown[1]) + " to " + fmt(q.shown[2]) + "]";
      if (q.shown_pi) t += "; 95% prediction interval " + fmt(q.shown_pi[0]) + " to " + fmt(q.shown_pi[1]);
      t += "; I² = " + Math.round(q.i2) + "%";
      p.appendChild(el("p", "pooled-result", t));
    });
    var ol = el("ol", "studies");
    r.studies.forEach(function (s) {
      var li = el("li", "study");
      s.papers.forEach(function (paper, j) {
        var a;
        if (paper.pmid) { a = el("a", "paper", paper.title); a.href = "https://pubmed.ncbi.nlm.nih.gov/" + paper.pmid + "/"; a.target = "_blank"; a.rel = "noopener"; }
        else if (paper.doi) { a = el("a", "paper", paper.title); a.href = "https://doi.org/" + paper.doi; a.target = "_blank"; a.rel = "noopener"; }
        else a = el("span", "paper", paper.title);
        if (j > 0) li.appendChild(el("br"));
        li.appendChild(a);
        if (paper.year) li.appendChild(el("span", "", " (" + paper.year + ")"));
        if (paper.retracted) { var rt = el("span", "retracted", "RETRACTED"); rt.title = "PubMed marks this record retracted; it is left out of pooling"; li.appendChild(rt); }
      });
      li.appendChild(el("br"));
      s.designs.forEach(function (d) { li.appendChild(el("span", "tag", DE[d] ? DE[d].id : d)); });
      if (s.status === "ongoing") li.appendChild(el("span", "tag", "ongoing"));
      s.populations.forEach(function (d) { li.appendChild(el("span", "tag", d)); });
      ol.appendChild(li);
    });
    p.appendChild(ol);
  }

  function draw() {
    var t = document.getElementById("map");
    t.textContent = "";
    var head = el("tr");
    head.appendChild(el("th", "corner", ""));
    M.outcomes.forEach(function (c) { var th = el("th", "col", c.label.split(" (")[0]); th.title = c.label; head.appendChild(th); });
    t.appendChild(head);
    var cellsByRow = {};
    M.cells.forEach(function (c) { (cellsByRow[c.intervention] = cellsByRow[c.intervention] || []).push(c); });
    var maxN = 1, total = {}, gapsN = 0;
    var sums = {};
    M.cells.forEach(function (c) { var r = summarise(c); sums[c.intervention + "|" + c.outcome] = r; if (r.n > maxN) maxN = r.n; if (r.gaps.indexOf("absolute") >= 0) gapsN++; r.studies.forEach(function (s) { if (s.status === "completed") total[s.id] = 1; }); });
    var lastGroup = null;
    M.interventions.forEach(function (iv) {
      if (iv.group && iv.group !== lastGroup) {
        var g = el("tr", "group"); var th = el("th", "", groups[iv.group] || iv.group); th.colSpan = M.outcomes.length + 1; g.appendChild(th); t.appendChild(g);
        lastGroup = iv.group;
      }
      var tr = el("tr");
      var rh = el("th", "row", iv.label.split(" (")[0]); rh.title = iv.label;
      if (iv.economic_gap) { var e = el("span", "econ", "†"); e.title = "studies but no economic evaluation"; rh.appendChild(e); }
      tr.appendChild(rh);
      (cellsByRow[iv.id] || []).forEach(function (c) {
        var r = sums[c.intervention + "|" + c.outcome];
        var td = el("td", "cell " + r.gaps.join(" "));
        td.dataset.intervention = c.intervention; td.dataset.outcome = c.outcome; td.dataset.n = String(r.n);
        td.title = iv.label + " × " + OC[c.outcome].label + ": " + r.n + " stud" + (r.n === 1 ? "y" : "ies") + (r.gaps.length ? " (gap: " + r.gaps.join(", ") + ")" : "");
        // the cell's content sits in its own box, so marks stay inside the cell
        var inner = el("div", "in");
        td.appendChild(inner);
        if (r.n > 0) {
          var d = Math.round(14 + 20 * Math.sqrt(r.n / maxN));
          var b = el("span", "bubble" + (r.gaps.indexOf("weak") >= 0 ? " weak" : (r.rct * 2 >= r.n ? " rct" : "")), r.n);
          b.style.width = d + "px"; b.style.height = d + "px";
          inner.appendChild(b);
        }
        if (c.pooled.length) { var pm = el("span", "pooled", "◆"); pm.title = "pooled result: click the cell"; inner.appendChild(pm); }
        if (r.ongoing) inner.appendChild(el("span", "ongoing", "+" + r.ongoing));
        td.addEventListener("click", function () { showCell(c, td); });
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    var n = M.studies.filter(function (s) { return s.status === "completed" && passes(s); }).length;
    var placed = Object.keys(total).length;
    document.getElementById("summary").textContent = n + " studies (" + placed + " with both an intervention and an outcome code, shown in the grid; " + M.n_records + " records); " + gapsN + " of " + M.cells.length + " cells have no study.";
    document.body.dataset.studies = String(n);
    drawPopulations();
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
      var tr = el("tr"); tr.appendChild(el("td", "", p.label.split(" (")[0]));
      tr.appendChild(el("td", n === 0 ? "zero" : "", n)); tr.appendChild(el("td", "", ex));
      tb.appendChild(tr);
    });
    sec.appendChild(tb);
  }

  function fill(id, list, key) {
    var s = document.getElementById(id);
    list.forEach(function (x) { var o = el("option", "", x.label.split(" (")[0] + " (" + x.n_studies + ")"); o.value = x.id; s.appendChild(o); });
    s.addEventListener("change", function () { filter[key] = s.value; selected = null; draw(); });
    var m = new RegExp("[#&]" + key + "=([^&]+)").exec(location.hash);
    // A malformed fragment (`#population=%E0%A4%A`) or an unknown id is
    // passed over: the page draws the whole map rather than nothing.
    var v = null;
    if (m) { try { v = decodeURIComponent(m[1]); } catch (e) { v = null; } }
    if (v !== null && list.some(function (x) { return x.id === v; })) { s.value = v; filter[key] = v; }
  }
  fill("f-population", M.populations, "population");
  fill("f-design", M.designs, "design");
  draw();
})();
