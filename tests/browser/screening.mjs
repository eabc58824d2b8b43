// Drive `lacuna serve` in headless Chromium as a reviewer: log in (a bad
// token first), screen five records by keyboard, undo one, search and
// decide from a hit, resolve a conflict, read the progress page; watch for
// anything the record text might run (a <script> title, an <img onerror>
// abstract). Saves a screenshot per step. Prints one JSON object.
// Usage: node screening.mjs BASE_URL TOKEN SEARCH_QUERY SHOT_DIR
import { launch } from "./launch.mjs";

const [base, token, query, shots] = process.argv.slice(2);
const browser = await launch();
const out = { console_errors: [], page_errors: [], dialogs: [], requests: [], responses: [], csp_violations: 0, steps: {} };
const recordKey = (page) => page.$eval("#record", (r) => r.dataset.key || "");
// Requests the page has sent and not yet seen answered: a key is pressed
// only when none is in flight, as the steps below read what the page shows
// (the server's side of a key pressed mid-request is tested over HTTP).
let inFlight = 0;
async function settled() {
  for (let i = 0; i < 300 && inFlight > 0; i++) await new Promise((r) => setTimeout(r, 50));
}
async function waitKeyChange(page, from) {
  try {
    await page.waitForFunction((k) => (document.getElementById("record").dataset.key || "") !== k, from, { timeout: 15000 });
  } catch (e) {
    const toast = await page.textContent("#toast").catch(() => "?");
    throw new Error(`the record stayed ${from} (toast: ${JSON.stringify(toast)}): ${e.message}`);
  }
  await settled();
  return recordKey(page);
}
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (m) => {
    if (m.type() === "error") out.console_errors.push(m.text());
    if (/Content Security Policy/i.test(m.text())) out.csp_violations += 1;
  });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  page.on("dialog", async (d) => { out.dialogs.push(d.message()); await d.dismiss(); });
  page.on("request", (r) => { inFlight += 1; out.requests.push(new URL(r.url()).pathname); });
  page.on("requestfailed", () => { inFlight -= 1; });
  page.on("requestfinished", () => { inFlight -= 1; });
  page.on("response", (r) => {
    if (r.status() >= 400) out.responses.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
  });

  // log in: a bad token is refused with a message, the right one opens the app
  await page.goto(base + "/");
  await page.waitForSelector("#view-login:not([hidden])");
  await page.fill("#token", "not-a-token");
  await page.press("#token", "Enter");
  await page.waitForFunction(() => document.getElementById("login-error").textContent.length > 0);
  out.steps.bad_login_message = await page.textContent("#login-error");
  await page.screenshot({ path: `${shots}/login.png` });
  await page.fill("#token", token);
  await page.press("#token", "Enter");
  await page.waitForSelector("#view-screen:not([hidden])");
  await page.waitForFunction(() => (document.getElementById("record").dataset.key || "") !== "");
  await settled();
  out.steps.reviewer = await page.textContent("#who");

  // five records by keyboard, no layout jump between them
  const keys = ["i", "e", "e", "m", "e"];
  const decided = [];
  const boxes = [];
  let key = await recordKey(page);
  for (const k of keys) {
    boxes.push(await page.$eval("#decide", (d) => { const r = d.getBoundingClientRect(); return [r.top, r.height]; }));
    decided.push(key);
    if (decided.length === 3) await page.screenshot({ path: `${shots}/screen.png` });
    await page.keyboard.press(k);
    key = await waitKeyChange(page, key);
  }
  out.steps.decided = decided;
  out.steps.decision_bar_boxes = boxes;
  out.steps.status_line = await page.textContent("#progress-text");
  out.steps.stop_line = await page.textContent("#stop-line");
  out.steps.marks = await page.$$eval("#record mark", (m) => m.length);

  // undo: the last record comes back, flagged, and a new decision supersedes it
  await page.keyboard.press("u");
  key = await waitKeyChange(page, key);
  out.steps.undo_shows = key;
  out.steps.undo_flag = await page.textContent("#rec-flags");
  // exclude with a reason: r, then the digit of the first reason
  await page.keyboard.press("r");
  await page.waitForSelector("#reasons:not([hidden])");
  await page.keyboard.press("1");
  key = await waitKeyChange(page, key);

  // search, and decide from a hit
  await page.keyboard.press("/");
  await page.waitForSelector("#view-search:not([hidden])");
  await page.fill("#q", query);
  await page.press("#q", "Enter");
  await page.waitForSelector("#hits li");
  out.steps.hits = await page.$$eval("#hits li", (l) => l.length);
  out.steps.hit_titles = await page.$$eval("#hits li h2", (h) => h.map((x) => x.textContent));
  out.steps.hit_markup = await page.$$eval("#hits li", (l) => l.map((x) => x.querySelectorAll("script, img").length).reduce((a, b) => a + b, 0));
  await page.click("#hits li:first-child button.include");
  await page.waitForSelector("#hits li:first-child .decided.include");
  out.steps.hit_decided = await page.textContent("#hits li:first-child .decided");
  await page.screenshot({ path: `${shots}/search.png` });

  // conflicts: both decisions side by side, resolve one
  await page.click("nav a[data-view=conflicts]");
  await page.waitForSelector("#conflict-list li");
  out.steps.conflicts_before = await page.$$eval("#conflict-list li", (l) => l.map((x) => x.dataset.key));
  out.steps.conflict_votes = await page.$$eval("#conflict-list li:first-child .vote", (v) => v.map((x) => x.textContent));
  out.steps.conflict_title = await page.textContent("#conflict-list li:first-child h2");
  out.steps.conflict_markup = await page.$$eval("#conflict-list", (l) => l[0].querySelectorAll("script, img").length);
  await page.screenshot({ path: `${shots}/conflicts.png` });
  const n = out.steps.conflicts_before.length;
  await page.click("#conflict-list li:first-child button[data-resolve=include]");
  await page.waitForFunction((n) => document.querySelectorAll("#conflict-list li").length === n - 1, n);
  out.steps.conflicts_after = await page.$$eval("#conflict-list li", (l) => l.map((x) => x.dataset.key));

  // progress: per reviewer and kappa
  await page.click("nav a[data-view=progress]");
  await page.waitForSelector("#per-reviewer tbody tr");
  out.steps.per_reviewer = await page.$$eval("#per-reviewer tbody tr", (r) => r.map((x) => [...x.children].map((c) => c.textContent)));
  out.steps.pairs = await page.$$eval("#pairs tbody tr", (r) => r.map((x) => [...x.children].map((c) => c.textContent)));
  await page.screenshot({ path: `${shots}/progress.png` });

  // back to screening for the README's picture
  await page.click("nav a[data-view=screen]");
  await page.waitForSelector("#view-screen:not([hidden])");
  await page.waitForFunction(() => (document.getElementById("record").dataset.key || "") !== "");
  await page.screenshot({ path: `${shots}/screen-after.png` });
  out.title = await page.title();
  out.pwned = await page.evaluate(() => window.__pwned === true);
} catch (e) {
  out.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
