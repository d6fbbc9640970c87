// On first start: the root organization and its super admin, appended in one atomic
// commit with the `bootstrap` stream at `no_stream`, so when several instances start
// together exactly one creates them and the others read what it created.
import { randomBytes } from 'node:crypto';
import { EventStore, WrongExpectedVersionError } from '@warden/event-store';
import { eventMetadataFrom, handleAcrossStreams, loadState, streamCommand } from '@warden/kernel';
import {
  BOOTSTRAP_STREAM,
  SUPER_ADMIN_ROLE,
  assertPassword,
  organizationDecider,
  organizationStreamId,
  platformBootstrapDecider,
  userDecider,
  userStreamId,
  usernameReservationDecider,
  usernameReservationStreamId,
} from '@warden/users-domain';
import { v7 as uuidv7 } from 'uuid';
import { PasswordHasher } from '../shared/password-hasher';

export interface BootstrapOptions {
  adminUsername: string;
  /** Taken from configuration; a strong one is generated (and printed once) when absent. */
  adminPassword?: string;
  organizationName?: string;
  /** Where a generated password is shown, once. */
  announce: (line: string) => void;
}

export interface BootstrapResult {
  rootOrganizationId: string;
  adminUserId: string;
  created: boolean;
}

export async function bootstrapPlatform(store: EventStore, hasher: PasswordHasher, options: BootstrapOptions): Promise<BootstrapResult> {
  const existing = await loadState(store, platformBootstrapDecider, BOOTSTRAP_STREAM);
  if (existing.state.status === 'done') return { ...existing.state, created: false };
  const generated = options.adminPassword === undefined;
  const password = options.adminPassword ?? randomBytes(18).toString('base64url');
  assertPassword(password, { username: options.adminUsername });
  const passwordHash = await hasher.hash(password);
  const rootOrganizationId = uuidv7();
  const adminUserId = uuidv7();
  const at = new Date().toISOString();
  try {
    await handleAcrossStreams(
      store,
      [
        streamCommand(BOOTSTRAP_STREAM, platformBootstrapDecider, { rootOrganizationId, adminUserId, at }),
        streamCommand(organizationStreamId(rootOrganizationId), organizationDecider, {
          type: 'CreateOrganization',
          organizationId: rootOrganizationId,
          name: options.organizationName ?? 'Root',
          root: true,
          at,
        }),
        streamCommand(usernameReservationStreamId(options.adminUsername), usernameReservationDecider, {
          type: 'ReserveUsername',
          userId: adminUserId,
          organizationId: rootOrganizationId,
          username: options.adminUsername,
        }),
        streamCommand(userStreamId(adminUserId), userDecider, {
          type: 'CreateUser',
          userId: adminUserId,
          organizationId: rootOrganizationId,
          accountType: 'user',
          username: options.adminUsername,
          roles: [SUPER_ADMIN_ROLE],
          passwordHash,
          at,
        }),
      ],
      {
        metadata: { ...eventMetadataFrom({ correlationId: `bootstrap-${adminUserId}`, actorType: 'system' }), organizationId: rootOrganizationId },
        newEventId: uuidv7,
      },
      { maxRetries: 0 },
    );
  } catch (error) {
    // Another instance bootstrapped first: use what it created.
    if (!(error instanceof WrongExpectedVersionError)) throw error;
    const winner = await loadState(store, platformBootstrapDecider, BOOTSTRAP_STREAM);
    if (winner.state.status !== 'done') throw error;
    return { ...winner.state, created: false };
  }
  if (generated) {
    options.announce(
      `WARDEN BOOTSTRAP: super admin "${options.adminUsername}" created with password ${password} ` +
        '(shown once; change it after logging in)',
    );
  }
  return { rootOrganizationId, adminUserId, created: true };
}
