import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  CommonErrorCode,
  READ_MODEL_NAMES,
  ReadModelName,
  ReadModelReplayView,
  ReadModelSubjects,
  WardenError,
  isReadModelName,
} from '@warden/contracts';
import { ServiceClient } from '@warden/platform';
import { IsIn, IsOptional } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { contextOf, requirePrincipal } from '../auth/principal-of-request';

export class ReplayReadModelBody {
  /** `swap` (the default): rebuild and swap in; `compare`: rebuild into scratch and report every difference. */
  @IsOptional() @IsIn(['swap', 'compare']) mode?: 'swap' | 'compare';
}

/** GET's answer: the current or last run of the read model's replay. */
export interface ReadModelReplayStatus {
  read_model: ReadModelName;
  replay: ReadModelReplayView | null;
}

/**
 * Replays of the read models (issue 5), for the platform admin: POST starts one (answered
 * at once with its status), GET follows it. The service that owns the read model does the
 * work and checks the caller again.
 */
@ApiTags('admin')
@Controller('admin/read-models')
export class ReadModelsController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  @Post(':name/replay')
  @HttpCode(200)
  replay(@Param('name') name: string, @Body() body: ReplayReadModelBody, @Req() request: FastifyRequest): Promise<ReadModelReplayView> {
    const readModel = readModelOf(name, request);
    return this.services.send(ReadModelSubjects.replay(readModel), { context: contextOf(request), payload: { mode: body.mode ?? 'swap' } });
  }

  @Get(':name/replay')
  async status(@Param('name') name: string, @Req() request: FastifyRequest): Promise<ReadModelReplayStatus> {
    const readModel = readModelOf(name, request);
    const replay = await this.services.send<ReadModelReplayView | null>(ReadModelSubjects.status(readModel), { context: contextOf(request), payload: {} });
    return { read_model: readModel, replay: replay ?? null };
  }
}

function readModelOf(name: string, request: FastifyRequest): ReadModelName {
  if (!requirePrincipal(request).platformAdmin) throw new WardenError(CommonErrorCode.Forbidden, 'Only the platform admin replays read models');
  if (!isReadModelName(name)) {
    throw new WardenError(CommonErrorCode.ValidationFailed, `unknown read model ${JSON.stringify(name)}`, [
      { field: 'name', message: `must be one of ${READ_MODEL_NAMES.join(', ')}` },
    ]);
  }
  return name;
}
