import { GraphQLError } from 'graphql';
import type { DataSource } from 'typeorm';
import { encodeCursor, Page, pageWindow, type PageArgs } from '../../graphql/connection';
import { regionPrefix, type Scope } from '../../graphql/scope';
import { RegionLevel } from '../regions/region.entity';
import type { RegionService } from '../regions/region.service';
import { Indicator, INDICATORS } from '../targets/indicator';
import type { TargetService } from '../targets/target.service';
import { MAX_YEAR, MIN_YEAR } from '../targets/target.types';
import { AssessmentGrade, type AssessedIndicator, type CountyAssessment, type HouseholdCoverage, type RegionFigures, type Statistics, type VillageCoverage } from './statistics.types';

/** The whole country: statistics over every code, broken down by province. */
export const NATIONAL_CODE = '000000';

/** Facility kind → the indicator it counts. */
const FACILITY_INDICATOR: Record<string, Indicator> = {
  EXPERT_SERVICE_STATION: Indicator.EXPERT_SERVICE_STATIONS,
  SCIENCE_CARAVAN: Indicator.SCIENCE_CARAVANS,
  MOBILE_MUSEUM_TOUR_VISIT: Indicator.MOBILE_MUSEUM_TOURS,
  MIDDLE_SCHOOL_SCIENCE_MUSEUM: Indicator.MIDDLE_SCHOOL_SCIENCE_MUSEUMS,
  E_STATION: Indicator.E_STATIONS,
};
const caseOf = (column: string, map: Record<string, string>) => `CASE ${column} ${Object.entries(map).map(([k, v]) => `WHEN '${k}' THEN '${v}'`).join(' ')} END`;

/**
 * Every figure of a region in ONE statement, grouped by child region: each source is aggregated by the first
 * `$2` characters of its region code (one index range scan per table over the code prefix `$1`), households come
 * from the per-village aggregate `household_village_stats` (maintained by triggers, never a scan of `household`),
 * and the groups are summed per child prefix (`$5`/`$6`) and in total (child NULL). Long format: (child, key, n).
 * Whether a poor village is covered by an agreement active in the year is probed per village (LATERAL … LIMIT 1 on
 * `agreement_village_village_idx`, stopping at the first such agreement): on the province dataset 44 ms against
 * 154 ms for the distinct covered villages of every agreement joined first, which the planner also chose for EXISTS.
 * $3/$4: first and last day of the year. When every child prefix is `$2` long (always, in the GB/T 2260 tree) the
 * groups meet the children on equality, a hash join; otherwise on a prefix test, a nested loop.
 */
