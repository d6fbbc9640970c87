import { ExitCode, exitCodeForStatus } from './exit-codes';

describe('exitCodeForStatus', () => {
  it.each([
    [200, ExitCode.Ok],
    [201, ExitCode.Ok],
    [204, ExitCode.Ok],
    [400, ExitCode.Invalid],
    [413, ExitCode.Invalid],
    [415, ExitCode.Invalid],
    [422, ExitCode.Invalid],
    [401, ExitCode.Auth],
    [403, ExitCode.Auth],
    [404, ExitCode.NotFound],
    [409, ExitCode.Conflict],
    [429, ExitCode.Unavailable],
    [503, ExitCode.Unavailable],
    [405, ExitCode.Failure],
    [500, ExitCode.Failure],
    [502, ExitCode.Failure],
  ])('maps HTTP %i to exit code %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });

  it('keeps the codes scripts rely on stable', () => {
    expect({ ...ExitCode }).toMatchObject({ Ok: 0, Failure: 1, Usage: 2, Auth: 3, NotFound: 4, Conflict: 5, Invalid: 6, Unavailable: 7, AuditChainBroken: 8, ReadModelDiffers: 9, TokenInactive: 10 });
  });
});
