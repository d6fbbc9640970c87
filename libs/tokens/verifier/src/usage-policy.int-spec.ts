import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import {
  BASE62_ALPHABET,
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  CredentialRecord,
  CredentialUsage,
  PrincipalRecord,
  addressInBlocks,
  addressInIndex,
  allowedIpIndex,
  clientAddressHex,
  credentialGenerationPrefix,
  credentialKey,
  formatSecret,
  normalizeAllowedIp,
  principalRecordsKey,
  secretHash,
} from '@warden/contracts';
import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, testRedis, testRedisEnv, uniqueTestId } from '@warden/testing';
import { prepareCredentialVerifier, verifyCredential } from './verify-credential';

// The usage policy as the verification script applies it, on the real Redis: the IP
// allowlist against a reference, the rate limit and the credits under concurrency from
// several connections and several processes (never more accepted than allowed), and the
// credits' grants and refills.

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');
const NOW = Date.parse('2030-01-01T00:00:10.000Z');

let redis: RedisClient;
let keyPrefix: string;
const principal: PrincipalRecord = {
  userId: 'u-1',
  organizationId: 'o-1',
  accountType: 'service_internal',
  username: 'pipeline',
  roles: [],
  teams: [],
  permissions: {},
  isSuperAdmin: false,
  platformAdmin: false,
  status: 'active',
};

function newSecret(): string {
  let body = '';
  for (let i = 0; i < 32; i++) body += BASE62_ALPHABET[Math.floor(Math.random() * 62)];
  return formatSecret('api_token', body);
}

/** A token whose record carries `usage`, in the base generation; answers its secret. */
async function tokenWith(usage: CredentialUsage | undefined, overrides: Partial<CredentialRecord> = {}): Promise<string> {
  const secret = newSecret();
  const id = uniqueTestId('t');
  const record: CredentialRecord = { kind: 'api_token', credentialId: id, userId: 'u-1', organizationId: 'o-1', expiresAt: null, status: 'active', ...(usage && { usage }), ...overrides };
  await redis.set(keyPrefix + credentialGenerationPrefix('') + credentialKey(secretHash(secret)), JSON.stringify(record));
  return secret;
}

const verify = (secret: string, clientAddress: string | null = '203.0.113.9', now = NOW, client = redis) =>
  verifyCredential(secret, { redis: client, keyPrefix, now: new Date(now), clientAddress });
const outcome = (result: Awaited<ReturnType<typeof verify>>) => (result.ok ? 'ok' : result.reason);
const blocksOf = (...cidrs: string[]) => cidrs.map((cidr) => (normalizeAllowedIp(cidr) as { block: string }).block);
const blocks = (...cidrs: string[]) => allowedIpIndex(blocksOf(...cidrs));

beforeEach(async () => {
  redis = testRedis();
  prepareCredentialVerifier(redis);
  keyPrefix = `${uniqueTestId('usage')}:`;
  await redis.set(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY, '');
  await redis.hset(principalRecordsKey(keyPrefix), 'u-1', JSON.stringify(principal));
});

afterEach(async () => {
  await deleteRedisPrefix(redis, keyPrefix);
  redis.disconnect();
});

