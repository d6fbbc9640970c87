import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, redisKeysWithPrefix, testRedis, uniqueTestId } from '@warden/testing';
import { LoginAttempt, LoginThrottle, loginThrottleKeys } from './login-throttle';

const limits = { windowMs: 60_000, maxFailuresPerUsername: 3, maxFailuresPerAddress: 5 };

describe('LoginThrottle on a real Redis, shared by two gateway instances', () => {
  let keyPrefix: string;
  let clients: RedisClient[];
  let gatewayA: LoginThrottle;
  let gatewayB: LoginThrottle;

  beforeEach(() => {
    keyPrefix = `${uniqueTestId('thr')}:`;
    // Two independent instances: their own connections, their own script registrations.
    clients = [testRedis(), testRedis()];
    gatewayA = new LoginThrottle(clients[0]!, keyPrefix, limits);
    gatewayB = new LoginThrottle(clients[1]!, keyPrefix, limits);
  });

  afterEach(async () => {
    await deleteRedisPrefix(clients[0]!, keyPrefix);
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('refuses the username after its limit of failures, whichever instance saw them', async () => {
    expect((await gatewayA.attempt('svc', '10.0.0.1')).allowed).toBe(true);
    expect((await gatewayB.attempt('SVC', '10.0.0.2')).allowed).toBe(true);
    expect((await gatewayA.attempt(' svc ', '10.0.0.3')).allowed).toBe(true);

    const refused = await gatewayB.attempt('svc', '10.0.0.4');
    expect(refused.allowed).toBe(false);
    const retryAfter = (refused as Extract<LoginAttempt, { allowed: false }>).retryAfterSeconds;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await gatewayA.attempt('svc', '10.0.0.5')).allowed).toBe(false);
    // Another username is not affected.
    expect((await gatewayA.attempt('other', '10.0.0.6')).allowed).toBe(true);
  });

  it('refuses the client address after its limit, whatever the usernames', async () => {
    for (let i = 0; i < 5; i++) {
      const gateway = i % 2 === 0 ? gatewayA : gatewayB;
      expect((await gateway.attempt(`user-${i}`, '192.0.2.7')).allowed).toBe(true);
    }
    expect((await gatewayB.attempt('user-new', '192.0.2.7')).allowed).toBe(false);
    expect((await gatewayB.attempt('user-new', '192.0.2.8')).allowed).toBe(true);
  });

  it('does not count a login that succeeded', async () => {
    for (let i = 0; i < 10; i++) {
      const attempt = await (i % 2 === 0 ? gatewayA : gatewayB).attempt('svc', '10.0.0.1');
      if (!attempt.allowed) throw new Error(`attempt ${i} refused`);
      await (i % 2 === 0 ? gatewayB : gatewayA).refund(attempt);
    }
    expect((await gatewayA.attempt('svc', '10.0.0.1')).allowed).toBe(true);
  });

  it('lets no more than the limit through a burst of parallel attempts', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? gatewayA : gatewayB).attempt('burst', `10.1.0.${i}`)),
    );
    expect(attempts.filter((attempt) => attempt.allowed)).toHaveLength(limits.maxFailuresPerUsername);
  });

  it('counts an attempt that one counter refuses on neither', async () => {
    for (let i = 0; i < 5; i++) expect((await gatewayA.attempt(`user-${i}`, '198.51.100.9')).allowed).toBe(true);
    // The address is at its limit: this username's counter is taken back, so it stays unused.
    expect((await gatewayB.attempt('fresh', '198.51.100.9')).allowed).toBe(false);
    const [freshKey, addressKey] = loginThrottleKeys(keyPrefix, 'fresh', '198.51.100.9');
    expect(await clients[0]!.exists(freshKey)).toBe(0);
    expect(await clients[0]!.get(addressKey)).toBe('5');
    for (let i = 0; i < limits.maxFailuresPerUsername; i++) expect((await gatewayA.attempt('fresh', `198.51.100.${20 + i}`)).allowed).toBe(true);
  });

  it('opens again when the window ends', async () => {
    const short = new LoginThrottle(clients[0]!, keyPrefix, { ...limits, windowMs: 200 });
    expect((await short.attempt('svc', '10.0.0.1')).allowed).toBe(true);
    expect((await short.attempt('svc', '10.0.0.1')).allowed).toBe(true);
    expect((await short.attempt('svc', '10.0.0.1')).allowed).toBe(true);
    expect((await short.attempt('svc', '10.0.0.1')).allowed).toBe(false);
    // Wait for Redis to expire the counters rather than for a fixed time.
    const [usernameKey] = await redisKeysWithPrefix(clients[0]!, `${keyPrefix}login-throttle:username:`);
    while ((await clients[0]!.exists(usernameKey!)) > 0) await new Promise((resolve) => setTimeout(resolve, 25));
    expect((await short.attempt('svc', '10.0.0.1')).allowed).toBe(true);
  });
});
