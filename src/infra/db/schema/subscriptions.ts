import { boolean, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { hospitals } from './hospitals.ts';

export const subscriptionPlans = pgTable(
  'subscription_plans',
  {
    id: idColumn(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    priceCents: integer('price_cents').notNull(),
    currency: text('currency').notNull(),
    interval: text('interval', { enum: ['month', 'year'] }).notNull(),
    maxDoctors: integer('max_doctors').notNull(),
    maxAppointmentsPerMonth: integer('max_appointments_per_month').notNull(),
    smsEnabled: boolean('sms_enabled').notNull().default(false),
    trialDays: integer('trial_days').notNull().default(0),
    isDefault: boolean('is_default').notNull().default(false),
    active: boolean('active').notNull().default(true),
    ...timestamps(),
  },
  (t) => [uniqueIndex('subscription_plans_code_key').on(t.code)],
);

export const subscriptionStatuses = ['trialing', 'active', 'past_due', 'cancelled'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

export const hospitalSubscriptions = pgTable(
  'hospital_subscriptions',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    planId: uuid('plan_id')
      .notNull()
      .references(() => subscriptionPlans.id),
    status: text('status', { enum: subscriptionStatuses }).notNull(),
    currentPeriodStart: instant('current_period_start').notNull(),
    currentPeriodEnd: instant('current_period_end').notNull(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('hospital_subscriptions_hospital_id_key').on(t.hospitalId),
    index('hospital_subscriptions_period_end_idx').on(t.currentPeriodEnd),
  ],
);
