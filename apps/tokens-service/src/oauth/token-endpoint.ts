import { randomUUID, timingSafeEqual } from 'node:crypto';
import { effectivePermissions, isPermission, principalOf, viewFieldsOf } from '@warden/access';
import {
  CLIENT_CREDENTIALS_GRANT,
  ClientAuthenticationAnswer,
  ClientAuthenticationMethod,
  JWT_BEARER_CLIENT_ASSERTION,
  KeyAlgorithm,
  MAX_ASSERTION_LIFETIME_SECONDS,
  OAuthClientRecord,
  OAuthErrorCode,
  OrganizationPolicyRecord,
  PrincipalRecord,
  RequestContext,
  TokenEndpointAnswer,
  TokenEndpointRequest,
  assertionJtiKey,
  formatAccessToken,
  oauthClientKey,
  organizationPolicyKey,
  parseSecret,
  principalKey,
  secretHash,
} from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { fold, upcast } from '@warden/kernel';
import { AccessTokenKeyring, parseJson, readCredentialRecords } from '@warden/token-verifier';
import { oauthClientDecider, oauthClientStreamId } from '@warden/tokens-domain';
import type { Redis } from 'ioredis';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { oauthClientRecord } from '../credentials/credential-read-model.projection';
import { GrantLedger, GrantRequester } from './grant-ledger';

// The token endpoint (RFC 6749 §4.4, client credentials): a service account authenticates
// with a client secret (client_secret_basic or client_secret_post) or a JWT signed with a
// key it registered (private_key_jwt, RFC 7523 §2.2), and gets an opaque access token
// whose scope is what it asked for within what it holds. One Redis round trip reads the
// account's OAuth client record, principal record and policy, as a verification does; the
// token is derived (signed), not stored; the grant is recorded in a group commit.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3
const IMPORTED_KEYS_KEPT = 10_000;
// Clocks of clients and Warden may differ this much for a client assertion's times.
const CLOCK_TOLERANCE_SECONDS = 30;

export interface TokenEndpointOptions {
  redis: Redis;
  keyPrefix: string;
  store: EventStore;
  keyring: AccessTokenKeyring;
  ledger: GrantLedger;
  /** Lifetime of an access token, capped by the organization's max_token_lifetime_seconds. */
  accessTokenLifetimeSeconds: number;
  clock?: () => Date;
}

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

class Refusal {
  constructor(
    readonly error: OAuthErrorCode,
    /** For the client (RFC 6749's error_description): never says which of secret, key or account was wrong. */
    readonly description: string,
    /** For the audit log. */
    readonly reason: string,
  ) {}
}

const invalidClient = (reason: string) => new Refusal('invalid_client', 'client authentication failed', reason);

type ClientAuthentication =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string };

interface Authenticated {
  method: ClientAuthenticationMethod;
  credentialId: string;
  /** When the credential stops working (a secret's grace, a key's expiry): no token outlives it. */
  credentialEnds: number | null;
  record: OAuthClientRecord;
  owner: PrincipalRecord;
  policy: OrganizationPolicyRecord | null;
}

export class TokenEndpoint {
  private readonly clock: () => Date;
  private readonly importedKeys = new Map<string, Promise<ImportedKey>>();

