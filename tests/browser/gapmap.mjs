// Open a gap map page in headless Chromium, read what it shows, use its
// filters, click a cell, take a screenshot, and print one JSON object.
// Usage: node gapmap.mjs PAGE.html SHOT.png POPULATION NARROW_SHOT.png
import { launch } from "./launch.mjs";

const [page_path, shot, population, narrow_shot] = process.argv.slice(2);
const browser = await launch();
const out = { console_errors: [], page_errors: [], requests: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1300 } });
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith("file:")) out.requests.push(r.url()); });
  await page.goto("file://" + page_path);
  const cells = () => page.$$eval("td.cell", (tds) => Object.fromEntries(tds.map((t) => [t.dataset.intervention + "|" + t.dataset.outcome, Number(t.dataset.n)])));
  out.studies = Number(await page.getAttribute("body", "data-studies"));
  out.cells = await cells();
  out.absolute = await page.$$eval("td.cell.absolute", (x) => x.length);
  out.window_errors = await page.evaluate(() => window.lacunaErrors);
  // click the fullest cell and read the panel
  const best = Object.entries(out.cells).sort((a, b) => b[1] - a[1])[0][0].split("|");
  await page.click(`td.cell[data-intervention="${best[0]}"][data-outcome="${best[1]}"]`);
  out.clicked = best.join("|");
  out.panel_items = await page.$$eval("#panel li.study", (x) => x.length);
  out.panel_links = await page.$$eval("#panel a.paper", (x) => x.map((a) => a.href));
  out.panel_text = await page.textContent("#panel");
  // column headers never run into each other, and pooled marks sit inside their cells
  out.header_overflow = await page.$$eval("#map th.col", (ths) => ths.filter((t) => t.scrollWidth > t.clientWidth + 1).map((t) => t.textContent));
  out.header_overlaps = await page.$$eval("#map th.col", (ths) => {
    const r = ths.map((t) => t.getBoundingClientRect());
    const bad = [];
    for (let i = 1; i < r.length; i++) if (r[i].left < r[i - 1].right - 0.5) bad.push(ths[i].textContent);
    return bad;
  });
  out.pooled_outside = await page.$$eval("td.cell .pooled", (ps) => ps.filter((p) => {
    const c = p.closest("td").getBoundingClientRect(), r = p.getBoundingClientRect();
    return r.left < c.left || r.right > c.right || r.top < c.top || r.bottom > c.bottom;
  }).length);
  out.pooled_marks = await page.$$eval("td.cell .pooled", (ps) => ps.length);
  // clicking a pooled cell shows its estimate and CI on the cell itself
  const pooled = await page.$("td.cell .pooled");
  // the panel opens over the grid: close it before the next click
  await page.keyboard.press("Escape");
  out.panel_hidden_after_escape = await page.$eval("#panel", (p) => p.hidden);
  if (pooled) {
    const td = await pooled.evaluateHandle((p) => p.closest("td"));
    await td.click();
    out.cell_estimate = await td.evaluate((t) => { const e = t.querySelector(".estimate"); return e ? e.textContent : null; });
    out.cell_estimate_inside = await td.evaluate((t) => {
      const e = t.querySelector(".estimate"); if (!e) return false;
      const c = t.getBoundingClientRect(), r = e.getBoundingClientRect();
      return r.left >= c.left - 0.5 && r.right <= c.right + 0.5 && r.top >= c.top - 0.5 && r.bottom <= c.bottom + 0.5;
    });
    out.pooled_panel = await page.textContent("#panel .pooled-result");
  }
  await page.screenshot({ path: shot, fullPage: true });
  // filter by population, as a person would
  await page.selectOption("#f-population", population);
  out.filtered_studies = Number(await page.getAttribute("body", "data-studies"));
  out.filtered_cells = await cells();
  out.window_errors = out.window_errors.concat(await page.evaluate(() => window.lacunaErrors));
  // the off-grid list: the library's list under the page's filter, beside
  // the page's own counts
  const offGrid = () => page.evaluate(() => ({
    rows: document.querySelectorAll("#off-grid-list tr.off-grid-row").length,
    heading: Number(document.getElementById("off-grid-n").textContent),
    included: Number(document.body.dataset.included),
    in_grid: Number(document.body.dataset.inGrid),
    reasons: [...document.querySelectorAll("#off-grid-list tr.off-grid-row")].map((r) => r.dataset.reason),
  }));
  out.filtered_off_grid = await offGrid();
  // issue 26: under the filter, a click shows the filtered studies of the
  // cell, and pooled marks follow the filter
  const fcells = await page.$$eval("td.cell", (tds) => tds.map((t) => ({
    key: t.dataset.intervention + "|" + t.dataset.outcome, n: Number(t.dataset.n),
    bubble: t.querySelector(".bubble") ? Number(t.querySelector(".bubble").textContent) : 0,
    pooled_state: t.dataset.pooled,
    filled_diamond: !!t.querySelector(".pooled"), any_diamond: !!t.querySelector(".pooled, .pooled-all-mark"),
  })));
  out.filtered_marks = fcells;
  const fbest = fcells.slice().sort((a, b) => b.n - a.n)[0];
  const clickKey = async (key) => {
    const [iv, oc] = key.split("|");
    await page.keyboard.press("Escape");
    await page.click(`td.cell[data-intervention="${iv}"][data-outcome="${oc}"]`);
    return page.evaluate(() => ({
      count: Number(document.querySelector("#panel .counts").dataset.n),
      count_text: document.querySelector("#panel .counts").textContent,
      items: document.querySelectorAll("#panel li.study").length,
      pooled_result: [...document.querySelectorAll("#panel .pooled-result")].map((x) => x.textContent),
      pooled_all: [...document.querySelectorAll("#panel .pooled-all")].map((x) => x.textContent),
      estimate_on_cell: !!document.querySelector("td.cell.selected .estimate"),
    }));
  };
  out.filtered_click = { key: fbest.key, cell_n: fbest.n, bubble: fbest.bubble, ...(await clickKey(fbest.key)) };
  // every cell with a pooled result, clicked under the filter
  out.filtered_pooled_clicks = {};
  const pooledKeys = await page.evaluate(() => JSON.parse(document.getElementById("data").textContent).cells
    .filter((c) => c.pooled.length).map((c) => c.intervention + "|" + c.outcome));
  for (const key of pooledKeys) out.filtered_pooled_clicks[key] = await clickKey(key);
  // the panel that is open follows a change of filter
  await page.keyboard.press("Escape");
  await page.selectOption("#f-population", "");
  const [biv, boc] = best;
  await page.click(`td.cell[data-intervention="${biv}"][data-outcome="${boc}"]`);
  const before = await page.$eval("#panel .counts", (c) => Number(c.dataset.n));
  await page.selectOption("#f-population", population);
  out.refilter = { key: best.join("|"), before, after: await page.$eval("#panel .counts", (c) => Number(c.dataset.n)),
    cell_after: await page.$eval(`td.cell[data-intervention="${biv}"][data-outcome="${boc}"]`, (t) => Number(t.dataset.n)) };
  await page.keyboard.press("Escape");
  await page.selectOption("#f-population", "");
  out.off_grid = await offGrid();
  // no category id where a person reads: open the list and a panel, read the visible text
  await page.click("#off-grid summary");
  await page.click(`td.cell[data-intervention="${biv}"][data-outcome="${boc}"]`);
  out.ids_in_text = await page.evaluate(() => {
    const M = JSON.parse(document.getElementById("data").textContent);
    const ids = [].concat(M.interventions, M.outcomes, M.populations, M.designs).map((a) => a.id).filter((id) => /[_.]/.test(id));
    const text = document.body.innerText;
    // ids with "_" or "." are no words; inline tags run together in innerText, so no word boundaries
    return ids.filter((id) => text.includes(id));
  });
  out.visible_text_length = (await page.evaluate(() => document.body.innerText)).length;
  out.visible_tags = await page.$$eval("#panel .tag, #off-grid .tag", (x) => [...new Set(x.map((t) => t.textContent))]);
  // at 1280 x 800 the map fits: no horizontal scrollbar, the last column in view
  const narrow = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  narrow.on("pageerror", (e) => out.page_errors.push(String(e)));
  await narrow.goto("file://" + page_path);
  out.narrow = await narrow.evaluate(() => {
    const d = document.documentElement, w = document.querySelector(".grid-wrap");
    const ths = document.querySelectorAll("#map th.col"), last = ths[ths.length - 1].getBoundingClientRect();
    return {
      doc_scroll_width: d.scrollWidth, doc_client_width: d.clientWidth,
      wrap_scroll_width: w.scrollWidth, wrap_client_width: w.clientWidth,
      last_header: ths[ths.length - 1].textContent, last_left: last.left, last_right: last.right, last_width: last.width,
      header_overflow: [...ths].filter((t) => t.scrollWidth > t.clientWidth + 1).map((t) => t.textContent),
    };
  });
  await narrow.screenshot({ path: narrow_shot });
  // the panel opens over the grid without widening the page
  const firstFull = await narrow.$("td.cell .bubble");
  await firstFull.click();
  Object.assign(out.narrow, await narrow.evaluate(() => {
    const w = document.querySelector(".grid-wrap");
    return { panel_open_doc_scroll_width: document.documentElement.scrollWidth,
      panel_open_wrap_scroll_width: w.scrollWidth, panel_open_wrap_client_width: w.clientWidth };
  }));
  out.narrow.panel_visible = await narrow.$eval("#panel", (p) => !p.hidden && p.getBoundingClientRect().width > 200);
  await narrow.screenshot({ path: narrow_shot.replace(/\.png$/, "-panel.png") });
  // a malformed fragment (issue 16) must not blank the grid
  const bad = await browser.newPage();
  bad.on("pageerror", (e) => out.page_errors.push(String(e)));
  await bad.goto("file://" + page_path + "#population=%E0%A4%A");
  out.bad_fragment_cells = await bad.$$eval("td.cell", (x) => x.length);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
