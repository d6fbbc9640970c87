import { Envelope, IssuedTokenView, PrincipalRecord, RequestContext, TOKEN_STATUSES, TokenStatus, TokenView } from '@warden/contracts';
import { silentMessagingLog } from '@warden/messaging';
import type { RedisClient } from '@warden/redis';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { TokenRecord, organizationTokensKey, tokenRecordKey } from '../credentials/credential-read-model.projection';
import { decodeTokenRecord } from '../credentials/token-record-codec';
import { CredentialReplay } from '../credentials/credential-replay';
import { TokensHarness, adminContext, serviceAccountRecord, startTokensHarness } from '../test/tokens-harness';
import { TokensService } from './tokens.service';
import { toTokenView, tokenStatus } from './token-view';

// GET /tokens with its filters pages from the listing indexes the credential projection
// keeps (per organization and per owner, by revocation, with expiries beside): every page of
// every filter is the page the in-memory path gave (all the organization's tokens read,
// filtered and cut here), through revokes, reassigns, rotations and expiries, and after a
// replay of the read model.
const ORG = '0190a0d2-0000-7000-8000-00000000003a';
const ADMIN = '0190a0d2-0000-7000-8000-0000000003a1';
const MANAGER = '0190a0d2-0000-7000-8000-0000000003a2';
const SVC = '0190a0d2-0000-7000-8000-0000000003b1';
const SVC2 = '0190a0d2-0000-7000-8000-0000000003b2';
const SVC3 = '0190a0d2-0000-7000-8000-0000000003b3';
const TEAM_A = '0190a0d2-0000-7000-8000-0000000003c1';
const TEAM_B = '0190a0d2-0000-7000-8000-0000000003c2';
const PAGE_SIZE = 7;

