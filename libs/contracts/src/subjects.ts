// Request-reply subjects between the gateway and the services. At run time each is
// prefixed with the deployment's NATS_SUBJECT_PREFIX (so tests and deployments sharing
// one NATS never answer each other's requests).

export const UsersSubjects = {
  createOrganization: 'users.organizations.create',
  getOrganization: 'users.organizations.get',
  listOrganizations: 'users.organizations.list',
  updateOrganization: 'users.organizations.update',
} as const;

export const AuditSubjects = {
  listEvents: 'audit.events.list',
} as const;

/** Service names as they appear in event subjects: `events.<service>.<event-type>`. */
export const ServiceNames = {
  users: 'users',
  tokens: 'tokens',
  audit: 'audit',
  webhooks: 'webhooks',
} as const;
export type ServiceName = (typeof ServiceNames)[keyof typeof ServiceNames];
