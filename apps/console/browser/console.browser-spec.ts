/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The admin console in Debian's Chromium against the whole system (the built services as
// processes, the console as the gateway serves it), walked as a person would: by role and
// label, asserting what the screen shows, and checking with the API what the screen did.
// axe-core runs on every screen (no serious or critical finding); each screen is
// photographed into tmp/console-screenshots/.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, RunningSystem, pollUntil, startSystem } from '@warden/testing';
import { AuditPage } from './pages/audit.page';
import { MembersPage } from './pages/members.page';
import { SignInPage } from './pages/sign-in.page';
import { TokensPage } from './pages/tokens.page';
import { AxeCount, axeCheck, launchChromium, newPerson, screenshot } from './support/console-browser';

const PASSWORD = 'copper-lantern-orbit-41';
const SHOP = 'https://shop.example.com';

let system: RunningSystem;
let origin: string;
let browser: Browser;
let page: Page;
let violations: string[];
let tenant: ApiClient;
const axeCounts: AxeCount[] = [];
const ids: Record<string, string> = {};
const secrets: Record<string, string> = {};
const moments: Record<string, Date> = {};
// A datetime-local field's value for an instant: the browser runs in UTC.
const atSecond = (instant: Date) => instant.toISOString().slice(0, 19);

async function accessible(screen: string, on: Page = page): Promise<void> {
  const { count, serious } = await axeCheck(on, screen);
  axeCounts.push(count);
  await screenshot(on, screen);
  expect(serious).toEqual([]);
}

