// The NATS benchmark's baseline: a bare responder doing one SHA-256 and one Redis GET of the
// token in the request, on a queue group like the services, answering JSON.
import { hash } from 'node:crypto';
import { credentialGenerationPrefix, credentialKey } from '@warden/contracts';
import Redis from 'ioredis';
import { connect } from 'nats';
import { targetConfig } from './target-config';

const { natsUrl, subject, redisUrl, keyPrefix } = targetConfig();

async function main(): Promise<void> {
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const nc = await connect({ servers: natsUrl });
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  nc.subscribe(subject, {
    queue: 'bench-baseline',
    callback: (_error, msg) => {
      const token = (JSON.parse(decoder.decode(msg.data)) as { data: { payload: { token: string } } }).data.payload.token;
      void redis.get(keyPrefix + credentialGenerationPrefix('') + credentialKey(hash('sha256', token, 'hex'))).then((record) => {
        msg.respond(encoder.encode(JSON.stringify({ response: { active: record !== null }, isDisposed: true })));
      });
    },
  });
  await nc.flush();
  process.send?.({ ready: true });
}

void main();

// Stopped with SIGINT: exit normally, so a --cpu-prof profile is written.
process.on('SIGINT', () => process.exit(0));
