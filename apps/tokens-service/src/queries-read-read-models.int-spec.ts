// Queries answer from the read models, never from the event store: every message handler of
// the tokens service's controllers is either a query, run here against an event store that
// refuses every call, a command listed as one, or the verification the gateway asks while
// the read model is lost (decided from the store by design). A new handler that is none of
// these fails the walk; a query that reads a stream (or the log) fails against the refusing store.
import { randomBytes } from 'node:crypto';
import {
  AuthSubjects,
  CREDENTIAL_VERIFY_FROM_STORE_SUBJECT,
  Envelope,
  IssuedClientSecretView,
  IssuedTokenView,
  OAuthClientView,
  OAuthSubjects,
  PrincipalRecord,
  ReadModelSubjects,
  RequestContext,
  TokensSubjects,
} from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { silentMessagingLog } from '@warden/messaging';
import { WalkedQuery, messageHandlersOf, refusingEventStore, walkQueries } from '@warden/testing';
import { AccessTokenKeyring } from '@warden/token-verifier';
import { CredentialReplay } from './credentials/credential-replay';
import { ReadModelsController } from './credentials/read-models.controller';
import { GrantLedger } from './oauth/grant-ledger';
import { OAuthController } from './oauth/oauth.controller';
import { OAuthClientsService } from './oauth/oauth-clients.service';
import { TokenEndpoint } from './oauth/token-endpoint';
import { WorkloadIssuers } from './oauth/workload-issuers';
import { OwnedTokensController } from './owners/owned-tokens.controller';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { TokensHarness, adminContext, serviceAccountRecord, startTokensHarness } from './test/tokens-harness';
import { TokensController } from './tokens/tokens.controller';
import { TokensService } from './tokens/tokens.service';

const ORG = '0190a0d2-0000-7000-8000-00000000004a';
const ADMIN = '0190a0d2-0000-7000-8000-0000000004a1';
const SVC = '0190a0d2-0000-7000-8000-0000000004b1';
const ISSUER = 'http://warden.test';

// The handlers that change something: they fold streams to decide, or record what they answered.
const COMMANDS = new Set<string>([
  TokensSubjects.issue,
  TokensSubjects.revoke,
  TokensSubjects.rotate,
  TokensSubjects.reassign,
  TokensSubjects.exchange,
  TokensSubjects.update,
  TokensSubjects.disable,
  TokensSubjects.enable,
  // A leak report or a scanner's alert revokes or disables what it names.
  TokensSubjects.reportLeaked,
  TokensSubjects.scannerAlert,
  AuthSubjects.startSession,
  AuthSubjects.endSession,
  // The token endpoint records every grant and refusal before it answers.
  OAuthSubjects.token,
  OAuthSubjects.revoke,
  OAuthSubjects.addClientSecret,
  OAuthSubjects.rotateClientSecret,
  OAuthSubjects.revokeClientSecret,
  OAuthSubjects.registerKey,
  OAuthSubjects.addFederationRule,
  OAuthSubjects.removeFederationRule,
  OAuthSubjects.deleteKey,
  ReadModelSubjects.replay('tokens'),
]);
// Decides from the event store by design: what the gateway asks while the read model is lost or rebuilt.
const STORE_BY_DESIGN = new Set<string>([CREDENTIAL_VERIFY_FROM_STORE_SUBJECT]);

