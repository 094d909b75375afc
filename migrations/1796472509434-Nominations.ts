import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities by npm run migration:generate. */
export class Nominations1796472509434 implements MigrationInterface {
  name = 'Nominations1796472509434';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TYPE \"public\".\"nomination_level\" AS ENUM('NATIONAL', 'PROVINCE', 'CITY', 'COUNTY')");
    await q.query("CREATE TYPE \"public\".\"nomination_round_status\" AS ENUM('OPEN', 'REVIEWED', 'PUBLICIZING', 'SUBMITTED')");
    await q.query("CREATE TABLE \"nomination_round\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"title\" character varying(200) NOT NULL, \"year\" smallint NOT NULL, \"level\" \"public\".\"nomination_level\" NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"parentRoundId\" uuid, \"quota\" integer NOT NULL, \"status\" \"public\".\"nomination_round_status\" NOT NULL DEFAULT 'OPEN', \"panelClosedAt\" TIMESTAMP(3) WITH TIME ZONE, \"noticeStartedAt\" TIMESTAMP(3) WITH TIME ZONE, \"noticeStartedBy\" character varying(200), \"submittedAt\" TIMESTAMP(3) WITH TIME ZONE, \"submittedBy\" character varying(200), \"createdBy\" character varying(200) NOT NULL, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_fbe3848ed85cfbf201008ddba3c\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"nomination_round_created_idx\" ON \"nomination_round\"  (\"createdAt\", \"id\") ");
    await q.query("CREATE INDEX \"nomination_round_parent_idx\" ON \"nomination_round\"  (\"parentRoundId\") ");
    await q.query("CREATE INDEX \"nomination_round_region_idx\" ON \"nomination_round\"  (\"regionCode\", \"id\") ");
    await q.query("CREATE UNIQUE INDEX \"nomination_round_unique\" ON \"nomination_round\"  (\"year\", \"title\", \"regionCode\") ");
    await q.query("CREATE TYPE \"public\".\"nomination_candidate_kind\" AS ENUM('ORGANIZATION', 'EXPERT')");
    await q.query("CREATE TYPE \"public\".\"nomination_candidate_status\" AS ENUM('NOMINATED', 'SELECTED', 'NOT_SELECTED', 'REVOKED')");
    await q.query("CREATE TABLE \"nomination_candidate\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"roundId\" uuid NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"kind\" \"public\".\"nomination_candidate_kind\" NOT NULL, \"organizationId\" uuid, \"expertId\" uuid, \"displayName\" character varying(200) NOT NULL, \"status\" \"public\".\"nomination_candidate_status\" NOT NULL DEFAULT 'NOMINATED', \"citation\" character varying(5000), \"evidence\" text array NOT NULL DEFAULT '{}', \"registeredAgreements\" integer NOT NULL, \"sourceRoundId\" uuid, \"nominatedBy\" character varying(200) NOT NULL, \"revocationReason\" character varying(1000), \"revokedBy\" character varying(200), \"revokedAt\" TIMESTAMP(3) WITH TIME ZONE, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_bebc895440e0c086d6cdb5b8b7e\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"nomination_candidate_region_idx\" ON \"nomination_candidate\"  (\"regionCode\", \"id\") ");
    await q.query("CREATE UNIQUE INDEX \"nomination_candidate_expert_unique\" ON \"nomination_candidate\"  (\"roundId\", \"expertId\") ");
    await q.query("CREATE UNIQUE INDEX \"nomination_candidate_org_unique\" ON \"nomination_candidate\"  (\"roundId\", \"organizationId\") ");
    await q.query("CREATE TYPE \"public\".\"nomination_candidate_event\" AS ENUM('NOMINATED', 'FORWARDED', 'SELECTED', 'DESELECTED', 'OBJECTION_UPHELD', 'REVOKED')");
    await q.query("CREATE TABLE \"nomination_candidate_step\" (\"id\" BIGSERIAL NOT NULL, \"candidateId\" uuid NOT NULL, \"event\" \"public\".\"nomination_candidate_event\" NOT NULL, \"fromStatus\" \"public\".\"nomination_candidate_status\", \"toStatus\" \"public\".\"nomination_candidate_status\" NOT NULL, \"actorSubject\" character varying(200) NOT NULL, \"reason\" character varying(2000), \"at\" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT \"PK_4f10d3beb404b015fbcc4d86d21\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"nomination_candidate_step_candidate_idx\" ON \"nomination_candidate_step\"  (\"candidateId\", \"id\") ");
    await q.query("CREATE TABLE \"nomination_reviewer\" (\"roundId\" uuid NOT NULL, \"subject\" character varying(200) NOT NULL, \"name\" character varying(100) NOT NULL, \"assignedBy\" character varying(200) NOT NULL, \"assignedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_c6c5d83f49d19bdca8a16477f52\" PRIMARY KEY (\"roundId\", \"subject\"))");
    await q.query("CREATE TABLE \"nomination_score\" (\"candidateId\" uuid NOT NULL, \"reviewerSubject\" character varying(200) NOT NULL, \"roundId\" uuid NOT NULL, \"score\" numeric(5,2) NOT NULL, \"comment\" character varying(1000), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_6b0fcab9a88b2b9895b36cd3d84\" PRIMARY KEY (\"candidateId\", \"reviewerSubject\"))");
    await q.query("CREATE INDEX \"nomination_score_round_idx\" ON \"nomination_score\"  (\"roundId\") ");
    await q.query("CREATE TYPE \"public\".\"nomination_objection_status\" AS ENUM('OPEN', 'UPHELD', 'DISMISSED')");
    await q.query("CREATE TABLE \"nomination_objection\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"roundId\" uuid NOT NULL, \"candidateId\" uuid NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"reason\" character varying(2000) NOT NULL, \"lodgedBy\" character varying(200) NOT NULL, \"lodgedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL, \"status\" \"public\".\"nomination_objection_status\" NOT NULL DEFAULT 'OPEN', \"resolution\" character varying(2000), \"resolvedBy\" character varying(200), \"resolvedAt\" TIMESTAMP(3) WITH TIME ZONE, \"version\" integer NOT NULL DEFAULT '1', CONSTRAINT \"PK_eee13528a64c24b30fd83f8af55\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"nomination_objection_candidate_idx\" ON \"nomination_objection\"  (\"candidateId\") ");
    await q.query("CREATE INDEX \"nomination_objection_round_idx\" ON \"nomination_objection\"  (\"roundId\", \"status\") ");
    await q.query("CREATE TYPE \"public\".\"commendation_recipient_kind\" AS ENUM('ORGANIZATION', 'TEAM', 'INDIVIDUAL')");
    await q.query("CREATE TABLE \"commendation\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"year\" smallint NOT NULL, \"level\" \"public\".\"nomination_level\" NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"title\" character varying(200) NOT NULL, \"recipientKind\" \"public\".\"commendation_recipient_kind\" NOT NULL, \"organizationId\" uuid, \"expertId\" uuid, \"recipientName\" character varying(200) NOT NULL, \"recipientRegionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"candidateId\" uuid, \"documentNumber\" character varying(100), \"commendedOn\" date, \"recordedBy\" character varying(200) NOT NULL, \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_62d1b6e91e54297aa408e3330d7\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"commendation_expert_idx\" ON \"commendation\"  (\"expertId\") ");
    await q.query("CREATE INDEX \"commendation_organization_idx\" ON \"commendation\"  (\"organizationId\") ");
    await q.query("CREATE INDEX \"commendation_year_idx\" ON \"commendation\"  (\"year\", \"level\") ");
    await q.query("CREATE INDEX \"commendation_recipient_region_idx\" ON \"commendation\"  (\"recipientRegionCode\", \"id\") ");
    await q.query("ALTER TABLE \"nomination_round\" ADD CONSTRAINT \"FK_bc4db3bf08b21cc1470b50d7a9e\" FOREIGN KEY (\"parentRoundId\") REFERENCES \"nomination_round\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"nomination_candidate\" ADD CONSTRAINT \"FK_9246d58276611b9f8d519f08cd7\" FOREIGN KEY (\"roundId\") REFERENCES \"nomination_round\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"nomination_candidate\" ADD CONSTRAINT \"FK_b3ccc65f19b82573e69708dc544\" FOREIGN KEY (\"organizationId\") REFERENCES \"organization\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"nomination_candidate\" ADD CONSTRAINT \"FK_260a9a5520cb3c0370b97493d8d\" FOREIGN KEY (\"expertId\") REFERENCES \"expert\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"nomination_candidate_step\" ADD CONSTRAINT \"FK_6d973d93aaf0db204ef5f15e57f\" FOREIGN KEY (\"candidateId\") REFERENCES \"nomination_candidate\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"nomination_reviewer\" ADD CONSTRAINT \"FK_0c2f15164e1aa49d00758c78038\" FOREIGN KEY (\"roundId\") REFERENCES \"nomination_round\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"nomination_score\" ADD CONSTRAINT \"FK_4334bb98891d8c79a24e26e5bc7\" FOREIGN KEY (\"candidateId\") REFERENCES \"nomination_candidate\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"nomination_objection\" ADD CONSTRAINT \"FK_2a44c34afc66f75783b9a7c3b1b\" FOREIGN KEY (\"roundId\") REFERENCES \"nomination_round\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"nomination_objection\" ADD CONSTRAINT \"FK_f07402afaec53422c905f36d125\" FOREIGN KEY (\"candidateId\") REFERENCES \"nomination_candidate\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"commendation\" ADD CONSTRAINT \"FK_5be2d649af19ca43576e2aa45f5\" FOREIGN KEY (\"organizationId\") REFERENCES \"organization\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"commendation\" ADD CONSTRAINT \"FK_6ee5f73f766876a0f0517434378\" FOREIGN KEY (\"expertId\") REFERENCES \"expert\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE \"commendation\" DROP CONSTRAINT \"FK_6ee5f73f766876a0f0517434378\"");
    await q.query("ALTER TABLE \"commendation\" DROP CONSTRAINT \"FK_5be2d649af19ca43576e2aa45f5\"");
    await q.query("ALTER TABLE \"nomination_objection\" DROP CONSTRAINT \"FK_f07402afaec53422c905f36d125\"");
    await q.query("ALTER TABLE \"nomination_objection\" DROP CONSTRAINT \"FK_2a44c34afc66f75783b9a7c3b1b\"");
    await q.query("ALTER TABLE \"nomination_score\" DROP CONSTRAINT \"FK_4334bb98891d8c79a24e26e5bc7\"");
    await q.query("ALTER TABLE \"nomination_reviewer\" DROP CONSTRAINT \"FK_0c2f15164e1aa49d00758c78038\"");
    await q.query("ALTER TABLE \"nomination_candidate_step\" DROP CONSTRAINT \"FK_6d973d93aaf0db204ef5f15e57f\"");
    await q.query("ALTER TABLE \"nomination_candidate\" DROP CONSTRAINT \"FK_260a9a5520cb3c0370b97493d8d\"");
    await q.query("ALTER TABLE \"nomination_candidate\" DROP CONSTRAINT \"FK_b3ccc65f19b82573e69708dc544\"");
    await q.query("ALTER TABLE \"nomination_candidate\" DROP CONSTRAINT \"FK_9246d58276611b9f8d519f08cd7\"");
    await q.query("ALTER TABLE \"nomination_round\" DROP CONSTRAINT \"FK_bc4db3bf08b21cc1470b50d7a9e\"");
    await q.query("DROP INDEX \"public\".\"commendation_recipient_region_idx\"");
    await q.query("DROP INDEX \"public\".\"commendation_year_idx\"");
    await q.query("DROP INDEX \"public\".\"commendation_organization_idx\"");
    await q.query("DROP INDEX \"public\".\"commendation_expert_idx\"");
    await q.query("DROP TABLE \"commendation\"");
    await q.query("DROP INDEX \"public\".\"nomination_objection_round_idx\"");
    await q.query("DROP INDEX \"public\".\"nomination_objection_candidate_idx\"");
    await q.query("DROP TABLE \"nomination_objection\"");
    await q.query("DROP INDEX \"public\".\"nomination_score_round_idx\"");
    await q.query("DROP TABLE \"nomination_score\"");
    await q.query("DROP TABLE \"nomination_reviewer\"");
    await q.query("DROP INDEX \"public\".\"nomination_candidate_step_candidate_idx\"");
    await q.query("DROP TABLE \"nomination_candidate_step\"");
    await q.query("DROP INDEX \"public\".\"nomination_candidate_org_unique\"");
    await q.query("DROP INDEX \"public\".\"nomination_candidate_expert_unique\"");
    await q.query("DROP INDEX \"public\".\"nomination_candidate_region_idx\"");
    await q.query("DROP TABLE \"nomination_candidate\"");
    await q.query("DROP INDEX \"public\".\"nomination_round_unique\"");
    await q.query("DROP INDEX \"public\".\"nomination_round_region_idx\"");
    await q.query("DROP INDEX \"public\".\"nomination_round_parent_idx\"");
    await q.query("DROP INDEX \"public\".\"nomination_round_created_idx\"");
    await q.query("DROP TABLE \"nomination_round\"");
    await q.query("DROP TYPE \"public\".\"commendation_recipient_kind\"");
    await q.query("DROP TYPE \"public\".\"nomination_level\"");
    await q.query("DROP TYPE \"public\".\"nomination_objection_status\"");
    await q.query("DROP TYPE \"public\".\"nomination_candidate_status\"");
    await q.query("DROP TYPE \"public\".\"nomination_candidate_event\"");
    await q.query("DROP TYPE \"public\".\"nomination_candidate_kind\"");
    await q.query("DROP TYPE \"public\".\"nomination_round_status\"");
  }
}
