import { InvalidRedisOpError, MAX_ITEMS_PER_OP, RedisOp, compileRedisOps } from './redis-ops';

const compile = (ops: RedisOp[]) => compileRedisOps(ops, 'p:', 'proj:', 4);

describe('projection ops', () => {
  it('prefixes keys, indexes each key once and encodes numbers as strings', () => {
    const compiled = compile([
      { op: 'set', key: 'token:abc', value: 'v', px: 1000 },
      { op: 'hset', key: 'token:abc:meta', fields: { owner: 'u1', scope: 'read' } },
      { op: 'sadd', key: 'owner:u1', members: ['abc'] },
      { op: 'zadd', key: 'expiry', members: [{ score: 1.5, member: 'abc' }] },
      { op: 'incrby', key: 'count', by: -2 },
      { op: 'pexpireat', key: 'token:abc', at: 1_700_000_000_000 },
      { op: 'del', key: 'old' },
    ]);
    expect(compiled.keys).toEqual(['p:token:abc', 'p:token:abc:meta', 'p:owner:u1', 'p:expiry', 'p:count', 'p:old']);
    expect(compiled.ops).toEqual([
      ['set', 4, 'v', 'px', '1000'],
      ['hset', 5, ['owner', 'u1', 'scope', 'read']],
      ['sadd', 6, ['abc']],
      ['zadd', 7, ['1.5', 'abc']],
      ['incrby', 8, '-2'],
      ['pexpireat', 4, '1700000000000'],
      ['del', 9],
    ]);
  });

  it('accepts no ops (an event the projection ignores)', () => {
    expect(compile([])).toEqual({ keys: [], ops: [] });
  });

  it.each<[string, unknown]>([
    ['an unknown op', { op: 'flushall', key: 'k' }],
    ['an empty key', { op: 'del', key: '' }],
    ['a key in the reserved namespace', { op: 'set', key: 'proj:checkpoint', value: '1' }],
    ['a non-string value', { op: 'set', key: 'k', value: 1 }],
    ['px and pxat together', { op: 'set', key: 'k', value: 'v', px: 1, pxat: 2 }],
    ['a zero px', { op: 'set', key: 'k', value: 'v', px: 0 }],
    ['a fractional pxat', { op: 'set', key: 'k', value: 'v', pxat: 1.5 }],
    ['an unsafe incrby', { op: 'incrby', key: 'k', by: 2 ** 60 }],
    ['an empty hset', { op: 'hset', key: 'k', fields: {} }],
    ['a non-string hash value', { op: 'hset', key: 'k', fields: { a: 1 } }],
    ['an empty member list', { op: 'sadd', key: 'k', members: [] }],
    ['a non-string member', { op: 'srem', key: 'k', members: [1] }],
    ['an infinite score', { op: 'zadd', key: 'k', members: [{ score: Infinity, member: 'm' }] }],
    ['too many members', { op: 'sadd', key: 'k', members: Array.from({ length: MAX_ITEMS_PER_OP + 1 }, (_, i) => `m${i}`) }],
    ['null', null],
  ])('refuses %s before anything reaches Redis', (_label, op) => {
    expect(() => compile([{ op: 'del', key: 'fine' }, op as RedisOp])).toThrow(InvalidRedisOpError);
  });
});
