import 'reflect-metadata';
import { ServiceNames } from '@warden/contracts';
import { bootstrapService } from '@warden/runtime';
import { AUDIT_SCHEMA, AuditServiceModule } from './audit-service.module';

void bootstrapService({
  service: ServiceNames.audit,
  appName: 'audit-service',
  schema: AUDIT_SCHEMA,
  // The audit log is the audit service's store; it appends no events of its own.
  eventLog: false,
  defaultHttpPort: 3003,
  module: () => AuditServiceModule.forRoot(),
});