  constructor(private readonly options: TokenEndpointOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * A client authenticating at introspection or revocation: the account's principal through
   * its client secret or key (refusals are not recorded: nothing is granted there).
   */
  async authenticateClient(request: TokenEndpointRequest): Promise<ClientAuthenticationAnswer> {
    try {
      const client = await this.authenticate(clientAuthenticationOf(request), request, this.clock(), () => undefined);
      const principal = principalOf(client.owner);
      const kind = client.method === 'private_key_jwt' ? 'service_account_key' : 'client_secret';
      return { ok: true, principal: { ...viewFieldsOf(principal), credential: { kind, id: client.credentialId, expiresAt: client.credentialEnds === null ? null : new Date(client.credentialEnds).toISOString() } } };
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return { ok: false, status: error.error === 'invalid_client' ? 401 : 400, body: { error: error.error, error_description: error.description } };
    }
  }

  async token(request: TokenEndpointRequest, context: RequestContext): Promise<TokenEndpointAnswer> {
    const now = this.clock();
    const form = request.form;
    let method: ClientAuthenticationMethod | null = null;
    let known: GrantRequester = null;
    let credentialId: string | null = null;
    try {
      const presented = clientAuthenticationOf(request);
      method = presented.method;
      const grantType = form['grant_type'];
      if (grantType === undefined) throw new Refusal('invalid_request', 'grant_type is required', 'no grant_type');
      if (grantType !== CLIENT_CREDENTIALS_GRANT) throw new Refusal('unsupported_grant_type', `grant_type ${grantType} is not supported`, `grant_type ${grantType}`);
      const client = await this.authenticate(presented, request, now, (account) => (known = account));
      credentialId = client.credentialId;
      return await this.grant(client, form['scope'], now, context);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      await this.options.ledger.refuse(known as GrantRequester, {
        grantType: form['grant_type'] ?? null,
        clientAuthentication: method,
        error: error.error,
        reason: error.reason,
        credentialId,
        at: now.toISOString(),
        clientAddress: context.clientAddress ?? null,
        correlationId: context.correlationId,
      });
      return { status: error.error === 'invalid_client' ? 401 : 400, body: { error: error.error, error_description: error.description } };
    }
  }

  private async authenticate(
    presented: ClientAuthentication,
    request: TokenEndpointRequest,
    now: Date,
    found: (requester: GrantRequester) => void,
  ): Promise<Authenticated> {
    const { record, owner, policy } = await this.clientRecords(presented.clientId);
    if (!record) throw invalidClient('no OAuth client credential for that client_id');
    // Its principal record says what kind of account acted; without one, it is not known who did.
    found({ organizationId: record.organizationId, accountId: record.userId, accountType: owner?.accountType ?? 'anonymous' });
    const at = now.getTime();
    const live = (until: string | null) => until === null || Date.parse(until) > at;
    let credential: { id: string; ends: string | null };
    if (presented.method === 'private_key_jwt') {
      credential = await this.verifyAssertion(presented, record, request, now);
    } else {
      const parsed = parseSecret(presented.secret);
      if (!parsed || parsed.kind !== 'client_secret') throw invalidClient('the client secret is not one in form');
      const hash = Buffer.from(secretHash(parsed.secret), 'hex');
      const secret = record.secrets.find((candidate) => {
        const stored = Buffer.from(candidate.hash, 'hex');
        return stored.length === hash.length && timingSafeEqual(stored, hash);
      });
      if (!secret) throw invalidClient("the client secret is not one of the account's");
      if (!live(secret.validUntil)) throw invalidClient('the client secret was revoked or rotated out');
      credential = { id: secret.id, ends: secret.validUntil };
    }
    if (!owner || owner.status !== 'active' || owner.userId !== record.userId || owner.organizationId !== record.organizationId) {
      throw invalidClient('the account is not active');
    }
    if (owner.accountType === 'user') throw invalidClient('the account is not a service account');
    return { method: presented.method, credentialId: credential.id, credentialEnds: credential.ends === null ? null : Date.parse(credential.ends), record, owner, policy };
  }

  /** RFC 7523 §3: signed by a live key of the account, for this server, short-lived, used once. */
  private async verifyAssertion(
    presented: Extract<ClientAuthentication, { method: 'private_key_jwt' }>,
    record: OAuthClientRecord,
    request: TokenEndpointRequest,
    now: Date,
  ): Promise<{ id: string; ends: string | null }> {
    let header;
    try {
      header = decodeProtectedHeader(presented.assertion);
    } catch {
      throw invalidClient('a client assertion without a readable header');
    }
    const at = now.getTime();
    const algorithm = header.alg === 'Ed25519' ? 'EdDSA' : header.alg; // RFC 9864's name for EdDSA over Ed25519
    const candidates = record.keys.filter((key) => (header.kid === undefined || key.id === header.kid) && key.algorithm === algorithm);
    if (candidates.length === 0) throw invalidClient(header.kid === undefined ? 'no key of the account for the assertion' : `no key ${header.kid} of the account`);
    if (candidates.length > 1) throw invalidClient('the account has several keys of that algorithm: the assertion must name one with kid');
    const key = candidates.find((candidate) => candidate.expiresAt === null || Date.parse(candidate.expiresAt) > at);
    if (!key) throw invalidClient(`key ${candidates[0]!.id} expired`);
    let payload;
    try {
      ({ payload } = await jwtVerify(presented.assertion, await this.importKey(record.userId, key), {
        algorithms: [header.alg!],
        issuer: record.userId,
        subject: record.userId,
        audience: request.audiences,
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iat', 'jti'],
      }));
    } catch (error) {
      throw invalidClient(`the client assertion was refused: ${(error as Error).message}`);
    }
    const { exp, iat, jti } = payload as { exp: number; iat: number; jti: unknown };
    if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS) throw invalidClient(`the client assertion lives ${exp - iat} s, more than ${MAX_ASSERTION_LIFETIME_SECONDS}`);
    if (iat * 1000 > at + CLOCK_TOLERANCE_SECONDS * 1000) throw invalidClient('the client assertion was issued in the future');
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalidClient('the client assertion has no usable jti');
    // Remembered until the assertion expires: accepted once.
    const first = await this.options.redis.set(this.options.keyPrefix + assertionJtiKey(record.userId, jti), '1', 'PXAT', exp * 1000 + CLOCK_TOLERANCE_SECONDS * 1000, 'NX');
    if (first === null) throw invalidClient('the client assertion was used before (replayed jti)');
    return { id: key.id, ends: key.expiresAt };
  }