describe('the IP allowlist in the verification script', () => {
  it('accepts exactly the client addresses a bit-by-bit reference puts in the blocks, IPv4 and IPv6', async () => {
    const bitsOf = (hex: string) => [...hex].map((digit) => parseInt(digit, 16).toString(2).padStart(4, '0')).join('');
    const reference = (address: string, block: string) => {
      const [network, prefix] = block.split('/') as [string, string];
      return bitsOf(address).slice(0, Number(prefix)) === bitsOf(network).slice(0, Number(prefix));
    };
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
    const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((groups) => groups.map((g) => g.toString(16)).join(':'));
    // Blocks cut from an address (so that near misses are common) at any prefix length.
    const block = fc.oneof(
      fc.tuple(v4, fc.nat(32)).map(([address, bits]) => ({ address, bits })),
      fc.tuple(v6, fc.nat(128)).map(([address, bits]) => ({ address, bits })),
    );
    const cidrOf = ({ address, bits }: { address: string; bits: number }) => {
      const hex = clientAddressHex(address)!;
      const width = address.includes(':') ? 128 : 32;
      const total = width === 32 ? 96 + bits : bits;
      const kept = bitsOf(hex).slice(0, total).padEnd(128, '0');
      const network = BigInt(`0b${kept}`).toString(16).padStart(32, '0');
      const text = width === 32 ? [24, 26, 28, 30].map((i) => parseInt(network.slice(i, i + 2), 16)).join('.') : network.match(/.{4}/g)!.join(':');
      return `${text}/${bits}`;
    };
    await fc.assert(
      fc.asyncProperty(fc.array(block, { minLength: 1, maxLength: 4 }), fc.oneof(v4, v6), fc.boolean(), async (cut, candidate, fromBlock) => {
        const cidrs = cut.map(cidrOf);
        // Half the time the client is the very address a block was cut from.
        const client = fromBlock ? cut[0]!.address : candidate;
        const listed = blocksOf(...cidrs);
        const expected = listed.some((b) => reference(clientAddressHex(client)!, b));
        expect(addressInBlocks(clientAddressHex(client)!, listed)).toBe(expected);
        expect(addressInIndex(clientAddressHex(client)!, allowedIpIndex(listed))).toBe(expected);
        const secret = await tokenWith({ ips: allowedIpIndex(listed) });
        expect(outcome(await verify(secret, client))).toBe(expected ? 'ok' : 'ip_not_allowed');
      }),
      { numRuns: 150 },
    );
  });

  it('takes an IPv4-mapped IPv6 client address as the IPv4 one, and refuses a verification without an address', async () => {
    const secret = await tokenWith({ ips: blocks('10.0.0.0/8') });
    expect(outcome(await verify(secret, '::ffff:10.1.2.3'))).toBe('ok');
    expect(outcome(await verify(secret, '10.1.2.3'))).toBe('ok');
    expect(outcome(await verify(secret, '11.1.2.3'))).toBe('ip_not_allowed');
    expect(outcome(await verify(secret, null))).toBe('ip_not_allowed');
    expect(outcome(await verify(secret, 'not an address'))).toBe('ip_not_allowed');
  });
});

