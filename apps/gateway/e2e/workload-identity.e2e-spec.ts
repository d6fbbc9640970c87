// Workload identity federation: a workload exchanges the token its platform gave
// it (here an OIDC issuer run by the test itself: a discovery document and a JWKS served over
// HTTP, tokens signed with jose) for a Warden access token, with no stored secret. Only a
// rule of the account lets a token in; everything else, and an issuer that cannot be
// reached, is refused and audited.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, RunningSystem, pollUntil, startSystem } from '@warden/testing';
import { JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An OpenID issuer as Kubernetes or a CI system runs one: a discovery document, its keys, tokens signed with them. */
class TestIssuer {
  private server: http.Server | undefined;
  private keys: { kid: string; privateKey: PrivateKey; jwk: JWK }[] = [];
  url = '';
  keyFetches = 0;

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const body =
        request.url === '/.well-known/openid-configuration'
          ? { issuer: this.url, jwks_uri: `${this.url}/keys`, id_token_signing_alg_values_supported: ['RS256'] }
          : request.url === '/keys'
            ? (this.keyFetches++, { keys: this.keys.map((key) => key.jwk) })
            : undefined;
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    await this.rotate();
  }

  /** A new signing key, served beside the old ones. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `key-${this.keys.length + 1}`;
    this.keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
    return kid;
  }

  token(claims: Record<string, unknown>, options: { audience?: string; expiresIn?: string | number; issuer?: string } = {}): Promise<string> {
    const key = this.keys[this.keys.length - 1]!;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(options.issuer ?? this.url)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

const AUDIENCE = 'https://warden.test';
const SUBJECT = 'system:serviceaccount:billing:webhooks';
let system: RunningSystem;
let admin: ApiClient;
let origin: string;
let accountId: string;
let ruleId: string;
const issuer = new TestIssuer();

const exchange = (form: Record<string, string>) =>
  fetch(`${origin}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) }).then(
    async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }),
  );
const jwtBearer = (assertion: string, clientId = accountId) => exchange({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion, client_id: clientId });
const whoami = (token: string) => new ApiClient(system.gatewayUrl, { header: 'authorization', key: token }).get<{ user_id: string; credential: { kind: string } }>('/auth/whoami');

async function serviceAccount(username: string): Promise<string> {
  const created = await admin.post<{ id: string }>('/users', { username, account_type: 'service_external', first_name: 'Workload', roles: ['WARDEN_MEMBER'] });
  expect(created.status).toBe(201);
  return created.body.id;
}

beforeAll(async () => {
  await issuer.start();
  system = await startSystem({ FEDERATION_ALLOW_HTTP_ISSUERS: 'true' });
  origin = new URL(system.gatewayUrl).origin;
  admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  accountId = await serviceAccount('billing-webhooks@federation');
  const rule = await admin.post<{ id: string }>(`/users/${accountId}/federation-rules`, { issuer: issuer.url, audiences: [AUDIENCE], claims: { sub: SUBJECT } });
  expect(rule.status).toBe(201);
  ruleId = rule.body.id;
});

afterAll(async () => {
  await system?.stop();
  await issuer.stop();
});

describe('workload identity federation', () => {
  it('exchanges a mapped workload token for an access token of the account (RFC 7523 jwt-bearer and RFC 8693 token exchange)', async () => {
    const viaJwtBearer = await jwtBearer(await issuer.token({ sub: SUBJECT }));
    expect(viaJwtBearer).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 900 } });
    expect((await whoami(viaJwtBearer.body['access_token'] as string)).body).toMatchObject({ user_id: accountId, credential: { kind: 'access_token' } });

    const viaExchange = await exchange({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: await issuer.token({ sub: SUBJECT }),
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      client_id: accountId,
    });
    expect(viaExchange).toMatchObject({ status: 200, body: { issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' } });
    expect((await whoami(viaExchange.body['access_token'] as string)).status).toBe(200);
  });

  it('refuses an unmapped subject, an expired token, another audience, another issuer and a tampered token', async () => {
    const refusals = [
      await issuer.token({ sub: 'system:serviceaccount:billing:other' }),
      await issuer.token({ sub: SUBJECT }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
      await issuer.token({ sub: SUBJECT }, { audience: 'https://elsewhere.test' }),
      await issuer.token({ sub: SUBJECT }, { issuer: 'https://issuer.elsewhere.test' }),
    ];
    const [header, payload, signature] = (await issuer.token({ sub: 'system:serviceaccount:billing:other' })).split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: SUBJECT })).toString('base64url');
    refusals.push(`${header}.${widened}.${signature}`);
    for (const token of refusals) expect(await jwtBearer(token)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'the workload token was refused' } });
    // a mapped token for an account that has no rule for it
    const other = await serviceAccount('other@federation');
    expect(await jwtBearer(await issuer.token({ sub: SUBJECT }), other)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('fetches the keys again for a key id not seen yet, and refuses when the issuer cannot be reached', async () => {
    const fetched = issuer.keyFetches;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the refetch cool-down
    await issuer.rotate();
    expect((await jwtBearer(await issuer.token({ sub: SUBJECT }))).status).toBe(200);
    expect(issuer.keyFetches).toBeGreaterThan(fetched);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await issuer.rotate();
    const signedWithNewKey = await issuer.token({ sub: SUBJECT });
    await issuer.stop();
    expect(await jwtBearer(signedWithNewKey)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    // an issuer nobody answers for at all: its rule lets nothing in
    const unreachable = 'http://127.0.0.1:9';
    const account = await serviceAccount('unreachable@federation');
    expect((await admin.post(`/users/${account}/federation-rules`, { issuer: unreachable, audiences: [AUDIENCE], claims: { sub: SUBJECT } })).status).toBe(201);
    const forged = await new SignJWT({ sub: SUBJECT }).setProtectedHeader({ alg: 'RS256', kid: 'k' }).setIssuer(unreachable).setAudience(AUDIENCE).setExpirationTime('5m').sign((await generateKeyPair('RS256')).privateKey);
    expect(await jwtBearer(forged, account)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await issuer.start();
  });

  it('lists the rules on the account, refuses rules that would let any workload in, and ends access tokens with their rule', async () => {
    const listed = await admin.get<{ federation_rules: { id: string; issuer: string; claims: Record<string, string> }[] }>(`/users/${accountId}/oauth-client`);
    expect(listed.body.federation_rules).toContainEqual(expect.objectContaining({ id: ruleId, claims: { sub: SUBJECT } }));
    for (const body of [
      { issuer: issuer.url, audiences: [AUDIENCE], claims: {} },
      { issuer: issuer.url, audiences: [AUDIENCE], claims: { iss: issuer.url } },
      { issuer: 'ftp://issuer.example.com', audiences: [AUDIENCE], claims: { sub: SUBJECT } },
      { issuer: issuer.url, audiences: [], claims: { sub: SUBJECT } },
    ]) {
      const refused = await admin.post<{ code: string; errors: { field: string }[] }>(`/users/${accountId}/federation-rules`, body);
      expect(refused).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
      expect(refused.body.errors.length).toBeGreaterThan(0);
    }

    const account = await serviceAccount('ends-with-rule@federation');
    const rule = await admin.post<{ id: string }>(`/users/${account}/federation-rules`, { issuer: issuer.url, audiences: [AUDIENCE], claims: { sub: 'ci:deploy', ref: 'refs/heads/main' } });
    const granted = await jwtBearer(await issuer.token({ sub: 'ci:deploy', ref: 'refs/heads/main' }), account);
    expect(granted.status).toBe(200);
    expect(await jwtBearer(await issuer.token({ sub: 'ci:deploy', ref: 'refs/heads/feature' }), account)).toMatchObject({ status: 400 });
    expect((await whoami(granted.body['access_token'] as string)).status).toBe(200);
    expect((await admin.delete(`/users/${account}/federation-rules/${rule.body.id}`)).status).toBe(204);
    expect((await whoami(granted.body['access_token'] as string)).status).toBe(401);
  });

  it('records each exchange and each refusal, with its reason, in the audit log', async () => {
    const recorded = async (type: string) => {
      const page = await admin.get<{ results: { data: Record<string, unknown> }[] }>(`/audit/events?limit=500&order=newest&event_type=${type}`);
      return page.body.results;
    };
    type Grant = { grantType: string; clientAuthentication: string };
    const exchangeRecorded = (grants: Grant[]) =>
      grants.some((grant) => grant.grantType === 'urn:ietf:params:oauth:grant-type:token-exchange' && grant.clientAuthentication === 'workload_identity');
    // The audit log is fed from each service's event stream: wait until what was answered is recorded.
    let grants: Grant[] = [];
    await pollUntil(
      async () => {
        grants = (await recorded('AccessTokensGranted')).flatMap((record) => record.data['grants'] as Grant[]);
        return exchangeRecorded(grants) && (await recorded('FederationRuleRemoved')).length > 0;
      },
      'the audit log to record the exchanges and the rule removal',
      60_000,
      200,
    );
    expect(grants).toContainEqual(expect.objectContaining({ grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', clientAuthentication: 'workload_identity' }));
    const reasons = (await recorded('AccessTokenRequestsRefused')).flatMap((record) => (record.data['refusals'] as { reason: string }[]).map((refusal) => refusal.reason));
    expect(reasons).toContainEqual(expect.stringContaining('match no rule'));
    expect(reasons).toContainEqual(expect.stringContaining('no rule of the account trusts issuer https://issuer.elsewhere.test'));
    expect(reasons).toContainEqual(expect.stringContaining('discovery document could not be had'));
    expect((await recorded('FederationRuleAdded')).length).toBeGreaterThan(0);
  });
});
