import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CommonErrorCode } from '@warden/contracts';
import { problemFrom } from '@warden/platform';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';

// What every Warden HTTP server answers with, whatever the route: no banner naming the
// framework, no MIME sniffing, and nothing cached unless a route says otherwise (a login
// key or a token secret must never sit in a shared cache because a route forgot to say so).

/** Headers that name the software answering; a proxy or a future plugin could add them. */
export const BANNER_HEADERS = ['server', 'x-powered-by'] as const;

export function hardenHttp(instance: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every answer, and a promise per request costs.
  instance.addHook('onSend', (_request, reply, payload, done) => {
    for (const header of BANNER_HEADERS) reply.removeHeader(header);
    void reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

/**
 * Fastify answers a path it cannot decode (`%C0%AF`) or a path parameter past its length
 * limit before any route or Nest filter runs, with its own JSON; this answers them as
 * problem documents like every other refusal.
 */
export function answerFrameworkErrorAsProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = problemFrom(
    { code: CommonErrorCode.ValidationFailed, detail: `The request's path cannot be read (${error.code})` },
    { instance: request.url.split('?')[0] },
  );
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}

/**
 * A Fastify adapter for Nest with the hardening above installed. `skipMiddie` leaves out
 * Nest's Express-style middleware support (one more hook on every request) for an app that
 * has no middleware; one that later adds some then fails at start, not silently.
 */
export function hardenedFastifyAdapter(options: FastifyServerOptions & { skipMiddie?: boolean } = {}): FastifyAdapter {
  // Fastify types the option generically over every server flavour; ours is plain HTTP.
  const frameworkErrors = answerFrameworkErrorAsProblem as FastifyServerOptions['frameworkErrors'];
  const adapter = new FastifyAdapter({ ...options, frameworkErrors });
  hardenHttp(adapter.getInstance());
  return adapter;
}
