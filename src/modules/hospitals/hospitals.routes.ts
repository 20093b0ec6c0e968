import type { FastifyInstance } from 'fastify';
import { actorOf, tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import {
  CreateHospitalBody,
  Hospital,
  OtpRequested,
  PublicHospital,
  Settings,
  SubdomainParams,
  UpdateHospitalBody,
  UpdateSettingsBody,
  type CreateHospitalInput,
  type UpdateHospitalInput,
  type UpdateSettingsInput,
} from './hospitals.schemas.ts';
import type { HospitalService } from './hospitals.service.ts';
import { hospitalView, publicHospitalView, settingsView } from './hospitals.views.ts';

export async function hospitalRoutes(app: FastifyInstance, { service }: { service: HospitalService }) {
  app.post<{ Body: CreateHospitalInput }>(
    '/v1/hospitals',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['hospitals'],
        summary: 'Register a hospital; the caller becomes its owner',
        security: [{ bearer: [] }],
        body: CreateHospitalBody,
        response: { 201: Envelope(Hospital), ...errorResponses(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const hospital = await service.register(actorOf(request), request.body);
      return reply.status(201).send(ok(hospitalView(hospital), 'Hospital registered'));
    },
  );

  app.get(
    '/v1/hospitals/me',
    {
      config: { permission: 'hospital.read' },
      schema: {
        tags: ['hospitals'],
        summary: "The caller's hospital",
        security: [{ bearer: [] }],
        response: { 200: Envelope(Hospital), ...errorResponses(401, 403) },
      },
    },
    async (request) => ok(hospitalView(await service.get(tenantActorOf(request).hospitalId))),
  );

  app.patch<{ Body: UpdateHospitalInput }>(
    '/v1/hospitals/me',
    {
      config: { permission: 'hospital.update' },
      schema: {
        tags: ['hospitals'],
        summary: "Change the hospital's details (needs a one-time code from POST /v1/hospitals/me/otp)",
        description:
          'Errors: OTP_REQUIRED (no code), OTP_INVALID (wrong; details.attemptsLeft), OTP_EXPIRED (expired, used or never requested), ' +
          'OTP_ATTEMPTS_EXCEEDED (burnt after too many wrong codes), SERVICE_UNAVAILABLE (the code store is unreachable).',
        security: [{ bearer: [] }],
        body: UpdateHospitalBody,
        response: { 200: Envelope(Hospital), ...errorResponses(400, 401, 403, 422, 428, 503) },
      },
    },
    async (request) => ok(hospitalView(await service.update(tenantActorOf(request), request.body)), 'Hospital updated'),
  );

  app.post(
    '/v1/hospitals/me/otp',
    {
      config: { permission: 'hospital.update' },
      schema: {
        tags: ['hospitals'],
        summary: 'Email a 6-digit one-time code to the hospital, for PATCH /v1/hospitals/me',
        description: 'At most OTP_REQUEST_MAX codes per OTP_REQUEST_WINDOW_SECONDS and one per OTP_REQUEST_INTERVAL_SECONDS (429 with Retry-After).',
        security: [{ bearer: [] }],
        response: { 202: Envelope(OtpRequested), ...errorResponses(401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      const sent = await service.requestUpdateOtp(tenantActorOf(request));
      return reply.status(202).send(ok(sent, 'A one-time code has been emailed to the hospital'));
    },
  );

  app.get(
    '/v1/hospitals/me/settings',
    {
      config: { permission: 'hospital.settings' },
      schema: {
        tags: ['hospitals'],
        summary: 'Booking and reminder settings',
        security: [{ bearer: [] }],
        response: { 200: Envelope(Settings), ...errorResponses(401, 403) },
      },
    },
    async (request) => ok(settingsView(await service.get(tenantActorOf(request).hospitalId))),
  );

  app.patch<{ Body: UpdateSettingsInput }>(
    '/v1/hospitals/me/settings',
    {
      config: { permission: 'hospital.settings' },
      schema: {
        tags: ['hospitals'],
        summary: 'Change booking and reminder settings',
        security: [{ bearer: [] }],
        body: UpdateSettingsBody,
        response: { 200: Envelope(Settings), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ok(settingsView(await service.updateSettings(tenantActorOf(request), request.body)), 'Settings updated'),
  );

  app.get<{ Params: { subdomain: string } }>(
    '/v1/public/hospitals/:subdomain',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['public'],
        summary: "A hospital's public profile",
        params: SubdomainParams,
        response: { 200: Envelope(PublicHospital), ...errorResponses(404) },
      },
    },
    async (request) => ok(publicHospitalView(await service.getPublic(request.params.subdomain))),
  );
}
