-- Hand-written: tenant isolation for waitlist entries and their offers (the
-- offer holds are appointments, covered by the appointments' policy and constraints).
ALTER TABLE waitlist_entries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON waitlist_entries USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE waitlist_offers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON waitlist_offers USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
