// The admin console in Debian's Chromium (apps/console/browser/support): the bundle's size
// gzipped; the first load of its page on localhost until the sign-in form is interactive,
// against the API page (/docs, Swagger UI) served by the same gateway; and the members screen
// until its first page is shown, with 10,000 accounts in the organization against the same
// screen with a handful, each the median of fresh loads in the same run.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from '@warden/testing';
import { launchChromium, newPerson } from '../../apps/console/browser/support/console-browser';
import type { BenchContext, Row } from '../support/context';

const ACCOUNTS = 10_000;
const LOADS = 7;
const IN_FLIGHT = 16;
const PASSWORD = 'copper-lantern-orbit-41';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (values: number[]) => `${median(values).toFixed(0)} ms (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`;

function bundleBytes(dist: string): { raw: number; gzipped: number; files: number } {
  const folder = path.join(dist, 'console/assets');
  const files = readdirSync(folder).filter((file) => /\.(js|css)$/.test(file));
  let raw = 0;
  let gzipped = 0;
  for (const file of files) {
    const content = readFileSync(path.join(folder, file));
    raw += content.length;
    gzipped += gzipSync(content, { level: 9 }).length;
  }
  return { raw, gzipped, files: files.length };
}

/**
 * Milliseconds from the navigation's start until `ready` holds in the page, in a fresh browser
 * context (nothing cached). `ready` is a function, not a string: the pages' Content-Security-Policy
 * refuses the eval a string predicate needs.
 */
async function firstLoad(browser: Browser, origin: string, url: string, ready: () => boolean): Promise<number> {
  const person = await newPerson(browser, origin);
  try {
    await person.page.goto(url);
    await person.page.waitForFunction(ready);
    return await person.page.evaluate(() => performance.now());
  } finally {
    await person.context.close();
  }
}

/** Milliseconds from a click on Members (from another screen) until its first page and its total are shown. */
async function membersLoad(page: Page, total: number): Promise<number> {
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await nav.getByRole('link', { name: 'Teams' }).click();
  await page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
  const started = await page.evaluate(() => performance.now());
  await nav.getByRole('link', { name: 'Members' }).click();
  await page.getByText(`(${total} in all)`).waitFor({ timeout: 60_000 });
  await page.getByRole('table', { name: 'Members' }).getByRole('row').nth(25).waitFor();
  return (await page.evaluate(() => performance.now())) - started;
}

export async function benchConsole(ctx: BenchContext & { admin: ApiClient }): Promise<Row[]> {
  const { system, options, log } = ctx;
  const origin = new URL(system.gatewayUrl).origin;
  const bundle = bundleBytes(options.dist);
  const browser = await launchChromium();
  try {
    const signInReady = () => document.querySelector('button[type=submit]')?.textContent === 'Sign in';
    const docsReady = () => document.querySelector('.swagger-ui .info') !== null;
    const consoleLoads: number[] = [];
    const docsLoads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      consoleLoads.push(await firstLoad(browser, origin, '/console', signInReady));
      docsLoads.push(await firstLoad(browser, origin, '/docs', docsReady));
    }

    // A tenant with a handful of accounts, its super admin signed in to the console.
    const organization = await ctx.admin.post<{ id: string }>('/organizations', { name: 'Bench console' });
    await ctx.admin.post('/users', {
      username: 'alice@bench', account_type: 'user', first_name: 'Alice', last_name: 'Bench', password: PASSWORD,
      organization: organization.body.id, roles: ['WARDEN_SUPER_ADMIN'],
    });
    const tenant = await ApiClient.login(system.gatewayUrl, 'alice@bench', PASSWORD, { checkAnswers: false });
    const person = await newPerson(browser, origin);
    await person.page.goto('/console');
    await person.page.getByLabel('Username').fill('alice@bench');
    await person.page.getByLabel('Password').fill(PASSWORD);
    await person.page.getByRole('button', { name: 'Sign in' }).click();
    await person.page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    const few = 30;
    for (let i = 1; i < few; i++) await tenant.post('/users', { username: `person-${i}@bench`, account_type: 'user', first_name: 'Person', last_name: String(i) });
    const small: number[] = [];
    for (let i = 0; i < LOADS; i++) small.push(await membersLoad(person.page, few));

    log(`console: creating ${ACCOUNTS} accounts (${IN_FLIGHT} in flight)`);
    const began = Date.now();
    let next = few;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ACCOUNTS) {
          const i = next++;
          const created = await tenant.post('/users', { username: `person-${i}@bench`, account_type: 'user', first_name: 'Person', last_name: String(i) });
          if (created.status !== 201) throw new Error(`creating account ${i}: ${created.status} ${JSON.stringify(created.body)}`);
          if (i % 1000 === 0) log(`console: ${i} accounts`);
        }
      }),
    );
    log(`console: ${ACCOUNTS} accounts in ${Math.round((Date.now() - began) / 1000)} s`);
    const large: number[] = [];
    for (let i = 0; i < LOADS; i++) large.push(await membersLoad(person.page, ACCOUNTS));
    await person.context.close();

    const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`;
    return [
      {
        benchmark: 'console bundle',
        system: `JS and CSS, gzipped (${bundle.files} files)`,
        systemFigure: kb(bundle.gzipped),
        baseline: 'the same, not compressed',
        baselineFigure: kb(bundle.raw),
        ratio: `${(bundle.gzipped / bundle.raw).toFixed(2)}x`,
        target: 'under 300 kB gzipped',
        verdict: bundle.gzipped < 300 * 1024 ? 'met' : 'missed',
      },
      {
        benchmark: 'console first load',
        system: '/console until the sign-in form is interactive (fresh context, localhost)',
        systemFigure: ms(consoleLoads),
        baseline: '/docs (Swagger UI) until its page shows',
        baselineFigure: ms(docsLoads),
        ratio: `${(median(consoleLoads) / median(docsLoads)).toFixed(2)}x`,
        target: 'reported',
        verdict: 'reported',
      },
      {
        benchmark: 'console members',
        system: `members screen, first page shown, ${ACCOUNTS} accounts`,
        systemFigure: ms(large),
        baseline: `the same with ${few} accounts`,
        baselineFigure: ms(small),
        ratio: `${(median(large) / median(small)).toFixed(2)}x`,
        target: 'reported',
        verdict: 'reported',
      },
    ];
  } finally {
    await browser.close();
  }
}
