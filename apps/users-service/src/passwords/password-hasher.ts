import { Algorithm, hash, verify } from '@node-rs/argon2';

// argon2id at OWASP's recommended minimum (m=19456 KiB, t=2, p=1), which keeps a login
// around 20-40 ms on our 2-core machines.
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class PasswordHasher {
  // Verified against when the username does not exist, so the time taken does not tell.
  private dummy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return hash(password, ARGON2_OPTIONS);
  }

  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    const target = passwordHash ?? (await (this.dummy ??= this.hash('warden dummy password, never matches')));
    try {
      const matches = await verify(target, password);
      return passwordHash !== null && matches;
    } catch {
      return false;
    }
  }
}