describe('the token listing indexes', () => {
  let h: TokensHarness;
  let redis: RedisClient;
  let readModel: CredentialReadModel;
  let tokens: TokensService;
  let clock: Date;

  const owners: PrincipalRecord[] = [
    serviceAccountRecord(SVC, ORG, { teams: [TEAM_A] }),
    serviceAccountRecord(SVC2, ORG, { teams: [TEAM_B] }),
    serviceAccountRecord(SVC3, ORG, { teams: [TEAM_A, TEAM_B] }),
  ];
  const admin = adminContext(ADMIN, ORG);
  const manager = adminContext(MANAGER, ORG, { teams: [TEAM_A], permissions: { 'tokens:read': 'team' } });
  const send = <T>(payload: T, context: RequestContext = admin): Envelope<T> => ({ context, payload });
  const later = (ms: number) => (clock = new Date(clock.getTime() + ms));

  /** The in-memory path: every token of the organization read, filtered by owner, status and the caller's teams, newest first. */
  async function expectedPage(query: { owner?: string; status?: TokenStatus; page: number }, teams?: string[]): Promise<{ total: number; ids: string[] }> {
    const runner = await readModel.liveRunner();
    const ids = await redis.zrange(runner.key(organizationTokensKey(ORG)), 0, -1);
    const values = ids.length === 0 ? [] : await redis.mget(ids.map((id) => runner.key(tokenRecordKey(id))));
    let records: TokenRecord[] = values.map((value, i) => decodeTokenRecord(ids[i]!, value!));
    if (query.owner) records = records.filter((record) => record.ownerId === query.owner);
    if (query.status) records = records.filter((record) => tokenStatus(record, { owner: owners.find((owner) => owner.userId === record.ownerId) ?? null, policy: null }, clock) === query.status);
    if (teams) {
      const teamsOf = new Map(owners.map((owner) => [owner.userId, owner.teams]));
      records = records.filter((record) => (teamsOf.get(record.ownerId) ?? []).some((team) => teams.includes(team)));
    }
    records.reverse();
    return { total: records.length, ids: records.slice((query.page - 1) * PAGE_SIZE, query.page * PAGE_SIZE).map((record) => record.tokenId) };
  }

  /** Every page of every filter (and one past the end), as listed against the in-memory path. */
  async function expectEveryPageAsInMemory(context: RequestContext = admin, teams?: string[]): Promise<number> {
    let compared = 0;
    for (const owner of [undefined, SVC, SVC2, SVC3]) {
      for (const status of [undefined, ...TOKEN_STATUSES]) {
        const first = await expectedPage({ owner, status, page: 1 }, teams);
        const pages = Math.ceil(first.total / PAGE_SIZE) + 1;
        for (let page = 1; page <= pages; page++) {
          const expected = await expectedPage({ owner, status, page }, teams);
          const listed = await tokens.list(send({ owner, status, page: String(page), page_size: String(PAGE_SIZE) }, context));
          expect({ filter: { owner, status, page }, total: listed.total, ids: listed.results.map((token: TokenView) => token.id) }).toEqual({
            filter: { owner, status, page },
            ...expected,
          });
          compared++;
        }
      }
    }
    return compared;
  }

  beforeEach(async () => {
    clock = new Date();
    h = await startTokensHarness({ label: 'toklist', clock: () => clock, principals: owners });
    ({ redis, readModel, tokens } = h);
    // Tokens of three owners, some sharing a creation time (the index breaks ties by id, as
    // the in-memory path did), some with an expiry, then revoked, rotated and reassigned.
    const issued: IssuedTokenView[] = [];
    for (let i = 0; i < 120; i++) {
      const owner = owners[i % 3]!.userId;
      const expiresAt = i % 4 === 1 ? new Date(clock.getTime() + (i % 8 === 5 ? 60_000 : 3_600_000)).toISOString() : undefined;
      issued.push(await tokens.issue(send({ user_id: owner, name: `listed ${i}`, expires_at: expiresAt })));
      if (i % 5 !== 0) later(10);
    }
    const revoked = (i: number) => i % 6 === 2 || i % 8 === 1;
    for (const token of issued.filter((_, i) => revoked(i))) await tokens.revoke(send({ id: token.id }));
    for (const token of issued.filter((_, i) => i % 7 === 3 && !revoked(i))) await tokens.rotate(send({ id: token.id, grace_period_seconds: 30 }));
    for (const token of issued.filter((_, i) => i % 9 === 4 && !revoked(i))) await tokens.reassign(send({ id: token.id, user_id: SVC3 }));
  });

  afterEach(() => h.close());

  it('lists every page of every filter as the in-memory path did, unfiltered and revoked pages reading only the page', async () => {
    const mget = jest.spyOn(redis, 'mget');
    const zrange = jest.spyOn(redis, 'zrange');
    expect(await expectEveryPageAsInMemory()).toBeGreaterThan(80);
    // The listing's own reads: one MGET of at most a page, never the whole organization.
    const listed = mget.mock.calls.filter(([keys]) => (keys as string[]).length <= PAGE_SIZE);
    expect(listed.length).toBeGreaterThan(0);
    mget.mockClear();
    zrange.mockClear();
    // Unfiltered and revoked listings are cut from the index; a status decided at read time
    // (it depends on the owner, the organization's cap and the clock) reads the scope's records.
    await tokens.list(send({ page: '3', page_size: String(PAGE_SIZE) }));
    await tokens.list(send({ status: 'revoked', page: '2', page_size: String(PAGE_SIZE) }));
    expect(mget.mock.calls.map(([keys]) => (keys as string[]).length)).toEqual([PAGE_SIZE, PAGE_SIZE]);
    expect(zrange).not.toHaveBeenCalled();
  });

  it('moves a token from active to expired in the listing when its expiry passes, without an event', async () => {
    const beforeExpiry = await tokens.list(send({ status: 'expired', page_size: '100' }));
    expect(beforeExpiry.total).toBe(0);
    later(120_000); // past the one-minute expiries, before the one-hour ones
    const expired = await tokens.list(send({ status: 'expired', page_size: '100' }));
    expect(expired.total).toBeGreaterThan(0);
    expect(expired.results.every((token) => token.status === 'expired')).toBe(true);
    await expectEveryPageAsInMemory();
    later(7_200_000); // past every expiry
    await expectEveryPageAsInMemory();
  });

  it('lists a team-scoped caller the tokens of the owners in its teams, by the owners\' teams now', async () => {
    later(120_000);
    await expectEveryPageAsInMemory(manager, [TEAM_A]);
    // SVC2 joins team A: its tokens are listed to the manager from then on.
    owners[1] = { ...owners[1]!, teams: [TEAM_B, TEAM_A] };
    await h.writePrincipal(owners[1]);
    const listed = await tokens.list(send({ owner: SVC2, page_size: '100' }, manager));
    expect(listed.total).toBe((await expectedPage({ owner: SVC2, page: 1 })).total);
    await expectEveryPageAsInMemory(manager, [TEAM_A]);
  });

  it('keeps the indexes through a replay: the same pages from the swapped-in generation, and a compare finds no difference', async () => {
    later(120_000);
    const replay = new CredentialReplay({ readModel, redis, keyPrefix: h.keyPrefix, store: h.store, log: silentMessagingLog, retireAfterMs: 20 });
    const before = await tokens.list(send({ owner: SVC3, status: 'active', page: '2', page_size: String(PAGE_SIZE) }));
    await replay.start('swap');
    await replay.settled();
    expect(await readModel.liveGeneration()).not.toBe('');
    expect(await tokens.list(send({ owner: SVC3, status: 'active', page: '2', page_size: String(PAGE_SIZE) }))).toEqual(before);
    await expectEveryPageAsInMemory();
    // A revoke after the swap lands in the new generation's indexes.
    const [newest] = (await tokens.list(send({ owner: SVC, status: 'active', page_size: '1' }))).results;
    await tokens.revoke(send({ id: newest!.id }));
    const ids = async (status: TokenStatus) => (await tokens.list(send({ owner: SVC, status, page_size: '100' }))).results.map((token) => token.id);
    expect(await ids('revoked')).toContain(newest!.id);
    expect(await ids('active')).not.toContain(newest!.id);
    await expectEveryPageAsInMemory();

    await replay.start('compare');
    await replay.settled();
    expect(await replay.status()).toMatchObject({ mode: 'compare', state: 'succeeded', report: { differences: [] } });
  });

  it('answers the same view of a token from the index as from its record', async () => {
    const [first] = (await tokens.list(send({ owner: SVC2, page_size: '1' }))).results;
    const record = (await readModel.token(first!.id))!;
    expect(first).toEqual(toTokenView(record, { owner: owners.find((owner) => owner.userId === record.ownerId) ?? null, policy: null }, clock));
  });
});
