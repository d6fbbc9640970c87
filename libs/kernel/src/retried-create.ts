import { idempotentId } from '@warden/contracts';
import { v7 as uuidv7 } from 'uuid';

/**
 * The id a create gives what it makes: derived from the request's idempotency fingerprint
 * when it has one, so a retry whose first answer was lost names the same stream and finds
 * what the first attempt made, rather than making it twice.
 */
export function createdId(fingerprint: string | undefined, command: string): string {
  return fingerprint ? idempotentId(fingerprint, command) : uuidv7();
}

/**
 * Runs a create once per idempotency fingerprint: a retry gets what `earlier` finds of the
 * first attempt, before trying and again when its own attempt lost a race to a concurrent
 * retry. Without a fingerprint it only creates. `earlier` may throw instead of answering,
 * for a first attempt whose answer cannot be given twice.
 *
 * `lookFirst: false` is for a create that fails by itself where the first attempt made
 * something (it appends a new stream as 'no_stream' and its decision refuses an aggregate that
 * exists): `earlier` is then asked only once the create failed, so a first attempt reads
 * nothing before it and only a retry pays for the look.
 */
export async function createOnce<T>(
  fingerprint: string | undefined,
  earlier: () => Promise<T | undefined>,
  create: () => Promise<T>,
  options: { lookFirst?: boolean } = {},
): Promise<T> {
  const made = fingerprint && options.lookFirst !== false ? await earlier() : undefined;
  if (made) return made;
  try {
    return await create();
  } catch (error) {
    const concurrent = fingerprint ? await earlier() : undefined;
    if (concurrent) return concurrent;
    throw error;
  }
}
