import { positiveInt } from '@warden/platform';
import { z } from 'zod';

/** The gateway's login throttle: failures per username and per client address in one window. */
export const authConfig = z.object({
  LOGIN_THROTTLE_WINDOW_SECONDS: positiveInt().default(15 * 60).describe('Window of the login throttle'),
  LOGIN_MAX_FAILURES_PER_USERNAME: positiveInt()
    .default(10)
    .describe('Failed logins for one username (any address) in a window before 429'),
  LOGIN_MAX_FAILURES_PER_ADDRESS: positiveInt()
    .default(50)
    .describe('Failed logins from one client address (any username) in a window before 429'),
  TOKEN_LAST_USED_FLUSH_MS: positiveInt()
    .min(50)
    .default(1000)
    .describe('How often the gateway writes the last use of each API token it verified to Redis'),
});

export type AuthConfig = z.infer<typeof authConfig>;
