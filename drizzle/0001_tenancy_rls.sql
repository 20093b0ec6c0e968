-- Hand-written: extensions, the application role, row-level security and seed data.
-- Tenant transactions run as tempus_app with app.hospital_id set (src/infra/db/tenant.ts);
-- a query that forgets its hospital filter then sees nothing of another tenant.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
DO $$
BEGIN
  CREATE ROLE tempus_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  -- roles are cluster-wide: another database (or a racing migrator) made it first
  NULL;
END
$$;
--> statement-breakpoint
GRANT tempus_app TO CURRENT_USER;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO tempus_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tempus_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tempus_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_current_hospital() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.hospital_id', true), '')::uuid $$;
--> statement-breakpoint
ALTER TABLE hospitals ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON hospitals USING (id = app_current_hospital()) WITH CHECK (id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE hospital_members ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON hospital_members USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE hospital_subscriptions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON hospital_subscriptions USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON outbox USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON audit_events USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
CREATE UNIQUE INDEX subscription_plans_single_default ON subscription_plans (is_default) WHERE is_default;
--> statement-breakpoint
INSERT INTO subscription_plans (code, name, price_cents, currency, interval, max_doctors, max_appointments_per_month, sms_enabled, trial_days, is_default, active)
VALUES ('trial', 'Trial', 0, 'USD', 'month', 3, 300, false, 14, true, true)
ON CONFLICT (code) DO NOTHING;
