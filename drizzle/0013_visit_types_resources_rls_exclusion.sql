-- Hand-written: tenant isolation for visit types, resources and closures; the
-- exclusion constraint that makes two live bookings of one resource over
-- overlapping time impossible (the technique of appointments_doctor_no_overlap,
-- btree_gist from 0001); and the trigger that frees a cancelled or no-show
-- appointment's resources whichever code path changes its status.
ALTER TABLE visit_types ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON visit_types USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE visit_type_doctors ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON visit_type_doctors USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE resources ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON resources USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE resource_time_off ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON resource_time_off USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE resource_bookings ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON resource_bookings USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE hospital_closures ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON hospital_closures USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE resource_bookings ADD CONSTRAINT resource_bookings_no_overlap
  EXCLUDE USING gist (hospital_id WITH =, resource_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
  WHERE (live);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION appointments_free_resources() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE resource_bookings SET live = false
   WHERE hospital_id = NEW.hospital_id AND appointment_id = NEW.id AND live;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER appointments_free_resources AFTER UPDATE OF status ON appointments
  FOR EACH ROW WHEN (NEW.status IN ('cancelled', 'no_show') AND OLD.status = 'scheduled')
  EXECUTE FUNCTION appointments_free_resources();
