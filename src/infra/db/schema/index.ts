// Every table, one file each; drizzle-kit reads this module to generate migrations.
export * from './hospitals.ts';
export * from './members.ts';
export * from './subscriptions.ts';
export * from './outbox.ts';
export * from './audit.ts';
