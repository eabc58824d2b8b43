// Headless Chromium as every browser test here starts it: the machine's
// Chromium (or $CHROMIUM), with no sandbox, GPU or background networking
// (a closed network refuses Chromium's own connections).
import { chromium } from "playwright-core";

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