  private importKey(accountId: string, key: OAuthClientRecord['keys'][number]): Promise<ImportedKey> {
    const cacheKey = `${accountId}/${key.id}/${JSON.stringify(key.jwk)}`;
    let imported = this.importedKeys.get(cacheKey);
    if (!imported) {
      if (this.importedKeys.size >= IMPORTED_KEYS_KEPT) this.importedKeys.clear();
      imported = importJWK({ ...key.jwk, alg: key.algorithm }, key.algorithm as KeyAlgorithm);
      this.importedKeys.set(cacheKey, imported);
      imported.catch(() => this.importedKeys.delete(cacheKey));
    }
    return imported;
  }

  private async grant(client: Authenticated, requestedScope: string | undefined, now: Date, context: RequestContext): Promise<TokenEndpointAnswer> {
    const requested = requestedScope === undefined || requestedScope.trim() === '' ? null : [...new Set(requestedScope.split(' ').filter(Boolean))];
    if (requested !== null) {
      const malformed = requested.find((permission) => !SCOPE_TOKEN.test(permission) || !isPermission(permission));
      if (malformed !== undefined) throw new Refusal('invalid_scope', `${malformed} is not a permission`, `asked for ${malformed}, not a permission`);
    }
    // Never more than the account holds: what it asked for, within what it holds now (checked again at every use).
    const held = requested === null ? null : Object.keys(principalOf(client.owner, requested).permissions).sort();
    if (held !== null && held.length === 0) throw new Refusal('invalid_scope', 'the account holds none of the scope asked for', `asked for ${requested!.join(' ')}, holds none`);
    const issuedAt = Math.floor(now.getTime() / 1000);
    const cap = client.policy?.maxTokenLifetimeSeconds ?? null;
    let expiresAt = issuedAt + Math.min(this.options.accessTokenLifetimeSeconds, cap ?? Number.POSITIVE_INFINITY);
    if (client.credentialEnds !== null) expiresAt = Math.min(expiresAt, Math.floor(client.credentialEnds / 1000));
    const key = await this.options.keyring.current();
    if (!key) throw new Error('no access token key yet: the tokens service makes one at start');
    const grantId = randomUUID();
    const token = formatAccessToken({ grantId, accountId: client.record.userId, credentialId: client.credentialId, issuedAt, expiresAt, scope: held }, key);
    await this.options.ledger.grant({ organizationId: client.record.organizationId, accountId: client.record.userId, accountType: client.owner.accountType }, {
      grantId,
      grantType: CLIENT_CREDENTIALS_GRANT,
      clientAuthentication: client.method,
      credentialId: client.credentialId,
      scope: held,
      issuedAt: new Date(issuedAt * 1000).toISOString(),
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      clientAddress: context.clientAddress ?? null,
      correlationId: context.correlationId,
    });
    const scope = held ?? Object.keys(effectivePermissions(principalOf(client.owner))).sort();
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: Math.max(0, expiresAt - issuedAt), scope: scope.join(' ') } };
  }

  /** The account's OAuth client record, principal record and policy: one round trip, or the store while the read model is rebuilt. */
  private async clientRecords(clientId: string): Promise<{ record: OAuthClientRecord | null; owner: PrincipalRecord | null; policy: OrganizationPolicyRecord | null }> {
    const { redis, keyPrefix } = this.options;
    const reply = await readCredentialRecords(redis, keyPrefix, oauthClientKey(clientId));
    if (reply !== 1) {
      const [recordJson = null, principalJson = null, policyJson = null] = reply;
      const record = parseJson<OAuthClientRecord>(recordJson);
      return { record: record?.kind === 'oauth_client' ? record : null, owner: parseJson(principalJson), policy: parseJson(policyJson) };
    }
    const events = await this.options.store.readStream(oauthClientStreamId(clientId));
    const client = fold(oauthClientDecider, events.map((event) => upcast(oauthClientDecider.upcasters, event)));
    if (client.status === 'absent') return { record: null, owner: null, policy: null };
    const [principalJson, policyJson] = await redis.mget(keyPrefix + principalKey(client.accountId), keyPrefix + organizationPolicyKey(client.organizationId));
    return { record: oauthClientRecord(client), owner: parseJson(principalJson ?? null), policy: parseJson(policyJson ?? null) };
  }
}

