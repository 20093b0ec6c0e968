// Every table, one file each; drizzle-kit reads this module to generate migrations.
export * from './hospitals.ts';
export * from './members.ts';
export * from './subscriptions.ts';
export * from './outbox.ts';
export * from './audit.ts';
export * from './invitations.ts';
export * from './doctors.ts';
export * from './schedules.ts';
export * from './patients.ts';
export * from './appointment-series.ts';
export * from './appointments.ts';
export * from './notifications.ts';
export * from './messaging.ts';
export * from './idempotency.ts';
export * from './visit-notes.ts';