describe('the rate limit and credits in the verification script', () => {
  it('counts nothing for a request refused by the allowlist, a revoked or a disabled token', async () => {
    const usage = { ips: blocks('203.0.113.0/24'), rate: { limit: 1, windowMs: 60_000 }, credits: { grant: 1, amount: 1, grantedAtMs: NOW } };
    const secret = await tokenWith(usage);
    for (let i = 0; i < 5; i++) expect(outcome(await verify(secret, '198.51.100.1'))).toBe('ip_not_allowed');
    expect(await verify(secret)).toMatchObject({ ok: true, usage: { creditsRemaining: 0, rateLimit: { limit: 1, remaining: 0, windowSeconds: 60 } } });
    expect(await verify(secret)).toMatchObject({ ok: false, reason: 'rate_limited', rateLimit: { remaining: 0, resetAt: NOW - (NOW % 60_000) + 60_000 } });
    const revoked = await tokenWith(usage, { status: 'revoked' });
    const disabled = await tokenWith(usage, { disabledAt: new Date(NOW).toISOString() });
    expect(outcome(await verify(revoked))).toBe('revoked');
    expect(outcome(await verify(disabled))).toBe('disabled');
    expect(await redis.hkeys(`${keyPrefix}{verification}:token-usage`)).toHaveLength(2); // the first token's rate and credits only
  });

  it('refuses past the limit until the window ends, then accepts again', async () => {
    const secret = await tokenWith({ rate: { limit: 3, windowMs: 10_000 } });
    const start = NOW - (NOW % 10_000);
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(outcome(await verify(secret, null, start + i)));
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
    expect(outcome(await verify(secret, null, start + 10_000))).toBe('ok');
  });

  it('takes a credit per accepted request, refuses at 0, tops up at each refill, and restarts only at a new grant', async () => {
    const credits = { grant: 1, amount: 2, grantedAtMs: NOW, refillAmount: 3, refillMs: 60_000 };
    const id = uniqueTestId('t');
    const secret = await tokenWith({ credits }, { credentialId: id });
    const remaining = async (now = NOW) => {
      const result = await verify(secret, null, now);
      return result.ok ? result.usage?.creditsRemaining : result.reason;
    };
    expect([await remaining(), await remaining(), await remaining()]).toEqual([1, 0, 'credits_exhausted']);
    // The same grant written again (a replay rewriting the record) grants nothing.
    await tokenWithSecret(secret, { credits }, id);
    expect(await remaining()).toBe('credits_exhausted');
    // A minute after the grant: topped up to 3 (one taken now); not again within that minute.
    expect([await remaining(NOW + 60_000), await remaining(NOW + 61_000), await remaining(NOW + 62_000), await remaining(NOW + 63_000)]).toEqual([2, 1, 0, 'credits_exhausted']);
    // A new grant starts the count again.
    await tokenWithSecret(secret, { credits: { ...credits, grant: 2, amount: 5, grantedAtMs: NOW + 64_000 } }, id);
    expect(await remaining(NOW + 64_000)).toBe(4);
  });

  it('never accepts more than the rate limit or the credits allow, from many connections and several processes at once', async () => {
    const secret = await tokenWith({ rate: { limit: 70, windowMs: 3_600_000 }, credits: { grant: 1, amount: 55, grantedAtMs: NOW } });
    const limited = await tokenWith({ rate: { limit: 45, windowMs: 3_600_000 } });
    const clients = Array.from({ length: 4 }, () => {
      const client = testRedis();
      prepareCredentialVerifier(client);
      return client;
    });
    try {
      const env = { ...process.env, ...testRedisEnv(), KEY_PREFIX: keyPrefix, NOW: String(NOW), COUNT: '40', CLIENT_ADDRESS: '203.0.113.9' };
      const child = (token: string) =>
        run(process.execPath, ['-r', path.join(ROOT, 'bench/support/register-ts.cjs'), path.join(ROOT, 'libs/tokens/verifier/test-support/verify-concurrently.ts')], {
          env: { ...env, TOKEN: token },
          cwd: ROOT,
        }).then(({ stdout }) => JSON.parse(stdout) as Record<string, number>);
      const inProcess = async (token: string) => {
        const results = await Promise.all(clients.flatMap((client) => Array.from({ length: 10 }, () => verify(token, null, NOW, client))));
        const counts: Record<string, number> = {};
        for (const result of results) counts[outcome(result)] = (counts[outcome(result)] ?? 0) + 1;
        return counts;
      };
      const tally = (all: Record<string, number>[]) => {
        const total: Record<string, number> = {};
        for (const counts of all) for (const [key, n] of Object.entries(counts)) total[key] = (total[key] ?? 0) + n;
        return total;
      };
      // 3 processes x 40 and 4 connections x 10 here: 160 verifications of each token.
      const [credited, rated] = await Promise.all([
        Promise.all([child(secret), child(secret), child(secret), inProcess(secret)]).then(tally),
        Promise.all([child(limited), child(limited), child(limited), inProcess(limited)]).then(tally),
      ]);
      expect(credited).toEqual({ ok: 55, credits_exhausted: 105 });
      expect(rated).toEqual({ ok: 45, rate_limited: 115 });
    } finally {
      for (const client of clients) client.disconnect();
    }
  });
});

async function tokenWithSecret(secret: string, usage: CredentialUsage, credentialId: string): Promise<void> {
  const record: CredentialRecord = { kind: 'api_token', credentialId, userId: 'u-1', organizationId: 'o-1', expiresAt: null, status: 'active', usage };
  await redis.set(keyPrefix + credentialGenerationPrefix('') + credentialKey(secretHash(secret)), JSON.stringify(record));
}
