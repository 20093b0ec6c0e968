/**
 * FHIR ids and references of Tempus objects. Tempus ids are UUIDs, which are
 * valid FHIR ids as they are; a Slot has no row of its own (it is computed
 * from availability), so its id is the doctor and the start instant:
 * `<doctorId>.<epoch seconds>` (47 characters, within FHIR's 64). No two slots
 * of one doctor start at the same instant (free slots do not overlap each
 * other nor live appointments), so the pair names one slot.
 *
 * A visit-note version has no id of its own in the API, so its
 * DocumentReference id is the note id and the version: `<noteId>-v<n>` (at
 * most 36 + 2 + 10 characters, within FHIR's 64).
 */
export const ref = {
  practitioner: (id: string) => `Practitioner/${id}`,
  patient: (id: string) => `Patient/${id}`,
  location: (id: string) => `Location/${id}`,
  schedule: (id: string) => `Schedule/${id}`,
  healthcareService: (id: string) => `HealthcareService/${id}`,
  appointment: (id: string) => `Appointment/${id}`,
  documentReference: (id: string) => `DocumentReference/${id}`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

export function slotId(doctorId: string, startMs: number): string {
  return `${doctorId}.${Math.floor(startMs / 1000)}`;
}

/** The doctor and start of a slot id, or null when the id is not one of ours. */
export function parseSlotId(id: string): { doctorId: string; startMs: number } | null {
  const match = /^([0-9a-f-]{36})\.(\d{1,12})$/i.exec(id);
  if (!match || !isUuid(match[1]!)) return null;
  return { doctorId: match[1]!.toLowerCase(), startMs: Number(match[2]) * 1000 };
}

/** "Practitioner/<uuid>" (or a bare uuid when `type` is implied) to the uuid; null when it names something else. */
export function referenceId(value: string, type: string, bareAllowed = true): string | null {
  const prefix = `${type}/`;
  const id = value.startsWith(prefix) ? value.slice(prefix.length) : bareAllowed && !value.includes('/') ? value : null;
  return id !== null && isUuid(id) ? id.toLowerCase() : null;
}

export const noteVersionId = (noteId: string, version: number) => `${noteId}-v${version}`;

/** Identifier systems for what Tempus numbers itself (URNs: Tempus publishes no naming system). */
export const IDENTIFIER_SYSTEM = {
  visitNoteVersion: 'urn:tempus:visit-note-version',
  message: 'urn:tempus:message',
} as const;
