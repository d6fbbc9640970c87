import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  AuditSubjects,
  AuthErrorCode,
  AuthSubjects,
  BASE62_ALPHABET,
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  CredentialRecord,
  Envelope,
  ListAuditEventsRequest,
  LoginResponse,
  PrincipalRecord,
  StartSessionRequest,
  VerifyPasswordRequest,
  WardenError,
  credentialGenerationPrefix,
  credentialKey,
  formatSecret,
  secretHash,
} from '@warden/contracts';
import { ProblemDetailsFilter, createLogger, createNatsMicroserviceOptions } from '@warden/platform';
import type { RedisClient } from '@warden/redis';
import { TEST_NATS_URL, deleteRedisPrefix, testRedis, testRedisEnv, uniqueTestId, writePrincipalRecord } from '@warden/testing';
import { cacheInvalidationsOn, invalidationSubject } from '@warden/token-verifier';
import { configureGateway } from '../gateway-app';
import { gatewayConfigSchema, publicBaseUrlOf } from '../gateway-config';
import { GatewayModule } from '../gateway.module';

// The gateway as main.ts assembles it, over real NATS and Redis. The services behind it
// are stood in for by handlers that keep the contracts: the users service's password
// check, the tokens service's sessions (writing the credential records the verifier reads;
// the real ones are proven in the tokens service's own int-spec) and the audit query.
const ORG = '0190a0d2-0000-7000-8000-0000000000aa';
const OTHER_ORG = '0190a0d2-0000-7000-8000-0000000000bb';
const logger = createLogger({ service: 'auth-int-spec', level: 'silent' });
const auditQueries: Envelope<ListAuditEventsRequest>[] = [];
const sessionPayloads: StartSessionRequest[] = [];
let redis: RedisClient;
let keyPrefix: string;
const sessionHashes = new Map<string, string>();
// The console's build, as the gateway finds it: its page and one hashed bundle.
const consoleFolder = mkdtempSync(path.join(tmpdir(), 'warden-console-'));
const CONSOLE_ORIGIN = 'http://127.0.0.1:3000';

function newSessionKey(): string {
  return formatSecret('session', Array.from(randomBytes(32), (byte) => BASE62_ALPHABET[byte % 62]).join(''));
}

@Controller()
class StandInController {
  @MessagePattern(AuthSubjects.startSession)
  async startSession(@Payload() envelope: Envelope<StartSessionRequest>): Promise<LoginResponse> {
    sessionPayloads.push(envelope.payload);
    const key = newSessionKey();
    const sessionId = randomUUID();
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const record: CredentialRecord = { kind: 'session', credentialId: sessionId, ...envelope.payload, expiresAt, status: 'active' };
    sessionHashes.set(sessionId, secretHash(key));
    await redis.set(keyPrefix + credentialGenerationPrefix('') + credentialKey(secretHash(key)), JSON.stringify(record), 'PXAT', Date.parse(expiresAt));
    return { key, domain: null, expires_at: expiresAt };
  }

  @MessagePattern(AuthSubjects.endSession)
  async endSession(@Payload() envelope: Envelope<unknown>): Promise<void> {
    const key = keyPrefix + credentialGenerationPrefix('') + credentialKey(sessionHashes.get(envelope.context.principal!.credential.id)!);
    const record = JSON.parse((await redis.get(key))!) as CredentialRecord;
    await redis.set(key, JSON.stringify({ ...record, status: 'revoked' }), 'KEEPTTL');
    // As the tokens service does: answered once no verifier's cache serves the session.
    await cacheInvalidationsOn(redis, keyPrefix).invalidate([invalidationSubject.credential(record.credentialId)]);
  }

  @MessagePattern(AuthSubjects.verifyPassword)
  verify(@Payload() envelope: Envelope<VerifyPasswordRequest>) {
    const { username, password } = envelope.payload;
    if (password !== 'correct horse battery') throw new WardenError(AuthErrorCode.InvalidCredentials, 'Invalid username or password');
    return { userId: username, organizationId: ORG, accountType: 'service_external' };
  }

  @MessagePattern(AuditSubjects.listEvents)
  audit(@Payload() envelope: Envelope<ListAuditEventsRequest>) {
    auditQueries.push(envelope);
    return { results: [], next_cursor: null };
  }
}

