/**
 * The raw-SQL floor of the issue 8 benchmark: ONE statement that returns, as text, exactly the JSON body Zhuli
 * answers PROVINCIAL_AGREEMENTS (bench/queries.ts) with — `{"data":{"agreements":{…}}}`, same keys in the same
 * order, same global IDs and cursors, same ordering, same nulls, same DateTimeISO formatting — so the floor pays
 * only for PostgreSQL and the socket, never for a GraphQL layer.
 *
 * What it mirrors (read the resolvers before changing it):
 * - agreements: caller's region scope AND `within` (both `regionCode LIKE prefix%`, src/graphql/scope.ts), status
 *   IN the filter, ORDER BY updatedAt DESC, id DESC, LIMIT first + 1 for hasNextPage (src/graphql/connection.ts
 *   paginate, merging one scan per status as its splitBy does); endCursor = base64url(JSON [updatedAt ISO, id]);
 * - organization: null when none or outside the scope (OrganizationService.byIds);
 * - experts: by expertId ascending, those outside the scope left out (AgreementService.expertIdsOf + ExpertService.byIds);
 * - beneficiaryVillages(first: 10): by villageCode ascending, each with parent (township) and its parent (county);
 * - latestEvaluation: in scope, highest year, then level (enum order), then newest (EvaluationService.latestOf);
 * - filingHistory(first: 10): by step id ascending (oldest first);
 * - global IDs: base64url("<Type>:<key>") without padding (src/graphql/node.ts);
 * - timestamps: toISOString(), i.e. UTC with milliseconds and "Z" (the columns are timestamptz(3));
 * - numeric totalScore as a JSON number (the entity's NUMERIC transformer gives a JS number).
 *
 * Parameters: $1 scope LIKE pattern (`34%` for a provincial coordinator of 340000), $2 `within` LIKE pattern
 * (regionPrefix(within) + '%'), $3 statuses (agreement_status[]), $4 first (0..100).
 */
export const RAW_AGREEMENTS_SQL = /* SQL */ `
WITH page AS (
  -- Zhuli's per-status merge (paginate's splitBy): one limited scan of agreement_status_updated_idx per status,
  -- merged in order, instead of walking agreement_updated_idx and discarding the other statuses' rows
  SELECT m.*, row_number() OVER (ORDER BY m."updatedAt" DESC, m.id DESC) AS rn
    FROM (SELECT s.* FROM unnest($3::agreement_status[]) AS st(status)
          CROSS JOIN LATERAL (
            SELECT a.id, a."registryNumber", a.title, a.status, a."regionCode", a."registeredAt", a."updatedAt", a."organizationId"
              FROM agreement a
             WHERE a.status = st.status AND a."regionCode" LIKE $1 AND a."regionCode" LIKE $2
             ORDER BY a."updatedAt" DESC, a.id DESC
             LIMIT $4::int + 1) s
          ORDER BY s."updatedAt" DESC, s.id DESC
          LIMIT $4::int + 1) m
), shown AS (
  SELECT * FROM page WHERE rn <= $4::int
)
SELECT json_build_object('data', json_build_object('agreements', json_build_object(
  'pageInfo', json_build_object(
    'hasNextPage', $4::int > 0 AND (SELECT count(*) FROM page) > $4::int,
    'endCursor', (SELECT rtrim(translate(encode(convert_to('["' || to_char(s."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '","' || s.id || '"]', 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')
                    FROM shown s ORDER BY s.rn DESC LIMIT 1)
  ),
  'edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
      'id', rtrim(translate(encode(convert_to('Agreement:' || s.id, 'UTF8'), 'base64'), E'+/\\n', '-_'), '='),
      'registryNumber', s."registryNumber",
      'title', s.title,
      'status', s.status,
      'regionCode', s."regionCode",
      'registeredAt', to_char(s."registeredAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'updatedAt', to_char(s."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'organization', (SELECT json_build_object(
            'id', rtrim(translate(encode(convert_to('Organization:' || o.id, 'UTF8'), 'base64'), E'+/\\n', '-_'), '='),
            'name', o.name, 'type', o.type, 'regionCode', o."regionCode")
          FROM organization o WHERE o.id = s."organizationId" AND o."regionCode" LIKE $1),
      'experts', COALESCE((SELECT json_agg(json_build_object(
            'id', rtrim(translate(encode(convert_to('Expert:' || e.id, 'UTF8'), 'base64'), E'+/\\n', '-_'), '='),
            'name', e.name, 'title', e.title, 'regionCode', e."regionCode") ORDER BY ae."expertId")
          FROM agreement_expert ae JOIN expert e ON e.id = ae."expertId"
         WHERE ae."agreementId" = s.id AND e."regionCode" LIKE $1), '[]'::json),
      'beneficiaryVillages', json_build_object('edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
            'code', v.code, 'name', v.name,
            'parent', CASE WHEN t.code IS NULL THEN NULL ELSE json_build_object('code', t.code, 'name', t.name,
                        'parent', CASE WHEN c.code IS NULL THEN NULL ELSE json_build_object('code', c.code, 'name', c.name) END) END
          )) ORDER BY av."villageCode")
          FROM (SELECT "villageCode" FROM agreement_village WHERE "agreementId" = s.id ORDER BY "villageCode" LIMIT 10) av
          JOIN region v ON v.code = av."villageCode"
          LEFT JOIN region t ON t.code = v."parentCode"
          LEFT JOIN region c ON c.code = t."parentCode"), '[]'::json)),
      'latestEvaluation', (SELECT json_build_object(
            'id', rtrim(translate(encode(convert_to('Evaluation:' || ev.id, 'UTF8'), 'base64'), E'+/\\n', '-_'), '='),
            'year', ev.year, 'level', ev.level, 'totalScore', ev."totalScore"::float8, 'grade', ev.grade, 'status', ev.status)
          FROM evaluation ev WHERE ev."agreementId" = s.id AND ev."regionCode" LIKE $1
         ORDER BY ev.year DESC, ev.level DESC, ev."createdAt" DESC, ev.id DESC LIMIT 1),
      'filingHistory', json_build_object('edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
            'level', f.level, 'decision', f.decision, 'toStatus', f."toStatus", 'actorName', f."actorName", 'reason', f.reason,
            'at', to_char(f.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) ORDER BY f.id)
          FROM (SELECT id, level, decision, "toStatus", "actorName", reason, at FROM agreement_filing_step WHERE "agreementId" = s.id ORDER BY id LIMIT 10) f), '[]'::json))
    )) ORDER BY s.rn) FROM shown s), '[]'::json)
)))::text AS body`;

