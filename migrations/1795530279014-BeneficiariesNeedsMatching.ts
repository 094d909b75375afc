import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Poor villages and households, needs, service offerings and matches; generated from the entities, the shared service_mode type de-duplicated, GIN and partial indexes added by hand. */
export class BeneficiariesNeedsMatching1795530279014 implements MigrationInterface {
  name = 'BeneficiariesNeedsMatching1795530279014';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TYPE \"public\".\"poverty_cause\" AS ENUM('ILLNESS', 'DISABILITY', 'DISASTER', 'LACK_OF_SKILLS', 'LACK_OF_CAPITAL', 'LACK_OF_LABOUR', 'LACK_OF_LAND', 'EDUCATION', 'LACK_OF_WATER', 'POOR_TRANSPORT', 'LACK_OF_DRIVE', 'OTHER')");
    await q.query("CREATE TYPE \"public\".\"household_status\" AS ENUM('POOR', 'EXITED', 'RETURNED')");
    await q.query("CREATE TABLE \"household\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"registryNumber\" character varying(30) COLLATE \"C\" NOT NULL, \"villageCode\" character varying(12) COLLATE \"C\" NOT NULL, \"headName\" character varying(50) NOT NULL, \"headIdNumber\" character varying(18) NOT NULL, \"size\" smallint NOT NULL, \"membersAbleToWork\" smallint NOT NULL, \"povertyCauses\" \"public\".\"poverty_cause\" array NOT NULL, \"status\" \"public\".\"household_status\" NOT NULL DEFAULT 'POOR', \"exitYear\" smallint, \"techniques\" text array NOT NULL DEFAULT '{}', \"incomeProjects\" text array NOT NULL DEFAULT '{}', \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_26e9111eab2b8908fefe3c645f5\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"household_village_idx\" ON \"household\"  (\"villageCode\", \"registryNumber\") ");
    await q.query("CREATE UNIQUE INDEX \"household_registry_number_unique\" ON \"household\"  (\"registryNumber\") ");
    await q.query("CREATE TABLE \"poor_village\" (\"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"registeredYear\" smallint NOT NULL, \"exitYear\" smallint, \"specialty\" character varying(100), \"hasRuralTechAssociation\" boolean NOT NULL DEFAULT false, \"hasNewBusinessEntity\" boolean NOT NULL DEFAULT false, \"hasBrand\" boolean NOT NULL DEFAULT false, \"hasEStation\" boolean NOT NULL DEFAULT false, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_dcb3b2fd03f59ee1970f939aeb1\" PRIMARY KEY (\"regionCode\"))");
    await q.query("CREATE TYPE \"public\".\"need_target\" AS ENUM('VILLAGE', 'HOUSEHOLD')");
    await q.query("CREATE TYPE \"public\".\"need_urgency\" AS ENUM('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')");
    await q.query("CREATE TYPE \"public\".\"service_mode\" AS ENUM('TRAINING', 'ON_SITE_GUIDANCE', 'REMOTE_GUIDANCE', 'TECHNOLOGY_PROMOTION', 'ACHIEVEMENT_TRANSFER', 'MARKET_LINKAGE', 'CONSULTING', 'SCIENCE_POPULARIZATION')");
    await q.query("CREATE TYPE \"public\".\"need_status\" AS ENUM('OPEN', 'MATCHED', 'IN_SERVICE', 'FULFILLED', 'CLOSED')");
    await q.query("CREATE TABLE \"need\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"target\" \"public\".\"need_target\" NOT NULL, \"villageCode\" character varying(12) COLLATE \"C\" NOT NULL, \"householdId\" uuid, \"category\" \"public\".\"service_category\" NOT NULL, \"description\" text NOT NULL, \"urgency\" \"public\".\"need_urgency\" NOT NULL, \"preferredModes\" \"public\".\"service_mode\" array NOT NULL, \"status\" \"public\".\"need_status\" NOT NULL DEFAULT 'OPEN', \"closeReason\" character varying(500), \"surveyedBy\" character varying(200) NOT NULL, \"surveyedAt\" TIMESTAMP WITH TIME ZONE NOT NULL, \"statusChangedAt\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_218b14514f334ee6f39954f86ba\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"need_household_idx\" ON \"need\"  (\"householdId\", \"createdAt\") ");
    await q.query("CREATE INDEX \"need_status_idx\" ON \"need\"  (\"status\", \"category\", \"villageCode\") ");
    await q.query("CREATE INDEX \"need_village_idx\" ON \"need\"  (\"villageCode\", \"createdAt\") ");
    await q.query("CREATE TABLE \"service_offering\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"organizationId\" uuid, \"expertId\" uuid, \"providerRegionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"title\" character varying(200) NOT NULL, \"description\" text, \"categories\" \"public\".\"service_category\" array NOT NULL, \"modes\" \"public\".\"service_mode\" array NOT NULL, \"regionCodes\" text array NOT NULL, \"servedPrefixes\" text array NOT NULL, \"capacity\" integer NOT NULL, \"activeFrom\" date NOT NULL, \"activeTo\" date, \"status\" \"public\".\"registry_status\" NOT NULL DEFAULT 'ACTIVE', \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"service_offering_one_provider\" CHECK ((\"organizationId\" IS NULL) <> (\"expertId\" IS NULL)), CONSTRAINT \"PK_36d1431796da1e28dc90cfa58f1\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"service_offering_provider_region_idx\" ON \"service_offering\"  (\"providerRegionCode\", \"id\") ");
    await q.query("CREATE INDEX \"service_offering_expert_idx\" ON \"service_offering\"  (\"expertId\") ");
    await q.query("CREATE INDEX \"service_offering_org_idx\" ON \"service_offering\"  (\"organizationId\") ");
    await q.query("CREATE TYPE \"public\".\"match_status\" AS ENUM('PROPOSED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN')");
    await q.query("CREATE TABLE \"service_match\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"needId\" uuid NOT NULL, \"offeringId\" uuid NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"organizationId\" uuid, \"expertId\" uuid, \"status\" \"public\".\"match_status\" NOT NULL DEFAULT 'PROPOSED', \"score\" numeric(6,2) NOT NULL, \"reasons\" jsonb NOT NULL, \"proposedBy\" character varying(200) NOT NULL, \"decidedBy\" character varying(200), \"decidedAt\" TIMESTAMP WITH TIME ZONE, \"declineReason\" character varying(500), \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_af2cf913134c49a6ec02c6c36e8\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"service_match_region_idx\" ON \"service_match\"  (\"regionCode\", \"createdAt\") ");
    await q.query("CREATE INDEX \"service_match_offering_idx\" ON \"service_match\"  (\"offeringId\", \"status\") ");
    await q.query("CREATE INDEX \"service_match_need_idx\" ON \"service_match\"  (\"needId\", \"createdAt\") ");
    // By hand: GIN indexes serving matchCandidates (categories @> ARRAY[category] AND servedPrefixes && ARRAY[prefixes of the village]),
    // and one live (PROPOSED/ACCEPTED) match per need and offering. The entities declare them with synchronize: false.
    await q.query('CREATE INDEX "service_offering_categories_gin" ON "service_offering" USING gin ("categories")');
    await q.query('CREATE INDEX "service_offering_served_gin" ON "service_offering" USING gin ("servedPrefixes")');
    await q.query(`CREATE UNIQUE INDEX "service_match_live_unique" ON "service_match" ("needId", "offeringId") WHERE status IN ('PROPOSED', 'ACCEPTED')`);
    await q.query("ALTER TABLE \"household\" ADD CONSTRAINT \"FK_6131b3e888089db8ba456f4bc83\" FOREIGN KEY (\"villageCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"poor_village\" ADD CONSTRAINT \"FK_dcb3b2fd03f59ee1970f939aeb1\" FOREIGN KEY (\"regionCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"need\" ADD CONSTRAINT \"FK_4a02073d5e34397b47d3dcd3bb7\" FOREIGN KEY (\"villageCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"need\" ADD CONSTRAINT \"FK_a75ed0cc48761f8ef86b064cec4\" FOREIGN KEY (\"householdId\") REFERENCES \"household\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"service_offering\" ADD CONSTRAINT \"FK_78da5a0b68bfb699c5a0eed871b\" FOREIGN KEY (\"organizationId\") REFERENCES \"organization\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"service_offering\" ADD CONSTRAINT \"FK_44debee628d1eb3e4e2a53bc66e\" FOREIGN KEY (\"expertId\") REFERENCES \"expert\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"service_match\" ADD CONSTRAINT \"FK_38dae77a697ad17641828cf5390\" FOREIGN KEY (\"needId\") REFERENCES \"need\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"service_match\" ADD CONSTRAINT \"FK_4d298778c842a5b24f60c4f5ce8\" FOREIGN KEY (\"offeringId\") REFERENCES \"service_offering\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX "public"."service_match_live_unique"');
    await q.query('DROP INDEX "public"."service_offering_served_gin"');
    await q.query('DROP INDEX "public"."service_offering_categories_gin"');
    await q.query("ALTER TABLE \"service_match\" DROP CONSTRAINT \"FK_4d298778c842a5b24f60c4f5ce8\"");
    await q.query("ALTER TABLE \"service_match\" DROP CONSTRAINT \"FK_38dae77a697ad17641828cf5390\"");
    await q.query("ALTER TABLE \"service_offering\" DROP CONSTRAINT \"FK_44debee628d1eb3e4e2a53bc66e\"");
    await q.query("ALTER TABLE \"service_offering\" DROP CONSTRAINT \"FK_78da5a0b68bfb699c5a0eed871b\"");
    await q.query("ALTER TABLE \"need\" DROP CONSTRAINT \"FK_a75ed0cc48761f8ef86b064cec4\"");
    await q.query("ALTER TABLE \"need\" DROP CONSTRAINT \"FK_4a02073d5e34397b47d3dcd3bb7\"");
    await q.query("ALTER TABLE \"poor_village\" DROP CONSTRAINT \"FK_dcb3b2fd03f59ee1970f939aeb1\"");
    await q.query("ALTER TABLE \"household\" DROP CONSTRAINT \"FK_6131b3e888089db8ba456f4bc83\"");
    await q.query("DROP INDEX \"public\".\"service_match_need_idx\"");
    await q.query("DROP INDEX \"public\".\"service_match_offering_idx\"");
    await q.query("DROP INDEX \"public\".\"service_match_region_idx\"");
    await q.query("DROP TABLE \"service_match\"");
    await q.query("DROP TYPE \"public\".\"match_status\"");
    await q.query("DROP INDEX \"public\".\"service_offering_org_idx\"");
    await q.query("DROP INDEX \"public\".\"service_offering_expert_idx\"");
    await q.query("DROP INDEX \"public\".\"service_offering_provider_region_idx\"");
    await q.query("DROP TABLE \"service_offering\"");
    await q.query("DROP INDEX \"public\".\"need_village_idx\"");
    await q.query("DROP INDEX \"public\".\"need_status_idx\"");
    await q.query("DROP INDEX \"public\".\"need_household_idx\"");
    await q.query("DROP TABLE \"need\"");
    await q.query("DROP TYPE \"public\".\"need_status\"");
    await q.query("DROP TYPE \"public\".\"service_mode\"");
    await q.query("DROP TYPE \"public\".\"need_urgency\"");
    await q.query("DROP TYPE \"public\".\"need_target\"");
    await q.query("DROP TABLE \"poor_village\"");
    await q.query("DROP INDEX \"public\".\"household_registry_number_unique\"");
    await q.query("DROP INDEX \"public\".\"household_village_idx\"");
    await q.query("DROP TABLE \"household\"");
    await q.query("DROP TYPE \"public\".\"household_status\"");
    await q.query("DROP TYPE \"public\".\"poverty_cause\"");
  }
}
