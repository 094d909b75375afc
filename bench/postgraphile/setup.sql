-- What a PostGraphile v4 user adds so that PostGraphile can answer Zhuli's PROVINCIAL_AGREEMENTS query
-- (bench/queries.ts) with one equivalent GraphQL query (POSTGRAPHILE_AGREEMENTS in bench/peers.ts).
--
-- Everything lives in its own schema, postgraphile_bench, so the application's schema and migrations stay
-- untouched; the runner applies this file to the benchmark database (idempotent: run it as often as you like).
-- The migrations already declare every foreign key the query walks (agreement.organizationId → organization,
-- agreement_expert → agreement/expert, agreement_village → agreement/region, region.parentCode → region,
-- agreement_filing_step.agreementId → agreement), so no virtual foreign keys are needed for those, and every index
-- used here exists already for Zhuli: no index is added for the peer.

CREATE SCHEMA IF NOT EXISTS postgraphile_bench;

-- GB/T 2260 significant prefix, as src/graphql/scope.ts regionPrefix(): 340000 → 34, 341500 → 3415, else whole.
CREATE OR REPLACE FUNCTION postgraphile_bench.region_prefix(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN length(code) = 6 AND right(code, 4) = '0000' THEN left(code, 2)
    WHEN length(code) = 6 AND right(code, 2) = '00' THEN left(code, 4)
    ELSE code
  END
$$;
COMMENT ON FUNCTION postgraphile_bench.region_prefix(text) IS E'@omit\nSignificant prefix of a division code (internal helper).';

-- Root field `agreementsWithin(within:, statuses:)`: Zhuli's `agreements(filter: { within, status })` with its
-- default order (updatedAt DESC, id DESC as the tiebreaker). A plain STABLE SQL function, so PostgreSQL inlines
-- it into PostGraphile's statement and the LIMIT reaches the scan.
CREATE OR REPLACE FUNCTION postgraphile_bench.agreements_within(within text, statuses public.agreement_status[])
RETURNS SETOF public.agreement
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT a.*
    FROM public.agreement a
   WHERE a."regionCode" LIKE postgraphile_bench.region_prefix(within) || '%'
     AND a.status = ANY (statuses)
     -- the prefix again as a range: PostGraphile runs prepared statements, and a generic plan cannot turn
     -- LIKE <parameter> into an index range by itself (Zhuli's LIKE gets a plan per execution)
     AND a."regionCode" >= postgraphile_bench.region_prefix(within)
     AND a."regionCode" < postgraphile_bench.region_prefix(within) || chr(1114111)
   ORDER BY a."updatedAt" DESC, a.id DESC
$$;
COMMENT ON FUNCTION postgraphile_bench.agreements_within(text, public.agreement_status[]) IS
  'Agreements whose region code lies within a division (by its significant prefix) in the given statuses, last changed first.';

-- `latestEvaluation`: Zhuli's rule (EvaluationService.latestOf) — highest year, then highest level (enum order
-- COUNTY < CITY < PROVINCE < NATIONAL), then newest. PostGraphile only takes computed columns from the table's own
-- schema (public), so instead of agreement_latest_evaluation() the peer gets a view here with a smart-tag unique key
-- and foreign key: PostGraphile then exposes it as the single backward relation
-- Agreement.latestEvaluationByAgreementId and joins it in its one SQL statement (the agreementId condition is
-- pushed into the DISTINCT ON, which walks the evaluation_unique ("agreementId", year, level) index).
CREATE OR REPLACE VIEW postgraphile_bench.latest_evaluation AS
  SELECT DISTINCT ON (e."agreementId") e.id, e."agreementId", e.year, e.level, e."totalScore", e.grade, e.status
    FROM public.evaluation e
   ORDER BY e."agreementId", e.year DESC, e.level DESC, e."createdAt" DESC, e.id DESC;
COMMENT ON VIEW postgraphile_bench.latest_evaluation IS E'@primaryKey "agreementId"\n@foreignKey ("agreementId") references public.agreement (id)|@fieldName agreement|@foreignFieldName latestEvaluation\n@omit create,update,delete,all\nThe latest evaluation of an agreement: highest year, then highest level, then newest.';
