// Webhooks: deliveries per second to a local receiver. The webhooks service's delivery worker
// (claims with SKIP LOCKED, signs, POSTs, records each attempt) draining deliveries already
// written to PostgreSQL, at its default concurrency, against the same POSTs (same body, same
// concurrency, a keep-alive agent) sent by a plain loop with no database, no signing, no
// record: what durability and the delivery log cost per delivery. The receiver answers 204 to
// both. No service runs: the worker is the service's own code, in a database of its own.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { silentMessagingLog } from '@warden/messaging';
import { DeliveryWorker } from '../../apps/webhooks-service/src/delivery-worker';
import { SecretBox } from '../../apps/webhooks-service/src/secret-box';
import { newSigningSecret } from '../../apps/webhooks-service/src/signing';
import { WebhookTargetPolicy } from '../../apps/webhooks-service/src/target-policy';
import { WebhookSender } from '../../apps/webhooks-service/src/webhook-sender';
import { WebhookStore } from '../../apps/webhooks-service/src/webhook-store';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateFigure, ratioOf, times } from '../support/format';
import { RunFigures, closedLoop } from '../support/stats';
import { benchDatabase } from './replay';

// The webhooks service's defaults (WEBHOOKS_CONCURRENCY, WEBHOOKS_TIMEOUT_MS).
const CONCURRENCY = 16;
const TIMEOUT_MS = 10_000;
const SCHEMA = 'webhooks';
const BODY = JSON.stringify({
  type: 'token.revoked',
  timestamp: new Date().toISOString(),
  data: { organization_id: randomUUID(), token_id: randomUUID(), owner_id: randomUUID(), revoked_at: new Date().toISOString() },
});

/** A receiver that counts what it is sent and answers 204. */
async function countingReceiver(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received: () => received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `count` pending deliveries to the subscription, as the ingestor writes them. */
async function writeBacklog(pool: Pool, subscriptionId: string, organizationId: string, count: number): Promise<void> {
  await pool.query(
    `INSERT INTO "${SCHEMA}".webhook_deliveries (id, subscription_id, organization_id, event_id, event_type, body, next_attempt_at)
     SELECT 'msg_' || md5(random()::text || g), $1, $2, gen_random_uuid()::text, 'token.revoked', $3, now() FROM generate_series(1, $4) g`,
    [subscriptionId, organizationId, BODY, count],
  );
}

export async function benchWebhooks(ctx: Pick<BenchContext, 'options' | 'log'>): Promise<Row[]> {
  const { options, log } = ctx;
  const database = await benchDatabase('webhooks');
  const pool = new Pool({ connectionString: database.url, max: 8 });
  pool.on('error', (error) => log(`webhooks: pool: ${error.message}`));
  const receiver = await countingReceiver();
  const policy = new WebhookTargetPolicy(['127.0.0.1']);
  const sender = new WebhookSender(policy, TIMEOUT_MS);
  const baselineAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const store = new WebhookStore(pool, SCHEMA);
    await store.migrate();
    const secrets = new SecretBox(randomBytes(32).toString('base64'));
    const subscriptionId = randomUUID();
    const organizationId = randomUUID();
    const now = new Date().toISOString();
    await store.saveSubscription(
      {
        status: 'active',
        subscriptionId,
        organizationId,
        url: receiver.url,
        eventTypes: ['token.revoked'],
        enabled: true,
        disabledReason: null,
        description: null,
        sealedSecret: secrets.seal(newSigningSecret()),
        createdAt: now,
        updatedAt: now,
      },
      1,
    );
    // More than a run can send at the baseline's rate, refilled before each run.
    let backlogPerSecond = 4_000;

    const workerRun = async (seconds: number): Promise<RunFigures> => {
      await pool.query(`DELETE FROM "${SCHEMA}".webhook_deliveries`);
      const backlog = Math.ceil(backlogPerSecond * seconds);
      await writeBacklog(pool, subscriptionId, organizationId, backlog);
      const worker = new DeliveryWorker({
        store,
        sender,
        secrets,
        retry: { initialMs: 1_000, maxMs: 60_000, windowMs: 86_400_000 },
        timeoutMs: TIMEOUT_MS,
        pollIntervalMs: 10,
        concurrency: CONCURRENCY,
        onExhausted: async () => undefined,
        log: silentMessagingLog,
      });
      const before = receiver.received();
      const started = performance.now();
      worker.start();
      const end = started + seconds * 1000;
      while (performance.now() < end && receiver.received() - before < backlog) await new Promise((resolve) => setTimeout(resolve, 20));
      await worker.stop();
      const elapsed = (performance.now() - started) / 1000;
      const { rows } = await pool.query<{ succeeded: number; failed: number; p50: number | null; p99: number | null }>(
        `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
                count(*) FILTER (WHERE status <> 'succeeded' AND attempts > 0 AND response_code IS DISTINCT FROM 204)::int AS failed,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
         FROM "${SCHEMA}".webhook_deliveries WHERE attempts > 0`,
      );
      const figures = rows[0]!;
      if (figures.succeeded >= backlog) {
        backlogPerSecond = Math.ceil(backlogPerSecond * 2);
        log(`webhooks: the worker drained its backlog of ${backlog} in ${elapsed.toFixed(2)} s; the next runs get ${backlogPerSecond}/s`);
      }
      return { perSecond: figures.succeeded / elapsed, p50Ms: figures.p50 ?? 0, p99Ms: figures.p99 ?? 0, failures: figures.failed };
    };

    const plainRun = (seconds: number): Promise<RunFigures> =>
      closedLoop(seconds, CONCURRENCY, async () => {
        const status = await new Promise<number>((resolve) => {
          const req = http.request(receiver.url, { method: 'POST', agent: baselineAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', () => resolve(0));
          req.end(BODY);
        });
        return status === 204;
      });

    const summaries = await alternate(options, 'webhooks', { system: workerRun, baseline: plainRun }, log);
    const failures = summaries.system.median.failures + summaries.baseline.median.failures;
    return [
      {
        benchmark: 'webhooks',
        system: `webhook deliveries to a local receiver: the webhooks service's worker (SKIP LOCKED claims, Standard Webhooks signature, each attempt recorded) draining deliveries written in PostgreSQL, ${CONCURRENCY} in flight; latency per attempt`,
        systemFigure: rateFigure(summaries.system),
        baseline: `the same POSTs to the same receiver from a plain loop (no database, no signature), ${CONCURRENCY} in flight`,
        baselineFigure: rateFigure(summaries.baseline),
        ratio: times(ratioOf(summaries.system.median.perSecond, summaries.baseline.median.perSecond)),
        target: 'reported',
        verdict: 'reported',
        ...(failures > 0 && { note: `${failures} deliveries or POSTs failed` }),
      },
    ];
  } finally {
    sender.close();
    baselineAgent.destroy();
    await receiver.close();
    await pool.end();
    await database.drop();
  }
}
