import { Envelope, PrincipalView, ReadModelReplayView, ReplayMode } from '@warden/contracts';
import { AuditLogReplay } from './audit-log-replay';
import { AuditLogReplayController } from './audit-log-replay.controller';

const principal = (platformAdmin: boolean): PrincipalView => ({
  userId: 'u1',
  organizationId: 'o1',
  accountType: 'user',
  roles: [],
  teams: [],
  permissions: {},
  isSuperAdmin: true,
  platformAdmin,
  credential: { kind: 'session', id: 's1', expiresAt: null },
});

const envelope = <T>(payload: T, platformAdmin = true): Envelope<T> => ({
  context: { correlationId: 'c1', actorType: 'user', principal: principal(platformAdmin) },
  payload,
});

/** A replay that records what it was asked to start (the controller's only collaborator). */
function controllerWith(started: ReplayMode[]): AuditLogReplayController {
  const replays = {
    start: (mode: ReplayMode) => {
      started.push(mode);
      return { read_model: 'audit-log', mode, state: 'running' } as ReadModelReplayView;
    },
    status: () => null,
  } as unknown as AuditLogReplay;
  return new AuditLogReplayController(replays);
}

describe('the audit log replay controller', () => {
  it('starts a swap by default and a compare when asked', () => {
    const started: ReplayMode[] = [];
    const controller = controllerWith(started);
    expect(controller.replay(envelope({})).mode).toBe('swap');
    expect(controller.replay(envelope({ mode: 'compare' })).mode).toBe('compare');
    expect(controller.status(envelope({}))).toBeNull();
    expect(started).toEqual(['swap', 'compare']);
  });

  it('refuses anyone but the platform admin, and an unknown mode', () => {
    const started: ReplayMode[] = [];
    const controller = controllerWith(started);
    expect(() => controller.replay(envelope({}, false))).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => controller.status(envelope({}, false))).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => controller.replay(envelope({ mode: 'sideways' as ReplayMode }))).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(started).toEqual([]);
  });
});
