import { idempotentId } from '@warden/contracts';
import { v7 as uuidv7 } from 'uuid';
import { UsersContext } from './users-context';

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
