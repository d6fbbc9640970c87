import { CORRELATION_ID_HEADER, RequestContext } from '@warden/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentCorrelationId, runWithContext } from '../logging/correlation-context';
import { correlationIdFrom, newCorrelationId } from '../logging/correlation-id';

const MAX_USER_AGENT_LENGTH = 256;

// On the request itself, under a symbol of this module, rather than in a WeakMap: the
// garbage collector traces each entry of a WeakMap apart, one per request.
const CORRELATION_ID = Symbol('correlationId');

type RequestWithCorrelationId = FastifyRequest & { [CORRELATION_ID]?: string };

export interface CorrelationIdOptions {
  /**
   * Whether the rest of the request runs in the id's async context, so that every log line
   * and NATS request made meanwhile finds it without being handed the request (true when
   * absent). Node 20's AsyncLocalStorage pays for that on every promise and handle the
   * whole process creates from the first context on (an init hook each): about a fifth of
   * the gateway's CPU per verified request. An app that passes false takes the id from the
   * request wherever it logs or sends (`correlationIdOfRequest`, `requestContextFrom`), as
   * the gateway does.
   */
  asyncContext?: boolean;
}

/**
 * Gives every HTTP request a correlation id: the caller's `x-correlation-id` when it is
 * sane, a new uuid otherwise. The id is echoed in the response, and every log line and
 * NATS request made while handling the request carries it. Call before `app.listen()`:
 * `registerCorrelationId(app.getHttpAdapter().getInstance())`.
 */
export function registerCorrelationId(fastify: FastifyInstance, { asyncContext = true }: CorrelationIdOptions = {}): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const correlationId = correlationIdFrom(request.headers[CORRELATION_ID_HEADER]);
    (request as RequestWithCorrelationId)[CORRELATION_ID] = correlationId;
    void reply.header(CORRELATION_ID_HEADER, correlationId);
    if (!asyncContext) {
      done();
      return;
    }
    // Fastify binds the end of body parsing to the request's async context, so the
    // handler still runs inside this one (proven over a real socket in the int-spec).
    runWithContext({ correlationId }, done);
  });
}

/** The correlation id given to a request by registerCorrelationId. */
export function correlationIdOfRequest(request: FastifyRequest): string | undefined {
  return (request as RequestWithCorrelationId)[CORRELATION_ID];
}

/**
 * What a service needs to know about an HTTP request. The actor fields are the
 * authenticated caller's; an unauthenticated request is `anonymous`. `request.ip`
 * is the peer's address unless Fastify's `trustProxy` is set.
 */
export function requestContextFrom(
  request: FastifyRequest,
  actor: Pick<RequestContext, 'actorType' | 'actorId' | 'organizationId'> = { actorType: 'anonymous' },
): RequestContext {
  const userAgent = request.headers['user-agent'];
  return {
    correlationId: correlationIdOfRequest(request) ?? currentCorrelationId() ?? newCorrelationId(),
    ...actor,
    clientAddress: request.ip,
    ...(userAgent ? { userAgent: userAgent.slice(0, MAX_USER_AGENT_LENGTH) } : {}),
  };
}
