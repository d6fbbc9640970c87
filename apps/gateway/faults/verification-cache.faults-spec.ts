// The verification cache under faults: four gateways, each serving a service account's tokens
// from its lease-fenced cache while loops verify them on every gateway. Tokens are revoked
// while all are healthy, while one gateway is paused (SIGSTOP) and while one is killed -9;
// no verification started after a revoke answered may accept the token, on any gateway, and
// the paused one, once continued (SIGCONT), refuses it too. Figures (revoke, request to answer)
// are printed.
import http from 'node:http';
import { ApiClient, RunningSystem, metricSample, startSystem } from '@warden/testing';
import { ExtraInstance, startExtraInstance } from './support/extra-instance';

const EXTRA_GATEWAYS = 3;
const LOOPS_PER_GATEWAY = 2;
const LEASE_MS = 2000;
const PASSWORD = 'quartz-lantern-meadow-82';

let system: RunningSystem;
const extras: ExtraInstance[] = [];
let admin: ApiClient;
let accountId: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  system = await startSystem({ VERIFICATION_CACHE_LEASE_MS: String(LEASE_MS) });
  for (let n = 0; n < EXTRA_GATEWAYS; n++) extras.push(await startExtraInstance(system, 'gateway'));
  admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password);
  const account = await admin.post<{ id: string }>('/users', {
    username: `cached-${Date.now()}`,
    account_type: 'service_external',
    first_name: 'Cached',
    last_name: 'Account',
    password: PASSWORD,
  });
  expect(account.status).toBe(201);
  accountId = account.body.id;
}, 180_000);

afterAll(async () => {
  for (const extra of extras) {
    extra.signal('SIGCONT');
    await extra.kill('SIGKILL');
  }
  await system?.stop();
}, 60_000);

interface Token {
  id: string;
  key: string;
}

async function issueTokens(count: number): Promise<Token[]> {
  const tokens: Token[] = [];
  for (let n = 0; n < count; n++) {
    const issued = await admin.post<{ id: string; token: string }>('/tokens', { name: `cached ${n}`, user_id: accountId });
    expect(issued.status).toBe(201);
    tokens.push({ id: issued.body.id, key: issued.body.token });
  }
  return tokens;
}

interface Verification {
  gateway: string;
  token: string;
  startedAt: number;
  status: number;
}

/** Loops verifying every token on every gateway given, recording when each request started. */
class VerifyingLoad {
  readonly verifications: Verification[] = [];
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(gateways: readonly string[], tokens: readonly Token[]) {
    for (const gateway of gateways) for (let n = 0; n < LOOPS_PER_GATEWAY; n++) this.loops.push(this.loop(gateway, tokens, n));
  }

