import { RequestContext } from '@warden/contracts';
import { EventMetadata } from '@warden/event-store';

/** Who did it, from where, in which request: stamped on every event a command appends. */
export function eventMetadataFrom(context: RequestContext): EventMetadata {
  const metadata: EventMetadata = { correlationId: context.correlationId, actorType: context.actorType };
  if (context.actorId) metadata.actorId = context.actorId;
  if (context.organizationId) metadata.organizationId = context.organizationId;
  if (context.clientAddress) metadata.clientAddress = context.clientAddress;
  if (context.userAgent) metadata.userAgent = context.userAgent;
  // The credential the actor acted through: a token's actions are its owner's, and the audit
  // log still says which token, so that a power can be traced to whoever minted it.
  const credential = context.principal?.credential;
  if (credential) {
    metadata.credentialKind = credential.kind;
    metadata.credentialId = credential.id;
  }
  return metadata;
}
