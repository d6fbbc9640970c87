// A DocuSign Connect notification in the JSON (SIM) format, reduced to what the records API
// needs. The shape, with the fields this processor reads:
//
//   { "event": "envelope-completed", "apiVersion": "v2.1", "generatedDateTime": "...",
//     "data": { "accountId": "...", "envelopeId": "...",
//               "envelopeSummary": { "status": "completed", "statusChangedDateTime": "..." } } }
//
// `envelopeSummary` is present when the Connect configuration includes it; otherwise the
// status follows from the event's name.

const STATUS_OF_EVENT: Record<string, string> = {
  'envelope-created': 'created',
  'envelope-sent': 'sent',
  'envelope-resent': 'sent',
  'envelope-delivered': 'delivered',
  'envelope-completed': 'completed',
  'envelope-declined': 'declined',
  'envelope-voided': 'voided',
  'envelope-corrected': 'corrected',
  'envelope-deleted': 'deleted',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ConnectNotification =
  | { kind: 'envelope_status'; event: string; envelopeId: string; status: string; statusChangedAt: string }
  /** A notification this processor has nothing to record for (a recipient event, a purge): acknowledged. */
  | { kind: 'ignored'; event: string };

export class InvalidConnectNotification extends Error {}

export function parseConnectNotification(rawBody: Buffer): ConnectNotification {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidConnectNotification('The notification is not JSON (configure Connect to send JSON, not XML)');
  }
  if (!isObject(body) || typeof body.event !== 'string' || body.event === '') {
    throw new InvalidConnectNotification('The notification has no "event"');
  }
  const event = body.event;
  if (!event.startsWith('envelope-')) return { kind: 'ignored', event };
  const data = isObject(body.data) ? body.data : {};
  const summary = isObject(data.envelopeSummary) ? data.envelopeSummary : {};
  const envelopeId = data.envelopeId ?? summary.envelopeId;
  if (typeof envelopeId !== 'string' || !GUID.test(envelopeId)) {
    throw new InvalidConnectNotification('The notification has no valid "data.envelopeId"');
  }
  const status = typeof summary.status === 'string' ? summary.status.toLowerCase() : STATUS_OF_EVENT[event];
  if (status === undefined) return { kind: 'ignored', event };
  const changedAt = summary.statusChangedDateTime ?? body.generatedDateTime;
  if (typeof changedAt !== 'string' || Number.isNaN(Date.parse(changedAt))) {
    throw new InvalidConnectNotification('The notification has neither "envelopeSummary.statusChangedDateTime" nor "generatedDateTime"');
  }
  // Connect writes seven fractional digits (".0000000Z"); the records API wants ISO 8601 as JavaScript reads it.
  return { kind: 'envelope_status', event, envelopeId, status, statusChangedAt: new Date(Date.parse(changedAt)).toISOString() };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
