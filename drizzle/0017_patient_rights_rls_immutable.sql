-- Hand-written: tenant isolation for the access log, and the rule that keeps
-- it an accounting of disclosures whatever the application does: no row is
-- ever changed, and a row goes only when the retention task, in its own
-- transaction, declares a cutoff (app.access_purge_before) the row is older than.
ALTER TABLE access_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON access_events USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
CREATE OR REPLACE FUNCTION access_events_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  cutoff text := current_setting('app.access_purge_before', true);
BEGIN
  IF TG_OP = 'DELETE' AND coalesce(cutoff, '') <> '' THEN
    IF OLD.at < cutoff::timestamptz THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'access events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER access_events_no_update_delete BEFORE UPDATE OR DELETE ON access_events
  FOR EACH ROW EXECUTE FUNCTION access_events_append_only();
--> statement-breakpoint
CREATE TRIGGER access_events_no_truncate BEFORE TRUNCATE ON access_events
  FOR EACH STATEMENT EXECUTE FUNCTION access_events_append_only();
--> statement-breakpoint
-- Second lock: the application role cannot even ask (the retention task runs as the owner).
REVOKE UPDATE, DELETE, TRUNCATE ON access_events FROM tempus_app;
