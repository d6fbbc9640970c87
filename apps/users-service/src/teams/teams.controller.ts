import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Envelope, ListTeamsRequest, PageSlice, TeamMemberRequest, TeamPage, TeamRequest, TeamSubjects, TeamView } from '@warden/contracts';
import { TeamsService } from './teams.service';

@Controller()
export class TeamsController {
  constructor(@Inject(TeamsService) private readonly teams: TeamsService) {}

  @MessagePattern(TeamSubjects.create)
  create(@Payload() envelope: Envelope<unknown>): Promise<TeamView> {
    return this.teams.create(envelope);
  }

  @MessagePattern(TeamSubjects.get)
  get(@Payload() envelope: Envelope<TeamRequest>): Promise<TeamView> {
    return this.teams.get(envelope);
  }

  @MessagePattern(TeamSubjects.list)
  list(@Payload() envelope: Envelope<ListTeamsRequest>): Promise<PageSlice<TeamPage['results'][number]>> {
    return this.teams.list(envelope);
  }

  @MessagePattern(TeamSubjects.rename)
  rename(@Payload() envelope: Envelope<TeamRequest & { name: string }>): Promise<TeamView> {
    return this.teams.rename(envelope);
  }

  @MessagePattern(TeamSubjects.addMember)
  addMember(@Payload() envelope: Envelope<TeamMemberRequest>): Promise<TeamView> {
    return this.teams.addMember(envelope);
  }

  @MessagePattern(TeamSubjects.removeMember)
  removeMember(@Payload() envelope: Envelope<TeamMemberRequest>): Promise<TeamView> {
    return this.teams.removeMember(envelope);
  }

  @MessagePattern(TeamSubjects.delete)
  async delete(@Payload() envelope: Envelope<TeamRequest>): Promise<{ deleted: true }> {
    await this.teams.delete(envelope);
    return { deleted: true };
  }
}
