// What a service using this repository's token-verifier library looks like on the hot path:
// NestJS 11 on Fastify, `WardenAuthGuard` from the built library, and a handler answering
// from the verified principal (the `GET /auth/whoami` the gateway does not have yet).
import 'reflect-metadata';
import path from 'node:path';
import { Controller, Get, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { targetConfig } from './target-config';

// The built library (dist/), as a receiving service would load the published package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const verifier = require(path.resolve(__dirname, '../..', process.env.WARDEN_DIST ?? 'dist', 'libs/tokens/verifier/src/index.js')) as typeof import('@warden/token-verifier');
const { port, redisUrl, keyPrefix, cache } = targetConfig();

@Controller()
@UseGuards(verifier.WardenAuthGuard)
class WhoamiController {
  @Get('whoami')
  whoami(@Req() request: object) {
    const principal = verifier.wardenPrincipalOf(request)!;
    return { user_id: principal.userId, organization_id: principal.organizationId };
  }
}

@Module({ imports: [verifier.WardenAuthModule.forRoot({ redisUrl, keyPrefix, ...(cache && { cache: true as const }) })], controllers: [WhoamiController] })
class LibraryGuardModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(LibraryGuardModule, new FastifyAdapter(), { logger: false });
  await app.listen(port, '127.0.0.1');
  process.send?.({ ready: true });
}

void main();

// Stopped with SIGINT: exit normally, so a --cpu-prof profile is written.
process.on('SIGINT', () => process.exit(0));