describe('queries of the tokens service', () => {
  let h: TokensHarness;
  let keyring: AccessTokenKeyring;

  const owner: PrincipalRecord = serviceAccountRecord(SVC, ORG, { accountType: 'service_external' });
  const admin: RequestContext = adminContext(ADMIN, ORG);
  const platformAdmin: RequestContext = adminContext(ADMIN, ORG, { platformAdmin: true });

  /** The service's controllers on `store` (the harness's Redis and read model for the rest). */
  function controllersOn(store: EventStore): object[] {
    const { redis, keyPrefix, readModel, storeVerification } = h;
    const tokens = new TokensService({ store, readModel, storeVerification, redis, keyPrefix, randomBytes, exchangedTokenLifetimeSeconds: 86400 });
    const clients = new OAuthClientsService({ store, readModel, redis, keyPrefix, keyring, randomBytes, allowHttpIssuers: false });
    const endpoint = new TokenEndpoint({ redis, keyPrefix, store, keyring, ledger: new GrantLedger(store), issuers: new WorkloadIssuers(1_000) });
    return [
      new TokensController(tokens),
      new OAuthController(endpoint, clients),
      new OwnedTokensController(readModel),
      new SessionsController(new SessionsService({ store, readModel, redis, keyPrefix, sessionTtlSeconds: 3600, randomBytes })),
      new ReadModelsController(new CredentialReplay({ readModel, redis, keyPrefix, store, log: silentMessagingLog })),
    ];
  }
  const handlersOn = (store: EventStore) => new Map(controllersOn(store).flatMap((controller) => [...messageHandlersOf(controller)]));

  beforeEach(async () => {
    h = await startTokensHarness({ label: 'tokqueries', principals: [owner] });
    keyring = new AccessTokenKeyring(h.redis, h.keyPrefix);
    await keyring.rotate(new Date(), 3_600_000, 3_600_000);
  });
  afterEach(() => h.close());

  it('answer from the read models while the event store refuses every call, what the commands answered from their folds', async () => {
    // Made (and answered) by commands on the real store.
    const real = handlersOn(h.store);
    const send = <T>(pattern: string, payload: T, context = admin) => real.get(pattern)!({ context, payload } as Envelope<unknown>);
    const issued = (await send(TokensSubjects.issue, { user_id: SVC, name: 'walked' })) as IssuedTokenView;
    const revoked = (await send(TokensSubjects.issue, { user_id: SVC, name: 'walked, revoked' })) as IssuedTokenView;
    const revokedView = await send(TokensSubjects.revoke, { id: revoked.id });
    const secret = (await send(OAuthSubjects.addClientSecret, { userId: SVC })) as IssuedClientSecretView;
    const rotated = (await send(OAuthSubjects.rotateClientSecret, { userId: SVC, secretId: secret.id, grace_period_seconds: 60 })) as IssuedClientSecretView;
    const client = (await send(OAuthSubjects.client, { userId: SVC })) as OAuthClientView;
    expect(client.client_secrets.map((s) => s.id)).toEqual([rotated.id, secret.id]);

    const form = { grant_type: 'client_credentials', client_id: SVC, client_secret: rotated.client_secret };
    const queries: Record<string, WalkedQuery> = {
      [TokensSubjects.list]: {
        context: admin,
        payload: { owner: SVC, status: 'active' },
        expect: (answer) => expect(answer).toMatchObject({ total: 1, results: [{ id: issued.id, name: 'walked' }] }),
      },
      [TokensSubjects.get]: { context: admin, payload: { id: revoked.id }, expect: (answer) => expect(answer).toEqual(revokedView) },
      [TokensSubjects.verify]: {
        context: admin,
        payload: { token: issued.token },
        expect: (answer) => expect(answer).toMatchObject({ active: true, token_id: issued.id, user_id: SVC }),
      },
      [OAuthSubjects.client]: { context: admin, payload: { userId: SVC }, expect: (answer) => expect(answer).toEqual(client) },
      [OAuthSubjects.authenticateClient]: {
        context: admin,
        payload: { form, audiences: [ISSUER] },
        expect: (answer) => expect(answer).toMatchObject({ ok: true, principal: { userId: SVC, credential: { kind: 'client_secret', id: rotated.id } } }),
      },
      [AuthSubjects.countOwnedTokens]: { context: admin, payload: { organizationId: ORG, userId: SVC }, expect: (answer) => expect(answer).toEqual({ count: 1 }) },
      [ReadModelSubjects.status('tokens')]: { context: platformAdmin, payload: {}, expect: (answer) => expect(answer).toBeNull() },
    };

    const calls: string[] = [];
    const handlers = handlersOn(refusingEventStore(calls));
    // The walk: every handler is a query (run), a command or the store's own verification; none is left unclassed.
    await walkQueries(handlers, queries, new Set([...COMMANDS, ...STORE_BY_DESIGN]));
    expect(calls).toEqual([]);
  });

  it('fail against the refusing store when a handler reads a stream: the check can fail', async () => {
    const calls: string[] = [];
    const handlers = handlersOn(refusingEventStore(calls));
    // A command authorizes against its stream first: the refusing store stops it and notes the read.
    await expect(handlers.get(TokensSubjects.revoke)!({ context: admin, payload: { id: '0190a0d2-0000-7000-8000-0000000004ff' } })).rejects.toThrow(
      "a query called the event store's readStream",
    );
    expect(calls).toEqual(['readStream']);
  });
});
