// A worker process of the fault tier: verifies every API token secret it has been given,
// round and round, over HTTP through the gateway and directly with the verifier library
// against Redis (one server or a cluster), while faults are injected. The parent tells it, by IPC, of each new secret
// and of each secret whose revocation (or rotation with no grace period) was answered; every
// verification STARTED after that message arrived counts as "after", and must not accept.
// Failures (a 503, a dropped connection, Redis down) are counted, never taken for accepts.
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
require('reflect-metadata');
const dist = path.resolve(root, process.env.WARDEN_DIST ?? 'dist');
const { verifyCredential } = require(path.join(dist, 'libs/tokens/verifier/src/index.js'));
const { createRedisClient, parseRedisNodeAddress } = require(path.join(dist, 'libs/redis/src/index.js'));

const HTTP_TIMEOUT_MS = 10_000;
const secrets = []; // { id, key }
const endedAt = new Map(); // secret id -> performance.now() when its end was received
const counts = { verifications: 0, accepted: 0, refused: 0, failed: 0, acceptedAfterEnd: 0, refusedAfterEnd: 0 };
const falseAccepts = []; // { id, channel }
let running = false;

function record(id, channel, startedAt, outcome) {
  counts.verifications++;
  const ended = endedAt.get(id);
  const after = ended !== undefined && startedAt > ended;
  if (outcome === 'accepted') {
    counts.accepted++;
    if (after) {
      counts.acceptedAfterEnd++;
      falseAccepts.push({ id, channel });
    }
  } else if (outcome === 'refused') {
    counts.refused++;
    if (after) counts.refusedAfterEnd++;
  } else counts.failed++;
}

function httpStatus(agent, url, key) {
  return new Promise((resolve) => {
    const request = http.get(url, { agent, headers: { 'x-api-key': key }, timeout: HTTP_TIMEOUT_MS }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
      response.on('error', () => resolve(0));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

async function httpLoop(agent, url, offset) {
  for (let i = offset; running; i++) {
    if (secrets.length === 0) {
      await pause();
      continue;
    }
    const { id, key } = secrets[i % secrets.length];
    const startedAt = performance.now();
    const status = await httpStatus(agent, url, key);
    record(id, 'http', startedAt, status === 200 ? 'accepted' : status === 401 ? 'refused' : 'failed');
    if (status === 0 || status >= 500) await pause();
  }
}

async function directLoop(redis, keyPrefix, offset) {
  for (let i = offset; running; i++) {
    if (secrets.length === 0) {
      await pause();
      continue;
    }
    const { id, key } = secrets[i % secrets.length];
    const startedAt = performance.now();
    try {
      const result = await verifyCredential(key, { redis, keyPrefix, now: new Date() });
      record(id, 'direct', startedAt, result.ok ? 'accepted' : 'refused');
    } catch {
      record(id, 'direct', startedAt, 'failed');
      await pause();
    }
  }
}

const loops = [];
let resources = [];

process.on('message', async (message) => {
  if (message.type === 'start') {
    const { url, redisUrl, redisClusterNodes, keyPrefix, concurrency } = message;
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    // one Redis, or a Redis Cluster, as the services' own client reaches it
    const clusterNodes = redisClusterNodes ? redisClusterNodes.split(',').map(parseRedisNodeAddress) : undefined;
    const redis = createRedisClient({ url: redisUrl, clusterNodes }, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    resources = [agent, redis];
    running = true;
    for (let n = 0; n < concurrency; n++) loops.push(httpLoop(agent, url, n), directLoop(redis, keyPrefix, n));
    process.send({ type: 'started' });
  } else if (message.type === 'add') {
    secrets.push({ id: message.id, key: message.key });
  } else if (message.type === 'ended') {
    endedAt.set(message.id, performance.now());
    process.send({ type: 'ended-received', id: message.id });
  } else if (message.type === 'counts') {
    process.send({ type: 'counts', counts: { ...counts }, falseAccepts: [...falseAccepts] });
  } else if (message.type === 'stop') {
    running = false;
    await Promise.all(loops);
    const [agent, redis] = resources;
    agent.destroy();
    redis.disconnect();
    process.send({ type: 'counts', counts: { ...counts }, falseAccepts: [...falseAccepts] }, () => process.exit(0));
  }
});
