import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
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
import type { FastifyRequest } from 'fastify';
import { contextOf, requirePrincipal } from '../auth/principal-of-request';
import { ReadModelReplayStatus, ReplayReadModelBody } from './read-model-replay.dto';

const READ_MODEL_PARAM = { name: 'name', enum: READ_MODEL_NAMES, description: 'The read model' } as const;

/**
 * Replays of the read models from the event store, for the platform admin: POST starts one (answered
 * at once with its status), GET follows it. The service that owns the read model does the
 * work and checks the caller again.
 */
@ApiTags('admin')
@Controller('admin/read-models')
export class ReadModelsController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * Replay a read model from the event store
   *
   * @remarks Answered at once with the run it started (or the one already running); follow it with GET.
   * A swap rebuilds beside the live read model and swaps it in atomically; a compare rebuilds
   * into scratch and reports every difference, leaving the live one untouched.
   */
  @Post(':name/replay')
  @HttpCode(200)
  @ApiParam(READ_MODEL_PARAM)
  replay(@Param('name') name: string, @Body() body: ReplayReadModelBody, @Req() request: FastifyRequest): Promise<ReadModelReplayView> {
    const readModel = readModelOf(name, request);
    return this.services.send(ReadModelSubjects.replay(readModel), { context: contextOf(request), payload: { mode: body.mode ?? 'swap' } });
  }

  /**
   * A read model's current or last replay
   *
   * @remarks Events done, events per second, time left and, for a compare, the differences.
   */
  @Get(':name/replay')
  @ApiParam(READ_MODEL_PARAM)
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
