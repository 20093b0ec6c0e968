import { Type, type Static } from 'typebox';
import { IdParams as Id, Instant, NameOf, Nullable, PageQuery as Page, Uuid } from '../../http/schemas.ts';

const InstantIn = Type.String({ format: 'date-time', maxLength: 40, description: 'ISO 8601 instant with offset' });
const PlanCode = Type.String({
  minLength: 2,
  maxLength: 40,
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'Stable identifier: lowercase letters, digits, "-" and "_"',
});
const Interval = Type.Enum(['month', 'year']);
const Status = Type.Enum(['trialing', 'active', 'past_due', 'cancelled']);

const LimitFields = {
  maxDoctors: Type.Integer({ minimum: 0, maximum: 100_000 }),
  maxAppointmentsPerMonth: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  smsEnabled: Type.Boolean(),
};

export const PlanLimits = Type.Object(LimitFields, { $id: 'PlanLimits' });

export const Plan = Type.Object(
  {
    id: Uuid,
    code: Type.String(),
    name: Type.String(),
    priceCents: Type.Integer(),
    currency: Type.String(),
    interval: Interval,
    limits: PlanLimits,
    trialDays: Type.Integer({ description: 'Length of the trial a new hospital gets on the default plan' }),
    isDefault: Type.Boolean({ description: 'The plan new hospitals start their trial on (exactly one)' }),
    active: Type.Boolean(),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Plan' },
);

export const CreatePlanBody = Type.Object(
  {
    code: PlanCode,
    name: NameOf(100),
    priceCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', maxLength: 3, description: 'ISO 4217, e.g. USD' }),
    interval: Interval,
    limits: Type.Object(
      {
        maxDoctors: LimitFields.maxDoctors,
        maxAppointmentsPerMonth: LimitFields.maxAppointmentsPerMonth,
        smsEnabled: Type.Optional(LimitFields.smsEnabled),
      },
      { additionalProperties: false },
    ),
    trialDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    isDefault: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    examples: [
      { code: 'clinic-plus', name: 'Clinic Plus', priceCents: 9900, currency: 'EUR', interval: 'month', limits: { maxDoctors: 10, maxAppointmentsPerMonth: 2000, smsEnabled: true }, trialDays: 14 },
    ],
  },
);
export type CreatePlanInput = Static<typeof CreatePlanBody>;

export const UpdatePlanBody = Type.Object(
  {
    name: Type.Optional(CreatePlanBody.properties.name),
    priceCents: Type.Optional(CreatePlanBody.properties.priceCents),
    currency: Type.Optional(CreatePlanBody.properties.currency),
    interval: Type.Optional(Interval),
    limits: Type.Optional(
      Type.Object(
        {
          maxDoctors: Type.Optional(LimitFields.maxDoctors),
          maxAppointmentsPerMonth: Type.Optional(LimitFields.maxAppointmentsPerMonth),
          smsEnabled: Type.Optional(LimitFields.smsEnabled),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    ),
    trialDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    isDefault: Type.Optional(Type.Literal(true, { description: 'Make this the default plan (the previous default stops being it)' })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ priceCents: 10900, limits: { maxDoctors: 12 } }] },
);
export type UpdatePlanInput = Static<typeof UpdatePlanBody>;

export const IdParams = Id;

export const Usage = Type.Object(
  {
    doctors: Type.Integer(),
    appointmentsThisMonth: Type.Integer({ description: "In the hospital's local calendar month" }),
  },
  { $id: 'Usage' },
);

const subscriptionFields = {
  id: Uuid,
  hospitalId: Uuid,
  plan: Type.Pick(Plan, ['id', 'code', 'name', 'priceCents', 'currency', 'interval', 'limits'], { $id: 'PlanSummary' }),
  status: Status,
  currentPeriodStart: Instant,
  currentPeriodEnd: Instant,
  isActive: Type.Boolean({ description: 'Whether new bookings are allowed now (trialing or active, period not ended)' }),
  createdAt: Instant,
  updatedAt: Instant,
};

/** A subscription as operators list it, beside the hospital's usage. */
export const SubscriptionSummary = Type.Object(subscriptionFields, { $id: 'SubscriptionSummary' });

export const Subscription = Type.Object({ ...subscriptionFields, usage: Usage }, { $id: 'Subscription' });

export const ChangePlanBody = Type.Object({ planCode: PlanCode }, { additionalProperties: false, examples: [{ planCode: 'clinic-plus' }] });
export type ChangePlanInput = Static<typeof ChangePlanBody>;

export const AdminSetSubscriptionBody = Type.Object(
  {
    planCode: PlanCode,
    status: Type.Optional(Status),
    currentPeriodEnd: Type.Optional(InstantIn),
  },
  { additionalProperties: false, examples: [{ planCode: 'clinic-plus', status: 'active', currentPeriodEnd: '2030-12-31T23:59:59Z' }] },
);
export type AdminSetSubscriptionInput = Static<typeof AdminSetSubscriptionBody>;

export const AdminHospital = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    subdomain: Type.String(),
    email: Type.String(),
    timezone: Type.String(),
    subscription: Nullable(SubscriptionSummary),
    usage: Usage,
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'AdminHospital' },
);

export const PageQuery = Page();
export type PageQueryInput = Static<typeof PageQuery>;
