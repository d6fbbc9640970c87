import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

// RFC 7807 problem documents for both example services, with a stable `code` a client can
// branch on. Warden's guard already throws its 401/403 as problem bodies; everything else
// the services refuse goes through `Problem`, and anything unexpected leaves as a bare 500.

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extension: string]: unknown;
}

export class Problem extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    detail: string,
    extensions: Record<string, unknown> = {},
  ) {
    super({ type: `urn:docusign-webhooks:problem:${code}`, title: titleOf(status), status, detail, code, ...extensions }, status);
    this.message = detail;
  }
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = { ...problemOf(exception, this.logger), instance: request.url.split('?')[0] };
    if (reply.sent) return;
    void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  }
}

export function problemOf(exception: unknown, logger?: Logger): ProblemDocument {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string') {
      return body as ProblemDocument;
    }
    // Nest's own exceptions (an unknown route, a malformed path parameter).
    return document(status, status === 404 ? 'not_found' : 'invalid_request', exception.message);
  }
  // Fastify's refusals before a handler runs: a body that is not JSON, too large, of another type.
  const fastify = exception as { statusCode?: unknown; message?: unknown };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code = fastify.statusCode === 413 ? 'payload_too_large' : fastify.statusCode === 415 ? 'unsupported_media_type' : 'invalid_request';
    return document(fastify.statusCode, code, String(fastify.message));
  }
  logger?.error(exception instanceof Error ? exception.stack : String(exception));
  return document(500, 'internal_error', 'An unexpected error occurred');
}

function document(status: number, code: string, detail: string): ProblemDocument {
  return { type: `urn:docusign-webhooks:problem:${code}`, title: titleOf(status), status, detail, code };
}

function titleOf(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    502: 'Bad Gateway',
  };
  return titles[status] ?? (status >= 500 ? 'Server Error' : 'Request Refused');
}
