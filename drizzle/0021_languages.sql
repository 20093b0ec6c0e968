ALTER TABLE "hospitals" ADD COLUMN "default_language" text DEFAULT 'en' NOT NULL;--> statement-breakpoint
ALTER TABLE "patients" ADD COLUMN "language" text;--> statement-breakpoint
ALTER TABLE "hospitals" ADD CONSTRAINT "hospitals_default_language_check" CHECK ("hospitals"."default_language" ~ '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$' and length("hospitals"."default_language") <= 35);--> statement-breakpoint
ALTER TABLE "patients" ADD CONSTRAINT "patients_language_check" CHECK ("patients"."language" ~ '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$' and length("patients"."language") <= 35);