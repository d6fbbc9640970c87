import { Controller, Get, Header, Module, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { metricsExposition } from './metrics';

@Controller('metrics')
export class MetricsController {
  /** Prometheus' text exposition of every series of this process. */
  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, body } = await metricsExposition();
    void reply.type(contentType);
    return body;
  }
}

/**
 * `GET /metrics` for an app on Fastify, beside `/health` and like it outside the API's
 * prefix and without a credential: it reveals counts and latencies, never a secret or an
 * identifier, and a deployment keeps it (with the rest of the HTTP port of the back-end
 * services) off the public network.
 */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
