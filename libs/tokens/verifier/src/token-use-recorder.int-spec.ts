import { TOKEN_LAST_USED_KEY } from '@warden/contracts';
import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, testRedis, uniqueTestId } from '@warden/testing';
import { TokenUseRecorder } from './token-use-recorder';

// Two verifiers (two gateways, or a gateway and a service using the library) leave their
// last uses in one Redis hash (merge-token-uses-1.lua), which the tokens service turns into
// TokenUsed events.
let redis: RedisClient;
let keyPrefix: string;

beforeEach(() => {
  redis = testRedis();
  keyPrefix = `${uniqueTestId('uses')}:`;
});

afterEach(async () => {
  await deleteRedisPrefix(redis, keyPrefix);
  redis.disconnect();
});

const usesInRedis = () => redis.hgetall(keyPrefix + TOKEN_LAST_USED_KEY);

describe('TokenUseRecorder', () => {
  it('writes the latest use of each token, keeping a later one another verifier wrote', async () => {
    const first = new TokenUseRecorder(redis, keyPrefix);
    const second = new TokenUseRecorder(redis, keyPrefix);
    first.record('tok-a', 2000);
    first.record('tok-a', 1000); // older than what it holds: ignored
    first.record('tok-b', 1500);
    second.record('tok-b', 3000);
    await second.flush();
    await first.flush();
    expect(await usesInRedis()).toEqual({ 'tok-a': '2000', 'tok-b': '3000' });
  });

  it('keeps the uses it could not write for the next flush', async () => {
    const recorder = new TokenUseRecorder(redis, keyPrefix);
    // A key of the wrong type makes the write fail on the server, as a real fault would.
    await redis.set(keyPrefix + TOKEN_LAST_USED_KEY, 'not a hash');
    recorder.record('tok-a', 1000);
    await expect(recorder.flush()).rejects.toThrow(/WRONGTYPE/);
    await redis.del(keyPrefix + TOKEN_LAST_USED_KEY);
    await recorder.flush();
    expect(await usesInRedis()).toEqual({ 'tok-a': '1000' });
  });

  it('writes what is pending when stopped', async () => {
    const recorder = new TokenUseRecorder(redis, keyPrefix);
    recorder.start(60_000);
    recorder.record('tok-a', 1000);
    await recorder.stop();
    expect(await usesInRedis()).toEqual({ 'tok-a': '1000' });
  });
});
