import { idempotentId } from '@warden/contracts';
import { v7 as uuidv7 } from 'uuid';
import { UsersContext } from '../users-context';

/**
 * The id a create gives what it makes: derived from the request's idempotency fingerprint
 * when it has one, so a retry whose first answer was lost names the same stream and finds
 * what the first attempt made, rather than making it twice.
 */
export function createdId(fingerprint: string | undefined, command: string): string {
  return fingerprint ? idempotentId(fingerprint, command) : uuidv7();
}

/**
 * Whether a stream was already written (by the first attempt of a retried create, or a
 * concurrent one); if so, its events are settled into the read models first, so that the
 * answer given again is as readable as the first one was.
 */
export async function settledExisting(ctx: UsersContext, streamId: string): Promise<boolean> {
  const recorded = await ctx.store.readStream(streamId);
  if (recorded.length === 0) return false;
  await ctx.readModels.settle(recorded.map(({ version, position }) => ({ streamId, version, position })));
  return true;
}

/**
 * Runs a create once per idempotency fingerprint: a retry gets what `earlier` finds of the
 * first attempt, before trying and again when its own attempt lost a race to a concurrent
 * retry. Without a fingerprint it only creates.
 */
export async function createOnce<T>(fingerprint: string | undefined, earlier: () => Promise<T | undefined>, create: () => Promise<T>): Promise<T> {
  const made = fingerprint ? await earlier() : undefined;
  if (made) return made;
  try {
    return await create();
  } catch (error) {
    const concurrent = fingerprint ? await earlier() : undefined;
    if (concurrent) return concurrent;
    throw error;
  }
}
