import {
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  Envelope,
  IssuedTokenView,
  PrincipalRecord,
  RequestContext,
  credentialGenerationPrefix,
} from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { silentMessagingLog } from '@warden/messaging';
import type { RedisClient } from '@warden/redis';
import { pollUntil, redisKeysWithPrefix } from '@warden/testing';
import { CredentialReadModelUnavailableError, verifyCredential } from '@warden/token-verifier';
import { TokensHarness, adminContext, serviceAccountRecord, startTokensHarness } from '../test/tokens-harness';
import { TokensService } from '../tokens/tokens.service';
import { CredentialReadModel } from './credential-read-model';
import { CredentialReplay } from './credential-replay';

// The token read model's replay: replayed into a fresh generation and swapped in while
// verification is hammered and tokens are revoked: no valid token is ever refused, no token
// is accepted once its revoke answered, and the swap is one pointer switch.
const ORG = '0190a0d2-0000-7000-8000-00000000002a';
const ADMIN = '0190a0d2-0000-7000-8000-0000000002a1';
const SVC = '0190a0d2-0000-7000-8000-0000000002b1';

describe('replaying the token read model', () => {
  let h: TokensHarness;
  let keyPrefix: string;
  let store: PostgresEventStore;
  let redis: RedisClient;
  let readModel: CredentialReadModel;
  let tokens: TokensService;
  let replay: CredentialReplay;
  // Run once, the next time a replay finds the store read to its end: a command that lands
  // in the live generation after the replay's last read and before its swap.
  let atTheEnd: (() => Promise<void>) | undefined;

  const owner: PrincipalRecord = serviceAccountRecord(SVC, ORG, { username: 'svc-replay', roles: [] });
  const context: RequestContext = adminContext(ADMIN, ORG);
  const send = <T>(payload: T): Envelope<T> => ({ context, payload });
  const issue = (name: string) => tokens.issue(send({ user_id: SVC, name }));
  // No fallback: a verification that found the read model not ready would throw, and count as a failure.
  const verify = (token: string) => verifyCredential(token, { redis, keyPrefix, now: new Date() });

  beforeEach(async () => {
    atTheEnd = undefined;
    h = await startTokensHarness({
      label: 'tokrp',
      // Each page of a replay read a little slowly, so that commands and verifications interleave with it.
      readModelStore: (store) => slowed(store, 30, () => atTheEnd),
      principals: [owner],
    });
    ({ keyPrefix, store, redis, readModel, tokens } = h);
    replay = new CredentialReplay({ readModel, redis, keyPrefix, store, log: silentMessagingLog, retireAfterMs: 20 });
  });

  afterEach(async () => {
    await replay.settled();
    await h.close();
  });

  it('swaps in a fresh generation with verification hammered: no valid token refused, no revoked one accepted', async () => {
    const valid: IssuedTokenView[] = [];
    for (let i = 0; i < 60; i++) valid.push(await issue(`valid-${i}`));
    const revokedBefore = await issue('revoked before');
    await tokens.revoke(send({ id: revokedBefore.id }));
    const toRevoke: IssuedTokenView[] = [];
    for (let i = 0; i < 6; i++) toRevoke.push(await issue(`revoked during-${i}`));
    const atTheEdge = await issue('revoked between the last read and the swap');
    toRevoke.push(atTheEdge);

    const failures: string[] = [];
    const revokedAt = new Map<string, number>(); // token -> when its revoke answered
    let verifications = 0;
    let hammering = true;
    const hammer = async (worker: number) => {
      for (let round = 0; hammering; round++) {
        const token = valid[(round * 7 + worker) % valid.length]!;
        const results = await Promise.all([verify(token.token), verify(revokedBefore.token), ...toRevoke.map(async (t) => [t, Date.now(), await verify(t.token)] as const)]);
        verifications += results.length;
        const [ok, refused, ...during] = results;
        if (!ok.ok) failures.push(`valid ${token.name} refused: ${ok.reason}`);
        if (refused.ok) failures.push('a token revoked before the replay was accepted');
        for (const [t, askedAt, result] of during) {
          const answered = revokedAt.get(t.id);
          if (result.ok && answered !== undefined && askedAt > answered) failures.push(`${t.name} accepted after its revoke answered`);
        }
      }
    };
    const workers = [0, 1, 2, 3].map(hammer);

    atTheEnd = async () => {
      atTheEnd = undefined;
      await tokens.revoke(send({ id: atTheEdge.id }));
      revokedAt.set(atTheEdge.id, Date.now());
    };
    const started = await replay.start('swap');
    expect(started).toMatchObject({ read_model: 'tokens', mode: 'swap', state: 'running', events_total: expect.any(Number) });
    // Revokes while the replay runs: each answered only once the live generation has it.
    for (const t of toRevoke.filter((t) => t !== atTheEdge)) {
      await tokens.revoke(send({ id: t.id }));
      revokedAt.set(t.id, Date.now());
    }
    await replay.settled();
    const issuedDuring = await issue('issued after the swap');
    await new Promise((resolve) => setTimeout(resolve, 100));
    hammering = false;
    await Promise.all(workers);

    expect(atTheEnd).toBeUndefined(); // the edge revoke ran
    expect(failures).toEqual([]);
    expect(verifications).toBeGreaterThan(100);
    const done = await replay.status();
    expect(done).toMatchObject({ state: 'succeeded', replay_id: started.replay_id, error: null, seconds_left: 0, finished_at: expect.any(String) });
    expect(done!.events_done).toBeGreaterThanOrEqual(started.events_total);
    expect(await redis.get(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY)).toBe(started.replay_id);
    // After the swap: reads, commands and verification all on the new generation.
    for (const t of toRevoke) expect(await verify(t.token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect((await verify(issuedDuring.token)).ok).toBe(true);
    expect(await tokens.get(send({ id: valid[0]!.id }))).toMatchObject({ id: valid[0]!.id, status: 'active' });
    expect(await readModel.countOwnedTokens(ORG, SVC)).toBe(valid.length + 1);
    // The base generation is gone once retired (a timer after the swap); the new one holds every credential.
    await pollUntil(async () => (await redisKeysWithPrefix(redis, `${keyPrefix}${credentialGenerationPrefix('')}credential:`)).length === 0, 'the replaced generation retired');
    expect(await redisKeysWithPrefix(redis, `${keyPrefix}${credentialGenerationPrefix(started.replay_id)}credential:`)).toHaveLength(valid.length + 1 + 1 + toRevoke.length);
  });

  it('compares the live generation with a fresh replay, finds none after commands and a swap, and names a tampered entry', async () => {
    const a = await issue('a');
    const b = await issue('b');
    await tokens.rotate(send({ id: a.id, grace_period_seconds: 600 }));
    await tokens.revoke(send({ id: b.id }));
    await replay.start('swap');
    await replay.settled();
    const live = await readModel.liveGeneration();
    await tokens.reassign(send({ id: a.id, user_id: SVC }));

    await replay.start('compare');
    await replay.settled();
    const clean = await replay.status();
    expect(clean).toMatchObject({ mode: 'compare', state: 'succeeded', report: { differences: [] } });
    expect(clean!.report!.compared).toBeGreaterThanOrEqual(7); // 3 credentials, 2 tokens, the organization's and the owner's index
    expect(await readModel.liveGeneration()).toBe(live); // a compare swaps nothing
    expect(await redisKeysWithPrefix(redis, keyPrefix + credentialGenerationPrefix(clean!.replay_id))).toEqual([]);

    // A live entry altered behind the projection's back is reported, with both values.
    const tokenKey = `${keyPrefix}${credentialGenerationPrefix(live)}token:${b.id}`;
    const original = (await redis.get(tokenKey))!;
    await redis.set(tokenKey, original.replace('"revoked"', '"active"'));
    await replay.start('compare');
    await replay.settled();
    expect((await replay.status())!.report!.differences).toEqual([{ key: `token:${b.id}`, live: expect.stringContaining('"active"'), replayed: original }]);
  });

  it('names the base generation only once it is built, so verifiers never trust a half-built one', async () => {
    const token = await issue('named');
    expect(await redis.get(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY)).toBe('');
    // A base generation built before verifiers read the pointer (ready marker, no pointer):
    // not ready for them until the service names it, which it then does without a rebuild.
    await redis.del(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY);
    expect(await readModel.isReady()).toBe(false);
    await expect(verify(token.token)).rejects.toBeInstanceOf(CredentialReadModelUnavailableError);
    expect(await readModel.ensureBuilt()).toBe(false);
    expect(await readModel.isReady()).toBe(true);
    expect((await verify(token.token)).ok).toBe(true);
    // A swap names the new generation; a base generation rebuilt meanwhile does not take it back.
    await replay.start('swap');
    await replay.settled();
    const swapped = await readModel.liveGeneration();
    expect(swapped).not.toBe('');
    await readModel.runnerFor('').rebuild();
    expect(await redis.get(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY)).toBe(swapped);
    expect((await verify(token.token)).ok).toBe(true);
  });

  it('refuses a second replay while one runs', async () => {
    await issue('x');
    await replay.start('swap');
    await expect(replay.start('swap')).rejects.toMatchObject({ code: 'concurrency_conflict' });
  });
});

/** The store, with each page of the global log read `delayMs` later, and a hook run when a reader finds its end. */
function slowed(store: EventStore, delayMs: number, atTheEnd: () => (() => Promise<void>) | undefined): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'countAfter') {
        return async (...args: Parameters<EventStore['countAfter']>) => {
          const count = await target.countAfter(...args);
          const hook = atTheEnd();
          if (count === 0 && hook) await hook();
          return count;
        };
      }
      if (property === 'readAll') {
        return async (...args: Parameters<EventStore['readAll']>) => {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return target.readAll(...args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
