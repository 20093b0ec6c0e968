-- Hand-written: tenant isolation for the scheduling tables, and the exclusion
-- constraints that make overlapping live appointments impossible (btree_gist
-- lets the uuid equality sit beside the range overlap in one GiST index).
ALTER TABLE doctors ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON doctors USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE doctor_weekly_hours ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON doctor_weekly_hours USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE doctor_time_off ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON doctor_time_off USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE patients ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON patients USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE appointments ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON appointments USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE appointments ADD CONSTRAINT appointments_doctor_no_overlap
  EXCLUDE USING gist (hospital_id WITH =, doctor_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
  WHERE (status = 'scheduled');
--> statement-breakpoint
ALTER TABLE appointments ADD CONSTRAINT appointments_patient_no_overlap
  EXCLUDE USING gist (hospital_id WITH =, patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
  WHERE (status = 'scheduled');