export const figuresSql = (uniformChildren: boolean) => `
WITH
org AS (SELECT left("regionCode", $2) AS g, ${caseOf('type::text', { TOWNSHIP_TECH_FEDERATION: Indicator.TOWNSHIP_FEDERATIONS, RURAL_TECH_ASSOCIATION: Indicator.RURAL_TECH_ASSOCIATIONS })} AS k, count(*) AS n
          FROM organization WHERE "regionCode" LIKE $1 AND status = 'ACTIVE' AND type IN ('TOWNSHIP_TECH_FEDERATION', 'RURAL_TECH_ASSOCIATION') GROUP BY 1, 2),
exp AS (SELECT left("regionCode", $2) AS g, '${Indicator.EXPERTS_MOBILIZED}' AS k, count(*) AS n
          FROM expert WHERE "regionCode" LIKE $1 AND status = 'ACTIVE' AND "rosterStatus" IN ('FILED', 'REGISTERED') GROUP BY 1),
fac AS (SELECT left("regionCode", $2) AS g, ${caseOf('kind::text', FACILITY_INDICATOR)} AS k, count(*) AS n
          FROM facility WHERE "regionCode" LIKE $1 AND "startDate" <= $4::date AND ("endDate" IS NULL OR "endDate" >= $3::date) GROUP BY 1, 2),
act AS (SELECT left("regionCode", $2) AS g, ${caseOf('kind::text', { TRAINING: Indicator.TRAININGS_HELD, SCIENCE_POPULARIZATION: Indicator.SCIENCE_POPULARIZATION_ACTIVITIES })} AS k, count(*) AS n
          FROM activity WHERE "regionCode" LIKE $1 AND date BETWEEN $3::date AND $4::date GROUP BY 1, 2),
hh AS (SELECT left("villageCode", $2) AS g, sum(households) AS households, sum(people) AS people, sum("withLabour") AS labour,
              sum("withLabourAndTechnique") AS technique, sum("withIncomeProject") AS project, sum("helpedPeople") AS helped
         FROM household_village_stats WHERE "villageCode" LIKE $1 GROUP BY 1),
rtav AS (SELECT DISTINCT "regionCode" AS code FROM organization
          WHERE "regionCode" LIKE $1 AND length("regionCode") = 12 AND type = 'RURAL_TECH_ASSOCIATION' AND status = 'ACTIVE'),
esv AS (SELECT DISTINCT "regionCode" AS code FROM facility
         WHERE "regionCode" LIKE $1 AND length("regionCode") = 12 AND kind = 'E_STATION' AND "startDate" <= $4::date AND ("endDate" IS NULL OR "endDate" >= $3::date)),
pv AS (SELECT left(p."regionCode", $2) AS g, count(*) AS total, count(*) FILTER (WHERE p.covered) AS agreement,
              count(*) FILTER (WHERE p."hasRuralTechAssociation" OR rtav.code IS NOT NULL) AS rta,
              count(*) FILTER (WHERE p."hasEStation" OR esv.code IS NOT NULL) AS estation
         FROM (SELECT p.*, cov.hit IS NOT NULL AS covered FROM poor_village p
                 LEFT JOIN LATERAL (SELECT 1 AS hit FROM agreement_village av JOIN agreement a ON a.id = av."agreementId"
                                     WHERE av."villageCode" = p."regionCode" AND a.status IN ('REGISTERED', 'IN_PROGRESS', 'COMPLETED')
                                       AND (a."periodStart" IS NULL OR a."periodStart" <= $4::date) AND (a."periodEnd" IS NULL OR a."periodEnd" >= $3::date)
                                     LIMIT 1) cov ON true
                WHERE p."regionCode" LIKE $1) p
         LEFT JOIN rtav ON rtav.code = p."regionCode" LEFT JOIN esv ON esv.code = p."regionCode"
        GROUP BY 1),
facts AS (
  SELECT g, k, n FROM org UNION ALL SELECT g, k, n FROM exp UNION ALL SELECT g, k, n FROM fac UNION ALL SELECT g, k, n FROM act
  UNION ALL SELECT hh.g, v.k, v.n FROM hh CROSS JOIN LATERAL (VALUES
      ('households', hh.households), ('people', hh.people), ('withLabour', hh.labour), ('${Indicator.HOUSEHOLDS_WITH_TECHNIQUE}', hh.technique),
      ('${Indicator.HOUSEHOLDS_WITH_INCOME_PROJECT}', hh.project), ('${Indicator.POOR_PEOPLE_HELPED}', hh.helped)) v(k, n)
  UNION ALL SELECT pv.g, v.k, v.n FROM pv CROSS JOIN LATERAL (VALUES
      ('poorVillages', pv.total), ('${Indicator.POOR_VILLAGES_COVERED_BY_AGREEMENT}', pv.agreement), ('byRuralTechAssociation', pv.rta), ('byEStation', pv.estation)) v(k, n))
SELECT c.code AS child, f.k AS key, sum(f.n)::bigint::text AS n
  FROM facts f JOIN unnest($5::text[], $6::text[]) AS c(code, prefix) ON ${uniformChildren ? 'f.g = c.prefix' : 'left(f.g, length(c.prefix)) = c.prefix'}
 GROUP BY 1, 2
UNION ALL
SELECT NULL, k, sum(n)::bigint::text FROM facts GROUP BY k`;

/** A child region of a statistics report: its code, name and code prefix. */
interface Child {
  code: string;
  name: string;
  prefix: string;
}

type Counts = Map<string, number>;
const rate = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : null);

/**
 * Statistics for reporting front ends and the assessment of county associations (考核), computed from SQL
 * aggregates over the region code prefix in a constant number of statements (region, children, figures, targets).
 */
