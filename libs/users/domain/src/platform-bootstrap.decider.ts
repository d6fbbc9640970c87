import { Decider, EventUpcasters } from '@warden/kernel';

// The `bootstrap` stream holds one event once the platform's root organization and its
// super admin exist: appending it at `no_stream` is what lets exactly one instance create them.
export const BOOTSTRAP_STREAM = 'bootstrap';

export type PlatformBootstrapEvent = { type: 'PlatformBootstrapped'; data: { rootOrganizationId: string; adminUserId: string; at: string } };
export type PlatformBootstrapState = { status: 'absent' } | { status: 'done'; rootOrganizationId: string; adminUserId: string };
export type PlatformBootstrapCommand = PlatformBootstrapEvent['data'];

export const platformBootstrapEventUpcasters: EventUpcasters<PlatformBootstrapEvent> = { PlatformBootstrapped: [] };

export const platformBootstrapDecider: Decider<PlatformBootstrapCommand, PlatformBootstrapEvent, PlatformBootstrapState> = {
  initialState: () => ({ status: 'absent' }),
  upcasters: platformBootstrapEventUpcasters,
  decide: (command, state) => (state.status === 'done' ? [] : [{ type: 'PlatformBootstrapped', data: command }]),
  evolve: (_state, event) => ({ status: 'done', rootOrganizationId: event.data.rootOrganizationId, adminUserId: event.data.adminUserId }),
};
