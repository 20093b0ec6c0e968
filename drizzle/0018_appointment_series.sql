CREATE TABLE "appointment_series" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"doctor_id" uuid NOT NULL,
	"patient_id" uuid NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"duration_minutes" integer NOT NULL,
	"timezone" text NOT NULL,
	"frequency" text NOT NULL,
	"interval" integer NOT NULL,
	"count" integer,
	"until" timestamp with time zone,
	"on_conflict" text NOT NULL,
	"reason" text,
	"visit_type_id" uuid,
	"skipped" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "appointment_series_hospital_id_id_key" UNIQUE("hospital_id","id"),
	CONSTRAINT "appointment_series_frequency_check" CHECK ("appointment_series"."frequency" in ('daily', 'weekly')),
	CONSTRAINT "appointment_series_interval_check" CHECK ("appointment_series"."interval" between 1 and 4),
	CONSTRAINT "appointment_series_on_conflict_check" CHECK ("appointment_series"."on_conflict" in ('fail', 'skip')),
	CONSTRAINT "appointment_series_count_or_until" CHECK (("appointment_series"."count" is null) <> ("appointment_series"."until" is null))
);
--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "series_id" uuid;--> statement-breakpoint
ALTER TABLE "appointment_series" ADD CONSTRAINT "appointment_series_hospital_id_hospitals_id_fk" FOREIGN KEY ("hospital_id") REFERENCES "public"."hospitals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointment_series" ADD CONSTRAINT "appointment_series_doctor_fk" FOREIGN KEY ("hospital_id","doctor_id") REFERENCES "public"."doctors"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointment_series" ADD CONSTRAINT "appointment_series_patient_fk" FOREIGN KEY ("hospital_id","patient_id") REFERENCES "public"."patients"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointment_series" ADD CONSTRAINT "appointment_series_visit_type_fk" FOREIGN KEY ("hospital_id","visit_type_id") REFERENCES "public"."visit_types"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_series_fk" FOREIGN KEY ("hospital_id","series_id") REFERENCES "public"."appointment_series"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "appointments_hospital_series_starts_idx" ON "appointments" USING btree ("hospital_id","series_id","starts_at") WHERE "appointments"."series_id" is not null;