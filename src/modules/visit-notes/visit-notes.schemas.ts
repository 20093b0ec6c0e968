import { Type, type Static } from 'typebox';
import { IdParams, Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';

/** Limits generous for clinical writing, small enough that one note stays far below the body limit. */
export const NOTE_LIMITS = {
  textChars: 20_000,
  diagnoses: 50,
  prescriptions: 50,
  maxDurationDays: 3650,
} as const;

const ClinicalText = (description: string) =>
  Type.String({ minLength: 1, maxLength: NOTE_LIMITS.textChars, pattern: '\\S', description: `${description} (up to ${NOTE_LIMITS.textChars} characters)` });
const Short = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, pattern: '\\S', description });

export const DiagnosisSchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 40, pattern: '^\\S+$', description: 'A coded diagnosis, e.g. ICD-10 "J06.9"' }),
    description: Short(500, 'What the code means, in words'),
  },
  { additionalProperties: false, $id: 'Diagnosis' },
);

export const PrescriptionSchema = Type.Object(
  {
    drug: Short(200, 'Drug name and strength, e.g. "Amoxicillin 500 mg"'),
    dose: Short(100, 'Amount per intake, e.g. "1 capsule"'),
    frequency: Short(100, 'e.g. "three times a day"'),
    durationDays: Type.Integer({ minimum: 1, maximum: NOTE_LIMITS.maxDurationDays, description: 'Days of treatment' }),
  },
  { additionalProperties: false, $id: 'Prescription' },
);

const noteFields = {
  subjective: Type.Optional(ClinicalText('S: what the patient reports')),
  objective: Type.Optional(ClinicalText('O: findings and measurements')),
  assessment: Type.Optional(ClinicalText('A: the clinical assessment')),
  plan: Type.Optional(ClinicalText('P: the plan')),
  diagnoses: Type.Optional(Type.Array(DiagnosisSchema, { maxItems: NOTE_LIMITS.diagnoses })),
  prescriptions: Type.Optional(Type.Array(PrescriptionSchema, { maxItems: NOTE_LIMITS.prescriptions })),
};

/**
 * The body of POST (first version) and PUT (every later version). A PUT is
 * the whole new content: a field left out is empty in the new version.
 */
export const NoteContentBody = Type.Object(noteFields, {
  additionalProperties: false,
  minProperties: 1,
  examples: [
    {
      subjective: 'Sore throat and mild fever for three days',
      objective: 'Temperature 38.1 °C; pharynx red, no exudate',
      assessment: 'Viral pharyngitis',
      plan: 'Rest, fluids, paracetamol; return if not better in a week',
      diagnoses: [{ code: 'J02.9', description: 'Acute pharyngitis, unspecified' }],
      prescriptions: [{ drug: 'Paracetamol 500 mg', dose: '1 tablet', frequency: 'up to four times a day', durationDays: 5 }],
    },
  ],
});
export type NoteContentInput = Static<typeof NoteContentBody>;

export const NoteIdParams = IdParams;

export const ListQuery = PageQuery();
export type ListQueryInput = Static<typeof ListQuery>;

const NullableText = Nullable(Type.String());
const contentSchema = {
  subjective: NullableText,
  objective: NullableText,
  assessment: NullableText,
  plan: NullableText,
  diagnoses: Type.Array(DiagnosisSchema),
  prescriptions: Type.Array(PrescriptionSchema),
};

export const VisitNote = Type.Object(
  {
    id: Uuid,
    appointmentId: Uuid,
    patientId: Uuid,
    doctorId: Uuid,
    version: Type.Integer({ minimum: 1, description: 'The current version; every PUT adds one' }),
    ...contentSchema,
    createdAt: { ...Instant, description: 'When the first version was written' },
    updatedAt: { ...Instant, description: 'When the current version was written' },
  },
  { $id: 'VisitNote' },
);

export const VisitNoteVersion = Type.Object(
  {
    id: Uuid,
    noteId: Uuid,
    version: Type.Integer({ minimum: 1 }),
    ...contentSchema,
    authorUserId: Uuid,
    createdAt: Instant,
    updatedAt: { ...Instant, description: 'Equals createdAt: a version is never changed' },
  },
  { $id: 'VisitNoteVersion' },
);
