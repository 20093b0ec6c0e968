import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Deps } from './deps.ts';
import { AccessLog } from './http/access-log.ts';
import { authPlugin } from './http/auth.ts';
import { registerDocs } from './http/docs.ts';
import { frameworkErrors, registerErrorHandling } from './http/error-handler.ts';
import { registerJsonBodyParser } from './http/json-body.ts';
import { registerValidation } from './http/validation.ts';
import { healthRoutes } from './http/health.routes.ts';
import { webAppRoutes } from './http/web-app.routes.ts';
import { metricsRoutes } from './http/metrics.routes.ts';
import { registerRateLimit } from './http/rate-limit.ts';
import { registerResponseHeaders } from './http/security-headers.ts';
import { registerReadYourWrites } from './http/read-your-writes.ts';
import { accessLogRoutes } from './modules/access-log/access-log.routes.ts';
import { createAccessLogService } from './modules/access-log/access-log.service.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { createErasureService } from './modules/patient-rights/erasure.service.ts';
import { defaultErasureSteps } from './modules/patient-rights/erasure-steps.ts';
import { waitlistErasure } from './modules/waitlist/waitlist-erasure.ts';
import { createExportService } from './modules/patient-rights/export.service.ts';
import { patientRightsRoutes } from './modules/patient-rights/patient-rights.routes.ts';
import { createAuditService } from './modules/audit/audit.service.ts';
import { hospitalRoutes } from './modules/hospitals/hospitals.routes.ts';
import { findIdentity } from './modules/members/members.repo.ts';
import { memberRoutes } from './modules/members/members.routes.ts';
import { createMemberService } from './modules/members/members.service.ts';
import { createPlanService } from './modules/subscriptions/plans.service.ts';
import { subscriptionRoutes } from './modules/subscriptions/subscriptions.routes.ts';
import { createSubscriptionService } from './modules/subscriptions/subscriptions.service.ts';
import { createHospitalService } from './modules/hospitals/hospitals.service.ts';
import { createOtpService, otpSettingsFrom } from './modules/otp/otp.service.ts';
import { availabilityRoutes } from './modules/availability/availability.routes.ts';
import { createAvailabilityService } from './modules/availability/availability.service.ts';
import { holdRoutes } from './modules/holds/holds.routes.ts';
import { createPublicHoldService } from './modules/holds/public-holds.service.ts';
import { doctorRoutes } from './modules/doctors/doctors.routes.ts';
import { createDoctorService } from './modules/doctors/doctors.service.ts';
import { appointmentRoutes } from './modules/appointments/appointments.routes.ts';
import { createAppointmentService } from './modules/appointments/appointments.service.ts';
import { seriesRoutes } from './modules/series/series.routes.ts';
import { createSeriesService } from './modules/series/series.service.ts';
import { patientRoutes } from './modules/patients/patients.routes.ts';
import { createPatientService } from './modules/patients/patients.service.ts';
import { scheduleRoutes } from './modules/schedules/schedules.routes.ts';
import { createScheduleService } from './modules/schedules/schedules.service.ts';
import { notificationRoutes } from './modules/notifications/notifications.routes.ts';
import { createNotificationService } from './modules/notifications/notifications.service.ts';
import { visitNoteRoutes } from './modules/visit-notes/visit-notes.routes.ts';
import { createVisitNoteService } from './modules/visit-notes/visit-notes.service.ts';
import { fhirRoutes } from './modules/fhir/fhir.routes.ts';
import { createFhirService } from './modules/fhir/fhir.service.ts';
import { fhirErrorFormat, fhirSchemas } from './modules/fhir/fhir-wiring.ts';
import { toCapabilityStatement } from './modules/fhir/mapping/capability.ts';
import { FHIR_TYPES } from './modules/fhir/search-definitions.ts';
import { invalidatingPublished } from './modules/publishing/invalidation.ts';
import { publishRoutes } from './modules/publishing/publish.routes.ts';
import { publishSchemas } from './modules/publishing/publish.schemas.ts';
import { createPublishService } from './modules/publishing/publish.service.ts';
import { waitlistRoutes } from './modules/waitlist/waitlist.routes.ts';
import { createWaitlistService } from './modules/waitlist/waitlist.service.ts';
import { offerRoutes } from './modules/waitlist/offers.routes.ts';
import { createOfferService } from './modules/waitlist/offers.service.ts';
import { createSignedTokens } from './infra/crypto/signed-token.ts';
import { closureRoutes } from './modules/closures/closures.routes.ts';
import { createClosureService } from './modules/closures/closures.service.ts';
import { resourceRoutes } from './modules/resources/resources.routes.ts';
import { createResourceService } from './modules/resources/resources.service.ts';
import { visitTypeRoutes } from './modules/visit-types/visit-types.routes.ts';
import { createVisitTypeService } from './modules/visit-types/visit-types.service.ts';
import { createReadRouting } from './infra/db/replica.ts';
import { createManageLinks } from './modules/manage/manage-links.ts';
import { manageRoutes } from './modules/manage/manage.routes.ts';
import { createManageService } from './modules/manage/manage.service.ts';
import { calendarFeedRoutes } from './modules/calendar-feeds/calendar-feeds.routes.ts';
import { createCalendarFeedService } from './modules/calendar-feeds/calendar-feeds.service.ts';
import { webhookDocuments, webhookPayloadSchemas } from './modules/webhooks/webhook-payloads.schemas.ts';
import { webhookRoutes } from './modules/webhooks/webhooks.routes.ts';
import { createWebhookService } from './modules/webhooks/webhooks.service.ts';
import { version } from './version.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const CORS_EXPOSED_HEADERS = ['x-request-id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'Idempotent-Replayed'];

