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
import { PasswordHasher } from '../passwords/password-hasher';

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

export interface AdminPasswordReset {
  adminUserId: string;
  /** Set when the password was generated: shown to the operator once. */
  generatedPassword?: string;
}

/**
 * Gives the bootstrap admin a new password, for an operator who lost it (run on a machine
 * that reaches the database: that access is the operator's credential, outside the API and
 * its access rules). The change goes through the user decider as the operator's own command,
 * as a `system` actor, and is recorded in the event store and so in the audit log.
 */
export async function resetBootstrapAdminPassword(store: EventStore, hasher: PasswordHasher, password?: string): Promise<AdminPasswordReset> {
  const { state } = await loadState(store, platformBootstrapDecider, BOOTSTRAP_STREAM);
  if (state.status !== 'done') throw new Error('there is no bootstrap admin yet: start the users service once, and it creates one');
  const { state: admin } = await loadState(store, userDecider, userStreamId(state.adminUserId));
  if (admin.status === 'absent') throw new Error(`the bootstrap admin ${state.adminUserId} is not in the event store`);
  const newPassword = password ?? randomBytes(18).toString('base64url');
  assertPassword(newPassword, { username: admin.username });
  await handleAcrossStreams(
    store,
    [
      streamCommand(userStreamId(state.adminUserId), userDecider, {
        type: 'ResetPasswordByOperator',
        newPasswordHash: await hasher.hash(newPassword),
        at: new Date().toISOString(),
      }),
    ],
    {
      metadata: {
        ...eventMetadataFrom({ correlationId: `admin-password-reset-${uuidv7()}`, actorType: 'system' }),
        organizationId: state.rootOrganizationId,
      },
      newEventId: uuidv7,
    },
  );
  return { adminUserId: state.adminUserId, ...(password === undefined ? { generatedPassword: newPassword } : {}) };
}
