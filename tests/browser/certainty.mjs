// Open a gap map page in headless Chromium and read how sure it says each
// pooled cell is: GRADE's symbols in the cells, the five domains in the
// panel, and what the "certainty at least" filter leaves.
// Usage: node certainty.mjs PAGE.html SHOT.png
import { launch } from "./launch.mjs";

const [page_path, shot] = process.argv.slice(2);
const browser = await launch();
const out = { console_errors: [], page_errors: [], requests: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith("file:")) out.requests.push(r.url()); });
  await page.goto("file://" + page_path);
  out.grades = await page.$$eval("td.cell .grade", (x) => x.map((g) => g.textContent));
  out.pooled = await page.$$eval("td.cell .pooled", (x) => x.length);
  out.low_certainty_cells = await page.$$eval("td.cell.low_certainty", (x) => x.length);
  // the panel of the first pooled cell lists the five domains
  const first = await page.$("td.cell[data-pooled=filtered]");
  if (first) {
    await first.click();
    out.panel_certainty = await page.textContent("#panel p.certainty");
    out.panel_domains = await page.$$eval("#panel ul.domains li", (x) => x.map((l) => l.textContent));
  }
  // "certainty at least moderate": the answers below it are set aside
  await page.selectOption("#f-certainty", "moderate");
  out.pooled_at_moderate = await page.$$eval("td.cell .pooled", (x) => x.length);
  out.below_at_moderate = await page.$$eval("td.cell .pooled-below", (x) => x.length);
  await page.selectOption("#f-certainty", "");
  out.pooled_again = await page.$$eval("td.cell .pooled", (x) => x.length);
  await page.screenshot({ path: shot, fullPage: false });
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
