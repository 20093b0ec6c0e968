import { sql } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import { PermanentError } from '../../infra/queue/errors.ts';
import { patientRecipientColumns, patientRecipientJoins, patientRecipientOf, type PatientRecipient, type PatientRecipientRow } from '../notifications/patient-recipient.ts';
import type { EventResolver, MessagingRegistry, ResolveResult } from '../notifications/registry.ts';
import { SERIES_EVENTS } from './series-events.ts';

/**
 * The `notifications` resolver for `appointment_series.*`: one email (or
 * SMS) to the patient listing the dates the event is about — the booked
 * occurrences, or the ones a series cancel cancelled — in their channel.
 * Names and contact details are read when it runs; the dates are those of
 * the occurrences named in the event. Never sent twice: the messaging layer
 * keys the job by the event id and the recipient.
 */

interface SeriesContext extends PatientRecipient {
  occurrences: { id: string; status: string; start: string; end: string; cancelReason: string | null }[];
}

async function loadSeriesContext(scope: TenantScope, seriesId: string, appointmentIds: string[]): Promise<SeriesContext | null> {
  const ids = sql`array[${sql.join(appointmentIds.map((id) => sql`${id}::uuid`), sql`, `)}]::uuid[]`;
  const [row] = await rawRows<PatientRecipientRow & { occurrences: SeriesContext['occurrences'] | null }>(
    scope.tx,
    sql`select ${patientRecipientColumns('s')},
               (select json_agg(json_build_object('id', a.id, 'status', a.status, 'start', to_char(a.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                                  'end', to_char(a.ends_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                                  'cancelReason', a.cancel_reason) order by a.starts_at)
                  from appointments a
                 where a.hospital_id = s.hospital_id and a.series_id = s.id and a.id = any(${ids})) as occurrences
          from appointment_series s
          ${patientRecipientJoins('s')}
         where s.hospital_id = ${scope.hospitalId}::uuid and s.id = ${seriesId}::uuid`,
  );
  if (!row) return null;
  return { ...patientRecipientOf(row), occurrences: row.occurrences ?? [] };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function payloadOf(payload: Record<string, unknown>): { seriesId: string; appointmentIds: string[] } {
  const { seriesId, appointmentIds } = payload;
  if (typeof seriesId !== 'string' || !UUID.test(seriesId)) throw new PermanentError('invalid series event: seriesId is not a uuid');
  if (!Array.isArray(appointmentIds) || appointmentIds.length === 0 || !appointmentIds.every((id) => typeof id === 'string' && UUID.test(id))) {
    throw new PermanentError('invalid series event: appointmentIds is not a non-empty list of uuids');
  }
  return { seriesId, appointmentIds: appointmentIds as string[] };
}

export const resolveSeriesEvent: EventResolver = async ({ scope, event, links }): Promise<ResolveResult> => {
  if (event.type !== SERIES_EVENTS.booked && event.type !== SERIES_EVENTS.cancelled) throw new PermanentError(`unknown series event ${event.type}`);
  const { seriesId, appointmentIds } = payloadOf(event.payload);
  const ctx = await loadSeriesContext(scope, seriesId, appointmentIds);
  if (!ctx || ctx.occurrences.length === 0) return { skip: 'appointment series no longer exists' };
  const cancelReason = event.type === SERIES_EVENTS.cancelled ? ctx.occurrences.find((o) => o.cancelReason)?.cancelReason : undefined;
  return {
    recipients: [
      {
        key: `patient:${ctx.patientId}`,
        channel: ctx.channel,
        email: ctx.patientEmail,
        phone: ctx.patientPhone,
        template: event.type === SERIES_EVENTS.booked ? 'series_confirmation' : 'series_cancelled',
        data: {
          seriesId,
          hospitalName: ctx.hospitalName,
          location: ctx.hospitalAddress ? `${ctx.hospitalName}, ${ctx.hospitalAddress}` : ctx.hospitalName,
          timezone: ctx.timezone,
          doctorName: ctx.doctorName,
          patientName: ctx.patientName,
          language: ctx.language,
          // A confirmation gives each live occurrence its own manage link; a cancellation none (those links are dead).
          occurrences: ctx.occurrences.map(({ id, status, start, end }) =>
            event.type === SERIES_EVENTS.booked && status !== 'cancelled'
              ? { start, end, manageUrl: links.manageUrl({ hospitalId: ctx.hospitalId, id, endsAt: new Date(end) }) }
              : { start, end },
          ),
          ...(cancelReason ? { cancelReason } : {}),
        },
      },
    ],
  };
};

/** The one line src/messaging.ts calls. */
export function registerSeriesNotifications(registry: MessagingRegistry): void {
  registry.addResolver('appointment_series.*', resolveSeriesEvent);
}
