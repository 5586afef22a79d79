/**
 * The browser cockpit-desktop runs (its `BROWSER`): drives Debian's chromium
 * headless through cockpit-machines' page at the URL given as the argument,
 * and writes what it saw, one `key: value` line at a time, to the file
 * `COCKPIT_RESULT` names.
 *
 * With `COCKPIT_DOMAIN=NAME` it waits for that domain's row on the Machines
 * page and records its state; with `COCKPIT_START=1` it then presses "Run"
 * and waits for "Running", then "Force turn off" and waits for "Shut off".
 * `COCKPIT_SCREENSHOT=FILE.png` saves the page at the end. Run it through
 * cockpit-desktop, which serves the page on a private network namespace:
 *
 * ```sh
 * BROWSER="deno run -A tools/cockpit_browser.ts" COCKPIT_DOMAIN=vm1 COCKPIT_RESULT=/tmp/r \
 *   /usr/lib/cockpit/cockpit-desktop /cockpit/@localhost/machines/index.html
 * ```
 *
 * (`tests/interop/cockpit_test.ts` does it with denovirt `--system`.)
 *
 * @module
 */

import puppeteer from "puppeteer-core";
import type { Page } from "puppeteer-core";

const url = Deno.args[0];
const resultFile = Deno.env.get("COCKPIT_RESULT") ?? "/dev/stderr";
const domain = Deno.env.get("COCKPIT_DOMAIN") ?? "";
const start = Deno.env.get("COCKPIT_START") === "1";
const screenshot = Deno.env.get("COCKPIT_SCREENSHOT") ?? "";
const timeout = Number(Deno.env.get("COCKPIT_TIMEOUT_MS") ?? "60000");

function record(key: string, value: string): void {
  Deno.writeTextFileSync(resultFile, `${key}: ${value.replace(/\s+/g, " ").trim()}\n`, {
    append: true,
  });
}

/** The state shown in `name`'s row of the machines list (system connection), or null. */
function rowState(page: Page, name: string): Promise<string | null> {
  // (Page-side code is a string: the DOM's types stay out of the Deno program.)
  return page.evaluate(
    `document.querySelector(${JSON.stringify(`#vm-${name}-system-state`)})?.textContent ?? null`,
  ) as Promise<string | null>;
}

/**
 * Without /dev/kvm the page first says "Hardware virtualization is disabled";
 * its "Ignore" button (as a user would press it) goes on to the list.
 */
async function ignoreNoKvm(page: Page): Promise<void> {
  const pressed = await page.evaluate(`(() => {
    const b = document.querySelector(".virtualization-disabled-empty-state button");
    if (!b) return false;
    b.click();
    return true;
  })()`);
  if (pressed) record("kvm", "none, ignored");
}

async function waitState(page: Page, name: string, want: RegExp): Promise<string> {
  const deadline = Date.now() + timeout;
  let last: string | null = null;
  while (Date.now() < deadline) {
    await ignoreNoKvm(page);
    last = await rowState(page, name);
    if (last !== null && want.test(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name}: state ${JSON.stringify(last)} never matched ${want}`);
}

async function click(page: Page, selector: string): Promise<void> {
  const el = await page.waitForSelector(selector, { visible: true, timeout });
  if (!el) throw new Error(`no ${selector}`);
  await el.click();
}

if (!url) {
  console.error("usage: cockpit_browser.ts URL");
  Deno.exit(2);
}
const profile = Deno.makeTempDirSync({ prefix: "cockpit-chromium-" });
const browser = await puppeteer.launch({
  executablePath: Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"],
  userDataDir: profile,
});
let code = 0;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on("console", (m) => {
    if (m.type() === "error") record("console", m.text());
  });
  await page.goto(url, { waitUntil: "load", timeout });
  record("title", await page.title());
  if (domain !== "") {
    record("state", await waitState(page, domain, /\S/));
    if (start) {
      await click(page, `#vm-${domain}-system-run`);
      record("started", await waitState(page, domain, /Running/));
      await click(page, `#vm-${domain}-system-action-kebab`);
      await click(page, `#vm-${domain}-system-forceOff`);
      record("stopped", await waitState(page, domain, /Shut off/));
    }
  }
  // The page's error alerts ("Failed to fetch some resources"), expanded.
  await page.evaluate(`
    for (const b of document.querySelectorAll(".pf-c-alert button")) {
      if (/show more/i.test(b.textContent ?? "")) b.click();
    }`);
  await new Promise((r) => setTimeout(r, 500));
  const alerts = await page.evaluate(
    `[...document.querySelectorAll(".pf-c-alert")].map((a) => a.textContent ?? "")`,
  ) as string[];
  for (const a of alerts) {
    record("alert", a);
  }
  record("ok", "1");
} catch (e) {
  record("error", (e as Error).message);
  code = 1;
} finally {
  try {
    const pages = await browser.pages();
    const last = pages[pages.length - 1];
    if (screenshot !== "" && last) await last.screenshot({ path: screenshot as `${string}.png` });
  } catch (e) {
    record("screenshot-error", (e as Error).message);
  }
  await browser.close();
  Deno.removeSync(profile, { recursive: true });
}
Deno.exit(code);
