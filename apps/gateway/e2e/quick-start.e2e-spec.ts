// The README's quick start through the typed client, as an integrator would write it: every
// path, body and answer typed from the API description, with no cast and no non-null
// assertion (eslint refuses both in this file), under the workspace's `strict` type check.
import { WardenClient, createWardenClient } from '@warden/api-client';
import { RunningSystem, fetchCheckingAnswers, pollUntil, startSystem } from '@warden/testing';

/** The answer's data, or the test fails with the problem document. */
function answered<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined)
    throw new Error(`${result.response.status}: ${JSON.stringify(result.error)}`);
  return result.data;
}

describe('the quick start through the typed client', () => {
  let system: RunningSystem;
  let origin: string;
  const client = (credential?: string): WardenClient =>
    createWardenClient({ baseUrl: origin, credential, fetch: fetchCheckingAnswers });

  beforeAll(async () => {
    system = await startSystem();
    origin = new URL(system.gatewayUrl).origin;
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('runs from the bootstrap admin to a verified API token', async () => {
    // the platform admin creates the tenant and its first super admin
    const platform = answered(
      await client().POST('/api/v1/auth/login', {
        body: { username: system.admin.username, password: system.admin.password },
      }),
    );
    const admin = client(platform.key);
    const acme = answered(await admin.POST('/api/v1/organizations', { body: { name: 'Acme' } }));
    const listed = answered(
      await admin.GET('/api/v1/organizations', { params: { query: { page_size: 50 } } }),
    );
    expect(listed.results.map((organization) => organization.id)).toContain(acme.id);
    expect(listed.pagination.total).toBeGreaterThanOrEqual(2);
    const alice = answered(
      await admin.POST('/api/v1/users', {
        body: {
          username: 'alice@acme',
          account_type: 'user',
          password: 'copper-lantern-orbit-41',
          organization: acme.id,
          roles: ['WARDEN_SUPER_ADMIN'],
        },
      }),
    );
    expect(alice).toMatchObject({
      organization_id: acme.id,
      roles: ['WARDEN_SUPER_ADMIN'],
      status: 'active',
    });

    // who logs in and does the rest in the tenant
    const session = answered(
      await client().POST('/api/v1/auth/login', {
        body: { username: 'alice@acme', password: 'copper-lantern-orbit-41' },
      }),
    );
    const tenant = client(session.key);
    const account = answered(
      await tenant.POST('/api/v1/users', {
        body: {
          username: 'docusign-webhooks@acme',
          account_type: 'service_external',
          first_name: 'DocuSign',
          last_name: 'Webhooks',
          roles: ['WARDEN_MEMBER'],
        },
        params: { header: { 'Idempotency-Key': 'create-docusign-webhooks' } },
      }),
    );
    expect(account.account_type).toBe('service_external');
    const issued = answered(
      await tenant.POST('/api/v1/tokens', {
        body: { user_id: account.id, name: 'DocuSign Connect', permissions: ['users:read'] },
      }),
    );
    expect(issued.token).toMatch(/^wdn_p_/);
    expect(issued.last_four).toBe(issued.token.slice(-4));

    const introspection = answered(
      await tenant.POST('/api/v1/tokens/verify', { body: { token: issued.token } }),
    );
    if (!introspection.active)
      throw new Error(`the new token is inactive: ${introspection.reason ?? 'no reason given'}`);
    expect(introspection).toMatchObject({
      token_id: issued.id,
      user_id: account.id,
      organization_id: acme.id,
      token_type: 'api_token',
    });

    // the token is a credential of its own
    const asToken = answered(await client(issued.token).GET('/api/v1/auth/whoami'));
    expect(asToken).toMatchObject({
      user_id: account.id,
      organization_id: acme.id,
      credential: { kind: 'api_token', id: issued.id },
    });
    expect(Object.keys(asToken.permissions)).toEqual(['users:read']);

    // what happened, as the audit log recorded it (from the event stream, a moment later)
    const issuedRecords = async () =>
      answered(
        await tenant.GET('/api/v1/audit/events', {
          params: { query: { organization_id: acme.id, event_type: 'TokenIssued', order: 'newest' } },
        }),
      ).results;
    await pollUntil(async () => (await issuedRecords()).length > 0, 'the audit log to record the issue');
    const [record] = await issuedRecords();
    expect(record).toMatchObject({ event_type: 'TokenIssued', actor_id: alice.id, organization_id: acme.id });
  });
});
