import { PublishedEvent } from '@warden/messaging';
import { AuditRecordContent } from './audit-chain';
import { redactSecrets } from './redact-secrets';

/**
 * What the audit log keeps of a published event: who, what, when, from where; no secret. Its
 * data stays as the store holds it, in the shape of its schema version, so that a record made
 * now and one replayed from the store after the event type's shape has changed are the same.
 */
export function auditRecordOf(event: PublishedEvent): AuditRecordContent {
  const { metadata } = event;
  return {
    eventId: event.id,
    eventType: event.type,
    schemaVersion: event.schemaVersion,
    service: event.service,
    streamId: event.streamId,
    streamVersion: event.version,
    position: event.position,
    // Milliseconds, as timestamptz gives them back to JavaScript: the hash must survive the round trip.
    recordedAt: new Date(event.recordedAt).toISOString(),
    actorId: metadata.actorId ?? null,
    actorType: metadata.actorType ?? null,
    organizationId: metadata.organizationId ?? null,
    correlationId: metadata.correlationId ?? null,
    clientAddress: metadata.clientAddress ?? null,
    userAgent: metadata.userAgent ?? null,
    actorCredentialKind: metadata.credentialKind ?? null,
    actorCredentialId: metadata.credentialId ?? null,
    data: redactSecrets(event.data),
  };
}
