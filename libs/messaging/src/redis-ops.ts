// The closed set of writes a projection may ask for, checked in full before the Lua
// script runs: Redis does not roll a script back, so a bad op found half-way would
// leave half an event applied.

export type RedisOp =
  | { op: 'set'; key: string; value: string; px?: number; pxat?: number }
  | { op: 'del'; key: string }
  | { op: 'pexpireat'; key: string; at: number }
  | { op: 'incrby'; key: string; by: number }
  | { op: 'hset'; key: string; fields: Record<string, string> }
  | { op: 'hdel'; key: string; fields: string[] }
  | { op: 'sadd'; key: string; members: string[] }
  | { op: 'srem'; key: string; members: string[] }
  | { op: 'zadd'; key: string; members: { score: number; member: string }[] }
  | { op: 'zrem'; key: string; members: string[] };

export type RedisOpName = RedisOp['op'];

export class InvalidRedisOpError extends Error {
  override readonly name = 'InvalidRedisOpError';
}

// Lua's unpack() has a stack limit of a few thousand values; stay well under it.
export const MAX_ITEMS_PER_OP = 1_000;

/** Ops as the script reads them: `[name, keyIndex, ...args]`, numbers as strings (cjson would round them). */
export type WireOp = [RedisOpName, number, ...(string | string[])[]];

export interface CompiledOps {
  /** Full key names, in the order the wire ops index them. */
  keys: string[];
  ops: WireOp[];
}

/**
 * Validates `ops` and prefixes their keys. `reservedPrefix` (the projection's own
 * bookkeeping namespace) is refused so an op can never overwrite a version or checkpoint.
 */
export function compileRedisOps(ops: readonly RedisOp[], keyPrefix: string, reservedPrefix: string, firstKeyIndex: number): CompiledOps {
  if (!Array.isArray(ops as unknown)) throw new InvalidRedisOpError('a projection must return an array of ops');
  const keys: string[] = [];
  const indexOf = new Map<string, number>();
  const keyIndex = (relative: string): number => {
    const full = keyPrefix + relative;
    let index = indexOf.get(full);
    if (index === undefined) {
      index = firstKeyIndex + keys.length;
      indexOf.set(full, index);
      keys.push(full);
    }
    return index;
  };

  const compiled = ops.map((op, position): WireOp => {
    const where = `op #${position + 1}`;
    if (typeof op !== 'object' || op === null) throw new InvalidRedisOpError(`${where}: not an object`);
    checkKey(op.key, reservedPrefix, where);
    switch (op.op) {
      case 'set': {
        checkString(op.value, `${where} (set): value`);
        if (op.px !== undefined && op.pxat !== undefined) throw new InvalidRedisOpError(`${where} (set): px and pxat are exclusive`);
        if (op.px !== undefined) return ['set', keyIndex(op.key), op.value, 'px', positiveInteger(op.px, `${where} (set): px`)];
        if (op.pxat !== undefined) return ['set', keyIndex(op.key), op.value, 'pxat', positiveInteger(op.pxat, `${where} (set): pxat`)];
        return ['set', keyIndex(op.key), op.value];
      }
      case 'del':
        return ['del', keyIndex(op.key)];
      case 'pexpireat':
        return ['pexpireat', keyIndex(op.key), positiveInteger(op.at, `${where} (pexpireat): at`)];
      case 'incrby':
        if (!Number.isSafeInteger(op.by)) throw new InvalidRedisOpError(`${where} (incrby): by must be a safe integer`);
        return ['incrby', keyIndex(op.key), String(op.by)];
      case 'hset': {
        if (typeof op.fields !== 'object' || op.fields === null || Array.isArray(op.fields)) {
          throw new InvalidRedisOpError(`${where} (hset): fields must be an object`);
        }
        const entries = Object.entries(op.fields);
        checkCount(entries.length, `${where} (hset): fields`);
        const flat: string[] = [];
        for (const [field, value] of entries) {
          checkString(value, `${where} (hset): field ${JSON.stringify(field)}`);
          flat.push(field, value);
        }
        return ['hset', keyIndex(op.key), flat];
      }
      case 'hdel':
      case 'sadd':
      case 'srem':
      case 'zrem':
        checkStrings(op.op === 'hdel' ? op.fields : op.members, `${where} (${op.op})`);
        return [op.op, keyIndex(op.key), [...(op.op === 'hdel' ? op.fields : op.members)]];
      case 'zadd': {
        if (!Array.isArray(op.members)) throw new InvalidRedisOpError(`${where} (zadd): members must be an array`);
        checkCount(op.members.length, `${where} (zadd): members`);
        const flat: string[] = [];
        for (const entry of op.members) {
          if (typeof entry !== 'object' || entry === null || !Number.isFinite(entry.score)) {
            throw new InvalidRedisOpError(`${where} (zadd): each member needs a finite score`);
          }
          checkString(entry.member, `${where} (zadd): member`);
          flat.push(String(entry.score), entry.member);
        }
        return ['zadd', keyIndex(op.key), flat];
      }
      default: {
        const unknown: never = op;
        throw new InvalidRedisOpError(`${where}: unknown op ${JSON.stringify((unknown as { op?: unknown }).op)}`);
      }
    }
  });
  return { keys, ops: compiled };
}

function checkKey(key: unknown, reservedPrefix: string, where: string): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidRedisOpError(`${where}: key must be a non-empty string`);
  if (key.startsWith(reservedPrefix)) {
    throw new InvalidRedisOpError(`${where}: key ${JSON.stringify(key)} is in the projection's reserved namespace`);
  }
}

function checkString(value: unknown, where: string): asserts value is string {
  if (typeof value !== 'string') throw new InvalidRedisOpError(`${where} must be a string`);
}

function checkStrings(values: unknown, where: string): asserts values is string[] {
  if (!Array.isArray(values)) throw new InvalidRedisOpError(`${where}: expected an array of strings`);
  checkCount(values.length, where);
  for (const value of values) checkString(value, `${where}: each entry`);
}

function checkCount(count: number, where: string): void {
  if (count === 0) throw new InvalidRedisOpError(`${where}: must not be empty`);
  if (count > MAX_ITEMS_PER_OP) throw new InvalidRedisOpError(`${where}: at most ${MAX_ITEMS_PER_OP} per op`);
}

function positiveInteger(value: unknown, where: string): string {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) throw new InvalidRedisOpError(`${where} must be a positive integer`);
  return String(value);
}
