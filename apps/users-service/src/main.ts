import 'reflect-metadata';
import { ServiceNames } from '@warden/contracts';
import { bootstrapService } from '@warden/runtime';
import { UsersServiceModule } from './users-service.module';

void bootstrapService({
  service: ServiceNames.users,
  appName: 'users-service',
  schema: 'users',
  eventLog: true,
  defaultHttpPort: 3001,
  module: (infrastructure, logger) => UsersServiceModule.forRoot(infrastructure, logger),
});
