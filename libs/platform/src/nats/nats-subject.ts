import type { MsPattern } from '@nestjs/microservices';
import { transformPatternToRoute } from '@nestjs/microservices/utils';

/** `warden` + `users.organizations.create` -> `warden.users.organizations.create`. */
export function prefixSubject(prefix: string, pattern: MsPattern): string {
  return `${prefix}.${transformPatternToRoute(pattern)}`;
}
