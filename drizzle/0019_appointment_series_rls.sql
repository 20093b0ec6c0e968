-- Hand-written: tenant isolation for appointment series (their occurrences are
-- appointments, already covered by 0005's policy and exclusion constraints).
ALTER TABLE appointment_series ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON appointment_series USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
