-- Hand-written: a patient waits at most once for one doctor / visit type over
-- any one day. Two active entries of the same patient and the same target
-- (doctor and visit type, a missing one compared as "any") whose date ranges
-- overlap would get the same slots offered twice; the exclusion constraint
-- makes a second join impossible under any concurrency (the second insert
-- waits for the first and then conflicts), so joining is idempotent.
--
-- Entries that already overlap an earlier-joined one are taken off first
-- (status 'removed', as staff would): the earliest joined keeps its place.
UPDATE waitlist_entries e SET status = 'removed', updated_at = now()
 WHERE e.status = 'active'
   AND EXISTS (SELECT 1 FROM waitlist_entries o
                WHERE o.hospital_id = e.hospital_id AND o.patient_id = e.patient_id AND o.status = 'active'
                  AND o.doctor_id IS NOT DISTINCT FROM e.doctor_id AND o.visit_type_id IS NOT DISTINCT FROM e.visit_type_id
                  AND daterange(o.earliest, o.latest, '[]') && daterange(e.earliest, e.latest, '[]')
                  AND (o.created_at, o.id) < (e.created_at, e.id));
--> statement-breakpoint
ALTER TABLE waitlist_entries ADD CONSTRAINT waitlist_entries_one_active_per_scope
  EXCLUDE USING gist (
    hospital_id WITH =,
    patient_id WITH =,
    (coalesce(doctor_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
    (coalesce(visit_type_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
    daterange(earliest, latest, '[]') WITH &&
  )
  WHERE (status = 'active');
