/// <reference lib="dom" />
// Debian's Chromium, headless, driven by Playwright (playwright-core: no browser of its own is
// downloaded). tools/ensure-test-tools.sh installs the `chromium` package when it is missing.
import AxeBuilder from '@axe-core/playwright';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// What Chromium needs on these machines: no sandbox (root, no user namespaces), no GPU, and
// none of its own traffic to the network. Playwright starts each launch with a fresh
// --user-data-dir of its own.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOTS = path.resolve(__dirname, '../../../../tmp/console-screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: bash tools/ensure-test-tools.sh installs Debian's chromium`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** A person's browser: its own cookies, a screen of a laptop's size, the clipboard allowed. */
export async function newPerson(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 1366, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  context.setDefaultTimeout(15_000);
  // Where a refusal of the policy came from, which the browser's own message does not say.
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`Content Security Policy refused ${event.violatedDirective} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} (${event.sample})`),
    ),
  );
  const page = await context.newPage();
  // Whatever the page's policy refused (an inline script or style, another origin) and any script error.
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      violations.push(`${message.text()} (${page.url()}, ${message.location().url}:${message.location().lineNumber})`);
    }
  });
  page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));
  return { context, page, violations };
}

export interface AxeCount {
  screen: string;
  violations: number;
  seriousOrCritical: number;
}

/** axe-core's WCAG 2.1 A and AA rules over the page as it is; answers its counts and the serious and critical findings. */
export async function axeCheck(page: Page, screen: string): Promise<{ count: AxeCount; serious: string[] }> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  return { count: { screen, violations: results.violations.length, seriousOrCritical: serious.length }, serious };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