  private async loop(gateway: string, tokens: readonly Token[], offset: number): Promise<void> {
    for (let i = offset; this.running; i++) {
      const token = tokens[i % tokens.length]!;
      const startedAt = performance.now();
      const status = await statusOf(this.agent, `${gateway}/auth/whoami`, token.key);
      this.verifications.push({ gateway, token: token.id, startedAt, status });
      // A gateway down or paused: try again shortly rather than spin.
      if (status === 0) await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.agent.destroy();
  }
}

function statusOf(agent: http.Agent, url: string, key: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${key}` }, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/** Revokes a token; answers how long the revoke took, request to answer (ms), and when it answered. */
async function revoke(token: Token): Promise<{ tookMs: number; answeredAt: number }> {
  const requested = performance.now();
  const revoked = await admin.post(`/tokens/${token.id}/revoke`, {});
  expect(revoked.status).toBe(200);
  const answeredAt = performance.now();
  return { tookMs: answeredAt - requested, answeredAt };
}

/** Accepts of a token by verifications that started after its revoke answered. */
function acceptsAfter(load: VerifyingLoad, token: Token, answeredAt: number): Verification[] {
  return load.verifications.filter((each) => each.token === token.id && each.startedAt > answeredAt && each.status === 200);
}

async function cacheMetric(gatewayApiUrl: string, name: string): Promise<number> {
  return metricSample(await (await fetch(`${new URL(gatewayApiUrl).origin}/metrics`)).text(), name) ?? Number.NaN;
}

const gatewayUrls = () => [system.gatewayUrl, ...extras.map((extra) => extra.apiUrl)];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('the verification cache on four gateways', () => {
  it('serves from the caches and refuses a revoked token everywhere from the moment its revoke answered', async () => {
    const tokens = await issueTokens(6);
    const load = new VerifyingLoad(gatewayUrls(), tokens);
    await sleep(1500);
    // Every gateway holds a lease and serves from its cache.
    for (const url of gatewayUrls()) {
      expect(await cacheMetric(url, 'warden_verification_cache_leased')).toBe(1);
      expect(await cacheMetric(url, 'warden_verification_cache_hits_total')).toBeGreaterThan(0);
    }
    const revokes: { token: Token; tookMs: number; answeredAt: number }[] = [];
    for (const token of tokens.slice(0, 4)) {
      revokes.push({ token, ...(await revoke(token)) });
      await sleep(200);
    }
    await sleep(500);
    await load.stop();
    for (const { token, answeredAt } of revokes) expect(acceptsAfter(load, token, answeredAt)).toEqual([]);
    // The tokens left alone still verify everywhere.
    const kept = tokens.slice(4).map((token) => token.id);
    expect(load.verifications.filter((each) => kept.includes(each.token) && each.startedAt > revokes.at(-1)!.answeredAt && each.status !== 200)).toEqual([]);
    console.log(`revoke with four gateways, request to answer: ${revokes.map(({ tookMs }) => tookMs.toFixed(1)).join(', ')} ms (median ${median(revokes.map(({ tookMs }) => tookMs)).toFixed(1)} ms)`);
  }, 120_000);

  it('answers a revoke while a gateway is paused once its lease ran out, and the paused gateway refuses the token when continued', async () => {
    const [token, other] = await issueTokens(2);
    const paused = extras[0]!;
    const load = new VerifyingLoad(gatewayUrls(), [token!, other!]);
    await sleep(1500);
    expect(await cacheMetric(paused.apiUrl, 'warden_verification_cache_entries')).toBeGreaterThan(0);
    paused.signal('SIGSTOP');
    const { tookMs, answeredAt } = await revoke(token!);
    // Still paused well past its lease: its cache entry is still in its memory.
    await sleep(LEASE_MS);
    paused.signal('SIGCONT');
    const continuedAt = performance.now();
    await sleep(1500);
    await load.stop();
    expect(acceptsAfter(load, token!, answeredAt)).toEqual([]);
    // The paused gateway verified again after it was continued, and refused the token each time.
    const afterContinue = load.verifications.filter((each) => each.gateway === paused.apiUrl && each.token === token!.id && each.startedAt > continuedAt);
    expect(afterContinue.length).toBeGreaterThan(0);
    expect(afterContinue.filter((each) => each.status !== 401)).toEqual([]);
    // And it took its lease again: serving the other token from its cache.
    expect(await cacheMetric(paused.apiUrl, 'warden_verification_cache_leased')).toBe(1);
    console.log(`revoke with one of four gateways paused, request to answer: ${tookMs.toFixed(1)} ms (lease ${LEASE_MS} ms)`);
  }, 120_000);

  it('answers a revoke while a gateway is killed -9 once its lease ran out, and no other gateway accepts the token after', async () => {
    const [token, other] = await issueTokens(2);
    const killed = extras[1]!;
    const load = new VerifyingLoad(gatewayUrls(), [token!, other!]);
    await sleep(1500);
    const revoking = revoke(token!);
    await killed.kill('SIGKILL');
    const { tookMs, answeredAt } = await revoking;
    await sleep(1000);
    await load.stop();
    expect(acceptsAfter(load, token!, answeredAt)).toEqual([]);
    console.log(`revoke with one of four gateways killed -9 meanwhile, request to answer: ${tookMs.toFixed(1)} ms`);
  }, 120_000);
});
