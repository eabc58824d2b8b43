// Open a briefing page in headless Chromium: console errors, page errors,
// any request that leaves the file, the figures with their captions and
// alt text, then a screenshot; then, as printed, the search strings shown.
// Prints one JSON object.
// Usage: node briefing.mjs BRIEFING.html SHOT.png
import { launch } from "./launch.mjs";

const [page_path, shot] = process.argv.slice(2);
const browser = await launch();
const out = { console_errors: [], page_errors: [], requests: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  page.on("request", (r) => { if (r.url() !== "file://" + page_path) out.requests.push(r.url()); });
  await page.goto("file://" + page_path);
  out.figures = await page.$$eval("figure", (fs) => fs.length);
  out.figures_without_caption = await page.$$eval("figure", (fs) => fs.filter((f) => !f.querySelector("figcaption")).length);
  out.svgs_without_alt = await page.$$eval("figure svg", (ss) => ss.filter((s) => !(s.getAttribute("aria-label") || s.getAttribute("aria-labelledby"))).length);
  out.forests = await page.$$eval("section.pooled-cell figure.forest", (x) => x.length);
  out.sections = await page.$$eval("h2", (hs) => hs.map((h) => h.id));
  out.prisma = await page.$$eval("[data-prisma]", (xs) => Object.fromEntries(xs.map((x) => [x.dataset.prisma, Number(x.textContent)])));
  await page.screenshot({ path: shot, fullPage: false });
  // printed: nothing folded away, the search strings shown in full
  await page.emulateMedia({ media: "print" });
  out.print_details = await page.$$eval("details", (d) => d.length);
  out.print_searches = await page.$$eval("ul.searches li", (ls) => ls.filter((l) => l.offsetHeight > 0 && l.querySelector("code")?.textContent.length > 0).length);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
