import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organizations (科技组织) and experts (科技专家); generated from the entities, shared enum types de-duplicated, trigram indexes added by hand. */
export class OrganizationsAndExperts1795528310945 implements MigrationInterface {
  name = 'OrganizationsAndExperts1795528310945';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TYPE \"public\".\"organization_type\" AS ENUM('SOCIETY', 'RURAL_TECH_ASSOCIATION', 'TOWNSHIP_TECH_FEDERATION', 'SCIENCE_DEMONSTRATION_BASE', 'FARMER_COOPERATIVE', 'AGRICULTURAL_EXTENSION_STATION', 'EXPERT_SERVICE_STATION', 'UNIVERSITY', 'RESEARCH_INSTITUTE', 'TECH_ENTERPRISE', 'LEADING_ENTERPRISE', 'FAMILY_FARM', 'LARGE_GROWER')");
    await q.query("CREATE TYPE \"public\".\"society_discipline\" AS ENUM('AGRICULTURE', 'MEDICAL', 'ENGINEERING', 'SCIENCE', 'OTHER')");
    await q.query("CREATE TYPE \"public\".\"service_category\" AS ENUM('PLANTING', 'LIVESTOCK_AQUACULTURE', 'AGRO_PROCESSING', 'MARKETING_ECOMMERCE', 'FINANCE_INSURANCE', 'HEALTH', 'DISASTER_PREVENTION', 'YOUTH_SCIENCE_EDUCATION', 'VOCATIONAL_SKILLS', 'DECISION_CONSULTING', 'SCIENCE_POPULARIZATION')");
    await q.query("CREATE TYPE \"public\".\"registry_status\" AS ENUM('ACTIVE', 'ARCHIVED')");
    await q.query("CREATE TABLE \"organization\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"name\" character varying(200) NOT NULL, \"type\" \"public\".\"organization_type\" NOT NULL, \"societyDiscipline\" \"public\".\"society_discipline\", \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"level\" \"public\".\"region_level\" NOT NULL, \"creditCode\" character varying(18) NOT NULL, \"contactName\" character varying(50) NOT NULL, \"contactPhone\" character varying(20) NOT NULL, \"serviceCategories\" \"public\".\"service_category\" array NOT NULL, \"status\" \"public\".\"registry_status\" NOT NULL DEFAULT 'ACTIVE', \"archivedAt\" TIMESTAMP WITH TIME ZONE, \"archiveReason\" character varying(500), \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_472c1f99a32def1b0abb219cd67\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"organization_type_idx\" ON \"organization\"  (\"type\", \"regionCode\") ");
    await q.query("CREATE INDEX \"organization_region_idx\" ON \"organization\"  (\"regionCode\", \"id\") ");
    await q.query("CREATE UNIQUE INDEX \"organization_credit_code_unique\" ON \"organization\"  (\"creditCode\") ");
    await q.query("CREATE TYPE \"public\".\"expert_roster_status\" AS ENUM('DRAFT', 'FILED', 'REGISTERED')");
    await q.query("CREATE TABLE \"expert\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"name\" character varying(50) NOT NULL, \"title\" character varying(100), \"employerId\" uuid, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"specialties\" \"public\".\"service_category\" array NOT NULL, \"specialtyNote\" text, \"serviceRegionCodes\" text array NOT NULL, \"contactPhone\" character varying(20) NOT NULL, \"email\" character varying(200), \"rosterStatus\" \"public\".\"expert_roster_status\" NOT NULL DEFAULT 'DRAFT', \"rosterFiledBy\" character varying(200), \"rosterFiledAt\" TIMESTAMP WITH TIME ZONE, \"rosterFiledWithCode\" character varying(12) COLLATE \"C\", \"rosterRegisteredBy\" character varying(200), \"rosterRegisteredAt\" TIMESTAMP WITH TIME ZONE, \"status\" \"public\".\"registry_status\" NOT NULL DEFAULT 'ACTIVE', \"archivedAt\" TIMESTAMP WITH TIME ZONE, \"archiveReason\" character varying(500), \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_0062630832658e718267ce2941f\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"expert_roster_idx\" ON \"expert\"  (\"rosterStatus\", \"regionCode\") ");
    await q.query("CREATE INDEX \"expert_employer_idx\" ON \"expert\"  (\"employerId\", \"name\") ");
    await q.query("CREATE INDEX \"expert_region_idx\" ON \"expert\"  (\"regionCode\", \"id\") ");
    // By hand: trigram indexes for nameContains (ILIKE '%…%'); the entities declare them with synchronize: false.
    await q.query('CREATE INDEX "organization_name_trgm_idx" ON "organization" USING gin ("name" gin_trgm_ops)');
    await q.query('CREATE INDEX "expert_name_trgm_idx" ON "expert" USING gin ("name" gin_trgm_ops)');
    await q.query("ALTER TABLE \"organization\" ADD CONSTRAINT \"FK_4935d8c83ec3d76e3a9c9bee34f\" FOREIGN KEY (\"regionCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"expert\" ADD CONSTRAINT \"FK_2071713a4ea436d335a75d224f6\" FOREIGN KEY (\"employerId\") REFERENCES \"organization\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"expert\" ADD CONSTRAINT \"FK_903377b3a6bdfca9ee945ec4316\" FOREIGN KEY (\"regionCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX "public"."expert_name_trgm_idx"');
    await q.query('DROP INDEX "public"."organization_name_trgm_idx"');
    await q.query("ALTER TABLE \"expert\" DROP CONSTRAINT \"FK_903377b3a6bdfca9ee945ec4316\"");
    await q.query("ALTER TABLE \"expert\" DROP CONSTRAINT \"FK_2071713a4ea436d335a75d224f6\"");
    await q.query("ALTER TABLE \"organization\" DROP CONSTRAINT \"FK_4935d8c83ec3d76e3a9c9bee34f\"");
    await q.query("DROP INDEX \"public\".\"expert_region_idx\"");
    await q.query("DROP INDEX \"public\".\"expert_employer_idx\"");
    await q.query("DROP INDEX \"public\".\"expert_roster_idx\"");
    await q.query("DROP TABLE \"expert\"");
    await q.query("DROP TYPE \"public\".\"expert_roster_status\"");
    await q.query("DROP INDEX \"public\".\"organization_credit_code_unique\"");
    await q.query("DROP INDEX \"public\".\"organization_region_idx\"");
    await q.query("DROP INDEX \"public\".\"organization_type_idx\"");
    await q.query("DROP TABLE \"organization\"");
    await q.query("DROP TYPE \"public\".\"registry_status\"");
    await q.query("DROP TYPE \"public\".\"service_category\"");
    await q.query("DROP TYPE \"public\".\"society_discipline\"");
    await q.query("DROP TYPE \"public\".\"organization_type\"");
  }
}
