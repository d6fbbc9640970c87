import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { Envelope, OrganizationPolicyRecord, RequestContext, ScannerAlertRequest, TokensErrorCode } from '@warden/contracts';
import { readAllCommitted } from '@warden/testing';
import { verifyCredential } from '@warden/token-verifier';
import { generateSecret } from '@warden/tokens-domain';
import { TokensHarness, adminContext, serviceAccountRecord, startTokensHarness } from '../test/tokens-harness';
import { scannerPublicKeys } from './scanner-alert';
import { TokenExpiryScheduler } from './token-expiry-scheduler';

const ORG = '0190a0d2-0000-7000-8000-00000000010a';
const OTHER_ORG = '0190a0d2-0000-7000-8000-00000000010b';
const ADMIN = '0190a0d2-0000-7000-8000-0000000001a1';
const OTHER_ADMIN = '0190a0d2-0000-7000-8000-0000000001a2';
const SVC = '0190a0d2-0000-7000-8000-0000000001b1';
const OTHER_SVC = '0190a0d2-0000-7000-8000-0000000001b2';
const DAY = 86_400_000;

// The scanner of these tests: a key pair made here, its public half configured as the service's.
const scanner = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SCANNER_KEY_ID = 'test-scanner-key';

describe('Token lifecycle: disable and enable, leaks, expiry warnings (real event store and Redis)', () => {
  let h: TokensHarness;
  let clock: Date;

  const caller = (organizationId = ORG, userId = ADMIN): RequestContext => adminContext(userId, organizationId);
  const send = <T>(payload: T, context = caller()): Envelope<T> => ({ context, payload });
  const verify = (token: string) => verifyCredential(token, { redis: h.redis, keyPrefix: h.keyPrefix, now: clock });
  const issue = (body: Record<string, unknown> = {}, context = caller(), owner = SVC) => h.tokens.issue(send({ user_id: owner, name: 'webhooks', ...body }, context));
  const storedTypes = async () => (await readAllCommitted(h.store)).map((event) => event.type);
  const policy = (overrides: Partial<OrganizationPolicyRecord> = {}): OrganizationPolicyRecord => ({ organizationId: ORG, maxTokenLifetimeSeconds: null, ...overrides });

  const alert = (entries: unknown, signWith = scanner.privateKey, keyIdentifier = SCANNER_KEY_ID): Envelope<ScannerAlertRequest> => {
    const body = Buffer.from(JSON.stringify(entries));
    const signature = sign('sha256', body, { key: signWith, dsaEncoding: 'der' }).toString('base64');
    return { context: { correlationId: 'scanner-alert', actorType: 'anonymous' }, payload: { body: body.toString('base64'), keyIdentifier, signature } };
  };

  beforeEach(async () => {
    clock = new Date();
    h = await startTokensHarness({
      label: 'lifecycle',
      clock: () => clock,
      principals: [serviceAccountRecord(SVC, ORG), serviceAccountRecord(OTHER_SVC, OTHER_ORG)],
      policies: [policy(), { organizationId: OTHER_ORG, maxTokenLifetimeSeconds: null }],
      scannerKeys: scannerPublicKeys({ [SCANNER_KEY_ID]: scanner.publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
    });
  });

  afterEach(() => h.close());

  describe('disable and enable', () => {
    it('refuses a disabled token from the moment the disable answers, and accepts it again once enabled', async () => {
      const issued = await issue();
      expect(await verify(issued.token)).toMatchObject({ ok: true });
      const disabled = await h.tokens.disable(send({ id: issued.id }));
      // No window: the very next verification, with nothing waited for, refuses it.
      expect(await verify(issued.token)).toEqual({ ok: false, reason: 'disabled', organizationId: ORG });
      expect(disabled).toMatchObject({ status: 'disabled', enabled: false, disabled_at: clock.toISOString(), secrets: [] });
      // The store fallback decides the same.
      expect(await h.storeVerification.verify(issued.token, null, clock)).toMatchObject({ ok: false, reason: 'disabled' });

      const enabled = await h.tokens.enable(send({ id: issued.id }));
      expect(enabled).toMatchObject({ status: 'active', enabled: true, disabled_at: null });
      expect(await verify(issued.token)).toMatchObject({ ok: true });
      expect(await storedTypes()).toEqual(['TokenIssued', 'TokenDisabled', 'TokenEnabled']);
    });

    it('cannot enable (or disable) a revoked token', async () => {
      const issued = await issue();
      await h.tokens.revoke(send({ id: issued.id }));
      await expect(h.tokens.enable(send({ id: issued.id }))).rejects.toMatchObject({ code: TokensErrorCode.TokenNotActive });
      await expect(h.tokens.disable(send({ id: issued.id }))).rejects.toMatchObject({ code: TokensErrorCode.TokenNotActive });
      expect(await verify(issued.token)).toMatchObject({ ok: false, reason: 'revoked' });
    });

    it('is refused for a token of another organization as for an unknown one', async () => {
      const issued = await issue();
      await expect(h.tokens.disable(send({ id: issued.id }, caller(OTHER_ORG, OTHER_ADMIN)))).rejects.toMatchObject({ code: TokensErrorCode.TokenNotFound });
      expect(await verify(issued.token)).toMatchObject({ ok: true });
    });
  });

  describe('secret scanner alerts', () => {
    it('revokes a leaked token on a good alert, records where it was found, and labels each entry', async () => {
      const issued = await issue();
      const garbage = `${issued.token.slice(0, -1)}${issued.token.endsWith('A') ? 'B' : 'A'}`; // a bad checksum
      const verdicts = await h.tokens.scannerAlert(
        alert([
          { token: issued.token, type: 'warden_api_token', url: 'https://github.com/acme/site/blob/main/.env', source: 'content' },
          { token: garbage, type: 'warden_api_token', url: 'https://github.com/acme/site/blob/main/x', source: 'content' },
        ]),
      );
      expect(verdicts).toEqual([
        { token_raw: issued.token, token_type: 'warden_api_token', label: 'true_positive' },
        { token_raw: garbage, token_type: 'warden_api_token', label: 'false_positive' },
      ]);
      expect(await verify(issued.token)).toMatchObject({ ok: false, reason: 'revoked' });
      const events = await readAllCommitted(h.store);
      expect(events.map((event) => event.type)).toEqual(['TokenIssued', 'TokenLeaked', 'TokenRevoked']);
      expect(events[1]).toMatchObject({
        data: { tokenId: issued.id, organizationId: ORG, url: 'https://github.com/acme/site/blob/main/.env', source: 'content', reportedBy: 'scanner', action: 'revoked' },
        metadata: { organizationId: ORG, actorType: 'system' },
      });
    });

    it('leaves a token alone when the secret found was rotated out and no longer works', async () => {
      const issued = await issue();
      const rotated = await h.tokens.rotate(send({ id: issued.id, grace_period_seconds: 0 }));
      const verdicts = await h.tokens.scannerAlert(alert([{ token: issued.token, type: 't', url: 'u', source: 's' }]));
      expect(verdicts[0]!.label).toBe('false_positive');
      expect(await h.tokens.reportLeaked(send({ token: issued.token }))).toEqual({ status: 'received' });
      expect(await verify(rotated.token)).toMatchObject({ ok: true });
      expect(await storedTypes()).toEqual(['TokenIssued', 'TokenRotated']);
    });

    it('disables instead when the organization says so', async () => {
      await h.writePolicy(policy({ leakedTokenAction: 'disable' }));
      const issued = await issue();
      await h.tokens.scannerAlert(alert([{ token: issued.token, type: 't', url: 'https://gist.github.com/x', source: 'gist' }]));
      expect(await verify(issued.token)).toMatchObject({ ok: false, reason: 'disabled' });
      expect(await storedTypes()).toEqual(['TokenIssued', 'TokenLeaked', 'TokenDisabled']);
    });

    it('changes nothing on a bad signature, an unknown key or no signature', async () => {
      const issued = await issue();
      const entries = [{ token: issued.token, type: 't', url: 'u', source: 's' }];
      const impostor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      await expect(h.tokens.scannerAlert(alert(entries, impostor.privateKey))).rejects.toMatchObject({ code: 'unauthenticated' });
      await expect(h.tokens.scannerAlert(alert(entries, scanner.privateKey, 'another-key'))).rejects.toMatchObject({ code: 'unauthenticated' });
      const unsigned = alert(entries);
      await expect(h.tokens.scannerAlert({ ...unsigned, payload: { ...unsigned.payload, signature: null } })).rejects.toMatchObject({ code: 'unauthenticated' });
      // A body changed after signing.
      const tampered = alert(entries);
      const body = Buffer.from(JSON.stringify([{ token: issued.token, type: 't', url: 'v', source: 's' }])).toString('base64');
      await expect(h.tokens.scannerAlert({ ...tampered, payload: { ...tampered.payload, body } })).rejects.toMatchObject({ code: 'unauthenticated' });
      expect(await verify(issued.token)).toMatchObject({ ok: true });
      expect(await storedTypes()).toEqual(['TokenIssued']);
    });

    it('answers a well-formed token no one issued as a false positive, and a signed body of the wrong shape with a 400 naming the field', async () => {
      const verdicts = await h.tokens.scannerAlert(alert([{ token: generateSecret('api_token', randomBytes), type: 't', url: 'u', source: 's' }]));
      expect(verdicts[0]!.label).toBe('false_positive');
      await expect(h.tokens.scannerAlert(alert([{ token: 42 }]))).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: '[0].token' }] });
      await expect(h.tokens.scannerAlert(alert({ token: 'x' }))).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'body' }] });
      expect(await storedTypes()).toEqual([]);
    });
  });

  describe('report leaked token', () => {
    it('answers the same for a token of the organization, of another organization, and of no one; the foreign reporter is not named', async () => {
      const own = await issue();
      const foreign = await issue({}, caller(OTHER_ORG, OTHER_ADMIN), OTHER_SVC);
      const nobodys = generateSecret('api_token', randomBytes); // well formed, never issued
      const answers = [
        await h.tokens.reportLeaked(send({ token: own.token, url: 'https://paste.example/1' })),
        await h.tokens.reportLeaked(send({ token: foreign.token })),
        await h.tokens.reportLeaked(send({ token: nobodys })),
      ];
      expect(answers).toEqual([{ status: 'received' }, { status: 'received' }, { status: 'received' }]);
      expect(await verify(own.token)).toMatchObject({ ok: false, reason: 'revoked' });
      expect(await verify(foreign.token)).toMatchObject({ ok: false, reason: 'revoked' });
      const leaks = (await readAllCommitted(h.store)).filter((event) => event.type === 'TokenLeaked');
      expect(leaks.map((event) => event.data)).toEqual([
        expect.objectContaining({ tokenId: own.id, reportedBy: ADMIN, source: 'report', url: 'https://paste.example/1' }),
        expect.objectContaining({ tokenId: foreign.id, organizationId: OTHER_ORG, reportedBy: 'another_organization' }),
      ]);
      // Filed under the token's organization, without the reporter of the other one.
      expect(leaks[1]!.metadata).toEqual({ correlationId: 'int-test', actorType: 'system', organizationId: OTHER_ORG });
      expect(JSON.stringify(leaks[1])).not.toContain(ADMIN);
    });

    it('refuses a string that is not a well-formed API token, naming the field, with no lookup and nothing stored', async () => {
      const issued = await issue();
      const badChecksum = issued.token.slice(0, -1) + (issued.token.endsWith('A') ? 'B' : 'A');
      await expect(h.tokens.reportLeaked(send({ token: badChecksum }))).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'token' }] });
      await expect(h.tokens.reportLeaked(send({ token: 42 }))).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await verify(issued.token)).toMatchObject({ ok: true });
      expect(await storedTypes()).toEqual(['TokenIssued']);
    });
  });

  describe('expiry scheduler', () => {
    const scheduler = () =>
      new TokenExpiryScheduler({ store: h.store, readModel: h.readModel, redis: h.redis, keyPrefix: h.keyPrefix, pool: h.store.pool, schema: h.schema, clock: () => clock });

    it('warns once per token, secret and lead time with two instances running, then notes the expiry once', async () => {
      const start = clock.getTime();
      const issued = await issue({ expires_at: new Date(start + 10 * DAY).toISOString() });
      const [a, b] = [scheduler(), scheduler()];
      const turn = async () => Promise.all([a.run(), b.run(), a.run(), b.run()]);

      await turn();
      expect(await storedTypes()).toEqual(['TokenIssued']); // 10 days out: nothing due
      clock = new Date(start + 3 * DAY + 1); // 7 days before
      await turn();
      await turn();
      clock = new Date(start + 9 * DAY + 1); // 1 day before
      await turn();
      await turn();
      const listed = await h.tokens.list(send({ expiring_within: '2d' }));
      expect(listed.results.map((token) => token.id)).toEqual([issued.id]);
      clock = new Date(start + 10 * DAY + 1);
      await turn();
      await turn();

      const events = await readAllCommitted(h.store);
      expect(events.map((event) => event.type)).toEqual(['TokenIssued', 'TokenExpiring', 'TokenExpiring', 'TokenExpired']);
      // Filed under the token's organization, so its audit log shows them.
      expect(events.slice(1).map((event) => event.metadata)).toEqual(events.slice(1).map(() => expect.objectContaining({ organizationId: ORG, actorType: 'system' })));
      expect(events.filter((event) => event.type === 'TokenExpiring').map((event) => event.data)).toEqual([
        expect.objectContaining({ tokenId: issued.id, secretId: '1', leadSeconds: 7 * 86_400, expiresAt: new Date(start + 10 * DAY).toISOString() }),
        expect.objectContaining({ tokenId: issued.id, secretId: '1', leadSeconds: 86_400 }),
      ]);
      expect(await h.tokens.list(send({ expiring_within: '2d' }))).toMatchObject({ total: 0 });
    });

    it('gives no warning to a token revoked or rotated before it was due, and uses the organization\'s lead times', async () => {
      await h.writePolicy(policy({ expiryWarningLeadSeconds: [2 * 86_400] }));
      const start = clock.getTime();
      const expires_at = new Date(start + 5 * DAY).toISOString();
      const revoked = await issue({ expires_at });
      const rotated = await issue({ expires_at });
      const kept = await issue({ expires_at });
      await h.tokens.revoke(send({ id: revoked.id }));
      await h.tokens.rotate(send({ id: rotated.id }));
      clock = new Date(start + 3 * DAY + 1);
      await Promise.all([scheduler().run(), scheduler().run()]);
      const warnings = (await readAllCommitted(h.store)).filter((event) => event.type === 'TokenExpiring');
      // The rotated token is warned about its new secret (2), never the one rotated out (1).
      expect(warnings.map((event) => [event.data.tokenId, event.data.secretId, event.data.leadSeconds])).toEqual(
        expect.arrayContaining([
          [rotated.id, '2', 2 * 86_400],
          [kept.id, '1', 2 * 86_400],
        ]),
      );
      expect(warnings).toHaveLength(2);
      expect(warnings.some((event) => event.data.tokenId === revoked.id)).toBe(false);
    });

    it('disables the tokens unused for the organization\'s number of days, not those used since', async () => {
      await h.writePolicy(policy({ disableUnusedAfterDays: 30 }));
      const start = clock.getTime();
      const idle = await issue();
      const busy = await issue();
      clock = new Date(start + 20 * DAY);
      expect(await verify(busy.token)).toMatchObject({ ok: true });
      await h.redis.hset(h.keyPrefix + 'token-last-used', busy.id, String(clock.getTime()));
      await h.tokens.recordUses();
      clock = new Date(start + 31 * DAY);
      const [first, second] = await Promise.all([scheduler().run(), scheduler().run()]);
      expect(first.disabled + second.disabled).toBe(1);
      expect(await verify(idle.token)).toMatchObject({ ok: false, reason: 'disabled' });
      expect(await verify(busy.token)).toMatchObject({ ok: true });
      const disabled = (await readAllCommitted(h.store)).filter((event) => event.type === 'TokenDisabled');
      expect(disabled.map((event) => event.data)).toEqual([expect.objectContaining({ tokenId: idle.id, reason: 'unused' })]);
    });
  });
});