export interface BuildAppOptions {
  /** Flipped by the server on SIGTERM so /health/ready turns 503 while draining. */
  isReady?: () => boolean;
  /** Sees every route as it is added (the role-matrix test lists routes and their auth config with it). */
  onRoute?: (route: RouteOptions) => void;
}

/** The HTTP application over the given dependencies; nothing here opens a connection of its own. */
export async function buildApp(deps: Deps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    // Typed as Fastify's base logger so plugins see the ordinary FastifyInstance.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.env.BODY_LIMIT_BYTES,
    trustProxy: config.env.TRUST_PROXY,
    // Keep a caller's request id (so logs join up across services) when it is sane; otherwise mint one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
    logController: new AccessLog(),
    frameworkErrors: frameworkErrors([fhirErrorFormat]),
  });

  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  await registerResponseHeaders(app);
  // JSON only: other bodies are refused with 415 rather than guessed at.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);

  registerValidation(app);
  registerErrorHandling(app, [fhirErrorFormat]);
  const corsOrigins = new Set(config.env.CORS_ORIGINS);
  await app.register(cors, {
    // Resolved per request (not the list itself): with a list, @fastify/cors
    // answered a disallowed origin's preflight 204 with allow-methods and the
    // echoed allow-headers; resolving to false gives that origin no CORS
    // headers at all and its preflight is refused (test/security/api8).
    origin: (origin, callback) => callback(null, origin !== undefined && corsOrigins.has(origin) ? origin : false),
    // Every method a route uses (the plugin's default is GET, HEAD, POST only:
    // a browser app could not PATCH or DELETE), and every header a client reads.
    methods: CORS_METHODS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
  });
  await registerDocs(app, version, { webhooks: webhookDocuments(), schemas: webhookPayloadSchemas });
  for (const schema of [...fhirSchemas, ...publishSchemas]) app.addSchema(schema);
  await app.register(metricsRoutes, { metrics: deps.metrics, token: config.env.METRICS_TOKEN });
  await app.register(authPlugin, {
    verifier: deps.auth.verifier,
    lookupIdentity: (userId) => findIdentity(deps.database.db, userId),
    tokenCacheSeconds: config.env.AUTH_TOKEN_CACHE_SECONDS,
    clockToleranceSeconds: config.env.JWT_CLOCK_TOLERANCE_SECONDS,
    identityCache: { cache: deps.cache, ttlSeconds: config.env.IDENTITY_CACHE_TTL_SECONDS },
  });
  registerReadYourWrites(app, deps.reads);
  // After auth (the key is the signed-in user) and before every route it limits.
  await registerRateLimit(app, {
    store: deps.cache.store,
    logger: deps.logger,
    enabled: config.env.RATE_LIMIT_ENABLED,
    max: config.env.RATE_LIMIT_MAX,
    publicMax: config.env.RATE_LIMIT_PUBLIC_MAX,
    windowSeconds: config.env.RATE_LIMIT_WINDOW_SECONDS,
    onRejected: (scope) => deps.metrics.rateLimitRejections.inc({ scope }),
  });

  const startedAt = Date.now();
  await app.register(healthRoutes, {
    checks: deps.healthChecks,
    version,
    startedAt,
    isReady: options.isReady ?? (() => true),
  });
  const otp = createOtpService({ store: deps.cache.store, secret: deps.serverSecret, settings: otpSettingsFrom(config) });
  const availability = createAvailabilityService({ reads: deps.reads });
  // Published slots ($bulk-publish) are cached per hospital; every write that changes what a directory sees invalidates them.
  // A recompute follows that write at once and is then kept for the TTL, so it reads the primary, where the write is
  // visible, never a replica that may lag behind it.
  const primaryReads = createReadRouting({
    primary: deps.database,
    replica: null,
    store: deps.cache.store,
    logger: deps.logger,
    maxLagSeconds: config.env.DATABASE_READ_MAX_LAG_SECONDS,
    checkIntervalMs: config.env.DATABASE_READ_CHECK_INTERVAL_MS,
  });
  const publish = createPublishService({
    reads: primaryReads,
    cache: deps.cache,
    availability: createAvailabilityService({ reads: primaryReads }),
    baseUrl: config.env.PUBLIC_BASE_URL,
    ttlSeconds: config.env.PUBLISH_CACHE_TTL_SECONDS,
  });
  const republishing = <S extends object>(service: S, methods: readonly (keyof S & string)[]) => invalidatingPublished(service, methods, publish.invalidate);

  await app.register(hospitalRoutes, {
    service: republishing(
      createHospitalService({ db: deps.database.db, reads: deps.reads, cache: deps.cache, otp, cacheTtlSeconds: config.env.CACHE_HOSPITAL_TTL_SECONDS }),
      ['update', 'updateSettings'],
    ),
  });
  await app.register(subscriptionRoutes, {
    plans: createPlanService({ db: deps.database.db, cache: deps.cache, cacheTtlSeconds: config.env.CACHE_PLANS_TTL_SECONDS }),
    subscriptions: createSubscriptionService({ db: deps.database.db }),
  });
  await app.register(memberRoutes, {
    service: createMemberService({ db: deps.database.db, cache: deps.cache, invitationTtlHours: config.env.INVITATION_TTL_HOURS }),
  });
  await app.register(auditRoutes, { service: createAuditService({ db: deps.database.db }) });
  await app.register(doctorRoutes, { service: republishing(createDoctorService({ db: deps.database.db, reads: deps.reads }), ['create', 'update', 'deactivate']) });
  await app.register(scheduleRoutes, {
    service: republishing(createScheduleService({ db: deps.database.db }), ['putSchedule', 'createTimeOff', 'deleteTimeOff']),
  });
  await app.register(availabilityRoutes, { service: availability });
  // A hold takes a published slot; confirming keeps it taken (invalidated all the same: the change is a booking).
  await app.register(holdRoutes, {
    service: republishing(
      createPublicHoldService({ db: deps.database.db, otp, store: deps.cache.store, holdMinutes: config.env.HOLD_MINUTES }),
      ['place', 'confirm'],
    ),
  });
  await app.register(resourceRoutes, { service: createResourceService({ db: deps.database.db, reads: deps.reads }) });
  // The published Schedules name the visit types each doctor offers.
  await app.register(visitTypeRoutes, { service: republishing(createVisitTypeService({ db: deps.database.db, reads: deps.reads }), ['create', 'update', 'deactivate']) });
  await app.register(closureRoutes, { service: republishing(createClosureService({ db: deps.database.db, reads: deps.reads }), ['create', 'remove']) });
  await app.register(patientRoutes, { service: createPatientService({ db: deps.database.db }) });
  await app.register(accessLogRoutes, { service: createAccessLogService({ db: deps.database.db }) });
  await app.register(patientRightsRoutes, {
    erasure: createErasureService({ db: deps.database.db, clinicalRetentionYears: config.env.CLINICAL_RETENTION_YEARS, steps: [...defaultErasureSteps, waitlistErasure] }),
    exports: createExportService({ db: deps.database.db }),
  });
  await app.register(notificationRoutes, { service: createNotificationService({ db: deps.database.db }) });
  await app.register(visitNoteRoutes, { service: createVisitNoteService({ db: deps.database.db }) });
  await app.register(webhookRoutes, {
    service: createWebhookService({
      db: deps.database.db,
      serverSecret: deps.serverSecret,
      allowPrivate: config.env.WEBHOOK_ALLOW_PRIVATE,
      rotationWindowHours: config.env.WEBHOOK_ROTATION_WINDOW_HOURS,
    }),
  });
  await app.register(calendarFeedRoutes, {
    service: createCalendarFeedService({ db: deps.database.db, reads: deps.reads, publicBaseUrl: config.env.PUBLIC_BASE_URL }),
  });
  const idempotencyTtlMs = config.env.IDEMPOTENCY_TTL_HOURS * 3_600_000;
  const appointments = createAppointmentService({ db: deps.database.db, idempotencyTtlMs });
  await app.register(appointmentRoutes, { service: republishing(appointments, ['book', 'cancel', 'reschedule', 'complete', 'noShow']) });
  // One signer for every capability link (manage links, waitlist offers); purposes keep their tokens apart.
  const signedTokens = createSignedTokens(deps.serverSecret);
  const manageLinks = createManageLinks(signedTokens, config.env.PUBLIC_BASE_URL);
  await app.register(manageRoutes, {
    service: createManageService({
      db: deps.database.db,
      links: manageLinks,
      appointments: republishing(appointments, ['cancel', 'reschedule']),
      availability,
    }),
  });
  // A series books and cancels through the appointments service's in-transaction functions, so it republishes by itself.
  await app.register(seriesRoutes, {
    service: republishing(createSeriesService({ db: deps.database.db, appointments, idempotencyTtlMs }), ['book', 'cancel']),
  });
  const waitlist = createWaitlistService({ db: deps.database.db, links: manageLinks });
  await app.register(waitlistRoutes, { service: waitlist });
  // Accepting books or moves an appointment: the published slots change as with any booking.
  await app.register(offerRoutes, {
    service: republishing(createOfferService({ db: deps.database.db, tokens: signedTokens, appointments }), ['accept', 'decline']),
    waitlist,
  });
  const fhirBase = `${config.env.PUBLIC_BASE_URL}/fhir/R4`;
  const capabilities = toCapabilityStatement({ baseUrl: fhirBase, version, date: new Date(startedAt), types: FHIR_TYPES });
  await app.register(fhirRoutes, {
    service: createFhirService({
      reads: deps.reads,
      availability,
      paging: { fhirBase, pageSize: config.env.FHIR_PAGE_SIZE, maxPageSize: config.env.FHIR_MAX_PAGE_SIZE },
    }),
    capabilityStatement: () => capabilities,
  });
  await app.register(publishRoutes, { service: publish });
  // The patients' booking page (web/): static files that call the public routes above.
  await app.register(webAppRoutes);

  return app;
}
