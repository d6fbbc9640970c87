import path from 'node:path';
import type { Result } from 'ioredis';
import { testRedis } from '@warden/testing';
import { RedisClient } from './redis-client';
import { defineRedisScripts, loadRedisScript } from './redis-scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    wardenEchoKeys(first: string, second: string, argument: string): Result<string[], Context>;
    wardenCountKeys(numberOfKeys: number, ...keys: string[]): Result<number, Context>;
    wardenShoutTwice(key: string, text: string): Result<string, Context>;
  }
}

const scripts = path.join(__dirname, 'test');
const ECHO_KEYS = loadRedisScript(scripts, 'echo-keys-2.lua');
const COUNT_KEYS = loadRedisScript(scripts, 'count-keys.lua');
const SHOUT_TWICE = loadRedisScript(scripts, 'shout-twice-1.lua');

describe('Redis scripts defined on a real Redis', () => {
  let redis: RedisClient;

  beforeEach(() => {
    redis = testRedis();
  });

  afterEach(() => redis.disconnect());

  it('runs a script with the key count its name gives, one given at each call, and one with an include', async () => {
    defineRedisScripts(redis, [ECHO_KEYS, COUNT_KEYS, SHOUT_TWICE]);
    // One hash tag: on a cluster a script's keys must share a slot.
    expect(await redis.wardenEchoKeys('{s}a', '{s}b', 'c')).toEqual(['{s}a', '{s}b', 'c']);
    expect(await redis.wardenCountKeys(3, '{s}a', '{s}b', '{s}c', 'not a key')).toBe(3);
    expect(await redis.wardenShoutTwice('{s}a', 'ok')).toBe('OKOK');
  });

  it('defines each command once, leaving one already defined as it is', async () => {
    defineRedisScripts(redis, [ECHO_KEYS]);
    const defined = redis.wardenEchoKeys;
    defineRedisScripts(redis, [ECHO_KEYS, SHOUT_TWICE]);
    expect(redis.wardenEchoKeys).toBe(defined);
    expect(await redis.wardenShoutTwice('{s}a', 'x')).toBe('XX');
  });

  it('runs a script given its key count at each call beside commands on other slots in the same tick', async () => {
    defineRedisScripts(redis, [COUNT_KEYS]);
    // Auto-pipelining groups the commands of one tick by the node of each one's first key. A
    // script whose first argument is its key count must go by its first key, not by the count:
    // with keys on every master of a cluster, some share no node with the slot of "1".
    const tags = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const replies = await Promise.all([redis.get('1'), ...tags.map((tag) => redis.wardenCountKeys(1, `{${tag}}key`)), ...tags.map((tag) => redis.get(`{${tag}}other`))]);
    expect(replies).toEqual([null, ...tags.map(() => 1), ...tags.map(() => null)]);
  });

  it('runs in a pipeline too', async () => {
    defineRedisScripts(redis, [ECHO_KEYS]);
    const replies = await redis.pipeline().wardenEchoKeys('{s}a', '{s}b', '1').wardenEchoKeys('{s}a', '{s}b', '2').exec();
    expect(replies).toEqual([
      [null, ['{s}a', '{s}b', '1']],
      [null, ['{s}a', '{s}b', '2']],
    ]);
  });
});
