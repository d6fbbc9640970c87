// The webhooks service's tables: its subscriptions as a read model of their events, and the
// deliveries, one row per message (event x subscription) whose id is the `webhook-id`.
// A delivery is written before any attempt and claimed by one instance at a time: a claim
// takes the row with SKIP LOCKED and leases it by moving its next attempt past the time an
// attempt can take, so an instance that dies mid-flight leaves it to be claimed again when
// the lease ends, under the same id.
import {
  WardenError,
  WebhookDeliveriesPage,
  WebhookDeliveryStatus,
  WebhookDeliveryView,
  WebhookEventType,
  WebhookSubscriptionView,
  WebhooksErrorCode,
  AuditErrorCode,
} from '@warden/contracts';
import { Pool } from 'pg';
import { WebhookSubscriptionState } from './domain/webhook-subscription.decider';
import { webhookMessageId } from './signing';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export interface SubscriptionRow {
  id: string;
  organization_id: string;
  url: string;
  event_types: WebhookEventType[];
  enabled: boolean;
  disabled_reason: 'manual' | 'failing' | null;
  description: string | null;
  sealed_secret: string;
  deleted: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  seq: string;
  subscription_id: string;
  organization_id: string;
  event_id: string;
  event_type: WebhookEventType;
  body: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  window_started_at: Date;
  response_code: number | null;
  latency_ms: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A delivery claimed for one attempt, with what the attempt needs. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  organizationId: string;
  body: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  windowStartedAt: Date;
  url: string;
  sealedSecret: string;
}

export interface AttemptOutcome {
  ok: boolean;
  responseCode: number | null;
  latencyMs: number;
  error: string | null;
}

