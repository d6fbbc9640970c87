// "Last active" in the users list (seed 002) for service accounts that work with API
// tokens: the tokens service records each token's last use as a `TokenUsed` event (at an
// interval, not per request), and this consumer moves the owner's `last_active_at` forward.
// GREATEST makes a redelivered or late event a no-op.
import { ServiceNames } from '@warden/contracts';
import { EventConsumer, eventSubject } from '@warden/messaging';
import { Pool } from 'pg';
import { ListingProjection } from './listing.projection';

export const TOKEN_ACTIVITY_DURABLE = 'users-token-activity';

export async function startTokenActivity(
  consumer: EventConsumer,
  pool: Pool,
  listing: ListingProjection,
  eventsSubjectPrefix: string,
): Promise<void> {
  await consumer.start({
    durable: TOKEN_ACTIVITY_DURABLE,
    filterSubjects: [eventSubject(eventsSubjectPrefix, ServiceNames.tokens, 'TokenUsed')],
    handler: async (event) => {
      const { ownerId, usedAt } = event.data as { ownerId?: unknown; usedAt?: unknown };
      if (typeof ownerId !== 'string' || typeof usedAt !== 'string') return;
      await pool.query(
        `UPDATE ${listing.tables.users} SET last_active_at = GREATEST(coalesce(last_active_at, $2::timestamptz), $2::timestamptz) WHERE id = $1`,
        [ownerId, usedAt],
      );
    },
  });
}
