import {
  CommonErrorCode,
  Envelope,
  PrincipalView,
  RequestContext,
  WardenError,
  idempotentId,
} from '@warden/contracts';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { readAllCommitted } from '@warden/testing';
import { TokensHarness, adminContext, serviceAccountRecord, startTokensHarness } from '../test/tokens-harness';
import { TokensService } from './tokens.service';

const ORG = '0190a0d2-0000-7000-8000-00000000000a';
const ADMIN = '0190a0d2-0000-7000-8000-0000000000a1';
const SVC = '0190a0d2-0000-7000-8000-0000000000b1';
const FINGERPRINT = 'f'.repeat(64);

// A retry whose first answer was lost (the gateway's 503 frees the key) carries the
// same idempotency fingerprint, so it finds the token made the first time instead of
// issuing a second one.
describe('issuing a token twice with one idempotency fingerprint', () => {
  let h: TokensHarness;
  let store: PostgresEventStore;
  let tokens: TokensService;

  const context = (overrides: Partial<RequestContext> = {}, credential: PrincipalView['credential'] = { kind: 'session', id: 's-admin', expiresAt: null }): RequestContext => ({
    ...adminContext(ADMIN, ORG, { credential }),
    ...overrides,
  });
  const issue = (ctx: RequestContext): Envelope<unknown> => ({ context: ctx, payload: { user_id: SVC, name: 'webhooks' } });
  const refusal = async (run: Promise<unknown>): Promise<WardenError> => {
    const error = await run.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WardenError);
    return error as WardenError;
  };
  const issuedEvents = async () => (await readAllCommitted(store)).filter((event) => event.type === 'TokenIssued');

  beforeEach(async () => {
    h = await startTokensHarness({
      label: 'tokidem',
      principals: [serviceAccountRecord(SVC, ORG, { username: 'svc' })],
      policies: [{ organizationId: ORG, maxTokenLifetimeSeconds: null }],
    });
    ({ store, tokens } = h);
  });

  afterEach(() => h.close());

  it('issues one token under the derived id; the retry gets 409 idempotent_replay_withheld naming it, without a secret', async () => {
    const reads = jest.spyOn(store, 'readStream');
    const first = await tokens.issue(issue(context({ idempotencyFingerprint: FINGERPRINT })));
    // The first attempt reads nothing before it appends: only a retry looks for what it made.
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    expect(first.id).toBe(idempotentId(FINGERPRINT, 'tokens.issue'));
    expect(first.token).toMatch(/^wdn_p_/);

    const retry = await refusal(tokens.issue(issue(context({ idempotencyFingerprint: FINGERPRINT, correlationId: 'retry' }))));
    expect(retry.code).toBe(CommonErrorCode.IdempotentReplayWithheld);
    expect(retry.detail).toContain(first.id);
    expect(JSON.stringify(retry)).not.toContain(first.token);
    expect(await issuedEvents()).toHaveLength(1);
    expect(await h.readModel.countOwnedTokens(ORG, SVC)).toBe(1);
  });

  it('issues one token when two retries race', async () => {
    const results = await Promise.allSettled([...Array(4)].map(() => tokens.issue(issue(context({ idempotencyFingerprint: FINGERPRINT })))));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: CommonErrorCode.IdempotentReplayWithheld });
    }
    expect(await issuedEvents()).toHaveLength(1);
  });

  it('issues distinct tokens for other fingerprints and without one, and keeps exchange apart from issue', async () => {
    const a = await tokens.issue(issue(context({ idempotencyFingerprint: FINGERPRINT })));
    const b = await tokens.issue(issue(context({ idempotencyFingerprint: 'e'.repeat(64) })));
    const c = await tokens.issue(issue(context()));
    const d = await tokens.issue(issue(context()));
    expect(new Set([a.id, b.id, c.id, d.id]).size).toBe(4);
    // The owner's own login key exchanged with the same fingerprint: another command, another id.
    const asOwner: RequestContext = {
      ...context({ idempotencyFingerprint: FINGERPRINT }, { kind: 'session', id: 's-svc', expiresAt: null }),
      actorId: SVC,
      actorType: 'service_external',
    };
    asOwner.principal = { ...asOwner.principal!, userId: SVC, accountType: 'service_external' };
    const exchanged = await tokens.exchange({ context: asOwner, payload: {} });
    expect(exchanged.id).toBe(idempotentId(FINGERPRINT, 'tokens.exchange'));
    expect((await refusal(tokens.exchange({ context: asOwner, payload: {} }))).code).toBe(CommonErrorCode.IdempotentReplayWithheld);
    expect(await issuedEvents()).toHaveLength(5);
  });
});
