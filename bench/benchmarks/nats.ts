// Verify over NATS: the tokens service's `<prefix>.tokens.verify` against a bare NATS
// responder doing one SHA-256 and one Redis GET, both driven by the same requester.
import { randomUUID } from 'node:crypto';
import { NatsConnection, connect, headers as natsHeaders } from 'nats';
import { TEST_NATS_URL, TEST_REDIS_URL } from '@warden/testing';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateRow } from '../support/format';
import { startTarget, stopTarget } from '../support/processes';
import { LatencySamples, RunFigures } from '../support/stats';

/**
 * Keeps `inFlight` requests outstanding on one shared reply subscription, publishing each
 * request with a reply subject (measured: nc.request() caps the requester at 11-14k/s; the
 * shared subscription does not). The same driver and message serve system and baseline.
 * NATS has no autocannon; this loop only keeps requests in flight and times them.
 */
async function natsRun(nc: NatsConnection, subject: string, body: Uint8Array, seconds: number, inFlight: number): Promise<RunFigures> {
  const inbox = `_INBOX.bench.${randomUUID().replace(/-/g, '')}`;
  const subscription = nc.subscribe(`${inbox}.*`);
  const headers = natsHeaders();
  headers.set('x-correlation-id', 'benchmark');
  const sentAt = new Float64Array(inFlight);
  const samples = new LatencySamples();
  const decoder = new TextDecoder();
  let failures = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const send = (slot: number) => {
    sentAt[slot] = performance.now();
    nc.publish(subject, body, { reply: `${inbox}.${slot}`, headers });
  };
  for (let slot = 0; slot < inFlight; slot++) send(slot);
  let outstanding = inFlight;
  for await (const msg of subscription) {
    const slot = Number(msg.subject.slice(inbox.length + 1));
    const now = performance.now();
    samples.add(now - sentAt[slot]!);
    if (!decoder.decode(msg.data).includes('"active":true')) failures++;
    if (now < end) send(slot);
    else if (--outstanding === 0) break;
  }
  subscription.unsubscribe();
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: samples.count / elapsed, p50Ms: samples.percentile(50), p99Ms: samples.percentile(99), failures };
}

export async function benchNats(ctx: BenchContext): Promise<Row[]> {
  const { options, system, token, log } = ctx;
  const nc = await connect({ servers: TEST_NATS_URL });
  const prefix = system.env.NATS_SUBJECT_PREFIX;
  const subjects = { system: `${prefix}.tokens.verify`, baseline: `${prefix}.bench.baseline-verify` };
  // Nest's NATS packet, as the platform's ServiceClient sends it: a pattern, an id, the envelope.
  const encode = (pattern: string) =>
    new TextEncoder().encode(JSON.stringify({ pattern, id: randomUUID(), data: { context: { correlationId: 'benchmark', actorType: 'service_internal' }, payload: { token } } }));
  const bodies = { system: encode('tokens.verify'), baseline: encode('bench.baseline-verify') };
  const baseline = await startTarget(options, 'baseline-nats.ts', { natsUrl: TEST_NATS_URL, subject: subjects.baseline, redisUrl: TEST_REDIS_URL, keyPrefix: system.env.REDIS_KEY_PREFIX });
  try {
    const reply = new TextDecoder().decode((await nc.request(subjects.system, bodies.system, { timeout: 5000 })).data);
    if (!reply.includes('"active":true')) throw new Error(`tokens.verify did not answer the benchmark token as active: ${reply}`);
    const run = (name: 'system' | 'baseline') => (seconds: number) => natsRun(nc, subjects[name], bodies[name], seconds, options.connections);
    const summaries = await alternate(options, 'nats', { system: run('system'), baseline: run('baseline') }, log);
    return [
      rateRow(
        'verify over NATS',
        `tokens service, \`<prefix>.tokens.verify\`, ${options.connections} requests in flight`,
        'bare NATS responder: SHA-256 + one ioredis GET',
        summaries.system,
        summaries.baseline,
        0.9,
      ),
    ];
  } finally {
    await stopTarget(baseline);
    await nc.close();
  }
}
