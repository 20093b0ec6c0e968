import type { FastifyRequest } from 'fastify';
import type { Actor } from '../modules/audit/audit.repo.ts';
import { tenantOf, userOf } from './auth.ts';

/** The acting user as services see it: no HTTP, just who and which request. */
export function actorOf(request: FastifyRequest): Actor & { email: string | null } {
  const auth = userOf(request);
  return { userId: auth.user.id, email: auth.user.email, hospitalId: auth.hospitalId, requestId: request.id };
}

export function tenantActorOf(request: FastifyRequest) {
  const auth = tenantOf(request);
  return { userId: auth.user.id, email: auth.user.email, hospitalId: auth.hospitalId, role: auth.role, doctorId: auth.doctorId, requestId: request.id };
}
