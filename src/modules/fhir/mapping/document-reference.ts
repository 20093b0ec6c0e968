import type { DocumentReference } from '@medplum/fhirtypes';
import type { Diagnosis, Prescription } from '../../../infra/db/schema/visit-notes.ts';
import { IDENTIFIER_SYSTEM, noteVersionId, ref } from './references.ts';

/** One stored version of a visit note, with what the note says it is about. */
export interface NoteVersionFacts {
  noteId: string;
  version: number;
  /** The note's current version: every other version is superseded. */
  currentVersion: number;
  appointmentId: string;
  patientId: string;
  doctorId: string;
  subjective: string | null;
  objective: string | null;
  assessment: string | null;
  plan: string | null;
  diagnoses: Diagnosis[];
  prescriptions: Prescription[];
  createdAt: Date;
}

/** LOINC 11506-3 "Progress note": what a visit note is. */
const PROGRESS_NOTE = { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] };

/** The note as a person reads it: the SOAP sections, then diagnoses and prescriptions. */
export function noteText(v: NoteVersionFacts): string {
  const sections = [
    ['Subjective', v.subjective],
    ['Objective', v.objective],
    ['Assessment', v.assessment],
    ['Plan', v.plan],
  ].flatMap(([title, text]) => (text ? [`${title}:\n${text}`] : []));
  if (v.diagnoses.length) sections.push(`Diagnoses:\n${v.diagnoses.map((d) => `- ${d.code} ${d.description}`).join('\n')}`);
  if (v.prescriptions.length) {
    sections.push(`Prescriptions:\n${v.prescriptions.map((p) => `- ${p.drug}, ${p.dose}, ${p.frequency}, ${p.durationDays} days`).join('\n')}`);
  }
  return sections.join('\n\n');
}

/**
 * A visit-note version as a DocumentReference: each version is its own
 * document, `current` for the latest and `superseded` for the rest, and each
 * later version `replaces` the one before — FHIR's own model of an amended
 * document, which keeps every version as it was written (docs/privacy.md
 * says why not Composition). The text travels as a UTF-8 attachment.
 */
export function toDocumentReference(v: NoteVersionFacts): DocumentReference {
  const current = v.version === v.currentVersion;
  return {
    resourceType: 'DocumentReference',
    id: noteVersionId(v.noteId, v.version),
    meta: { lastUpdated: v.createdAt.toISOString() },
    identifier: [{ system: IDENTIFIER_SYSTEM.visitNoteVersion, value: `${v.noteId}/${v.version}` }],
    status: current ? 'current' : 'superseded',
    docStatus: v.version === 1 ? 'final' : 'amended',
    type: PROGRESS_NOTE,
    subject: { reference: ref.patient(v.patientId) },
    date: v.createdAt.toISOString(),
    author: [{ reference: ref.practitioner(v.doctorId) }],
    ...(v.version > 1 ? { relatesTo: [{ code: 'replaces', target: { reference: ref.documentReference(noteVersionId(v.noteId, v.version - 1)) } }] } : {}),
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          language: 'en',
          data: Buffer.from(noteText(v), 'utf8').toString('base64'),
          title: `Visit note, version ${v.version}`,
          creation: v.createdAt.toISOString(),
        },
      },
    ],
    context: { related: [{ reference: ref.appointment(v.appointmentId) }] },
  };
}
