CREATE TABLE "access_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"patient_id" uuid NOT NULL,
	"actor_user_id" uuid,
	"actor_role" text,
	"purpose" text NOT NULL,
	"request_id" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "patients" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD COLUMN "patient_id" uuid;--> statement-breakpoint
ALTER TABLE "access_events" ADD CONSTRAINT "access_events_hospital_id_hospitals_id_fk" FOREIGN KEY ("hospital_id") REFERENCES "public"."hospitals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_events" ADD CONSTRAINT "access_events_patient_fk" FOREIGN KEY ("hospital_id","patient_id") REFERENCES "public"."patients"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_events_patient_at_idx" ON "access_events" USING btree ("hospital_id","patient_id","at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "access_events_at_idx" ON "access_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "notification_deliveries_patient_idx" ON "notification_deliveries" USING btree ("hospital_id","patient_id") WHERE "notification_deliveries"."patient_id" is not null;