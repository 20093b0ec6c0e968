import type { FastifyInstance } from 'fastify';
import { actorOf, tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import {
  CreateHospitalBody,
  Hospital,
  OtpRequested,
  PublicHospital,
  Settings,
  SubdomainParams,
  UpdateHospitalBody,
  UpdateSettingsBody,
} from './hospitals.schemas.ts';
import type { HospitalService } from './hospitals.service.ts';
import { hospitalView, publicHospitalView, settingsView } from './hospitals.views.ts';

export async function hospitalRoutes(fastify: FastifyInstance, { service }: { service: HospitalService }) {
  const app = typedRoutes(fastify, 'hospitals');

  app.post(
    '/v1/hospitals',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'registerHospital',
        summary: 'Register a hospital; the caller becomes its owner',
        body: CreateHospitalBody,
        response: { 201: Envelope(Hospital), ...errorResponses(409) },
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
      schema: { operationId: 'getMyHospital', summary: "The caller's hospital", response: { 200: Envelope(Hospital) } },
    },
    async (request) => ok(hospitalView(await service.get(tenantActorOf(request).hospitalId))),
  );

  app.patch(
    '/v1/hospitals/me',
    {
      config: { permission: 'hospital.update' },
      schema: {
        operationId: 'updateMyHospital',
        summary: "Change the hospital's details (needs a one-time code from POST /v1/hospitals/me/otp)",
        description:
          'Errors: OTP_REQUIRED 428 (no code), OTP_INVALID 422 (wrong; details.attemptsLeft), OTP_EXPIRED 422 (expired, used or never requested), ' +
          'OTP_ATTEMPTS_EXCEEDED 422 (burnt after too many wrong codes), SERVICE_UNAVAILABLE 503 (the code store is unreachable).',
        body: UpdateHospitalBody,
        response: { 200: Envelope(Hospital), ...errorResponses(422, 428) },
      },
    },
    async (request) => ok(hospitalView(await service.update(tenantActorOf(request), request.body)), 'Hospital updated'),
  );

  app.post(
    '/v1/hospitals/me/otp',
    {
      config: { permission: 'hospital.update' },
      schema: {
        operationId: 'requestHospitalOtp',
        summary: 'Email a 6-digit one-time code to the hospital, for PATCH /v1/hospitals/me',
        description: 'At most OTP_REQUEST_MAX codes per OTP_REQUEST_WINDOW_SECONDS and one per OTP_REQUEST_INTERVAL_SECONDS (429 with Retry-After).',
        response: { 202: Envelope(OtpRequested) },
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
      schema: { operationId: 'getMyHospitalSettings', summary: 'Booking and reminder settings', response: { 200: Envelope(Settings) } },
    },
    async (request) => ok(settingsView(await service.get(tenantActorOf(request).hospitalId))),
  );

  app.patch(
    '/v1/hospitals/me/settings',
    {
      config: { permission: 'hospital.settings' },
      schema: {
        operationId: 'updateMyHospitalSettings',
        summary: 'Change booking and reminder settings',
        body: UpdateSettingsBody,
        response: { 200: Envelope(Settings) },
      },
    },
    async (request) => ok(settingsView(await service.updateSettings(tenantActorOf(request), request.body)), 'Settings updated'),
  );

  app.get(
    '/v1/public/hospitals/:subdomain',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getPublicHospital',
        summary: "A hospital's public profile",
        params: SubdomainParams,
        response: { 200: Envelope(PublicHospital) },
      },
    },
    async (request) => ok(publicHospitalView(await service.getPublic(request.params.subdomain))),
  );
}
