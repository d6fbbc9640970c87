import { CredentialRecord, accessTokenSignedWith, looksLikeAccessToken, parseSecret, readAccessToken, secretHash } from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { fold, upcast } from '@warden/kernel';
import { VerificationResult, VerificationUnavailableError, accessTokenKeyringOf, decideAccessToken, decideVerification, requirePrincipalRecords } from '@warden/token-verifier';
import { TOKEN_STREAM_PREFIX, oauthClientDecider, oauthClientStreamId, sessionDecider, sessionStreamId, tokenDecider } from '@warden/tokens-domain';
import type { RedisClient } from '@warden/redis';
import { PrincipalRecords } from '../owners/principal-records';
import { oauthClientRecord, sessionCredentialRecord, tokenCredentialRecord } from './credential-read-model.projection';
import { CredentialStreams } from './credential-streams';

export interface CredentialStoreVerificationOptions {
  store: EventStore;
  streams: CredentialStreams;
  /** For the owner's principal record and the organization's token policy (the users service's read models). */
  redis: RedisClient;
  keyPrefix: string;
}

/**
 * A verification decided from the event store, for while the credential read model is lost
 * or being rebuilt: the secret's stream (found by its hash), folded to the credential record
 * the read model would hold, then the verifier's own `decideVerification`, so revocation,
 * expiry, grace periods, the owner's status and the origin follow exactly the Redis path.
 */
export class CredentialStoreVerification {
  private readonly principals: PrincipalRecords;

  constructor(private readonly options: CredentialStoreVerificationOptions) {
    this.principals = new PrincipalRecords(options.redis, options.keyPrefix);
  }

  async verify(presented: string, origin: string | null, now: Date, clientAddress: string | null = null): Promise<VerificationResult> {
    if (looksLikeAccessToken(presented)) return this.verifyAccessToken(presented, now);
    const parsed = parseSecret(presented);
    if (!parsed) return { ok: false, reason: 'malformed' };
    if (parsed.kind === 'client_secret') return { ok: false, reason: 'unknown' };
    const record = await this.credentialRecord(secretHash(parsed.secret));
    if (!record) return { ok: false, reason: 'unknown' };
    // Both read together (one round trip with auto-pipelining).
    const [principalJson, policyJson] = await Promise.all([
      this.principals.principalJson(record.userId),
      record.kind === 'api_token' ? this.principals.policyJson(record.organizationId) : null,
    ]);
    if (principalJson === null) await requirePrincipalRecords(this.options.redis, this.options.keyPrefix);
    const decided = decideVerification(parsed.kind, JSON.stringify(record), principalJson, now, origin, policyJson, { clientAddress });
    // Requests and credits are counted only by the verification script: rather than accept a
    // token past its limits, one that has them waits for the read model (a 503, never a refusal).
    if (decided.ok && (record.usage?.rate || record.usage?.credits)) {
      throw new VerificationUnavailableError('the credential read model is being rebuilt; a token with a rate limit or credits is verified once it is back');
    }
    return decided;
  }

  /** An access token: its MAC, then its account's OAuth client folded from the store, decided as the Redis path does. */
  private async verifyAccessToken(presented: string, now: Date): Promise<VerificationResult> {
    const token = readAccessToken(presented);
    if (!token) return { ok: false, reason: 'malformed' };
    const secret = await accessTokenKeyringOf(this.options.redis, this.options.keyPrefix).secretOf(token.keyId);
    if (!secret || !accessTokenSignedWith(token, secret)) return { ok: false, reason: 'unknown' };
    const events = await this.options.store.readStream(oauthClientStreamId(token.claims.accountId));
    const client = fold(oauthClientDecider, events.map((e) => upcast(oauthClientDecider.upcasters, e)));
    if (client.status === 'absent') return { ok: false, reason: 'unknown' };
    const principalJson = await this.principals.principalJson(client.accountId);
    if (principalJson === null) await requirePrincipalRecords(this.options.redis, this.options.keyPrefix);
    return decideAccessToken(token.claims, JSON.stringify(oauthClientRecord(client)), principalJson, now);
  }

  /** The id of the API token one of whose secrets hashes to `hash` (from the store, whatever the read model holds); null for none. */
  async tokenIdOf(hash: string): Promise<string | null> {
    const streamId = await this.options.streams.streamOf(hash);
    return streamId !== null && streamId.startsWith(TOKEN_STREAM_PREFIX) ? streamId.slice(TOKEN_STREAM_PREFIX.length) : null;
  }

  private async credentialRecord(hash: string): Promise<CredentialRecord | null> {
    const streamId = await this.options.streams.streamOf(hash);
    if (streamId === null) return null;
    const events = await this.options.store.readStream(streamId);
    if (streamId.startsWith(TOKEN_STREAM_PREFIX)) {
      const token = fold(tokenDecider, events.map((e) => upcast(tokenDecider.upcasters, e)));
      return token.status === 'absent' ? null : tokenCredentialRecord(token, hash);
    }
    if (streamId.startsWith(sessionStreamId(''))) {
      const latest = events[events.length - 1];
      return latest ? sessionCredentialRecord(upcast(sessionDecider.upcasters, latest)) : null;
    }
    return null;
  }
}
