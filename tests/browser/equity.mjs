// Open a gap map page in headless Chromium and read its equity tables
// (PROGRESS-Plus): studies per factor, the gaps, studies per intervention
// that report by any factor; unfiltered and under a design filter.
// Usage: node equity.mjs PAGE.html DESIGN
import { launch } from "./launch.mjs";

const [page_path, design] = process.argv.slice(2);
const browser = await launch();
const out = { console_errors: [], page_errors: [], requests: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith("file:")) out.requests.push(r.url()); });
  await page.goto("file://" + page_path);
  const read = () => page.evaluate(() => {
    const rows = (sel, col) => Object.fromEntries([...document.querySelectorAll(sel)].map((r) =>
      [r.dataset.factor || r.dataset.intervention, Number(r.children[col].textContent)]));
    const gaps = document.querySelector("#equity .equity-gaps");
    const M = JSON.parse(document.getElementById("data").textContent);
    const text = document.body.innerText;
    return {
      heading: (document.querySelector("#equity h2") || {}).textContent || null,
      factors: rows("#equity tr[data-factor]", 1),
      gap_rows: [...document.querySelectorAll("#equity tr.equity-gap")].map((r) => r.dataset.factor),
      gaps: gaps ? gaps.textContent : null,
      which: Object.fromEntries([...document.querySelectorAll("#equity tr[data-factor]")].map((r) => [r.dataset.factor, r.children[2].textContent])),
      rows: rows("#equity tr[data-intervention]", 2),
      ids_in_text: (M.equity || []).map((a) => a.id).filter((id) => text.includes(id)),
    };
  });
  out.all = await read();
  await page.selectOption("#f-design", design);
  out.filtered = await read();
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
