// A worker process of the zero-window test: verifies a set of credentials as fast as it
// can, over HTTP through the gateway and directly with the verifier library against Redis,
// each over its own connections. The parent tells it, by IPC, the moment a revocation
// answered; from the receipt of that message on, every request it STARTS for that
// credential counts as "after the revoke", and must be refused. (Requests started between
// the answer and the receipt count as "before": the test checks a subset, never a superset.)
// The library verifies through its lease-fenced cache, as the gateway does.
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
// The built library (the e2e tier builds first): what a receiving service would run. The
// contracts it uses carry class-transformer decorators, which need reflect-metadata loaded.
require('reflect-metadata');
const { verifyCredential, openVerificationCache } = require(path.join(path.resolve(root, process.env.WARDEN_DIST ?? 'dist'), 'libs/tokens/verifier/src/index.js'));
const Redis = require('ioredis');

const counts = new Map(); // `${credential}|${channel}` -> counters
const revokedAt = new Map(); // credential -> performance.now() when the revoke message arrived
let running = false;

function counter(credential, channel) {
  const key = `${credential}|${channel}`;
  if (!counts.has(key)) counts.set(key, { credential, channel, acceptedBefore: 0, refusedBefore: 0, acceptedAfter: 0, refusedAfter: 0, unexpected: 0 });
  return counts.get(key);
}

function record(credential, channel, startedAt, outcome) {
  const c = counter(credential, channel);
  const revoked = revokedAt.get(credential);
  const after = revoked !== undefined && startedAt > revoked;
  if (outcome === 'accepted') c[after ? 'acceptedAfter' : 'acceptedBefore']++;
  else if (outcome === 'refused') c[after ? 'refusedAfter' : 'refusedBefore']++;
  else c.unexpected++;
}

function httpStatus(agent, url, key) {
  return new Promise((resolve) => {
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${key}` } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('error', () => resolve(0));
  });
}

async function httpLoop(agent, url, credentials, offset) {
  for (let i = offset; running; i++) {
    const { id, key } = credentials[i % credentials.length];
    const startedAt = performance.now();
    const status = await httpStatus(agent, url, key);
    record(id, 'http', startedAt, status === 200 ? 'accepted' : status === 401 ? 'refused' : 'unexpected');
  }
}

// A verification the cache answers settles without I/O: a loop of them alone would never
// let the process's timers and sockets run (its lease renewals, the HTTP loops, the parent's
// messages), which a server answering requests always does between two.
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function directLoop(redis, cache, keyPrefix, credentials, offset) {
  for (let i = offset; running; i++) {
    await turn();
    const { id, key } = credentials[i % credentials.length];
    const startedAt = performance.now();
    try {
      const result = await verifyCredential(key, { redis, keyPrefix, now: new Date(), cache });
      record(id, 'direct', startedAt, result.ok ? 'accepted' : 'refused');
    } catch {
      record(id, 'direct', startedAt, 'unexpected');
    }
  }
}

let loops = [];
let resources = [];

process.on('message', async (message) => {
  if (message.type === 'start') {
    const { url, redisUrl, keyPrefix, credentials, concurrency } = message;
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const redis = new Redis(redisUrl, { enableAutoPipelining: true });
    const cache = openVerificationCache(redis, keyPrefix);
    resources = [agent, redis, cache];
    running = true;
    for (let n = 0; n < concurrency; n++) loops.push(httpLoop(agent, url, credentials, n), directLoop(redis, cache, keyPrefix, credentials, n));
    process.send({ type: 'started' });
  } else if (message.type === 'revoked') {
    revokedAt.set(message.credential, performance.now());
    process.send({ type: 'revoked-received', credential: message.credential });
  } else if (message.type === 'peek') {
    process.send({ type: 'counts', counts: [...counts.values()] });
  } else if (message.type === 'stop') {
    running = false;
    await Promise.all(loops);
    const [agent, redis, cache] = resources;
    agent.destroy();
    await cache.close();
    redis.disconnect();
    process.send({ type: 'report', counts: [...counts.values()] }, () => process.exit(0));
  }
});
