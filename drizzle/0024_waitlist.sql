CREATE TABLE "waitlist_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"patient_id" uuid NOT NULL,
	"doctor_id" uuid,
	"visit_type_id" uuid,
	"earliest" date NOT NULL,
	"latest" date NOT NULL,
	"note" text,
	"source" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "waitlist_entries_hospital_id_id_key" UNIQUE("hospital_id","id"),
	CONSTRAINT "waitlist_entries_status_check" CHECK ("waitlist_entries"."status" in ('active', 'booked', 'removed')),
	CONSTRAINT "waitlist_entries_source_check" CHECK ("waitlist_entries"."source" in ('staff', 'patient')),
	CONSTRAINT "waitlist_entries_range_check" CHECK ("waitlist_entries"."latest" >= "waitlist_entries"."earliest"),
	CONSTRAINT "waitlist_entries_target_check" CHECK ("waitlist_entries"."doctor_id" is not null or "waitlist_entries"."visit_type_id" is not null)
);
--> statement-breakpoint
CREATE TABLE "waitlist_offers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	"hold_appointment_id" uuid NOT NULL,
	"doctor_id" uuid NOT NULL,
	"visit_type_id" uuid,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"appointment_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "waitlist_offers_status_check" CHECK ("waitlist_offers"."status" in ('pending', 'accepted', 'declined', 'expired')),
	CONSTRAINT "waitlist_offers_range_check" CHECK ("waitlist_offers"."ends_at" > "waitlist_offers"."starts_at")
);
--> statement-breakpoint
ALTER TABLE "hospitals" ADD COLUMN "waitlist_offer_minutes" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_hospital_id_hospitals_id_fk" FOREIGN KEY ("hospital_id") REFERENCES "public"."hospitals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_patient_fk" FOREIGN KEY ("hospital_id","patient_id") REFERENCES "public"."patients"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_doctor_fk" FOREIGN KEY ("hospital_id","doctor_id") REFERENCES "public"."doctors"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_visit_type_fk" FOREIGN KEY ("hospital_id","visit_type_id") REFERENCES "public"."visit_types"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_offers" ADD CONSTRAINT "waitlist_offers_hospital_id_hospitals_id_fk" FOREIGN KEY ("hospital_id") REFERENCES "public"."hospitals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_offers" ADD CONSTRAINT "waitlist_offers_entry_fk" FOREIGN KEY ("hospital_id","entry_id") REFERENCES "public"."waitlist_entries"("hospital_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "waitlist_entries_active_fifo_idx" ON "waitlist_entries" USING btree ("hospital_id","created_at","id") WHERE "waitlist_entries"."status" = 'active';--> statement-breakpoint
CREATE INDEX "waitlist_entries_hospital_patient_idx" ON "waitlist_entries" USING btree ("hospital_id","patient_id");--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_offers_one_pending_per_entry" ON "waitlist_offers" USING btree ("entry_id") WHERE "waitlist_offers"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_offers_one_pending_per_hold" ON "waitlist_offers" USING btree ("hold_appointment_id") WHERE "waitlist_offers"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "waitlist_offers_entry_slot_idx" ON "waitlist_offers" USING btree ("hospital_id","entry_id","doctor_id","starts_at");--> statement-breakpoint
CREATE INDEX "waitlist_offers_pending_expiry_idx" ON "waitlist_offers" USING btree ("expires_at") WHERE "waitlist_offers"."status" = 'pending';