/** How the client authenticated: exactly one method (RFC 6749 §2.3), naming an account id as client_id. */
export function clientAuthenticationOf(request: TokenEndpointRequest): ClientAuthentication {
  const { form, authorization } = request;
  const methods: ClientAuthentication[] = [];
  if (authorization !== undefined) {
    const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(authorization)?.[1];
    const decoded = basic === undefined ? '' : Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('an Authorization header that is not HTTP Basic with client_id:client_secret');
    // RFC 6749 §2.3.1: both are form-urlencoded before they are joined.
    const decode = (value: string) => {
      try {
        return decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        throw invalidClient('client credentials that are not form-urlencoded');
      }
    };
    methods.push({ method: 'client_secret_basic', clientId: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) });
  }
  if (form['client_secret'] !== undefined) methods.push({ method: 'client_secret_post', clientId: form['client_id'] ?? '', secret: form['client_secret'] });
  if (form['client_assertion'] !== undefined || form['client_assertion_type'] !== undefined) {
    if (form['client_assertion_type'] !== JWT_BEARER_CLIENT_ASSERTION) {
      throw new Refusal('invalid_request', `client_assertion_type must be ${JWT_BEARER_CLIENT_ASSERTION}`, `client_assertion_type ${form['client_assertion_type']}`);
    }
    const assertion = form['client_assertion'] ?? '';
    let subject: unknown;
    try {
      subject = decodeJwt(assertion).sub;
    } catch {
      throw invalidClient('a client assertion that is not a JWT');
    }
    methods.push({ method: 'private_key_jwt', clientId: typeof subject === 'string' ? subject : '', assertion });
  }
  if (methods.length === 0) throw invalidClient('no client authentication');
  if (methods.length > 1) throw new Refusal('invalid_request', 'use exactly one client authentication method', 'several client authentication methods');
  const [presented] = methods as [ClientAuthentication];
  if (form['client_id'] !== undefined && form['client_id'] !== presented.clientId) throw invalidClient('client_id differs from the authenticated client');
  if (!UUID.test(presented.clientId)) throw invalidClient('client_id is not an account id');
  return { ...presented, clientId: presented.clientId.toLowerCase() };
}
