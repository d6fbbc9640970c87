import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ScannerAlertEntry, ScannerAlertVerdict, TokensSubjects } from '@warden/contracts';
import { ServiceClient } from '@warden/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { Readable } from 'node:stream';
import { contextOf } from '../auth/principal-of-request';

// A secret scanner (GitHub's secret-scanning partner program) posts the Warden tokens it
// found in public places here. The route takes no credential: the alert is signed, and the
// tokens service checks the signature over the body exactly as it arrived, so the gateway
// keeps those bytes before Fastify parses them.

export const SECRET_SCANNING_ALERTS_PATH = '/api/v1/secret-scanning/alerts';

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/**
 * Keeps the raw body of the scanner route's requests (every other route's body is parsed
 * only): a `preParsing` hook of that route alone, put on it as Nest registers it, so that no
 * other request runs it (as a hook of the whole app, an async one, it cost every request a
 * promise and a look at its route). Call before `app.init()`.
 */
export function keepSecretScanningBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url !== SECRET_SCANNING_ALERTS_PATH) return;
    const own = route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing];
    route.preParsing = [...own, keepRawBody];
  });
}

/** The body of a scanner's request as it arrived (empty for any other route's). */
export function rawBodyOf(request: FastifyRequest): Buffer {
  return rawBodies.get(request) ?? Buffer.alloc(0);
}

async function keepRawBody(request: FastifyRequest, _reply: FastifyReply, payload: RequestPayload): Promise<RequestPayload> {
  const chunks: Buffer[] = [];
  for await (const chunk of payload) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  const raw = Buffer.concat(chunks);
  rawBodies.set(request, raw);
  return Readable.from([raw]);
}

@ApiTags('tokens')
@Controller('secret-scanning')
export class SecretScanningController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * Receive a secret scanner's leak alert
   *
   * @remarks A JSON array of `{token, type, url, source}` signed with ECDSA P-256
   * (`Github-Public-Key-Identifier`, `Github-Public-Key-Signature`: base64 of a DER signature over the
   * raw body) by a key in `SECRET_SCANNING_PUBLIC_KEYS`. Each working Warden API token in it is revoked
   * (or disabled, per its organization's `leaked_token_action`); every entry is answered
   * `true_positive` (a Warden API token) or `false_positive`. A bad or missing signature is a 401 and
   * changes nothing.
   */
  @Post('alerts')
  @HttpCode(200)
  @ApiExtraModels(ScannerAlertEntry, ScannerAlertVerdict)
  @ApiBody({ schema: { type: 'array', items: { $ref: getSchemaPath(ScannerAlertEntry) } } })
  @ApiOkResponse({ description: 'One verdict per entry, in order', schema: { type: 'array', items: { $ref: getSchemaPath(ScannerAlertVerdict) } } })
  alerts(@Req() request: FastifyRequest): Promise<ScannerAlertVerdict[]> {
    const raw = rawBodyOf(request);
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : null;
    };
    return this.services.send(TokensSubjects.scannerAlert, {
      context: contextOf(request),
      payload: { body: raw.toString('base64'), keyIdentifier: header('github-public-key-identifier'), signature: header('github-public-key-signature') },
    });
  }
}
