import { Controller, HttpCode, Inject, Logger, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Problem } from '../shared/problem';
import { InvalidConnectNotification, parseConnectNotification } from './connect-notification';
import { isGenuineConnectNotification } from './connect-signature';
import { RecordsClient } from './records-client';

export const CONNECT_HMAC_KEYS = Symbol('CONNECT_HMAC_KEYS');

export type ConnectWebhookAnswer =
  | { outcome: 'recorded'; envelope_id: string; status: string; applied: boolean }
  | { outcome: 'ignored'; event: string };

// The endpoint a Connect configuration posts to. The order matters: the signature is checked
// on the raw bytes before anything is parsed, so an unsigned body is never even read as JSON.
// A 2xx tells Connect the notification is handled; anything else makes it retry later, which
// is what we want while the records API refuses us (a revoked or expired token, an outage).
@Controller('docusign/connect')
export class ConnectWebhookController {
  private readonly logger = new Logger(ConnectWebhookController.name);

  constructor(
    @Inject(CONNECT_HMAC_KEYS) private readonly keys: readonly string[],
    @Inject(RecordsClient) private readonly records: RecordsClient,
  ) {}

  @Post()
  @HttpCode(200)
  async receive(@Req() request: FastifyRequest): Promise<ConnectWebhookAnswer> {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (!isGenuineConnectNotification(rawBody, request.headers, this.keys)) {
      this.logger.warn(`refused a notification without a valid X-DocuSign-Signature (from ${request.ip})`);
      throw new Problem(401, 'invalid_signature', 'The X-DocuSign-Signature headers do not match the body under any configured Connect key');
    }
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      throw new Problem(415, 'unsupported_media_type', 'Connect notifications must be sent as JSON (the SIM event model)');
    }
    let notification;
    try {
      notification = parseConnectNotification(rawBody);
    } catch (error) {
      if (error instanceof InvalidConnectNotification) throw new Problem(400, 'invalid_notification', error.message);
      throw error;
    }
    if (notification.kind === 'ignored') return { outcome: 'ignored', event: notification.event };

    const outcome = await this.records.recordEnvelopeStatus(notification);
    if (!outcome.ok && outcome.status === null) {
      this.logger.warn(`records API unreachable for envelope ${notification.envelopeId}`);
      throw new Problem(502, 'records_api_unavailable', 'The records API could not be reached; Connect will retry');
    }
    if (!outcome.ok) {
      this.logger.warn(`records API refused envelope ${notification.envelopeId}: ${outcome.status} ${outcome.code ?? ''}`);
      throw new Problem(502, 'records_update_refused', `The records API refused the update with ${outcome.status}; Connect will retry`, {
        upstream_status: outcome.status,
        ...(outcome.code ? { upstream_code: outcome.code } : {}),
      });
    }
    return { outcome: 'recorded', envelope_id: notification.envelopeId, status: notification.status, applied: outcome.applied };
  }
}
