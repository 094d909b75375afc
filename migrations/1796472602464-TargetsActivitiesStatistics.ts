import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The household rows of a transition table with a sign (+1 new, −1 old). */
const rowsOf = (table: string, sign: number) => `SELECT ${sign} AS sign, "villageCode", size, "membersAbleToWork", techniques, "incomeProjects" FROM ${table}`;

/**
 * The upsert of signed household rows into household_village_stats: deltas summed per village, upserted in village
 * order (concurrent batches lock village rows in the same order: no deadlock), zero deltas skipped. A transition
 * table may only be named in a trigger that has it, so each branch of the function gets its own copy.
 */
const applyDelta = (rows: string) => `WITH delta AS (
    SELECT d."villageCode", sum(d.sign) AS households, sum(d.sign * d.size) AS people,
           COALESCE(sum(d.sign) FILTER (WHERE d."membersAbleToWork" > 0), 0) AS labour,
           COALESCE(sum(d.sign) FILTER (WHERE d."membersAbleToWork" > 0 AND cardinality(d.techniques) > 0), 0) AS technique,
           COALESCE(sum(d.sign) FILTER (WHERE cardinality(d."incomeProjects") > 0), 0) AS project,
           COALESCE(sum(d.sign) FILTER (WHERE cardinality(d.techniques) > 0 OR cardinality(d."incomeProjects") > 0), 0) AS helped,
           COALESCE(sum(d.sign * d.size) FILTER (WHERE cardinality(d.techniques) > 0 OR cardinality(d."incomeProjects") > 0), 0) AS "helpedPeople"
      FROM (${rows}) d
     GROUP BY d."villageCode")
  INSERT INTO household_village_stats AS s ("villageCode", households, people, "withLabour", "withLabourAndTechnique", "withIncomeProject", "helpedHouseholds", "helpedPeople")
  SELECT "villageCode", households, people, labour, technique, project, helped, "helpedPeople" FROM delta
   WHERE (households, people, labour, technique, project, helped, "helpedPeople") <> (0, 0, 0, 0, 0, 0, 0)
   ORDER BY "villageCode"
  ON CONFLICT ("villageCode") DO UPDATE SET
    households = s.households + EXCLUDED.households, people = s.people + EXCLUDED.people, "withLabour" = s."withLabour" + EXCLUDED."withLabour",
    "withLabourAndTechnique" = s."withLabourAndTechnique" + EXCLUDED."withLabourAndTechnique", "withIncomeProject" = s."withIncomeProject" + EXCLUDED."withIncomeProject",
    "helpedHouseholds" = s."helpedHouseholds" + EXCLUDED."helpedHouseholds", "helpedPeople" = s."helpedPeople" + EXCLUDED."helpedPeople"`;

/**
 * Targets, facilities, activities and the per-village household aggregate for statistics. Tables generated from the
 * entities by npm run migration:generate; the trigger function, the four statement-level triggers on `household`
 * (transition tables: one aggregate upsert per statement, however many rows — COPY and bulk upserts included) and the
 * backfill added by hand. TypeORM's schema diff ignores functions and triggers, so generating again finds nothing.
 */
