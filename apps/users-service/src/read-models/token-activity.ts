// "Last active" in the members list for service accounts that work with API
// tokens: the tokens service records each token's last use as a `TokenUsed` event (at an
// interval, not per request), and this consumer moves the owner's `last_active_at` forward.
// GREATEST makes a redelivered or late event a no-op.
//
// The users service does not hold the tokens context's upcasters: it reads version 1 of
// TokenUsed's shape, and any other is refused (and redelivered until this is brought up to
// date) rather than read as if it were that one.
import { ServiceNames } from '@warden/contracts';
import { EventConsumer, eventSubject } from '@warden/messaging';
import { Pool } from 'pg';
import { ListingProjection } from './listing.projection';

export const TOKEN_ACTIVITY_DURABLE = 'users-token-activity';
const TOKEN_USED_SCHEMA_VERSION = 1;

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
      if (event.schemaVersion !== TOKEN_USED_SCHEMA_VERSION) {
        throw new Error(`TokenUsed version ${event.schemaVersion} is not the version ${TOKEN_USED_SCHEMA_VERSION} this consumer reads`);
      }
      const { ownerId, usedAt } = event.data as { ownerId?: unknown; usedAt?: unknown };
      if (typeof ownerId !== 'string' || typeof usedAt !== 'string') return;
      await pool.query(
        `UPDATE ${listing.tables.users} SET last_active_at = GREATEST(coalesce(last_active_at, $2::timestamptz), $2::timestamptz) WHERE id = $1`,
        [ownerId, usedAt],
      );
    },
  });
}