async function createUser(client: ApiClient, body: Record<string, unknown>): Promise<string> {
  const created = await client.post<{ id: string }>('/users', body);
  if (created.status !== 201) throw new Error(`creating ${String(body.username)}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

/** Who a token stands for when presented to the API from `from` (null: no Origin). */
async function whoamiWith(token: string, from: string | null = SHOP): Promise<number> {
  const response = await fetch(`${system.gatewayUrl}/auth/whoami`, { headers: { 'x-api-key': token, ...(from && { origin: from }) } });
  return response.status;
}

beforeAll(async () => {
  system = await startSystem({ LOGIN_MAX_FAILURES_PER_USERNAME: '3' });
  origin = new URL(system.gatewayUrl).origin;
  const platformAdmin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const organization = await platformAdmin.post<{ id: string }>('/organizations', { name: 'Acme', settings: { service_external_limit: 2 } });
  ids.acme = organization.body.id;
  await createUser(platformAdmin, {
    username: 'alice@acme', account_type: 'user', first_name: 'Alice', last_name: 'Martin', password: PASSWORD,
    organization: ids.acme, roles: ['WARDEN_SUPER_ADMIN'],
  });
  tenant = await ApiClient.login(system.gatewayUrl, 'alice@acme', PASSWORD);
  const team = await tenant.post<{ id: string }>('/teams', { name: 'Payments' });
  ids.payments = team.body.id;
  const human = (username: string, first: string, roles: string[], teams: string[] = []) =>
    createUser(tenant, { username, account_type: 'user', first_name: first, last_name: 'Acme', password: PASSWORD, roles, teams });
  ids.mia = await human('mia@acme', 'Mia', ['WARDEN_MEMBER']);
  ids.max = await human('max@acme', 'Max', ['WARDEN_MANAGER'], [ids.payments]);
  ids.pat = await human('pat@acme', 'Pat', [], [ids.payments]);
  ids.olga = await human('olga@acme', 'Olga', []);
  ids.records = await createUser(tenant, { username: 'records-api@acme', account_type: 'service_external', first_name: 'Records', last_name: 'API' });
  browser = await launchChromium();
  ({ page, violations } = await newPerson(browser, origin));
}, 180_000);

afterAll(async () => {
  const seriousOrCritical = axeCounts.reduce((sum, count) => sum + count.seriousOrCritical, 0);
  console.info(
    `axe-core: ${axeCounts.length} screens checked, ${axeCounts.reduce((sum, count) => sum + count.violations, 0)} violations of any impact, ${seriousOrCritical} serious or critical\n` +
      axeCounts.map((count) => `  ${count.screen}: ${count.violations} (${count.seriousOrCritical} serious or critical)`).join('\n'),
  );
  await browser?.close();
  await system?.stop();
});

afterEach(() => {
  // No policy refusal and no script error on any screen, whatever the test.
  expect(violations.splice(0)).toEqual([]);
});

describe('the admin console', () => {
  test('signs in with a username and password, refusing a wrong one in the API\'s words', async () => {
    const response = await page.goto('/console');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    const signIn = new SignInPage(page);
    await signIn.heading().waitFor();
    await accessible('sign-in');
    await signIn.signIn('alice@acme', 'not the password');
    await signIn.alert().waitFor();
    expect(await signIn.alert().textContent()).toContain('the username or the password is not correct');
    await signIn.signIn('alice@acme', PASSWORD);
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    expect(await page.getByRole('button', { name: 'Signed in as Alice Martin' }).isVisible()).toBe(true);
  });

  test('keeps the session where no page script can read it, across a reload', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    const readable = await page.evaluate(() => JSON.stringify({ cookie: document.cookie, local: { ...localStorage }, session: { ...sessionStorage } }));
    expect(readable).toBe(JSON.stringify({ cookie: '', local: {}, session: {} }));
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'warden_console', httpOnly: true, sameSite: 'Strict', path: '/api/v1' });
  });

  test('says who is signed in', async () => {
    await page.getByRole('button', { name: 'Signed in as Alice Martin' }).click();
    const dialog = page.getByRole('dialog', { name: 'Who am I' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('alice@acme');
    expect(await dialog.textContent()).toContain('Acts as super admin');
    await accessible('who-am-i');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  test('lists, sorts, filters and searches the members, and creates an external service account', async () => {
    const members = new MembersPage(page);
    await members.open();
    await members.row('Records API').waitFor();
    expect(await members.row('Records API').textContent()).toContain('Service External');
    await accessible('members');
    await page.getByRole('button', { name: 'Created' }).click();
    const created = page.getByRole('columnheader', { name: 'Created' });
    await pollUntil(async () => (await created.getAttribute('aria-sort')) === 'ascending', 'the list sorted by creation');
    // every column sorts, teams and status too; a second click turns the order round
    for (const column of ['Teams', 'Status']) {
      await page.getByRole('button', { name: column, exact: true }).click();
      const header = page.getByRole('columnheader', { name: column });
      await pollUntil(async () => (await header.getAttribute('aria-sort')) === 'ascending', `the list sorted by ${column}`);
      await page.getByRole('button', { name: column, exact: true }).click();
      await pollUntil(async () => (await header.getAttribute('aria-sort')) === 'descending', `the list sorted by ${column}, descending`);
    }
    await page.getByLabel('Type').selectOption({ label: 'Service External' });
    await pollUntil(async () => (await members.table().getByRole('row').count()) === 2, 'only the service account listed');

    await members.addButton().click();
    const dialog = members.dialog();
    await dialog.getByText('(1 of 2 used)').waitFor();
    await accessible('add-service-account');
    await dialog.getByRole('button', { name: 'Create service account' }).click();
    expect(await dialog.getByText('Required').first().isVisible()).toBe(true); // the description's minLength, checked before sending
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await members.addServiceAccount({ username: 'docusign-webhooks@acme', firstName: 'DocuSign', lastName: 'Webhooks', firstToken: false });
    await page.getByRole('status').getByText('Service account docusign-webhooks@acme created.').waitFor();
    await members.row('DocuSign Webhooks').waitFor();
    // the search box: any part of the name, username or email, in any case, searched by the API
    await page.getByLabel('Type').selectOption({ label: 'Any type' });
    await page.getByLabel('Search').fill('WEBHOOKS@');
    await pollUntil(async () => (await members.table().getByRole('row').count()) === 2, 'only the account searched for');
    expect(await members.row('DocuSign Webhooks').count()).toBe(1);
    await page.getByLabel('Search').fill('');
    await pollUntil(async () => (await members.table().getByRole('row').count()) > 2, 'every member again');
    const listed = await tenant.get<{ results: { id: string; username: string; status: string }[] }>('/users?account_type=service_external');
    const docusign = listed.body.results.find((account) => account.username === 'docusign-webhooks@acme');
    expect(docusign).toMatchObject({ status: 'active' });
    ids.docusign = docusign!.id;
  });

  test('issues a public token with the keyboard alone, and shows its secret once', async () => {
    const tokens = new TokensPage(page);
    await tokens.open();
    await accessible('tokens');
    await tokens.tabTo(tokens.issueButton());
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Issue token' });
    await dialog.waitFor();
    await accessible('issue-token');
    await tokens.tabTo(dialog.getByLabel('Owner (service account)'));
    await page.keyboard.type('DocuSign');
    await tokens.tabTo(dialog.getByLabel('Token name'));
    await page.keyboard.type('DocuSign Connect');
    await tokens.tabTo(dialog.getByRole('radio', { name: /Private/ }));
    await page.keyboard.press('ArrowDown');
    expect(await dialog.getByRole('radio', { name: /Public/ }).isChecked()).toBe(true);
    await tokens.tabTo(dialog.getByLabel('Allowed origins'));
    await page.keyboard.type(SHOP);
    await tokens.tabTo(dialog.getByRole('button', { name: 'Issue token' }));
    await page.keyboard.press('Enter');

    const secretDialog = page.getByRole('dialog', { name: 'Token DocuSign Connect issued' });
    await secretDialog.waitFor();
    await accessible('token-secret');
    const secret = await tokens.secretField().inputValue();
    expect(secret).toMatch(/^wdn_p_\w{38}$/);
    await tokens.tabTo(secretDialog.getByRole('button', { name: 'Copy secret' }));
    await page.keyboard.press('Enter');
    await secretDialog.getByText('Copied to the clipboard').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await tokens.tabTo(secretDialog.getByRole('button', { name: 'I have stored it' }));
    await page.keyboard.press('Enter');
    await secretDialog.waitFor({ state: 'detached' });

    // Gone from the page: neither in the markup nor in any field's value.
    const everything = await page.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll('input')].map((input) => input.value).join(' '));
    expect(everything).not.toContain(secret);
    await tokens.row('DocuSign Connect').waitFor();
    expect(await tokens.row('DocuSign Connect').textContent()).toContain(secret.slice(-4));
    secrets.issued = secret;
    // The secret works against the API from its origin only.
    expect(await whoamiWith(secret)).toBe(200);
    expect(await whoamiWith(secret, 'https://elsewhere.example.com')).toBe(401);
  });

  test('reassigns the token from the context menu of its row', async () => {
    const tokens = new TokensPage(page);
    await tokens.row('DocuSign Connect').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Reassign Token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reassign DocuSign Connect' });
    await dialog.getByLabel('New owner').selectOption({ label: 'Records API' });
    await dialog.getByRole('button', { name: 'Reassign' }).click();
    await page.getByRole('status').getByText('DocuSign Connect now belongs to Records API.').waitFor();
    await pollUntil(async () => (await tokens.row('DocuSign Connect').textContent())?.includes('Records API') ?? false, 'the new owner listed');
    const listed = await tenant.get<{ results: { name: string; user_id: string }[] }>(`/tokens?owner=${ids.records}`);
    expect(listed.body.results.map((token) => token.name)).toContain('DocuSign Connect');
  });

  test('rotates the token with a grace period: the new secret once, and when the old one ends', async () => {
    const tokens = new TokensPage(page);
    await tokens.act('DocuSign Connect', 'Rotate');
    const dialog = page.getByRole('dialog', { name: 'Rotate DocuSign Connect' });
    await dialog.getByLabel('Grace period (seconds)').fill('300');
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    const secretDialog = page.getByRole('dialog', { name: 'New secret of DocuSign Connect' });
    await secretDialog.waitFor();
    expect(await secretDialog.textContent()).toContain(`The previous secret ending in ${secrets.issued!.slice(-4)} works until`);
    secrets.rotated = await tokens.secretField().inputValue();
    await secretDialog.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.content()).not.toContain(secrets.rotated);
    expect(await whoamiWith(secrets.rotated)).toBe(200);
    expect(await whoamiWith(secrets.issued!)).toBe(200); // within its grace period
  });

  test('revokes the token after a confirmation, and the API refuses it from then on', async () => {
    const tokens = new TokensPage(page);
    moments.beforeRevoke = new Date();
    await tokens.act('DocuSign Connect', 'Revoke');
    const confirm = page.getByRole('dialog', { name: 'Revoke DocuSign Connect?' });
    await accessible('revoke-token');
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('status').getByText(/DocuSign Connect is revoked/).waitFor();
    await pollUntil(async () => (await tokens.row('DocuSign Connect').textContent())?.includes('revoked') ?? false, 'the token listed as revoked');
    expect(await whoamiWith(secrets.rotated!)).toBe(401);
    expect(await whoamiWith(secrets.issued!)).toBe(401);
  });

  test('tells what the token was at a moment', async () => {
    const tokens = new TokensPage(page);
    await tokens.act('DocuSign Connect', 'Details and history');
    const dialog = page.getByRole('dialog', { name: 'Token DocuSign Connect' });
    const asOf = dialog.getByLabel('The token as it was').getByRole('definition').first();
    const ask = async (at: Date, expected: string) => {
      await dialog.getByLabel('At').fill(atSecond(at));
      await dialog.getByRole('button', { name: 'Show the token as it was' }).click();
      await dialog.getByLabel('The token as it was').getByRole('definition').filter({ hasText: new RegExp(`^${expected.replace(/[()]/g, '\\$&')}$`) }).waitFor();
    };
    await ask(moments.beforeRevoke!, 'Yes');
    // a second later than the revocation, to the second
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await ask(new Date(), 'No (revoked)');
    expect(await asOf.textContent()).toBe('No (revoked)');
    await accessible('token-as-of');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  test('deactivates the service account, and refuses another at the limit with a clear message', async () => {
    const members = new MembersPage(page);
    await members.open();
    await page.getByLabel('Type').selectOption({ label: 'Any type' });
    await members.act('DocuSign Webhooks', 'Deactivate');
    await page.getByRole('dialog', { name: 'Deactivate DocuSign Webhooks?' }).getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('status').getByText('DocuSign Webhooks is deactivated.').waitFor();
    await pollUntil(async () => (await members.row('DocuSign Webhooks').textContent())?.includes('Deactivated') ?? false, 'the account listed as deactivated');
    expect((await tenant.get<{ status: string }>(`/users/${ids.docusign}`)).body.status).toBe('deactivated');

    await members.addButton().click();
    const dialog = members.dialog();
    await dialog.getByText('(2 of 2 used)').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toContain('This organization has used all 2 of its Service External accounts');
    expect(await dialog.getByRole('button', { name: 'Create service account' }).isDisabled()).toBe(true);
    await accessible('service-account-limit');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('refuses to delete an account that owns tokens, offering to reassign them', async () => {
    const issued = await tenant.post<{ id: string }>('/tokens', { user_id: ids.records, name: 'Records sync' });
    expect(issued.status).toBe(201);
    const members = new MembersPage(page);
    await members.act('Records API', 'Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete Records API?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toContain('user_owns_tokens');
    await dialog.getByRole('button', { name: 'Reassign its tokens' }).click();
    await page.getByRole('heading', { name: 'Tokens', level: 1 }).waitFor();
    // its tokens, ready to reassign
    const tokens = new TokensPage(page);
    await tokens.row('Records sync').waitFor();
    await pollUntil(async () => (await page.getByLabel('Owner').inputValue()) === ids.records, 'the owner filter set to the account');
    expect(await tokens.table().getByRole('row').count()).toBe(3);
  });

  test('reads the audit timeline, filters it, verifies the chain, opens an entry and exports NDJSON', async () => {
    const audit = new AuditPage(page);
    await audit.open();
    await audit.filterByEventType('TokenRevoked');
    // the audit log is fed from the event stream: the revocation shows a moment later
    await pollUntil(async () => {
      const revocations = await audit.entries('TokenRevoked').count();
      if (revocations > 0 && (await audit.entries().count()) === revocations) return true;
      await audit.filters().getByRole('button', { name: 'Apply filters' }).click();
      return false;
    }, 'only revocations in the filtered timeline', 30_000, 500);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByRole('status').getByText(/^Chain intact \(\d+ records\)$/).waitFor();
    await accessible('audit');
    await audit.entries('TokenRevoked').first().click();
    const entry = page.getByRole('dialog', { name: /^TokenRevoked #\d+$/ });
    expect(await entry.textContent()).toContain('session'); // the credential the actor acted through
    await accessible('audit-entry');
    await entry.getByRole('button', { name: 'Close' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export NDJSON' }).click()]);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { event_type: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((record) => record.event_type === 'TokenRevoked')).toBe(true);
  });

  test('creates a custom role and archives it', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('table', { name: 'Roles of warden' }).waitFor();
    await page.getByRole('button', { name: 'Create custom role' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create custom role' });
    await dialog.getByLabel('Name', { exact: true }).fill('RECORDS_WRITER');
    await dialog.getByLabel('Display name').fill('Records writer');
    await dialog.getByLabel('Permissions').fill('records:read records:write');
    await dialog.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('rowheader', { name: /^Records writer/ }).waitFor();
    await accessible('roles');
    await page.getByRole('button', { name: 'Archive Records writer' }).click();
    await page.getByRole('dialog', { name: 'Archive Records writer?' }).getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('status').getByText(/Records writer is archived/).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Records writer' }).textContent()).toContain('Archived');
  });

  test('creates a team, adds a member and renames it', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Teams' }).click();
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('dialog', { name: 'Create team' }).getByLabel('Team name').fill('Platform');
    await page.getByRole('dialog', { name: 'Create team' }).getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('rowheader', { name: 'Platform' }).waitFor();
    await page.getByRole('button', { name: 'Members of Platform' }).click();
    const members = page.getByRole('dialog', { name: 'Members of Platform' });
    await members.getByLabel('Add a member').selectOption({ label: 'Olga Acme' });
    await members.getByRole('button', { name: 'Add to team' }).click();
    await members.getByRole('button', { name: 'Remove Olga Acme from Platform' }).waitFor();
    await accessible('team-members');
    await members.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Rename Platform' }).click();
    await page.getByRole('dialog', { name: 'Rename Platform' }).getByLabel('Team name').fill('Platform engineering');
    await page.getByRole('dialog', { name: 'Rename Platform' }).getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('rowheader', { name: 'Platform engineering' }).waitFor();
    await accessible('teams');
  });

  test("sets the organization's token lifetime cap and access token lifetime, and offers no service-account limits to a tenant's super admin", async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Organizations' }).click();
    await page.getByRole('button', { name: 'Settings of Acme' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings of Acme' });
    expect(await dialog.getByLabel('External service accounts allowed').count()).toBe(0);
    await dialog.getByLabel('Longest token lifetime (seconds)').fill('0');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    expect(await dialog.getByText('At least 1').isVisible()).toBe(true);
    await dialog.getByLabel('Longest token lifetime (seconds)').fill('2592000');
    expect(await dialog.getByLabel('Access token lifetime (seconds)').inputValue()).toBe('900');
    await dialog.getByLabel('Access token lifetime (seconds)').fill('30');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    expect(await dialog.getByText('At least 60').isVisible()).toBe(true);
    await dialog.getByLabel('Access token lifetime (seconds)').fill('7200');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings of Acme saved.').waitFor();
    const row = await page.getByRole('row').filter({ hasText: 'Acme' }).textContent();
    expect(row).toContain('30 days');
    expect(row).toContain('2 hours');
    await accessible('organizations');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await new SignInPage(page).heading().waitFor();
    // The session is over for the API too, not only for the screen.
    expect((await page.request.get('/api/v1/auth/whoami')).status()).toBe(401);
  });

  test('shows a member no admin action', async () => {
    const signIn = new SignInPage(page);
    await signIn.signIn('mia@acme', PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Screens' });
    await nav.getByRole('link', { name: 'Members' }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Members', 'Roles', 'Teams', 'Organizations']);
    const members = new MembersPage(page);
    await members.open();
    await members.row('Records API').waitFor();
    expect(await members.addButton().count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Actions for/ }).count()).toBe(0);
    await accessible('members-as-member');
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  test("lets a manager act only on the people of its own teams, and on no service account or token", async () => {
    const signIn = new SignInPage(page);
    await signIn.signIn('max@acme', PASSWORD);
    const members = new MembersPage(page);
    await members.open();
    await members.row('Pat Acme').waitFor();
    expect(await members.addButton().count()).toBe(0);
    expect(await members.actionsButton('Pat Acme').count()).toBe(1);
    expect(await members.actionsButton('Olga Acme').count()).toBe(0);
    expect(await members.actionsButton('Records API').count()).toBe(0);
    await accessible('members-as-manager');
    await new TokensPage(page).open();
    expect(await page.getByRole('button', { name: 'Issue token' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  test('says how long to wait when sign-ins are throttled', async () => {
    const signIn = new SignInPage(page);
    for (let attempt = 0; attempt < 3; attempt++) {
      await signIn.signIn('olga@acme', 'a wrong guess');
      await signIn.alert().filter({ hasText: 'the username or the password is not correct' }).waitFor();
    }
    await signIn.signIn('olga@acme', PASSWORD);
    const throttled = signIn.alert().filter({ hasText: /Too many failed sign-ins .* Try again in \d+ seconds?\./ });
    await throttled.waitFor();
    expect(await page.getByRole('button', { name: 'Sign in' }).isDisabled()).toBe(true);
    await accessible('sign-in-throttled');
  });

  test('lets the platform admin create an organization and replay a read model with live progress', async () => {
    const admin = await newPerson(browser, origin);
    try {
      const signIn = new SignInPage(admin.page);
      await signIn.open();
      await signIn.signIn(system.admin.username, system.admin.password);
      const nav = admin.page.getByRole('navigation', { name: 'Screens' });
      await nav.getByRole('link', { name: 'Organizations' }).click();
      await admin.page.getByRole('button', { name: 'Create organization' }).click();
      await admin.page.getByRole('dialog', { name: 'Create organization' }).getByLabel('Name').fill('Globex');
      await admin.page.getByRole('dialog', { name: 'Create organization' }).getByRole('button', { name: 'Create' }).click();
      await admin.page.getByRole('rowheader', { name: 'Globex' }).waitFor();
      await admin.page.getByRole('button', { name: 'Settings of Acme' }).click();
      expect(await admin.page.getByLabel('External service accounts allowed').inputValue()).toBe('2');
      await accessible('organization-settings', admin.page);
      await admin.page.getByRole('button', { name: 'Cancel' }).click();

      await nav.getByRole('link', { name: 'Read models' }).click();
      await admin.page.getByRole('button', { name: 'Compare tokens' }).click();
      const status = admin.page.getByRole('region', { name: 'Tokens (the credential read model)' }).getByRole('status');
      await pollUntil(async () => /^Compare (succeeded|failed)/.test((await status.textContent()) ?? ''), 'the compare to end', 90_000, 250);
      expect(await status.textContent()).toMatch(/^Compare succeeded: (\d+) of \1 events, finished .*"differences": \[\]/s);
      expect(Number(await status.getByRole('progressbar').getAttribute('value'))).toBeGreaterThan(0);
      await accessible('read-models', admin.page);
      expect(admin.violations).toEqual([]);
    } finally {
      await admin.context.close();
    }
  });
});
