-- Hand-written: tenant isolation of the delivery log, platform-only messaging tables,
-- and the NOTIFY that wakes every outbox relay the moment a message is committed.
ALTER TABLE notification_deliveries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON notification_deliveries USING (hospital_id = app_current_hospital()) WITH CHECK (hospital_id = app_current_hospital());
--> statement-breakpoint
-- Dead letters and scheduled tasks belong to the platform: a tenant transaction may not touch them.
REVOKE ALL ON dead_letters FROM tempus_app;
--> statement-breakpoint
REVOKE ALL ON scheduled_tasks FROM tempus_app;
--> statement-breakpoint
ALTER TABLE dead_letters ADD CONSTRAINT dead_letters_source_check CHECK (source IN ('consumer', 'broker'));
--> statement-breakpoint
-- One notification per inserting statement (not per row); NOTIFY is delivered at commit,
-- so a relay never wakes for a message whose transaction rolled back.
CREATE OR REPLACE FUNCTION tempus_outbox_notify() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_notify('tempus_outbox', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION tempus_outbox_notify();
