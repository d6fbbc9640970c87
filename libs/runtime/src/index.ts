export * from './service-config';
export * from './service-infrastructure';
export * from './bootstrap-service';
export * from './http-hardening';
export * from './event-store-selection';
export * from './verification-cache';
