import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Evaluations (评估): indicator sets and indicators, evaluations and their scores. Generated; the shared evaluation_level type is created once (the generator emitted it per table). */
export class Evaluations1796472543611 implements MigrationInterface {
  name = 'Evaluations1796472543611';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TYPE \"public\".\"evaluation_level\" AS ENUM('COUNTY', 'CITY', 'PROVINCE', 'NATIONAL')");
    await q.query("CREATE TABLE \"indicator_set\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"regionCode\" character varying(6) COLLATE \"C\" NOT NULL, \"regionPrefix\" character varying(6) COLLATE \"C\" NOT NULL, \"year\" smallint NOT NULL, \"level\" \"public\".\"evaluation_level\" NOT NULL, \"name\" character varying(200) NOT NULL, \"description\" character varying(2000), \"createdBy\" character varying(200) NOT NULL, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_47fffc2622781087b69295e3730\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"indicator_set_year_idx\" ON \"indicator_set\"  (\"year\", \"level\") ");
    await q.query("CREATE UNIQUE INDEX \"indicator_set_unique\" ON \"indicator_set\"  (\"regionCode\", \"year\", \"level\") ");
    await q.query("CREATE TABLE \"evaluation_indicator\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"indicatorSetId\" uuid NOT NULL, \"position\" smallint NOT NULL, \"code\" character varying(20) NOT NULL, \"name\" character varying(200) NOT NULL, \"description\" character varying(1000), \"weight\" numeric(5,2) NOT NULL, \"maxScore\" numeric(6,2) NOT NULL, CONSTRAINT \"PK_04d52d0925c300f3cdd305166c4\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE UNIQUE INDEX \"evaluation_indicator_code_unique\" ON \"evaluation_indicator\"  (\"indicatorSetId\", \"code\") ");
    await q.query("CREATE TYPE \"public\".\"evaluation_status\" AS ENUM('DRAFT', 'SUBMITTED', 'REVIEWED', 'RETURNED')");
    await q.query("CREATE TYPE \"public\".\"evaluation_grade\" AS ENUM('EXCELLENT', 'GOOD', 'PASS', 'FAIL')");
    await q.query("CREATE TYPE \"public\".\"acceptance_decision\" AS ENUM('PENDING', 'ACCEPTED', 'ACCEPTED_WITH_CONDITIONS', 'REJECTED')");
    await q.query("CREATE TYPE \"public\".\"evaluation_review_decision\" AS ENUM('CONFIRMED', 'ADJUSTED', 'RETURNED')");
    await q.query("CREATE TABLE \"evaluation\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"agreementId\" uuid NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"year\" smallint NOT NULL, \"level\" \"public\".\"evaluation_level\" NOT NULL, \"evaluatorRegionCode\" character varying(6) COLLATE \"C\" NOT NULL, \"indicatorSetId\" uuid NOT NULL, \"status\" \"public\".\"evaluation_status\" NOT NULL DEFAULT 'DRAFT', \"totalScore\" numeric(5,2) NOT NULL, \"grade\" \"public\".\"evaluation_grade\" NOT NULL, \"originalTotalScore\" numeric(5,2) NOT NULL, \"originalGrade\" \"public\".\"evaluation_grade\" NOT NULL, \"acceptance\" \"public\".\"acceptance_decision\" NOT NULL DEFAULT 'PENDING', \"acceptanceConditions\" character varying(2000), \"evidence\" text array NOT NULL DEFAULT '{}', \"summary\" character varying(4000), \"evaluatorSubject\" character varying(200) NOT NULL, \"evaluatorName\" character varying(100) NOT NULL, \"submittedAt\" TIMESTAMP(3) WITH TIME ZONE, \"reviewDecision\" \"public\".\"evaluation_review_decision\", \"reviewerSubject\" character varying(200), \"reviewerName\" character varying(100), \"reviewedAt\" TIMESTAMP(3) WITH TIME ZONE, \"reviewComment\" character varying(2000), \"recommended\" boolean NOT NULL DEFAULT false, \"recommendationReason\" character varying(2000), \"recommendedBy\" character varying(200), \"recommendedAt\" TIMESTAMP(3) WITH TIME ZONE, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_b72edd439b9db736f55b584fa54\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"evaluation_set_idx\" ON \"evaluation\"  (\"indicatorSetId\") ");
    await q.query("CREATE INDEX \"evaluation_updated_idx\" ON \"evaluation\"  (\"updatedAt\", \"id\") ");
    await q.query("CREATE INDEX \"evaluation_region_idx\" ON \"evaluation\"  (\"regionCode\", \"id\") ");
    await q.query("CREATE UNIQUE INDEX \"evaluation_unique\" ON \"evaluation\"  (\"agreementId\", \"year\", \"level\") ");
    await q.query("CREATE TABLE \"evaluation_score\" (\"evaluationId\" uuid NOT NULL, \"indicatorId\" uuid NOT NULL, \"score\" numeric(6,2) NOT NULL, \"reviewedScore\" numeric(6,2), CONSTRAINT \"PK_ef1bb2c6c20580fce4ac0540260\" PRIMARY KEY (\"evaluationId\", \"indicatorId\"))");
    await q.query("CREATE INDEX \"evaluation_score_indicator_idx\" ON \"evaluation_score\"  (\"indicatorId\") ");
    await q.query("ALTER TABLE \"evaluation_indicator\" ADD CONSTRAINT \"FK_88acb495d7d54386d66a1319809\" FOREIGN KEY (\"indicatorSetId\") REFERENCES \"indicator_set\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"evaluation\" ADD CONSTRAINT \"FK_b1e80faad6e669f5864b4d578d6\" FOREIGN KEY (\"agreementId\") REFERENCES \"agreement\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"evaluation\" ADD CONSTRAINT \"FK_f36924706b2d0aa62d199d25b9f\" FOREIGN KEY (\"indicatorSetId\") REFERENCES \"indicator_set\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"evaluation_score\" ADD CONSTRAINT \"FK_5e5f2b475f260cf31db3ba3f74a\" FOREIGN KEY (\"evaluationId\") REFERENCES \"evaluation\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"evaluation_score\" ADD CONSTRAINT \"FK_8f94d0d83f629e42b5eb3f665c2\" FOREIGN KEY (\"indicatorId\") REFERENCES \"evaluation_indicator\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE \"evaluation_score\" DROP CONSTRAINT \"FK_8f94d0d83f629e42b5eb3f665c2\"");
    await q.query("ALTER TABLE \"evaluation_score\" DROP CONSTRAINT \"FK_5e5f2b475f260cf31db3ba3f74a\"");
    await q.query("ALTER TABLE \"evaluation\" DROP CONSTRAINT \"FK_f36924706b2d0aa62d199d25b9f\"");
    await q.query("ALTER TABLE \"evaluation\" DROP CONSTRAINT \"FK_b1e80faad6e669f5864b4d578d6\"");
    await q.query("ALTER TABLE \"evaluation_indicator\" DROP CONSTRAINT \"FK_88acb495d7d54386d66a1319809\"");
    await q.query("DROP INDEX \"public\".\"evaluation_score_indicator_idx\"");
    await q.query("DROP TABLE \"evaluation_score\"");
    await q.query("DROP INDEX \"public\".\"evaluation_unique\"");
    await q.query("DROP INDEX \"public\".\"evaluation_region_idx\"");
    await q.query("DROP INDEX \"public\".\"evaluation_updated_idx\"");
    await q.query("DROP INDEX \"public\".\"evaluation_set_idx\"");
    await q.query("DROP TABLE \"evaluation\"");
    await q.query("DROP TYPE \"public\".\"evaluation_review_decision\"");
    await q.query("DROP TYPE \"public\".\"acceptance_decision\"");
    await q.query("DROP TYPE \"public\".\"evaluation_grade\"");
    await q.query("DROP TYPE \"public\".\"evaluation_status\"");
    await q.query("DROP INDEX \"public\".\"evaluation_indicator_code_unique\"");
    await q.query("DROP TABLE \"evaluation_indicator\"");
    await q.query("DROP INDEX \"public\".\"indicator_set_unique\"");
    await q.query("DROP INDEX \"public\".\"indicator_set_year_idx\"");
    await q.query("DROP TABLE \"indicator_set\"");
    await q.query("DROP TYPE \"public\".\"evaluation_level\"");
  }
}
