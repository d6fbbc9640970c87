import { verificationCacheConfig } from '@warden/platform';
import { z } from 'zod';

export const usersConfigSchema = z.object({
  BOOTSTRAP_ADMIN_USERNAME: z.string().min(3).default('admin').describe('Username of the super admin created on first start'),
  BOOTSTRAP_ADMIN_PASSWORD: z
    .string()
    .min(12)
    .optional()
    .describe('Password of that super admin; when unset a strong one is generated and printed once to stdout'),
  READ_YOUR_WRITES_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5000)
    .describe('Longest a command waits for the listing to show its write before answering'),
  // A change to an account or an organization answers once no verifier's cache serves what it changed.
  VERIFICATION_CACHE_LEASE_MS: verificationCacheConfig.shape.VERIFICATION_CACHE_LEASE_MS,
});

export type UsersConfig = z.infer<typeof usersConfigSchema>;
