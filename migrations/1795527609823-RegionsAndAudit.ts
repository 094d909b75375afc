import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities by npm run migration:generate. */
export class RegionsAndAudit1795527609823 implements MigrationInterface {
  name = 'RegionsAndAudit1795527609823';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TABLE \"audit_event\" (\"seq\" BIGSERIAL NOT NULL, \"operation\" character varying(80) NOT NULL, \"entityType\" character varying(60) NOT NULL, \"entityId\" character varying(80) NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\", \"actorSubject\" character varying(200) NOT NULL, \"apiKeyId\" character varying(80), \"requestId\" character varying(80) NOT NULL, \"before\" jsonb, \"after\" jsonb, \"at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_53300da00860bdf4dc3ef7daae6\" PRIMARY KEY (\"seq\"))");
    await q.query("CREATE INDEX \"audit_event_region_idx\" ON \"audit_event\"  (\"regionCode\", \"seq\") ");
    await q.query("CREATE INDEX \"audit_event_actor_idx\" ON \"audit_event\"  (\"actorSubject\", \"seq\") ");
    await q.query("CREATE INDEX \"audit_event_entity_idx\" ON \"audit_event\"  (\"entityType\", \"entityId\", \"seq\") ");
    await q.query("CREATE TYPE \"public\".\"region_level\" AS ENUM('PROVINCE', 'CITY', 'COUNTY', 'TOWNSHIP', 'VILLAGE')");
    await q.query("CREATE TYPE \"public\".\"poverty_designation\" AS ENUM('NONE', 'NATIONAL', 'PROVINCIAL', 'POOR_VILLAGE')");
    await q.query("CREATE TABLE \"region\" (\"code\" character varying(12) COLLATE \"C\" NOT NULL, \"name\" character varying(100) NOT NULL, \"level\" \"public\".\"region_level\" NOT NULL, \"parentCode\" character varying(12) COLLATE \"C\", \"povertyDesignation\" \"public\".\"poverty_designation\" NOT NULL DEFAULT 'NONE', \"designatedYear\" smallint, \"povertyExitYear\" smallint, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_74f7723fdff738f92929c0056cb\" PRIMARY KEY (\"code\"))");
    await q.query("CREATE INDEX \"region_level_idx\" ON \"region\"  (\"level\", \"code\") ");
    await q.query("CREATE INDEX \"region_parent_idx\" ON \"region\"  (\"parentCode\", \"code\") ");
    await q.query("CREATE TABLE \"county_pairing\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"helperCode\" character varying(12) COLLATE \"C\" NOT NULL, \"helpedCode\" character varying(12) COLLATE \"C\" NOT NULL, \"basis\" character varying(500) NOT NULL, \"startDate\" date NOT NULL, \"endDate\" date, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_99b8763985bf854ff45954bf3ca\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"county_pairing_helped_idx\" ON \"county_pairing\"  (\"helpedCode\") ");
    await q.query("CREATE UNIQUE INDEX \"county_pairing_unique\" ON \"county_pairing\"  (\"helperCode\", \"helpedCode\", \"startDate\") ");
    await q.query("ALTER TABLE \"region\" ADD CONSTRAINT \"FK_3d6d173f946211586b73530564f\" FOREIGN KEY (\"parentCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"county_pairing\" ADD CONSTRAINT \"FK_b1616e4b3e12456440d480e5180\" FOREIGN KEY (\"helperCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"county_pairing\" ADD CONSTRAINT \"FK_4f7e420144ede93bf2cbdaa5232\" FOREIGN KEY (\"helpedCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE \"county_pairing\" DROP CONSTRAINT \"FK_4f7e420144ede93bf2cbdaa5232\"");
    await q.query("ALTER TABLE \"county_pairing\" DROP CONSTRAINT \"FK_b1616e4b3e12456440d480e5180\"");
    await q.query("ALTER TABLE \"region\" DROP CONSTRAINT \"FK_3d6d173f946211586b73530564f\"");
    await q.query("DROP INDEX \"public\".\"county_pairing_unique\"");
    await q.query("DROP INDEX \"public\".\"county_pairing_helped_idx\"");
    await q.query("DROP TABLE \"county_pairing\"");
    await q.query("DROP INDEX \"public\".\"region_parent_idx\"");
    await q.query("DROP INDEX \"public\".\"region_level_idx\"");
    await q.query("DROP TABLE \"region\"");
    await q.query("DROP TYPE \"public\".\"poverty_designation\"");
    await q.query("DROP TYPE \"public\".\"region_level\"");
    await q.query("DROP INDEX \"public\".\"audit_event_entity_idx\"");
    await q.query("DROP INDEX \"public\".\"audit_event_actor_idx\"");
    await q.query("DROP INDEX \"public\".\"audit_event_region_idx\"");
    await q.query("DROP TABLE \"audit_event\"");
  }
}
