#!/usr/bin/env node
// Replays a read model from the event store, beside the live one:
// `npm run replay -- <read-model> [--compare]`.
// Asks the service that owns the read model over the deployment's NATS (NATS_URL,
// NATS_SUBJECT_PREFIX, as the services read them), as a `system` caller: NATS is private to
// the deployment, so reaching it is the operator's credential. Prints a progress line
// every second until the run is over; exits 1 if it failed or a compare found differences.
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { JSONCodec, connect, headers as natsHeaders } from 'nats';

const READ_MODELS = ['tokens', 'users-listing', 'audit-log'];
const program = new Command('replay')
  .description('Rebuild a read model from the event store and swap it in, or compare it with a fresh replay')
  .argument('<read-model>', `one of ${READ_MODELS.join(', ')}`)
  .option('--compare', 'replay into scratch and report every difference with the live read model, swapping nothing')
  .option('--interval <ms>', 'how often to print progress', '1000')
  .parse();

const [readModel] = program.args;
const { compare, interval } = program.opts();
if (!READ_MODELS.includes(readModel)) program.error(`unknown read model ${JSON.stringify(readModel)}: one of ${READ_MODELS.join(', ')}`);

const prefix = process.env.NATS_SUBJECT_PREFIX ?? 'warden';
const nats = await connect({ servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','), name: 'warden-replay-cli' });
const codec = JSONCodec();
const correlationId = `replay-cli-${randomUUID()}`;

// Nest's NATS request format, as the gateway's ServiceClient sends it.
async function ask(action, payload) {
  const subject = `${prefix}.read-models.${readModel}.${action}`;
  const h = natsHeaders();
  h.set('x-correlation-id', correlationId);
  const data = { context: { correlationId, actorType: 'system' }, payload };
  const reply = await nats.request(subject, codec.encode({ pattern: subject, data, id: randomUUID() }), { timeout: 10_000, headers: h });
  const answer = codec.decode(reply.data);
  if (answer.err) throw new Error(`${answer.err.code ?? 'error'}: ${answer.err.detail ?? answer.err.message ?? JSON.stringify(answer.err)}`);
  return answer.response;
}

function line(view) {
  const total = Math.max(view.events_total, view.events_done);
  const percent = total > 0 ? Math.floor((view.events_done / total) * 100) : 100;
  const left = view.seconds_left === null ? '?' : `${view.seconds_left}s`;
  return `${new Date().toISOString()} ${view.read_model} ${view.mode} ${view.state}: ${view.events_done}/${total} events (${percent}%), ${view.events_per_second} events/s, ${left} left`;
}

let exitCode = 0;
try {
  const started = await ask('replay', { mode: compare ? 'compare' : 'swap' });
  console.log(`replay ${started.replay_id} of ${readModel} started (${started.mode}), ${started.events_total} events in the store`);
  let view = started;
  while (view.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, Number(interval)));
    view = (await ask('status', {})) ?? view;
    console.log(line(view));
  }
  if (view.state === 'failed') {
    console.error(`replay failed: ${view.error}`);
    exitCode = 1;
  } else if (view.report) {
    const { compared, differences } = view.report;
    console.log(`compared ${compared} entries: ${differences.length} difference(s)`);
    for (const d of differences) console.log(`  ${d.key}\n    live:     ${d.live ?? '(missing)'}\n    replayed: ${d.replayed ?? '(missing)'}`);
    if (differences.length > 0) exitCode = 1;
  } else {
    console.log(`swapped in: ${view.events_done} events replayed`);
  }
} catch (error) {
  console.error(`replay of ${readModel}: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await nats.close();
}
process.exit(exitCode);
