CREATE TABLE "visit_type_doctors" (
	"hospital_id" uuid NOT NULL,
	"visit_type_id" uuid NOT NULL,
	"doctor_id" uuid NOT NULL,
	CONSTRAINT "visit_type_doctors_pkey" PRIMARY KEY("visit_type_id","doctor_id")
);
--> statement-breakpoint
CREATE TABLE "visit_types" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"name" text NOT NULL,
	"duration_minutes" integer NOT NULL,
	"buffer_before_minutes" integer DEFAULT 0 NOT NULL,
	"buffer_after_minutes" integer DEFAULT 0 NOT NULL,
	"requires" text[] DEFAULT '{}'::text[] NOT NULL,
	"bookable_online" boolean DEFAULT true NOT NULL,
	"color" text,
	"active" boolean DEFAULT true NOT NULL,
	"deactivated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "visit_types_hospital_id_id_key" UNIQUE("hospital_id","id"),
	CONSTRAINT "visit_types_duration_check" CHECK ("visit_types"."duration_minutes" between 5 and 480),
	CONSTRAINT "visit_types_buffers_check" CHECK ("visit_types"."buffer_before_minutes" between 0 and 240 and "visit_types"."buffer_after_minutes" between 0 and 240)
);
--> statement-breakpoint
CREATE TABLE "resource_bookings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"appointment_id" uuid NOT NULL,
	"resource_id" uuid NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"live" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resource_bookings_range_check" CHECK ("resource_bookings"."ends_at" > "resource_bookings"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "resource_time_off" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"resource_id" uuid NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resource_time_off_range_check" CHECK ("resource_time_off"."ends_at" > "resource_time_off"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "resources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"deactivated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resources_hospital_id_id_key" UNIQUE("hospital_id","id"),
	CONSTRAINT "resources_kind_check" CHECK ("resources"."kind" ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length("resources"."kind") <= 50)
);
--> statement-breakpoint
CREATE TABLE "hospital_closures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hospital_id" uuid NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hospital_closures_range_check" CHECK ("hospital_closures"."ends_at" > "hospital_closures"."starts_at")
);
--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "visit_type_id" uuid;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "buffer_before_minutes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "buffer_after_minutes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "visit_type_doctors" ADD CONSTRAINT "visit_type_doctors_type_fk" FOREIGN KEY ("hospital_id","visit_type_id") REFERENCES "public"."visit_types"("hospital_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visit_type_doctors" ADD CONSTRAINT "visit_type_doctors_doctor_fk" FOREIGN KEY ("hospital_id","doctor_id") REFERENCES "public"."doctors"("hospital_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visit_types" ADD CONSTRAINT "visit_types_hospital_id_hospitals_id_fk" FOREIGN KEY ("hospital_id") REFERENCES "public"."hospitals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_bookings" ADD CONSTRAINT "resource_bookings_appointment_id_appointments_id_fk" FOREIGN KEY ("appointment_id") REFERENCES "public"."appointments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_bookings" ADD CONSTRAINT "resource_bookings_resource_fk" FOREIGN KEY ("hospital_id","resource_id") REFERENCES "public"."resources"("hospital_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_time_off" ADD CONSTRAINT "resource_time_off_resource_fk" FOREIGN KEY ("hospital_id","resource_id") REFERENCES "public"."resources"("hospital_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resources" ADD CONSTRAINT "resources_hospital_id_hospitals_id_fk" FOREIGN KEY ("hospital_id") REFERENCES "public"."hospitals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hospital_closures" ADD CONSTRAINT "hospital_closures_hospital_id_hospitals_id_fk" FOREIGN KEY ("hospital_id") REFERENCES "public"."hospitals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "visit_type_doctors_doctor_idx" ON "visit_type_doctors" USING btree ("hospital_id","doctor_id");--> statement-breakpoint
CREATE INDEX "visit_types_hospital_name_idx" ON "visit_types" USING btree ("hospital_id","name","id");--> statement-breakpoint
CREATE INDEX "resource_bookings_appointment_idx" ON "resource_bookings" USING btree ("appointment_id");--> statement-breakpoint
CREATE INDEX "resource_time_off_resource_starts_idx" ON "resource_time_off" USING btree ("hospital_id","resource_id","starts_at");--> statement-breakpoint
CREATE INDEX "resources_hospital_kind_name_idx" ON "resources" USING btree ("hospital_id","kind","name","id");--> statement-breakpoint
CREATE INDEX "hospital_closures_hospital_starts_idx" ON "hospital_closures" USING btree ("hospital_id","starts_at");--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_visit_type_fk" FOREIGN KEY ("hospital_id","visit_type_id") REFERENCES "public"."visit_types"("hospital_id","id") ON DELETE no action ON UPDATE no action;