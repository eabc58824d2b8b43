// Open a gap map page in headless Chromium, read what it shows, use its
// filters, click a cell, take a screenshot, and print one JSON object.
// Usage: node gapmap.mjs PAGE.html SHOT.png POPULATION
import { chromium } from "playwright-core";

const [page_path, shot, population] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
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
  // a malformed fragment (issue 16) must not blank the grid
  const bad = await browser.newPage();
  bad.on("pageerror", (e) => out.page_errors.push(String(e)));
  await bad.goto("file://" + page_path + "#population=%E0%A4%A");
  out.bad_fragment_cells = await bad.$$eval("td.cell", (x) => x.length);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