describe('gateway authentication over HTTP', () => {
  let services: INestMicroservice;
  let gateway: NestFastifyApplication;

  const principal = (userId: string, overrides: Partial<PrincipalRecord> = {}): PrincipalRecord => ({
    userId,
    organizationId: ORG,
    accountType: 'service_external',
    username: userId,
    roles: [],
    teams: [],
    permissions: {},
    isSuperAdmin: false,
    platformAdmin: false,
    status: 'active',
    ...overrides,
  });
  const writePrincipal = (record: PrincipalRecord) => writePrincipalRecord(redis, keyPrefix, record);
  const http = () => gateway.getHttpAdapter().getInstance();
  const login = (username: string, password = 'correct horse battery', address = '127.0.0.1') =>
    http().inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: address });

  beforeAll(async () => {
    keyPrefix = `${uniqueTestId('gwauth')}:`;
    const env = {
      NATS_URL: TEST_NATS_URL,
      NATS_SUBJECT_PREFIX: uniqueTestId('gwauth'),
      ...testRedisEnv(),
      REDIS_KEY_PREFIX: keyPrefix,
      LOGIN_MAX_FAILURES_PER_USERNAME: '3',
    };
    const config = gatewayConfigSchema.parse(env);
    redis = testRedis();
    await redis.set(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY, ''); // the stand-in's read model is always built (the base generation)

    @Module({ controllers: [StandInController] })
    class ServicesModule {}
    services = await NestFactory.createMicroservice(ServicesModule, { ...createNatsMicroserviceOptions(config, 'auth-int-spec', logger), logger: false });
    services.useGlobalFilters(new ProblemDetailsFilter(logger));
    await services.listen();

    mkdirSync(path.join(consoleFolder, 'assets'));
    writeFileSync(path.join(consoleFolder, 'index.html'), '<!doctype html><html><head><title>Warden console</title><script type="module" src="/console/assets/index-abc123.js"></script></head></html>');
    writeFileSync(path.join(consoleFolder, 'assets/index-abc123.js'), 'console.log("warden");');
    writeFileSync(path.join(consoleFolder, 'secret.txt'), 'not served');
    gateway = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config, logger, { consoleFolder }), new FastifyAdapter(), { logger: false });
    configureGateway(gateway, logger, publicBaseUrlOf(config));
    await gateway.init();
    await http().ready();
  });

  afterAll(async () => {
    await gateway?.close();
    await services?.close();
    await deleteRedisPrefix(redis, keyPrefix);
    await redis.quit();
    rmSync(consoleFolder, { recursive: true, force: true });
  });

  const consoleLogin = (username: string, headers: Record<string, string> = { origin: CONSOLE_ORIGIN }, password = 'correct horse battery') =>
    http().inject({ method: 'POST', url: '/api/v1/auth/console/login', payload: { username, password }, headers });
  const cookieOf = (setCookie: string | string[] | undefined) => String(setCookie).split(';')[0]!;

  it("serves the console's page, files and screens under a policy with no inline script, and nothing else of its folder", async () => {
    const nonces = new Set<string | undefined>();
    for (const url of ['/console', '/console/members', '/console/tokens/0190a0d2-0000-7000-8000-000000000001']) {
      const page = await http().inject({ method: 'GET', url });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('Warden console');
      const policy = String(page.headers['content-security-policy']);
      expect(policy).toContain("script-src 'self';");
      // styles: the files, and the one element of React Aria's that carries this answer's nonce
      const nonce = /style-src 'self' 'nonce-([\w+/=]{24})'/.exec(policy)?.[1];
      expect(page.body).toContain(`<meta name="csp-nonce" nonce="${nonce}" />`);
      nonces.add(nonce);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain('unsafe-inline');
      expect(page.headers['x-frame-options']).toBe('DENY');
    }
    expect(nonces.size).toBe(3);
    const bundle = await http().inject({ method: 'GET', url: '/console/assets/index-abc123.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(bundle.headers['cache-control']).toContain('immutable');
    for (const url of ['/console/secret.txt', '/console/assets/missing-1.js', '/console/..%2Fpackage.json', '/console/assets/..%2F..%2Findex.html']) {
      const refused = await http().inject({ method: 'GET', url });
      expect(refused.statusCode).toBe(404);
      expect(refused.json()).toMatchObject({ code: 'route_not_found' });
    }
  });

  it('gives the console its session in an HttpOnly, SameSite=Strict cookie on the API paths only, never in the answer', async () => {
    await writePrincipal(principal('svc-console'));
    const response = await consoleLogin('svc-console');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ expires_at: expect.any(String) });
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^warden_console=wdn_s_\w+; Path=\/api\/v1; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain('Secure'); // the gateway is reached over plain HTTP here
    expect(response.body).not.toContain(cookieOf(setCookie).split('=')[1]);
  });

  it('authenticates with the cookie, changes state only from the console origin, and logout clears and ends it', async () => {
    await writePrincipal(principal('svc-cookie'));
    const cookie = cookieOf((await consoleLogin('svc-cookie')).headers['set-cookie']);
    const whoami = await http().inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { cookie } });
    expect(whoami.statusCode).toBe(200);
    expect(whoami.json()).toMatchObject({ user_id: 'svc-cookie', credential: { kind: 'session' } });
    for (const origin of [undefined, 'http://127.0.0.1:8080', 'https://evil.example', 'null']) {
      const forged = await http().inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, ...(origin && { origin }) } });
      expect(forged.statusCode).toBe(403);
      expect(forged.json()).toMatchObject({ code: 'forbidden', detail: expect.stringContaining(CONSOLE_ORIGIN) });
    }
    expect((await http().inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { cookie } })).statusCode).toBe(200);
    const logout = await http().inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, origin: CONSOLE_ORIGIN } });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/^warden_console=; Path=\/api\/v1; Max-Age=0; HttpOnly; SameSite=Strict/);
    expect((await http().inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses a console login from another origin, and throttles it with every other login', async () => {
    await writePrincipal(principal('svc-console-throttled'));
    for (const headers of [{}, { origin: 'https://evil.example' }] as Record<string, string>[]) {
      const refused = await consoleLogin('svc-console-throttled', headers);
      expect(refused.statusCode).toBe(403);
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    for (let i = 0; i < 3; i++) expect((await consoleLogin('svc-console-throttled', { origin: CONSOLE_ORIGIN }, 'wrong password')).statusCode).toBe(401);
    const throttled = await login('svc-console-throttled');
    expect(throttled.statusCode).toBe(429);
    const throttledConsole = await consoleLogin('svc-console-throttled');
    expect(throttledConsole.statusCode).toBe(429);
    expect(Number(throttledConsole.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('takes a credential header over the cookie, and never an API token from the cookie', async () => {
    await writePrincipal(principal('svc-header'));
    await writePrincipal(principal('svc-cookie-owner'));
    const header = (await login('svc-header')).json<{ key: string }>().key;
    const cookie = cookieOf((await consoleLogin('svc-cookie-owner')).headers['set-cookie']);
    const both = await http().inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { cookie, authorization: `Bearer ${header}` } });
    expect(both.json()).toMatchObject({ user_id: 'svc-header' });
    // An API token planted in the cookie (by a sibling site, say) is not a console session.
    const token = formatSecret('api_token', Array.from(randomBytes(32), (byte) => BASE62_ALPHABET[byte % 62]).join(''));
    const record: CredentialRecord = { kind: 'api_token', credentialId: randomUUID(), userId: 'svc-header', organizationId: ORG, expiresAt: null, status: 'active' };
    await redis.set(keyPrefix + credentialGenerationPrefix('') + credentialKey(secretHash(token)), JSON.stringify(record));
    expect((await http().inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { 'x-api-key': token } })).statusCode).toBe(200);
    expect((await http().inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { cookie: `warden_console=${token}` } })).statusCode).toBe(401);
  });

  it('logs in with a username and password body and answers a token, a type and an expiry, not to be cached', async () => {
    await writePrincipal(principal('svc-login'));
    const response = await login('svc-login');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ key: expect.stringMatching(/^wdn_s_/), domain: null, expires_at: expect.any(String) });
    // The session is for the user the password check answered, not for anything in the body.
    expect(sessionPayloads.at(-1)).toEqual({ userId: 'svc-login', organizationId: ORG });
  });

  it('authenticates with Bearer or x-api-key, and logout ends the session at once', async () => {
    await writePrincipal(principal('svc-auditor', { permissions: { 'audit:read': 'organization' } }));
    const { key } = (await login('svc-auditor')).json<{ key: string }>();
    const viaBearer = await http().inject({ method: 'GET', url: '/api/v1/audit/events', headers: { authorization: `Bearer ${key}` } });
    expect(viaBearer.statusCode).toBe(200);
    const viaApiKey = await http().inject({ method: 'GET', url: '/api/v1/audit/events', headers: { 'x-api-key': key } });
    expect(viaApiKey.statusCode).toBe(200);

    const logout = await http().inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${key}` } });
    expect(logout.statusCode).toBe(204);
    const after = await http().inject({ method: 'GET', url: '/api/v1/audit/events', headers: { 'x-api-key': key } });
    expect(after.statusCode).toBe(401);
  });

  it('answers every kind of bad credential with the same 401, WWW-Authenticate and detail', async () => {
    await writePrincipal(principal('svc-deactivated'));
    const { key } = (await login('svc-deactivated')).json<{ key: string }>();
    await writePrincipal(principal('svc-deactivated', { status: 'deactivated' }));
    const typo = key.slice(0, 10) + (key[10] === 'x' ? 'y' : 'x') + key.slice(11);
    const cases = [{}, { authorization: 'Bearer nonsense' }, { authorization: `Bearer ${typo}` }, { 'x-api-key': key }];
    const details = new Set<string>();
    for (const headers of cases) {
      const response = await http().inject({ method: 'GET', url: '/api/v1/audit/events', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="warden"');
      expect(response.json()).toMatchObject({ code: 'unauthenticated', status: 401 });
      details.add(response.json<{ detail: string }>().detail);
    }
    expect(details.size).toBe(1);
  });

  it('refuses before the route runs, with the problem document and correlation id of any other refusal', async () => {
    const response = await http().inject({ method: 'GET', url: '/api/v1/auth/whoami?x=1', headers: { 'x-correlation-id': 'corr-auth-401' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="warden"');
    expect(response.headers['x-correlation-id']).toBe('corr-auth-401');
    expect(response.json()).toEqual({
      type: 'urn:warden:problem:unauthenticated',
      title: expect.any(String),
      status: 401,
      code: 'unauthenticated',
      detail: 'A valid session key or API token is required',
      instance: '/api/v1/auth/whoami',
      correlationId: 'corr-auth-401',
    });
  });

  it("answers an unknown path 404 whatever the credential, and serves the API page's files without one", async () => {
    expect((await http().inject({ method: 'GET', url: '/api/v1/no-such-route' })).statusCode).toBe(404);
    expect((await http().inject({ method: 'GET', url: '/docs/assets/warden-docs.js' })).statusCode).toBe(200);
  });

  it('authenticates a HEAD request like its GET', async () => {
    await writePrincipal(principal('svc-head'));
    const { key } = (await login('svc-head')).json<{ key: string }>();
    expect((await http().inject({ method: 'HEAD', url: '/api/v1/auth/whoami' })).statusCode).toBe(401);
    expect((await http().inject({ method: 'HEAD', url: '/api/v1/auth/whoami', headers: { 'x-api-key': key } })).statusCode).toBe(200);
  });

  it('keeps health open and everything else closed', async () => {
    expect((await http().inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await http().inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'Acme' } })).statusCode).toBe(401);
    expect((await http().inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(401);
  });

  // The audit service authorizes the query (its own spec proves how); the gateway passes on the caller and what it names.
  it('sends the audit query with the authenticated caller and the organization it names', async () => {
    await writePrincipal(principal('svc-reader', { permissions: { 'audit:read': 'organization' } }));
    const reader = (await login('svc-reader')).json<{ key: string }>().key;
    auditQueries.length = 0;
    expect((await http().inject({ method: 'GET', url: '/api/v1/audit/events', headers: { 'x-api-key': reader } })).statusCode).toBe(200);
    const other = await http().inject({ method: 'GET', url: `/api/v1/audit/events?organization_id=${OTHER_ORG}`, headers: { 'x-api-key': reader } });
    expect(other.statusCode).toBe(200);
    expect(auditQueries.map(({ payload }) => payload.organization_id)).toEqual([undefined, OTHER_ORG]);
    expect(auditQueries.map(({ context }) => context.principal)).toEqual([
      expect.objectContaining({ userId: 'svc-reader', organizationId: ORG, permissions: { 'audit:read': 'organization' } }),
      expect.objectContaining({ userId: 'svc-reader', organizationId: ORG }),
    ]);
  });

  it('throttles failed logins per username with 429 and Retry-After', async () => {
    await writePrincipal(principal('svc-target'));
    for (let i = 0; i < 3; i++) {
      const failed = await login('svc-target', 'wrong password', `10.9.0.${i}`);
      expect(failed.statusCode).toBe(401);
      expect(failed.json()).toMatchObject({ code: 'invalid_credentials' });
    }
    const throttled = await login('SVC-target', 'correct horse battery', '10.9.0.9');
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  });
});
