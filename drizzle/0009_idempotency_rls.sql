-- Hand-written: idempotency keys are tenant rows like any other.
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON idempotency_keys USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
