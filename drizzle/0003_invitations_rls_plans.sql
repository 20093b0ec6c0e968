-- Hand-written: tenant isolation for invitations, sanity checks on plans and
-- subscriptions, and two paid plans beside the default trial.
ALTER TABLE hospital_invitations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON hospital_invitations USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
ALTER TABLE hospital_invitations ADD CONSTRAINT hospital_invitations_role_check CHECK (role IN ('owner', 'admin', 'staff', 'doctor'));
--> statement-breakpoint
ALTER TABLE hospital_invitations ADD CONSTRAINT hospital_invitations_doctor_role_check CHECK (doctor_id IS NULL OR role = 'doctor');
--> statement-breakpoint
ALTER TABLE subscription_plans ADD CONSTRAINT subscription_plans_values_check CHECK (
  price_cents >= 0 AND max_doctors >= 0 AND max_appointments_per_month >= 0 AND trial_days >= 0
  AND currency ~ '^[A-Z]{3}$' AND interval IN ('month', 'year')
);
--> statement-breakpoint
ALTER TABLE hospital_subscriptions ADD CONSTRAINT hospital_subscriptions_status_check CHECK (status IN ('trialing', 'active', 'past_due', 'cancelled'));
--> statement-breakpoint
ALTER TABLE hospital_subscriptions ADD CONSTRAINT hospital_subscriptions_period_check CHECK (current_period_end > current_period_start);
--> statement-breakpoint
INSERT INTO subscription_plans (code, name, price_cents, currency, interval, max_doctors, max_appointments_per_month, sms_enabled, trial_days, is_default, active)
VALUES
  ('basic', 'Basic', 4900, 'USD', 'month', 5, 1000, false, 0, false, true),
  ('pro', 'Pro', 14900, 'USD', 'month', 25, 10000, true, 0, false, true)
ON CONFLICT (code) DO NOTHING;
