import {
  Controller,
  DynamicModule,
  Get,
  Inject,
  Injectable,
  Module,
  ModuleMetadata,
  OnApplicationShutdown,
  Res,
} from '@nestjs/common';
import type { InjectionToken, OptionalFactoryDependency } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { exportHealthChecks } from '../metrics/metrics';
import { HEALTH_CHECKS, HealthCheck, HealthReport, runHealthChecks } from './health-check';

export interface HealthModuleOptions {
  /** Modules whose providers the factory needs (the app's relay, its read model...). */
  imports?: ModuleMetadata['imports'];
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Every check of the app: the infrastructure ones and its own. */
  useFactory: (...dependencies: never[]) => HealthCheck[] | Promise<HealthCheck[]>;
  /** Bound on each check; a slower one is reported down. */
  timeoutMs?: number;
}

const HEALTH_TIMEOUT_MS = Symbol('HEALTH_TIMEOUT_MS');
const DEFAULT_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService implements OnApplicationShutdown {
  // Prometheus sees what the readiness probe sees (warden_health_check_status), checked at each scrape.
  private readonly stopExporting = exportHealthChecks(() => this.readiness());

  constructor(
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
    @Inject(HEALTH_TIMEOUT_MS) private readonly timeoutMs: number,
  ) {}

  readiness(): Promise<HealthReport> {
    return runHealthChecks(this.checks, this.timeoutMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopExporting();
    await Promise.allSettled(this.checks.map((check) => check.close?.()));
  }
}

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** The process is up and its event loop turns; nothing else is checked. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Whether the app can serve requests: 200 when every check is up (or degraded), 503 otherwise. */
  @Get(['', 'ready'])
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await this.health.readiness();
    void reply.status(report.status === 'unavailable' ? 503 : 200);
    return report;
  }
}

/**
 * `GET /health/live`, `GET /health/ready` and `GET /health` for an app on Fastify. The
 * app excludes `health` from its global prefix, and the gateway from authentication.
 */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: options.imports ?? [],
      controllers: [HealthController],
      providers: [
        { provide: HEALTH_CHECKS, inject: options.inject ?? [], useFactory: options.useFactory },
        { provide: HEALTH_TIMEOUT_MS, useValue: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
        HealthService,
      ],
      exports: [HealthService],
    };
  }
}
