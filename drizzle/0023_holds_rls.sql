-- Hand-written: holds (src/modules/holds). A hold is an appointments row with
-- status 'held', so the doctor's exclusion constraint now covers held rows as
-- well as scheduled ones: a hold and a booking (or two holds) of one doctor
-- can never overlap, under any concurrency. The patient's constraint stays
-- 'scheduled'-only (a held row has no patient). An expired hold still sits
-- under the constraint until a writer deletes it (every writer that takes a
-- slot deletes the expired holds in its way first, in its own transaction).
ALTER TABLE appointments DROP CONSTRAINT appointments_doctor_no_overlap;
--> statement-breakpoint
ALTER TABLE appointments ADD CONSTRAINT appointments_doctor_no_overlap
  EXCLUDE USING gist (hospital_id WITH =, doctor_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
  WHERE (status IN ('scheduled', 'held'));
--> statement-breakpoint
ALTER TABLE appointment_holds ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON appointment_holds USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
