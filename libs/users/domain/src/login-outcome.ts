import { EventUpcasters } from '@warden/kernel';
import { passwordLoginAllowed } from './user.decider';

// Every password login is recorded for the audit trail, never with the password: on the
// user's own login stream, or for an unknown username on one named by its hash. Nothing is
// decided from these events, so they have no decider; the listing reads the last success.

type Refusal = Extract<ReturnType<typeof passwordLoginAllowed>, { allowed: false }>['reason'];
export type LoginFailureReason = 'unknown_username' | 'wrong_password' | Refusal;

/** Where the attempt came from, when the gateway knew. */
type LoginClient = { clientAddress?: string; userAgent?: string };

export type LoginOutcomeEvent =
  | { type: 'LoginSucceeded'; data: { userId: string; at: string } & LoginClient }
  // No userId for an unknown username.
  | { type: 'LoginFailed'; data: { userId?: string; reason: LoginFailureReason; at: string } & LoginClient };

export const loginOutcomeEventUpcasters: EventUpcasters<LoginOutcomeEvent> = { LoginSucceeded: [], LoginFailed: [] };
