import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The providers (organization, experts) of the agreements in $1 (uuid[]). */
const PROVIDERS = `SELECT 'ORGANIZATION'::varchar AS kind, a."organizationId" AS pid FROM agreement a WHERE a.id = ANY($1) AND a."organizationId" IS NOT NULL
                   UNION SELECT 'EXPERT', ae."expertId" FROM agreement_expert ae WHERE ae."agreementId" = ANY($1)`;

/**
 * Recomputes provider_grade for the providers of the given agreements: for each provider, the latest SUBMITTED or
 * REVIEWED evaluation of every agreement it took part in (highest year, then level, then last changed — the
 * rule matching applied per request before), averaged in grade points. Each provider is locked first (transaction
 * advisory locks, in key order; the whole table for more than 64 providers), and the recomputation is a later
 * statement with its own snapshot, so two transactions changing evaluations of one provider at once cannot leave an
 * average that misses either.
 */
const REFRESH = `CREATE FUNCTION provider_grade_refresh(agreements uuid[]) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  n integer;
BEGIN
  SELECT count(*) INTO n FROM (${PROVIDERS.replace(/\$1/g, 'agreements')}) x;
  IF n > 64 THEN
    -- A bulk change (a load, the backfill): one table lock instead of thousands of advisory locks.
    LOCK TABLE provider_grade IN EXCLUSIVE MODE;
  ELSE
    -- Waits for a bulk change to commit (EXCLUSIVE), then serializes per provider.
    LOCK TABLE provider_grade IN ROW EXCLUSIVE MODE;
    PERFORM pg_advisory_xact_lock(hashtextextended('provider_grade:' || p.kind || ':' || p.pid::text, 0))
       FROM (SELECT DISTINCT kind, pid FROM (${PROVIDERS.replace(/\$1/g, 'agreements')}) x ORDER BY 1, 2) p;
  END IF;
  WITH providers AS (${PROVIDERS.replace(/\$1/g, 'agreements')}),
  prov AS (
    SELECT p.kind, p.pid, a.id AS aid FROM providers p JOIN agreement a ON p.kind = 'ORGANIZATION' AND a."organizationId" = p.pid
    UNION
    SELECT p.kind, p.pid, ae."agreementId" FROM providers p JOIN agreement_expert ae ON p.kind = 'EXPERT' AND ae."expertId" = p.pid
  ), latest AS (
    SELECT DISTINCT ON (p.kind, p.pid, p.aid) p.kind, p.pid,
           CASE ev.grade WHEN 'EXCELLENT' THEN 10 WHEN 'GOOD' THEN 7 WHEN 'PASS' THEN 4 ELSE 0 END AS pts
      FROM prov p JOIN evaluation ev ON ev."agreementId" = p.aid AND ev.status IN ('SUBMITTED', 'REVIEWED')
     ORDER BY p.kind, p.pid, p.aid, ev.year DESC, ev.level DESC, ev."updatedAt" DESC, ev.id DESC
  ), graded AS (
    SELECT kind, pid, round(avg(pts), 2) AS points, count(*)::int AS evaluated FROM latest GROUP BY kind, pid
  ), gone AS (
    DELETE FROM provider_grade g USING providers p
     WHERE g.kind = p.kind AND g."providerId" = p.pid AND NOT EXISTS (SELECT 1 FROM graded x WHERE x.kind = p.kind AND x.pid = p.pid)
  )
  INSERT INTO provider_grade (kind, "providerId", points, evaluated) SELECT kind, pid, points, evaluated FROM graded
  ON CONFLICT (kind, "providerId") DO UPDATE SET points = EXCLUDED.points, evaluated = EXCLUDED.evaluated
   WHERE provider_grade.points IS DISTINCT FROM EXCLUDED.points OR provider_grade.evaluated IS DISTINCT FROM EXCLUDED.evaluated;
END
$fn$`;

/** provider_grade: the evaluation component of matching, kept by triggers on evaluation (see the entity). */
export class ProviderGrade1796593922467 implements MigrationInterface {
  name = 'ProviderGrade1796593922467';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TABLE \"provider_grade\" (\"kind\" character varying(12) NOT NULL, \"providerId\" uuid NOT NULL, \"points\" numeric(4,2) NOT NULL, \"evaluated\" integer NOT NULL, CONSTRAINT \"PK_30035b3e5e9b697cee83e1c124e\" PRIMARY KEY (\"kind\", \"providerId\"))");
    await q.query(REFRESH);
    await q.query(`CREATE FUNCTION provider_grade_new_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM provider_grade_refresh(ARRAY(SELECT DISTINCT "agreementId" FROM changed));
  RETURN NULL;
END
$fn$`);
    await q.query(`CREATE TRIGGER provider_grade_insert AFTER INSERT ON evaluation REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION provider_grade_new_rows()`);
    await q.query(`CREATE TRIGGER provider_grade_update AFTER UPDATE ON evaluation REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION provider_grade_new_rows()`);
    await q.query(`CREATE TRIGGER provider_grade_delete AFTER DELETE ON evaluation REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION provider_grade_new_rows()`);
    // Evaluations already there (none outside a bulk load).
    await q.query(`SELECT provider_grade_refresh(ARRAY(SELECT DISTINCT "agreementId" FROM evaluation))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER provider_grade_delete ON evaluation`);
    await q.query(`DROP TRIGGER provider_grade_update ON evaluation`);
    await q.query(`DROP TRIGGER provider_grade_insert ON evaluation`);
    await q.query(`DROP FUNCTION provider_grade_new_rows()`);
    await q.query(`DROP FUNCTION provider_grade_refresh(uuid[])`);
    await q.query("DROP TABLE \"provider_grade\"");
  }
}
