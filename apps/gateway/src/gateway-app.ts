import type { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ProblemDetailsFilter,
  WardenLogger,
  collectProcessMetrics,
  registerCorrelationId,
  registerHttpMetrics,
  validationPipe,
} from '@warden/platform';
import { AuthenticationGuard } from './auth/authentication.guard';
import { authenticateRequests } from './auth/authentication.hook';
import { RequestAuthenticator } from './auth/request-authenticator';
import { answerFromVerification } from './auth/verification-answered-routes';
import { serveConsoleFiles } from './console/console.controller';
import { ApiDescription, serveDocsAssets } from './openapi/api-docs.controller';
import { describeApi, loadApiMetadata } from './openapi/openapi-document';
import { setPublicBaseUrl } from './http/page-links';
import { registerOAuthForms } from './oauth/oauth-form';
import { keepSecretScanningBodies } from './tokens/secret-scanning.controller';

/** Routes outside the API's `/api/v1` prefix: probes, metrics, the interactive API page, the console, and OAuth 2.0. */
export const UNPREFIXED_ROUTES = [
  'health',
  'health/live',
  'health/ready',
  'metrics',
  'docs',
  'console',
  // OAuth 2.0 where clients look for it: beside the issuer identifier (RFC 8414).
  'oauth2/token',
  'oauth2/introspect',
  'oauth2/revoke',
  '.well-known/oauth-authorization-server',
];

/**
 * Everything the gateway sets up between creating the app and listening, shared by main.ts
 * and the tests that build the gateway in-process.
 */
export function configureGateway(app: NestFastifyApplication, logger: WardenLogger, publicBaseUrl: string): void {
  const fastify = app.getHttpAdapter().getInstance();
  setPublicBaseUrl(fastify, publicBaseUrl);
  collectProcessMetrics('gateway');
  // No async context per request: what the gateway logs or sends while handling one takes the
  // id from the request (contextOf, the authenticator, the problem filter), and Node 20 would
  // otherwise run a hook on every promise the verification path makes (correlation-hook.ts).
  registerCorrelationId(fastify, { asyncContext: false });
  registerHttpMetrics(fastify);
  app.setGlobalPrefix('api/v1', { exclude: UNPREFIXED_ROUTES });
  // Nest's body parsers now rather than at init (where they are left alone once there), so
  // that the form parser can be the OAuth endpoints' own.
  (app.getHttpAdapter() as unknown as FastifyAdapter).registerParserMiddleware('api/v1', false);
  registerOAuthForms(fastify);
  keepSecretScanningBodies(fastify);
  const problems = new ProblemDetailsFilter(logger);
  app.useGlobalFilters(problems);
  app.useGlobalPipes(validationPipe());
  // Every route but login, health, metrics and the API description needs a credential (auth/public-routes.ts):
  // verified in a Fastify hook, and required again by a global guard before any route runs.
  authenticateRequests(fastify, app.get(RequestAuthenticator), problems);
  // Routes answered from the verification alone skip Nest's router (auth/verification-answered-routes.ts).
  answerFromVerification(fastify, problems);
  app.useGlobalGuards(app.get(AuthenticationGuard));
  serveDocsAssets(app);
  serveConsoleFiles(app);
}

/** Publishes the OpenAPI document, built from the routes on first request; call after configureGateway and `app.init()`. */
export async function publishApiDescription(app: NestFastifyApplication): Promise<void> {
  await loadApiMetadata();
  app.get(ApiDescription).publish(() => describeApi(app));
}
