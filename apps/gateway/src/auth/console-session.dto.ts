/** POST /auth/console/login: the session's key is in the cookie only, never in the answer. */
export class ConsoleSessionView {
  /** When the login session ends; the cookie lives as long. */
  expires_at!: string;
}
