import { Type, type Static } from 'typebox';
import { Name } from '../../http/schemas/name.ts';

const Uuid = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const PlanCode = Type.String({
  minLength: 2,
  maxLength: 40,
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'Stable identifier: lowercase letters, digits, "-" and "_"',
});
const Interval = Type.Union([Type.Literal('month'), Type.Literal('year')]);
const Status = Type.Union([Type.Literal('trialing'), Type.Literal('active'), Type.Literal('past_due'), Type.Literal('cancelled')]);

const LimitFields = {
  maxDoctors: Type.Integer({ minimum: 0, maximum: 100_000 }),
  maxAppointmentsPerMonth: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  smsEnabled: Type.Boolean(),
};

export const PlanLimits = Type.Object(LimitFields);

export const Plan = Type.Object({
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
});

export const CreatePlanBody = Type.Object(
  {
    code: PlanCode,
    name: Name(100),
    priceCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. USD' }),
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
  { additionalProperties: false },
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
  { additionalProperties: false, minProperties: 1 },
);
export type UpdatePlanInput = Static<typeof UpdatePlanBody>;

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const Usage = Type.Object({
  doctors: Type.Integer(),
  appointmentsThisMonth: Type.Integer({ description: "In the hospital's local calendar month" }),
});

export const Subscription = Type.Object({
  id: Uuid,
  hospitalId: Uuid,
  plan: Type.Pick(Plan, ['id', 'code', 'name', 'priceCents', 'currency', 'interval', 'limits']),
  status: Status,
  currentPeriodStart: Instant,
  currentPeriodEnd: Instant,
  isActive: Type.Boolean({ description: 'Whether new bookings are allowed now (trialing or active, period not ended)' }),
  usage: Usage,
  createdAt: Instant,
  updatedAt: Instant,
});

export const ChangePlanBody = Type.Object({ planCode: PlanCode }, { additionalProperties: false });
export type ChangePlanInput = Static<typeof ChangePlanBody>;

export const AdminSetSubscriptionBody = Type.Object(
  {
    planCode: PlanCode,
    status: Type.Optional(Status),
    currentPeriodEnd: Type.Optional(Instant),
  },
  { additionalProperties: false },
);
export type AdminSetSubscriptionInput = Static<typeof AdminSetSubscriptionBody>;

export const AdminHospital = Type.Object({
  id: Uuid,
  name: Type.String(),
  subdomain: Type.String(),
  email: Type.String(),
  timezone: Type.String(),
  subscription: Type.Union([Type.Omit(Subscription, ['usage']), Type.Null()]),
  usage: Usage,
  createdAt: Instant,
  updatedAt: Instant,
});

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type PageQueryInput = Static<typeof PageQuery>;
