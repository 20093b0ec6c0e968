-- Hand-written: tenant isolation for visit notes, and the rules that keep a
-- note's history intact whatever the application does: versions are
-- append-only, the note's pointer names a stored version and only ever moves
-- forward by one, and the note's subject (appointment, patient, doctor) never changes.
ALTER TABLE visit_notes ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON visit_notes USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE visit_note_versions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON visit_note_versions USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
-- Deferred: the note row (current_version 1) and its first version are written in one transaction.
ALTER TABLE visit_notes ADD CONSTRAINT visit_notes_current_version_fk
  FOREIGN KEY (id, current_version) REFERENCES visit_note_versions (note_id, version)
  DEFERRABLE INITIALLY DEFERRED;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION visit_note_versions_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION 'visit note versions are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER visit_note_versions_no_update_delete BEFORE UPDATE OR DELETE ON visit_note_versions
  FOR EACH ROW EXECUTE FUNCTION visit_note_versions_append_only();
--> statement-breakpoint
CREATE TRIGGER visit_note_versions_no_truncate BEFORE TRUNCATE ON visit_note_versions
  FOR EACH STATEMENT EXECUTE FUNCTION visit_note_versions_append_only();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION visit_notes_forward_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id
     OR NEW.hospital_id IS DISTINCT FROM OLD.hospital_id
     OR NEW.appointment_id IS DISTINCT FROM OLD.appointment_id
     OR NEW.patient_id IS DISTINCT FROM OLD.patient_id
     OR NEW.doctor_id IS DISTINCT FROM OLD.doctor_id
     OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'a visit note keeps its appointment, patient and doctor' USING ERRCODE = 'restrict_violation';
  END IF;
  IF NEW.current_version <> OLD.current_version + 1 THEN
    RAISE EXCEPTION 'a visit note moves to the next version only (% -> %)', OLD.current_version, NEW.current_version
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER visit_notes_forward_only BEFORE UPDATE ON visit_notes
  FOR EACH ROW EXECUTE FUNCTION visit_notes_forward_only();
--> statement-breakpoint
-- Second lock: the application role cannot even ask.
REVOKE UPDATE, DELETE, TRUNCATE ON visit_note_versions FROM tempus_app;
--> statement-breakpoint
REVOKE DELETE, TRUNCATE ON visit_notes FROM tempus_app;
