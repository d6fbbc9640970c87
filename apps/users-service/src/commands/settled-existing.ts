// The idempotent create itself (`createdId`, `createOnce`) is the kernel's; what is the users
// service's own is how it settles what a first attempt made into its read models.
import { UsersContext } from '../users-context';

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
