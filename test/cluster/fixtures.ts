import { uniqueEmail, uniqueSubdomain } from '../helpers/factories.ts';
import { everyDay } from '../helpers/scheduling-factories.ts';
import type { Cluster } from './cluster.ts';
import { call, expectStatus } from './http.ts';

/**
 * Set-up through the public HTTP API of the cluster (alternating processes),
 * as a hospital's staff would do it: no shortcuts through the database.
 */
export interface ClusterHospital {
  id: string;
  subdomain: string;
  email: string;
  token: string;
  doctorIds: string[];
  patients: { id: string; email: string }[];
}

export async function setUpHospital(
  cluster: Cluster,
  options: { doctors: number; patients: number; plan?: string; name?: string },
): Promise<ClusterHospital> {
  const ownerEmail = uniqueEmail('owner');
  const token = await cluster.token(ownerEmail);
  const hospital = await expectStatus<{ data: { id: string; subdomain: string; email: string } }>(
    201,
    call(cluster.nextApi(), 'POST', '/v1/hospitals', {
      token,
      body: { name: options.name ?? 'Cluster Clinic', subdomain: uniqueSubdomain('c'), email: uniqueEmail('clinic'), timezone: 'UTC' },
    }),
    'register hospital',
  );
  if (options.plan) {
    await expectStatus(200, call(cluster.nextApi(), 'POST', '/v1/hospitals/me/subscription', { token, body: { planCode: options.plan } }), 'change plan');
  }
  const doctorIds: string[] = [];
  for (let i = 0; i < options.doctors; i++) {
    const doctor = await expectStatus<{ data: { id: string } }>(
      201,
      call(cluster.nextApi(), 'POST', '/v1/doctors', { token, body: { name: `Dr. Cluster ${i + 1}`, email: uniqueEmail('doc'), slotMinutes: 30 } }),
      'create doctor',
    );
    await expectStatus(200, call(cluster.nextApi(), 'PUT', `/v1/doctors/${doctor.data.id}/schedule`, { token, body: { weekly: everyDay('00:00', '24:00') } }), 'schedule');
    doctorIds.push(doctor.data.id);
  }
  const patients = await Promise.all(
    Array.from({ length: options.patients }, async (_, i) => {
      const email = uniqueEmail(`pat${i}`);
      const patient = await expectStatus<{ data: { id: string } }>(
        201,
        call(cluster.nextApi(), 'POST', '/v1/patients', { token, body: { name: `Patient ${i + 1}`, email, notificationChannel: 'email' } }),
        'create patient',
      );
      return { id: patient.data.id, email };
    }),
  );
  return { ...hospital.data, token, doctorIds, patients };
}

/** Midnight UTC `days` from today plus `minutes`: booking times far enough ahead that no reminder falls due during a run. */
export function slotAt(days: number, minutes: number): string {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  return new Date(d.getTime() + days * 86_400_000 + minutes * 60_000).toISOString();
}