export function subscriptionView(row: SubscriptionRow): WebhookSubscriptionView {
  return {
    id: row.id,
    organization_id: row.organization_id,
    url: row.url,
    event_types: row.event_types,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    description: row.description,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function deliveryView(row: DeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    subscription_id: row.subscription_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    response_code: row.response_code,
    latency_ms: row.latency_ms,
    last_error: row.last_error,
    next_attempt_at: row.status === 'pending' && row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const invalidCursor = () => new WardenError(AuditErrorCode.InvalidCursor, 'cursor is not one this listing gave', [{ field: 'cursor', message: 'not a cursor of this listing' }]);

export class WebhookStore {
  private readonly subscriptionsTable: string;
  private readonly deliveriesTable: string;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {
    if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name: ${schema}`);
    this.subscriptionsTable = `"${schema}".webhook_subscriptions`;
    this.deliveriesTable = `"${schema}".webhook_deliveries`;
  }

  async migrate(): Promise<void> {
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS ${this.subscriptionsTable} (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL,
        url text NOT NULL,
        event_types text[] NOT NULL,
        enabled boolean NOT NULL,
        disabled_reason text,
        description text,
        sealed_secret text NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX IF NOT EXISTS webhook_subscriptions_by_organization ON ${this.subscriptionsTable} (organization_id, created_at, id);
      CREATE TABLE IF NOT EXISTS ${this.deliveriesTable} (
        id text PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        subscription_id uuid NOT NULL,
        organization_id uuid NOT NULL,
        event_id text NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        window_started_at timestamptz NOT NULL DEFAULT now(),
        response_code integer,
        latency_ms integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON ${this.deliveriesTable} (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX IF NOT EXISTS webhook_deliveries_by_subscription ON ${this.deliveriesTable} (subscription_id, seq);
    `);
  }

  /** Writes a subscription's folded state, unless the row already holds a later version. */
  async saveSubscription(state: WebhookSubscriptionState, version: number): Promise<void> {
    if (state.status === 'absent') return;
    await this.pool.query(
      `INSERT INTO ${this.subscriptionsTable} AS s (id, organization_id, url, event_types, enabled, disabled_reason, description, sealed_secret, deleted, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, event_types = excluded.event_types, enabled = excluded.enabled,
         disabled_reason = excluded.disabled_reason, description = excluded.description, sealed_secret = excluded.sealed_secret,
         deleted = excluded.deleted, version = excluded.version, updated_at = excluded.updated_at
       WHERE s.version < excluded.version`,
      [
        state.subscriptionId,
        state.organizationId,
        state.url,
        state.eventTypes,
        state.enabled,
        state.disabledReason,
        state.description,
        state.sealedSecret,
        state.status === 'deleted',
        version,
        state.createdAt,
        state.updatedAt,
      ],
    );
  }

  /** One subscription of the organization; another organization's is not found. */
  async subscription(organizationId: string, subscriptionId: string): Promise<SubscriptionRow> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT * FROM ${this.subscriptionsTable} WHERE id = $1 AND organization_id = $2 AND NOT deleted`,
      [subscriptionId, organizationId],
    );
    if (!rows[0]) throw new WardenError(WebhooksErrorCode.WebhookSubscriptionNotFound, 'webhook subscription not found');
    return rows[0];
  }

  async listSubscriptions(organizationId: string): Promise<SubscriptionRow[]> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT * FROM ${this.subscriptionsTable} WHERE organization_id = $1 AND NOT deleted ORDER BY created_at, id`,
      [organizationId],
    );
    return rows;
  }

  /**
   * The deliveries of one event to every enabled subscription of its organization that asks
   * for its type and existed when it happened. Idempotent: an event handled twice makes no
   * second delivery (the id is derived from the event and the subscription). Returns how many were new.
   */
  async enqueue(message: { eventId: string; type: WebhookEventType; organizationId: string; occurredAt: string; body: (id: string) => string }): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM ${this.subscriptionsTable}
       WHERE organization_id = $1 AND enabled AND NOT deleted AND $2 = ANY(event_types) AND created_at <= $3`,
      [message.organizationId, message.type, message.occurredAt],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((row) => webhookMessageId(message.eventId, row.id));
    const result = await this.pool.query(
      `INSERT INTO ${this.deliveriesTable} (id, subscription_id, organization_id, event_id, event_type, body, next_attempt_at)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[]), now()
       ON CONFLICT (id) DO NOTHING`,
      [
        ids,
        rows.map((row) => row.id),
        rows.map(() => message.organizationId),
        rows.map(() => message.eventId),
        rows.map(() => message.type),
        ids.map((id) => message.body(id)),
      ],
    );
    return result.rowCount ?? 0;
  }

  /**
   * Up to `limit` deliveries that are due, each for one attempt: the rows are taken with
   * SKIP LOCKED (another instance's claim passes them by) and leased for `leaseMs`.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query<DeliveryRow & { url: string; sealed_secret: string }>(
      `WITH due AS (
         SELECT d.id FROM ${this.deliveriesTable} d JOIN ${this.subscriptionsTable} s ON s.id = d.subscription_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.enabled AND NOT s.deleted
         ORDER BY d.next_attempt_at
         LIMIT $1
         FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE ${this.deliveriesTable} d
       SET attempts = d.attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond', updated_at = now()
       FROM due, ${this.subscriptionsTable} s
       WHERE d.id = due.id AND s.id = d.subscription_id
       RETURNING d.*, s.url, s.sealed_secret`,
      [limit, leaseMs],
    );
    return rows.map((row) => ({
      id: row.id,
      subscriptionId: row.subscription_id,
      organizationId: row.organization_id,
      body: row.body,
      attempt: row.attempts,
      windowStartedAt: row.window_started_at,
      url: row.url,
      sealedSecret: row.sealed_secret,
    }));
  }

  /**
   * Records an attempt's outcome, if the claim is still this attempt's (a lease that ran out
   * and was claimed again belongs to the newer attempt). A failure is scheduled again after
   * `retryDelayMs` unless that falls past the retry window: then the delivery has failed,
   * and the answer says so (`exhausted`).
   */
  async recordAttempt(delivery: ClaimedDelivery, outcome: AttemptOutcome, retryDelayMs: number, retryWindowMs: number): Promise<{ exhausted: boolean }> {
    const { rows } = await this.pool.query<{ status: WebhookDeliveryStatus }>(
      `UPDATE ${this.deliveriesTable}
       SET status = CASE WHEN $3 THEN 'succeeded'
                         WHEN now() + $6 * interval '1 millisecond' > window_started_at + $7 * interval '1 millisecond' THEN 'failed'
                         ELSE 'pending' END,
           next_attempt_at = CASE WHEN $3 THEN NULL ELSE now() + $6 * interval '1 millisecond' END,
           response_code = $4, latency_ms = $5, last_error = $8, updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'pending'
       RETURNING status`,
      [delivery.id, delivery.attempt, outcome.ok, outcome.responseCode, outcome.latencyMs, retryDelayMs, retryWindowMs, outcome.error],
    );
    return { exhausted: rows[0]?.status === 'failed' };
  }

  async deliveries(organizationId: string, subscriptionId: string, options: { limit: number; cursor?: string; status?: WebhookDeliveryStatus }): Promise<WebhookDeliveriesPage> {
    let before: string | null = null;
    if (options.cursor !== undefined) {
      if (!/^[1-9][0-9]{0,18}$/.test(options.cursor)) throw invalidCursor();
      before = options.cursor;
    }
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT * FROM ${this.deliveriesTable}
       WHERE subscription_id = $1 AND organization_id = $2 AND ($3::bigint IS NULL OR seq < $3) AND ($4::text IS NULL OR status = $4)
       ORDER BY seq DESC LIMIT $5`,
      [subscriptionId, organizationId, before, options.status ?? null, options.limit + 1],
    );
    const page = rows.slice(0, options.limit);
    return { results: page.map(deliveryView), next_cursor: rows.length > options.limit ? page[page.length - 1]!.seq : null };
  }

  /**
   * Sends one delivery again, now, with a new retry window and the same `webhook-id`. One
   * still pending keeps its next attempt: it may be in flight on some instance right now.
   */
  async redeliver(organizationId: string, subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryView> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `UPDATE ${this.deliveriesTable}
       SET next_attempt_at = CASE WHEN status = 'pending' THEN next_attempt_at ELSE now() END,
           status = 'pending', window_started_at = now(), updated_at = now()
       WHERE id = $1 AND subscription_id = $2 AND organization_id = $3
       RETURNING *`,
      [deliveryId, subscriptionId, organizationId],
    );
    if (!rows[0]) throw new WardenError(WebhooksErrorCode.WebhookDeliveryNotFound, 'webhook delivery not found');
    return deliveryView(rows[0]);
  }
}
