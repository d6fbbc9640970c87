// What a Fastify service using this repository's token-verifier library looks like on the hot
// path: Fastify, `wardenFastifyHook` from the built library's Fastify entry with its
// lease-fenced cache, and a handler answering from the verified principal.
import path from 'node:path';
import Fastify from 'fastify';
import { targetConfig } from './target-config';

// The built library (dist/), as a receiving service would load the published package's `/fastify` entry.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const verifier = require(path.resolve(__dirname, '../..', process.env.WARDEN_DIST ?? 'dist', 'libs/tokens/verifier/src/fastify.js')) as typeof import('@warden/token-verifier/fastify');
const { port, redisUrl, keyPrefix, cache } = targetConfig();

async function main(): Promise<void> {
  const verify = verifier.createWardenVerifier({ redisUrl, keyPrefix, ...(cache && { cache: true as const }) });
  const app = Fastify();
  app.decorateRequest('wardenPrincipal', undefined);
  app.addHook('onRequest', verifier.wardenFastifyHook(verify));
  app.get('/whoami', async (request) => {
    const principal = verifier.wardenPrincipalOf(request)!;
    return { user_id: principal.userId, organization_id: principal.organizationId };
  });
  await app.listen({ port, host: '127.0.0.1' });
  process.send?.({ ready: true });
}

void main();

// Stopped with SIGINT: exit normally, so a --cpu-prof profile is written.
process.on('SIGINT', () => process.exit(0));
