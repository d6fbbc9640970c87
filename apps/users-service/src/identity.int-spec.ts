// The identity rules that must hold under concurrency, on the real PostgreSQL event store,
// through the application services; and the read models the gateway depends on.
import { PrincipalRecord, UsersErrorCode, WardenError, principalRecordsKey, principalRecordsReadyKey } from '@warden/contracts';
import { quoteIdentifier } from '@warden/event-store-postgres';
import { deleteRedisPrefix, readAllCommitted } from '@warden/testing';
import { ListingProjection } from './read-models/listing.projection';
import { HARNESS_ADMIN_PASSWORD, UsersHarness, startUsersHarness } from './test/users-harness';

function codeOf(outcome: PromiseSettledResult<unknown>): string {
  if (outcome.status === 'fulfilled') return 'created';
  return outcome.reason instanceof WardenError ? outcome.reason.code : String(outcome.reason);
}

function tally(outcomes: PromiseSettledResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[codeOf(outcome)] = (counts[codeOf(outcome)] ?? 0) + 1;
  return counts;
}

describe('identity on the real event store', () => {
  let h: UsersHarness;
  beforeEach(async () => {
    h = await startUsersHarness();
  });
  afterEach(() => h.dispose());

  it('20 parallel creations of service_external accounts end with exactly the limit created, the rest refused', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        h.users.create({
          context: h.admin,
          payload: { username: `webhook-${i}`, account_type: 'service_external', password: `${HARNESS_ADMIN_PASSWORD} ${i}` },
        }),
      ),
    );
    expect(tally(outcomes)).toEqual({ created: 5, [UsersErrorCode.ServiceAccountLimitReached]: 15 });
    const listed = await h.users.list({ context: h.admin, payload: { page: 1, page_size: 50, account_type: 'service_external' } });
    expect(listed.total).toBe(5);
  });

  it('allows at most one service_internal account', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        h.users.create({ context: h.admin, payload: { username: `internal-${i}`, account_type: 'service_internal' } }),
      ),
    );
    expect(tally(outcomes)).toEqual({ created: 1, [UsersErrorCode.ServiceAccountLimitReached]: 3 });
  });

  it('two racing creations of one username differing only in case end with one winner', async () => {
    const outcomes = await Promise.allSettled(
      ['Api_User@Mycompany', 'api_user@mycompany'].map((username) => h.users.create({ context: h.admin, payload: { username } })),
    );
    expect(tally(outcomes)).toEqual({ created: 1, [UsersErrorCode.UsernameTaken]: 1 });
  });

  it('updates the principal record before a deactivation answers', async () => {
    const created = await h.users.create({
      context: h.admin,
      payload: { friendly_name: 'DocuSign Connect', email_address: 'docusign@example.com', roles: [{ name: 'WARDEN_MEMBER' }] },
    });
    expect(created).toMatchObject({ account_type: 'service_external', username: 'docusign@example.com', status: 'active' });
    const read = async () => JSON.parse((await h.redis.hget(principalRecordsKey(h.prefix), created.id))!) as PrincipalRecord;
    expect(await read()).toMatchObject({ status: 'active', roles: ['WARDEN_MEMBER'], accountType: 'service_external' });

    await h.users.deactivate({ context: h.admin, payload: { id: created.id } });
    expect((await read()).status).toBe('deactivated');
  });

  it('rebuilds the principal records when Redis lost them', async () => {
    const created = await h.users.create({ context: h.admin, payload: { username: 'pipeline-bot', account_type: 'service_external' } });
    await deleteRedisPrefix(h.redis, h.prefix);
    expect(await h.readModels.principals.isReady()).toBe(false);
    // The marker the verifiers read to tell a removed owner from one not rebuilt yet.
    expect(await h.redis.exists(principalRecordsReadyKey(h.prefix))).toBe(0);
    await h.readModels.principals.rebuild();
    expect(await h.redis.exists(principalRecordsReadyKey(h.prefix))).toBe(1);
    const record = JSON.parse((await h.redis.hget(principalRecordsKey(h.prefix), created.id))!) as PrincipalRecord;
    expect(record).toMatchObject({ userId: created.id, status: 'active', organizationId: h.organizationId });
  });

  it('replays the listing exactly once, even when a batch is delivered again', async () => {
    const team = await h.teams.create({ context: h.admin, payload: { name: 'Integrations' } });
    const member = await h.users.create({ context: h.admin, payload: { username: 'member-one', groups: [`https://warden.example/api/v1/teams/${team.id}`] } });
    expect(member.teams).toEqual([team.id]);

    const copySchema = `${h.schema}_copy`;
    const copy = new ListingProjection(h.ctx.pool, copySchema);
    await copy.migrate();
    try {
      const events = await readAllCommitted(h.ctx.store);
      await copy.applyBatch(events);
      await copy.applyBatch(events); // redelivered: skipped by the checkpoint
      await copy.replay(h.ctx.store); // a replay over an up-to-date listing changes nothing
      const count = async (schema: string) =>
        (
          await h.ctx.pool.query<{ users: string; members: number }>(
            `SELECT (SELECT count(*) FROM ${quoteIdentifier(schema)}.user_listing)::text AS users,
                    (SELECT member_count FROM ${quoteIdentifier(schema)}.team_listing WHERE id = $1) AS members`,
            [team.id],
          )
        ).rows[0];
      expect(await count(copySchema)).toEqual({ users: '2', members: 1 });
      expect(await count(copySchema)).toEqual(await count(h.schema));
    } finally {
      await h.ctx.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(copySchema)} CASCADE`);
    }
  });
});