export class TargetsActivitiesStatistics1796472602464 implements MigrationInterface {
  name = 'TargetsActivitiesStatistics1796472602464';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TYPE \"public\".\"indicator\" AS ENUM('TOWNSHIP_FEDERATIONS', 'RURAL_TECH_ASSOCIATIONS', 'EXPERTS_MOBILIZED', 'EXPERT_SERVICE_STATIONS', 'SCIENCE_CARAVANS', 'MOBILE_MUSEUM_TOURS', 'MIDDLE_SCHOOL_SCIENCE_MUSEUMS', 'E_STATIONS', 'TRAININGS_HELD', 'SCIENCE_POPULARIZATION_ACTIVITIES', 'HOUSEHOLDS_WITH_TECHNIQUE', 'HOUSEHOLDS_WITH_INCOME_PROJECT', 'POOR_VILLAGES_COVERED_BY_AGREEMENT', 'POOR_PEOPLE_HELPED')");
    await q.query("CREATE TABLE \"target\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"year\" smallint NOT NULL, \"indicator\" \"public\".\"indicator\" NOT NULL, \"value\" integer NOT NULL, \"setBy\" character varying(200) NOT NULL, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_9d962204b13c18851ea88fc72f3\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"target_year_indicator_idx\" ON \"target\"  (\"year\", \"indicator\", \"regionCode\") ");
    await q.query("CREATE UNIQUE INDEX \"target_region_year_indicator_unique\" ON \"target\"  (\"regionCode\", \"year\", \"indicator\") ");
    await q.query("CREATE TYPE \"public\".\"facility_kind\" AS ENUM('EXPERT_SERVICE_STATION', 'SCIENCE_CARAVAN', 'MOBILE_MUSEUM_TOUR_VISIT', 'MIDDLE_SCHOOL_SCIENCE_MUSEUM', 'E_STATION')");
    await q.query("CREATE TABLE \"facility\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"kind\" \"public\".\"facility_kind\" NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"name\" character varying(200) NOT NULL, \"startDate\" date NOT NULL, \"endDate\" date, \"operatorOrganizationId\" uuid, \"note\" character varying(1000), \"recordedBy\" character varying(200) NOT NULL, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_07c6c82781d105a680b5c265be6\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"facility_kind_idx\" ON \"facility\"  (\"kind\", \"regionCode\") ");
    await q.query("CREATE INDEX \"facility_region_idx\" ON \"facility\"  (\"regionCode\", \"startDate\") ");
    await q.query("CREATE TYPE \"public\".\"activity_kind\" AS ENUM('TRAINING', 'SCIENCE_POPULARIZATION')");
    await q.query("CREATE TABLE \"activity\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"kind\" \"public\".\"activity_kind\" NOT NULL, \"date\" date NOT NULL, \"regionCode\" character varying(12) COLLATE \"C\" NOT NULL, \"organizerOrganizationId\" uuid, \"organizerName\" character varying(200) NOT NULL, \"topic\" character varying(500) NOT NULL, \"attendees\" integer NOT NULL, \"techniquesTaught\" text array NOT NULL DEFAULT '{}', \"recordedBy\" character varying(200) NOT NULL, \"version\" integer NOT NULL DEFAULT '1', \"createdAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), \"updatedAt\" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_24625a1d6b1b089c8ae206fe467\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"activity_kind_date_idx\" ON \"activity\"  (\"kind\", \"date\") ");
    await q.query("CREATE INDEX \"activity_region_idx\" ON \"activity\"  (\"regionCode\", \"date\") ");
    await q.query("CREATE TABLE \"activity_household\" (\"activityId\" uuid NOT NULL, \"householdId\" uuid NOT NULL, CONSTRAINT \"PK_53eaeed46f5ecd5bfbf43ac3154\" PRIMARY KEY (\"activityId\", \"householdId\"))");
    await q.query("CREATE INDEX \"activity_household_household_idx\" ON \"activity_household\"  (\"householdId\") ");
    await q.query("CREATE TABLE \"household_village_stats\" (\"villageCode\" character varying(12) COLLATE \"C\" NOT NULL, \"households\" integer NOT NULL DEFAULT '0', \"people\" integer NOT NULL DEFAULT '0', \"withLabour\" integer NOT NULL DEFAULT '0', \"withLabourAndTechnique\" integer NOT NULL DEFAULT '0', \"withIncomeProject\" integer NOT NULL DEFAULT '0', \"helpedHouseholds\" integer NOT NULL DEFAULT '0', \"helpedPeople\" integer NOT NULL DEFAULT '0', CONSTRAINT \"PK_df6027926f70cb9a98c2954885f\" PRIMARY KEY (\"villageCode\"))");
    await q.query("ALTER TABLE \"target\" ADD CONSTRAINT \"FK_50e65cf855af5d8a9e0f8f4a4dc\" FOREIGN KEY (\"regionCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"facility\" ADD CONSTRAINT \"FK_3c15e010b13938e1b70cc7e3f01\" FOREIGN KEY (\"regionCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"facility\" ADD CONSTRAINT \"FK_65d6a02aeb7d0e65392bf18a031\" FOREIGN KEY (\"operatorOrganizationId\") REFERENCES \"organization\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"activity\" ADD CONSTRAINT \"FK_0a9e312b4992b1ab13f545b2805\" FOREIGN KEY (\"regionCode\") REFERENCES \"region\"(\"code\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"activity\" ADD CONSTRAINT \"FK_70a3545e70ce8cb224bf25993e9\" FOREIGN KEY (\"organizerOrganizationId\") REFERENCES \"organization\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"activity_household\" ADD CONSTRAINT \"FK_913960c4c44e6a121ca5a15b7bd\" FOREIGN KEY (\"activityId\") REFERENCES \"activity\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"activity_household\" ADD CONSTRAINT \"FK_bd87b361e9e479e1bfa6eb676e1\" FOREIGN KEY (\"householdId\") REFERENCES \"household\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    // household_village_stats: maintained from household by statement-level triggers with transition tables.
    await q.query(`CREATE FUNCTION household_village_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM household_village_stats;
  ELSIF TG_OP = 'INSERT' THEN
    ${applyDelta(rowsOf('new_rows', 1))};
  ELSIF TG_OP = 'UPDATE' THEN
    ${applyDelta(`${rowsOf('new_rows', 1)} UNION ALL ${rowsOf('old_rows', -1)}`)};
  ELSE
    ${applyDelta(rowsOf('old_rows', -1))};
  END IF;
  RETURN NULL;
END
$fn$`);
    await q.query(`CREATE TRIGGER household_village_stats_insert AFTER INSERT ON household REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION household_village_stats_apply()`);
    await q.query(`CREATE TRIGGER household_village_stats_update AFTER UPDATE ON household REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION household_village_stats_apply()`);
    await q.query(`CREATE TRIGGER household_village_stats_delete AFTER DELETE ON household REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION household_village_stats_apply()`);
    await q.query(`CREATE TRIGGER household_village_stats_truncate AFTER TRUNCATE ON household FOR EACH STATEMENT EXECUTE FUNCTION household_village_stats_apply()`);
    // Backfill from the households already registered.
    await q.query(`INSERT INTO household_village_stats ("villageCode", households, people, "withLabour", "withLabourAndTechnique", "withIncomeProject", "helpedHouseholds", "helpedPeople")
      SELECT "villageCode", count(*), sum(size), count(*) FILTER (WHERE "membersAbleToWork" > 0),
             count(*) FILTER (WHERE "membersAbleToWork" > 0 AND cardinality(techniques) > 0), count(*) FILTER (WHERE cardinality("incomeProjects") > 0),
             count(*) FILTER (WHERE cardinality(techniques) > 0 OR cardinality("incomeProjects") > 0),
             COALESCE(sum(size) FILTER (WHERE cardinality(techniques) > 0 OR cardinality("incomeProjects") > 0), 0)
        FROM household GROUP BY "villageCode"`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['insert', 'update', 'delete', 'truncate']) await q.query(`DROP TRIGGER household_village_stats_${t} ON household`);
    await q.query('DROP FUNCTION household_village_stats_apply()');
    await q.query("ALTER TABLE \"activity_household\" DROP CONSTRAINT \"FK_bd87b361e9e479e1bfa6eb676e1\"");
    await q.query("ALTER TABLE \"activity_household\" DROP CONSTRAINT \"FK_913960c4c44e6a121ca5a15b7bd\"");
    await q.query("ALTER TABLE \"activity\" DROP CONSTRAINT \"FK_70a3545e70ce8cb224bf25993e9\"");
    await q.query("ALTER TABLE \"activity\" DROP CONSTRAINT \"FK_0a9e312b4992b1ab13f545b2805\"");
    await q.query("ALTER TABLE \"facility\" DROP CONSTRAINT \"FK_65d6a02aeb7d0e65392bf18a031\"");
    await q.query("ALTER TABLE \"facility\" DROP CONSTRAINT \"FK_3c15e010b13938e1b70cc7e3f01\"");
    await q.query("ALTER TABLE \"target\" DROP CONSTRAINT \"FK_50e65cf855af5d8a9e0f8f4a4dc\"");
    await q.query("DROP TABLE \"household_village_stats\"");
    await q.query("DROP INDEX \"public\".\"activity_household_household_idx\"");
    await q.query("DROP TABLE \"activity_household\"");
    await q.query("DROP INDEX \"public\".\"activity_region_idx\"");
    await q.query("DROP INDEX \"public\".\"activity_kind_date_idx\"");
    await q.query("DROP TABLE \"activity\"");
    await q.query("DROP TYPE \"public\".\"activity_kind\"");
    await q.query("DROP INDEX \"public\".\"facility_region_idx\"");
    await q.query("DROP INDEX \"public\".\"facility_kind_idx\"");
    await q.query("DROP TABLE \"facility\"");
    await q.query("DROP TYPE \"public\".\"facility_kind\"");
    await q.query("DROP INDEX \"public\".\"target_region_year_indicator_unique\"");
    await q.query("DROP INDEX \"public\".\"target_year_indicator_idx\"");
    await q.query("DROP TABLE \"target\"");
    await q.query("DROP TYPE \"public\".\"indicator\"");
  }
}