export class StatisticsService {
  constructor(
    private readonly ds: DataSource,
    private readonly regions: RegionService,
    private readonly targets: TargetService,
  ) {}

  /** Statistics of a region for a year with the breakdown by child region; null when unknown or outside the scope. */
  async statistics(scope: Scope, regionCode: string, year: number): Promise<Statistics | null> {
    checkArgs(regionCode, year);
    const national = regionCode === NATIONAL_CODE;
    if (!(national ? scope.prefix === '' : scope.covers(regionCode))) return null;
    let name = '全国';
    if (!national) {
      const [region] = await this.regions.byCodes([regionCode]);
      if (!region || region.level === RegionLevel.VILLAGE) return null;
      name = region.name;
    }
    const prefix = national ? '' : regionPrefix(regionCode);
    const children: Child[] = (
      await this.ds.query(national ? `SELECT code, name FROM region WHERE level = 'PROVINCE' ORDER BY code` : `SELECT code, name FROM region WHERE "parentCode" = $1 ORDER BY code`, national ? [] : [regionCode])
    ).map((r: { code: string; name: string }) => ({ ...r, prefix: regionPrefix(r.code) }));
    const counts = await this.figures(prefix, children, year);
    const targets = await this.targets.forRegions([regionCode, ...children.map((c) => c.code)], year);
    const targetOf = (code: string) => new Map(targets.filter((t) => t.regionCode === code).map((t) => [t.indicator, t.value]));
    const total = figuresOf(regionCode, name, counts.get(null) ?? new Map(), targetOf(regionCode));
    return { ...total, year, rows: children.map((c) => figuresOf(c.code, c.name, counts.get(c.code) ?? new Map(), targetOf(c.code))) };
  }

  /** One page of the breakdown rows (already computed), keyset by child code. */
  breakdown(s: Statistics, page: PageArgs): Page<RegionFigures> {
    const { limit, after } = pageWindow(page);
    const from = after ? s.rows.findIndex((r) => r.regionCode > String(after[1])) : 0;
    const rest = from < 0 ? [] : s.rows.slice(from);
    const items = rest.slice(0, limit);
    return new Page(items, items.map((r) => encodeCursor(r.regionCode, r.regionCode)), rest.length > limit, after !== null, async () => s.rows.length);
  }

  /**
   * The assessment (考核) of the county associations inside a region against their targets for a year: counties
   * with at least one target, by code, keyset-paged. Each indicator with a target scores min(1, actual / target);
   * the score is 100 × their average.
   */
  async countyAssessments(scope: Scope, regionCode: string, year: number, page: PageArgs): Promise<Page<CountyAssessment>> {
    checkArgs(regionCode, year);
    const { limit, after } = pageWindow(page);
    const national = regionCode === NATIONAL_CODE;
    if (!(national ? scope.prefix === '' : scope.covers(regionCode))) return Page.empty();
    const pattern = `${national ? '' : regionPrefix(regionCode)}%`;
    const countiesSql = `FROM target t JOIN region r ON r.code = t."regionCode" AND r.level = 'COUNTY' WHERE t.year = $1 AND t."regionCode" LIKE $2`;
    const afterCode = after ? String(after[1]) : '';
    const counties: Array<{ code: string; name: string }> = limit === 0 ? [] : await this.ds.query(
      `SELECT DISTINCT r.code, r.name ${countiesSql} AND t."regionCode" > $3 ORDER BY r.code LIMIT $4`,
      [year, pattern, afterCode, limit + 1],
    );
    const items = counties.slice(0, limit);
    const count = async () => Number((await this.ds.query(`SELECT count(DISTINCT r.code)::int AS n ${countiesSql}`, [year, pattern]))[0].n);
    if (!items.length) return new Page([], [], false, after !== null, count);
    const counts = await this.figures(pattern.slice(0, -1), items.map((c) => ({ ...c, prefix: c.code })), year);
    const targets = await this.targets.forRegions(items.map((c) => c.code), year);
    const assessments = items.map((c): CountyAssessment => {
      const mine = counts.get(c.code) ?? new Map();
      const own = new Map(targets.filter((t) => t.regionCode === c.code).map((t) => [t.indicator, t.value]));
      const indicators: AssessedIndicator[] = INDICATORS.filter((i) => own.has(i)).map((indicator) => {
        const target = own.get(indicator) as number;
        const actual = mine.get(indicator) ?? 0;
        return { indicator, target, actual, completion: target > 0 ? Math.min(1, actual / target) : 1 };
      });
      const completionRate = indicators.reduce((a, i) => a + i.completion, 0) / indicators.length;
      const score = Math.round(completionRate * 1000) / 10;
      return {
        countyCode: c.code,
        countyName: c.name,
        year,
        indicatorsAssessed: indicators.length,
        indicatorsMet: indicators.filter((i) => i.actual >= i.target).length,
        completionRate: Math.round(completionRate * 10000) / 10000,
        score,
        grade: score >= 90 ? AssessmentGrade.EXCELLENT : score >= 75 ? AssessmentGrade.GOOD : score >= 60 ? AssessmentGrade.PASS : AssessmentGrade.FAIL,
        indicators,
      };
    });
    return new Page(assessments, items.map((c) => encodeCursor(c.code, c.code)), counties.length > limit, after !== null, count);
  }

