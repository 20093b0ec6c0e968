import type { SignedTokens } from '../../infra/crypto/signed-token.ts';

/**
 * A patient's manage link (SPEC section 15): `${PUBLIC_BASE_URL}/manage/<token>`,
 * the token a signed capability for one appointment ({h: hospital id,
 * a: appointment id}) under its own purpose, so no other signed token (a
 * waitlist offer) is taken for it. Valid until 7 days after the visit's end;
 * checking it needs no database row. It cannot be revoked, so the service
 * treats a cancelled appointment's link as dead on every use.
 */
export const MANAGE_TOKEN_PURPOSE = 'appointment-manage';
export const MANAGE_LINK_DAYS_AFTER_VISIT = 7;

const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ManagedAppointment {
  hospitalId: string;
  id: string;
  endsAt: Date;
}

export interface ManageLinks {
  manageUrl(appointment: ManagedAppointment): string;
  /** The appointment a token names, or null for anything else (tampered, expired, another purpose). */
  read(token: string): { hospitalId: string; appointmentId: string } | null;
}

export function createManageLinks(tokens: SignedTokens, publicBaseUrl: string): ManageLinks {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return {
    manageUrl({ hospitalId, id, endsAt }) {
      const token = tokens.sign(MANAGE_TOKEN_PURPOSE, { h: hospitalId, a: id }, new Date(endsAt.getTime() + MANAGE_LINK_DAYS_AFTER_VISIT * DAY_MS));
      return `${base}/manage/${token}`;
    },
    read(token) {
      const payload = tokens.verify<{ h?: unknown; a?: unknown }>(MANAGE_TOKEN_PURPOSE, token);
      if (!payload || typeof payload.h !== 'string' || typeof payload.a !== 'string' || !UUID.test(payload.h) || !UUID.test(payload.a)) return null;
      return { hospitalId: payload.h, appointmentId: payload.a };
    },
  };
}
