/**
 * FHIR references of Tempus objects. Tempus ids are UUIDs, valid FHIR ids as
 * they are. A visit-note version has no id of its own in the API, so its
 * DocumentReference id is the note id and the version: `<noteId>-v<n>` (at
 * most 36 + 2 + 10 characters, within FHIR's 64).
 */
export const ref = {
  practitioner: (id: string) => `Practitioner/${id}`,
  patient: (id: string) => `Patient/${id}`,
  appointment: (id: string) => `Appointment/${id}`,
  documentReference: (id: string) => `DocumentReference/${id}`,
};

export const noteVersionId = (noteId: string, version: number) => `${noteId}-v${version}`;

/** Identifier systems for what Tempus numbers itself (URNs: Tempus publishes no naming system). */
export const IDENTIFIER_SYSTEM = {
  visitNoteVersion: 'urn:tempus:visit-note-version',
  message: 'urn:tempus:message',
} as const;