  /** Runs figuresSql: counts per child code (and in total under the key null). */
  private async figures(prefix: string, children: Child[], year: number): Promise<Map<string | null, Counts>> {
    const groupLength = Math.max(prefix.length, ...children.map((c) => c.prefix.length));
    const uniform = children.every((c) => c.prefix.length === groupLength);
    const rows: Array<{ child: string | null; key: string; n: string }> = await this.ds.query(figuresSql(uniform), [
      `${prefix}%`,
      groupLength,
      `${year}-01-01`,
      `${year}-12-31`,
      children.map((c) => c.code),
      children.map((c) => c.prefix),
    ]);
    const out = new Map<string | null, Counts>();
    for (const r of rows) {
      if (!out.has(r.child)) out.set(r.child, new Map());
      (out.get(r.child) as Counts).set(r.key, Number(r.n));
    }
    return out;
  }
}

function checkArgs(regionCode: string, year: number): void {
  if (!/^\d{6}$/.test(regionCode)) throw new GraphQLError('regionCode must be a 6-digit division code (000000 = the whole country)', { extensions: { code: 'BAD_USER_INPUT', argument: 'regionCode' } });
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) throw new GraphQLError(`year must be between ${MIN_YEAR} and ${MAX_YEAR}`, { extensions: { code: 'BAD_USER_INPUT', argument: 'year' } });
}

function figuresOf(regionCode: string, regionName: string, c: Counts, targets: Map<string, number>): RegionFigures {
  const n = (k: string) => c.get(k) ?? 0;
  const indicators = INDICATORS.map((indicator) => {
    const target = targets.get(indicator) ?? null;
    return { indicator, actual: n(indicator), target, completionRate: target === null ? null : rate(n(indicator), target) };
  });
  const poorVillages = n('poorVillages');
  const villageCoverage: VillageCoverage = {
    poorVillages,
    byAgreement: n(Indicator.POOR_VILLAGES_COVERED_BY_AGREEMENT),
    byRuralTechAssociation: n('byRuralTechAssociation'),
    byEStation: n('byEStation'),
    byAgreementRate: rate(n(Indicator.POOR_VILLAGES_COVERED_BY_AGREEMENT), poorVillages),
    byRuralTechAssociationRate: rate(n('byRuralTechAssociation'), poorVillages),
    byEStationRate: rate(n('byEStation'), poorVillages),
  };
  const householdCoverage: HouseholdCoverage = {
    households: n('households'),
    people: n('people'),
    withLabour: n('withLabour'),
    withLabourAndTechnique: n(Indicator.HOUSEHOLDS_WITH_TECHNIQUE),
    withIncomeProject: n(Indicator.HOUSEHOLDS_WITH_INCOME_PROJECT),
    techniqueRate: rate(n(Indicator.HOUSEHOLDS_WITH_TECHNIQUE), n('withLabour')),
    incomeProjectRate: rate(n(Indicator.HOUSEHOLDS_WITH_INCOME_PROJECT), n('households')),
  };
  return { regionCode, regionName, indicators, villageCoverage, householdCoverage };
}
