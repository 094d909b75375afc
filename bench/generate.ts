import 'reflect-metadata';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { seedDemoIfEmpty } from '../src/db/seed-demo';
import { toGlobalId } from '../src/graphql/node';
import { Role } from '../src/graphql/principal';
import { regionPrefix } from '../src/graphql/scope';
import { associationCode, firstReview } from '../src/modules/agreements/agreement.service';
import { generateHouseholds, prng } from '../src/modules/beneficiaries/household.generator';
import { gradeOf, round2 } from '../src/modules/evaluations/evaluation.service';
import { rosterFilingCode } from '../src/modules/experts/expert.service';
import { offeringMatchKeys } from '../src/modules/offerings/offering.service';
import { CREDIT_CODE_CHARSET, withCreditCheck } from '../src/modules/organizations/validators';
import { RegionLevel } from '../src/modules/regions/region.entity';
import { FilingLevel } from '../src/modules/agreements/agreement.entity';
import { entities } from '../src/modules/registry';
import { Authenticator } from '../src/server/auth';
import { createLogger } from '../src/server/logger';
import { MATCH_CANDIDATES, PROVINCE_STATISTICS, PROVINCIAL_AGREEMENTS } from './queries';
import { copyRows, gql, recreate, startServer, type CopyValue } from './support';

/**
 * Issue 8 dataset generator (`npm run bench:generate -- --size province`): drops and recreates a PostgreSQL
 * database, runs the migrations and the demo dataset (as bench/statistics.ts does), then loads a deterministic,
 * seeded dataset with one `COPY … FROM STDIN` per table (bench/support.ts copyRows): poor villages topped up,
 * households, organizations, experts, service offerings, needs, agreements with their experts, villages, tasks
 * and full filing histories, indicator sets, evaluations with their scores. Every id is a v4-shaped uuid drawn
 * from the seeded PRNG, every timestamp is fixed, so the same seed and size give the same rows, byte for byte, and
 * foreign keys are computed client-side. `--verify` then runs the issue 8 benchmark queries against the real server.
 */

export type Size = 'county' | 'province' | 'national-slice';
export const SIZES: readonly Size[] = ['county', 'province', 'national-slice'];

/** What one size contains. */
export interface SizePlan {
  /** Region code prefixes the generated rows live in. */
  scope: string[];
  /** Target number of registered poor villages per prefix (demo ones included). */
  poorVillages: Array<[prefix: string, target: number]>;
  households: number;
  /** Households per COPY statement (the statement trigger's transition table holds one batch). */
  householdBatch: number;
  organizations: number;
  experts: number;
  offerings: number;
  needs: number;
  agreements: number;
  evaluations: number;
}

export const PLANS: Record<Size, SizePlan> = {
  // 金寨县 at about 1/30 of the province.
  county: { scope: ['341524'], poorVillages: [['341524', 100]], households: 33_333, householdBatch: 1_000_000, organizations: 333, experts: 667, offerings: 3_333, needs: 1_667, agreements: 3_333, evaluations: 6_667 },
  province: { scope: ['34'], poorVillages: [['34', 3000]], households: 1_000_000, householdBatch: 1_000_000, organizations: 10_000, experts: 20_000, offerings: 100_000, needs: 50_000, agreements: 100_000, evaluations: 200_000 },
  'national-slice': {
    scope: ['34', '61'],
    poorVillages: [['34', 3000], ['61', 6000]],
    households: 10_000_000,
    householdBatch: 1_000_000,
    organizations: 30_000,
    experts: 60_000,
    offerings: 300_000,
    needs: 150_000,
    agreements: 300_000,
    evaluations: 600_000,
  },
};

export interface TableReport {
  rows: number;
  ms: number;
  rowsPerSecond: number;
}

export interface GenerateReport {
  size: Size;
  /** Set for a scaled-down smoke run (--scale). */
  scale?: number;
  seed: number;
  database: string;
  startedAt: string;
  tables: Record<string, TableReport>;
  /** Steps that are not one table's load (migrations + demo, ANALYZE, …), in ms. */
  steps: Record<string, number>;
  /** Rows per table after loading (demo rows included). */
  counts: Record<string, number>;
  totalMs: number;
  /** Rows loaded by COPY per second over the COPY time only. */
  copyRowsPerSecond: number;
}

export const DEFAULT_SEED = 20180101;
export const DEFAULT_DATABASE = 'postgres://postgres@127.0.0.1:5432/zhuli_bench';

// ---------------------------------------------------------------- deterministic building blocks

/** Salts: one PRNG family per table (ids) and one per table (attributes). */
const SALT = { household: 1, organization: 2, expert: 3, offering: 4, need: 5, agreement: 6, indicatorSet: 7, indicator: 8, evaluation: 9, poorVillage: 11 } as const;

const mix = (seed: number, salt: number): number => (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;

/** The attribute PRNG of row `i` of a table (independent of generation order). */
const rowRnd = (seed: number, salt: number, i: number) => prng((mix(seed, salt + 1000) + i) >>> 0);

/** A v4-shaped uuid for row `i` of a table, from the seeded PRNG: distinct per row (distinct PRNG states). */
export function uuidFor(seed: number, salt: number, i: number): string {
  const r = prng((mix(seed, salt) + i) >>> 0);
  const h = [r(), r(), r(), r()].map((x) => (Math.floor(x * 4294967296) >>> 0).toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Rnd = () => number;
const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(rnd: Rnd, a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
const pickSome = <T>(rnd: Rnd, a: readonly T[], n: number): T[] => {
  const out = new Set<T>();
  for (let k = 0; k < n * 3 && out.size < Math.min(n, a.length); k++) out.add(pick(rnd, a));
  return [...out];
};
/** Weighted choice: [value, weight] pairs. */
const choose = <T>(rnd: Rnd, table: ReadonlyArray<readonly [T, number]>): T => {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = rnd() * total;
  for (const [v, w] of table) if ((x -= w) < 0) return v;
  return table[table.length - 1][0];
};

const DAY = 86_400_000;
const T = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const dateOf = (ms: number) => iso(ms).slice(0, 10);
/** A time of day in office hours (UTC+8 08:30–17:30 → 00:30–09:30 UTC), with milliseconds. */
const officeTime = (rnd: Rnd) => 1_800_000 + Math.floor(rnd() * 9 * 3_600_000);

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '余', '汪', '储', '程', '方'];
const GIVEN = ['建国', '玉兰', '志强', '秀英', '海峰', '德明', '春华', '立新', '国庆', '红梅', '桂芳', '长福', '金花', '永贵', '有才', '明亮', '淑珍', '家富', '晓东', '文杰'];
const SPECIALTIES = ['茶叶', '猕猴桃', '中药材', '食用菌', '板栗', '油茶', '蚕桑', '生猪', '皖西白鹅', '稻虾', '花卉苗木', '蔬菜', '水产', '黄牛', '核桃'];
const TITLES = ['研究员', '副研究员', '教授', '副教授', '高级农艺师', '农艺师', '高级畜牧师', '畜牧师', '主任医师', '工程师', '农业技术推广研究员'];
const CATEGORY_CN: Record<string, string> = {
  PLANTING: '种植', LIVESTOCK_AQUACULTURE: '养殖', AGRO_PROCESSING: '农产品加工', MARKETING_ECOMMERCE: '电商销售', FINANCE_INSURANCE: '银会合作', HEALTH: '卫生健康',
  DISASTER_PREVENTION: '防灾减灾', YOUTH_SCIENCE_EDUCATION: '青少年科学教育', VOCATIONAL_SKILLS: '转移就业培训', DECISION_CONSULTING: '决策咨询', SCIENCE_POPULARIZATION: '科普',
};
/** Categories weighted as the programme's work is: mostly planting and livestock. */
const CATEGORY_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['PLANTING', 30], ['LIVESTOCK_AQUACULTURE', 20], ['AGRO_PROCESSING', 8], ['MARKETING_ECOMMERCE', 10], ['FINANCE_INSURANCE', 3], ['HEALTH', 6],
  ['DISASTER_PREVENTION', 4], ['YOUTH_SCIENCE_EDUCATION', 4], ['VOCATIONAL_SKILLS', 7], ['DECISION_CONSULTING', 3], ['SCIENCE_POPULARIZATION', 5],
];
const MODES = ['TRAINING', 'ON_SITE_GUIDANCE', 'REMOTE_GUIDANCE', 'TECHNOLOGY_PROMOTION', 'ACHIEVEMENT_TRANSFER', 'MARKET_LINKAGE', 'CONSULTING', 'SCIENCE_POPULARIZATION'] as const;
const categories = (rnd: Rnd, n: number) => [...new Set(Array.from({ length: n }, () => choose(rnd, CATEGORY_WEIGHTS)))];
const person = (rnd: Rnd) => pick(rnd, SURNAMES) + pick(rnd, GIVEN);
const mobile = (rnd: Rnd) => `1${pick(rnd, ['3', '5', '8', '9'])}${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}`;

/** `n` in the credit-code alphabet, `width` characters. */
function base31(n: number, width: number): string {
  let s = '';
  for (let k = 0; k < width; k++) {
    s = CREDIT_CODE_CHARSET[n % 31] + s;
    n = Math.floor(n / 31);
  }
  return s;
}

// ---------------------------------------------------------------- regions

interface Regions {
  names: Map<string, string>;
  /** Every village in scope, by code (households are spread over them). */
  villages: string[];
  /** Registered poor villages in scope, by code. */
  poor: string[];
  poorByTownship: Map<string, string[]>;
  poorByCounty: Map<string, string[]>;
  counties: string[];
  countiesByCity: Map<string, string[]>;
  townships: string[];
  cities: string[];
  provinces: string[];
}

const provinceOf = (code: string) => `${code.slice(0, 2)}0000`;
const cityOf = (code: string) => `${code.slice(0, 4)}00`;
const countyOf = (code: string) => code.slice(0, 6);
const levelOfCode = (code: string): RegionLevel =>
  code.length === 12 ? RegionLevel.VILLAGE : code.length === 9 ? RegionLevel.TOWNSHIP : code.endsWith('0000') ? RegionLevel.PROVINCE : code.endsWith('00') ? RegionLevel.CITY : RegionLevel.COUNTY;
const group = (codes: string[], key: (c: string) => string) => {
  const m = new Map<string, string[]>();
  for (const c of codes) {
    const k = key(c);
    const l = m.get(k);
    if (l) l.push(c);
    else m.set(k, [c]);
  }
  return m;
};

async function loadRegions(c: Client, plan: SizePlan): Promise<Regions> {
  const likes = plan.scope.map((p) => `${p}%`);
  const ancestors = [...new Set(plan.scope.flatMap((p) => [provinceOf(p.padEnd(6, '0')), cityOf(p.padEnd(6, '0'))]))];
  const rows: Array<{ code: string; name: string; level: RegionLevel; poor: boolean }> = (
    await c.query(`SELECT code, name, level::text AS level, EXISTS (SELECT 1 FROM poor_village p WHERE p."regionCode" = r.code) AS poor FROM region r WHERE code LIKE ANY($1) OR code = ANY($2) ORDER BY code`, [likes, ancestors])
  ).rows;
  const at = (level: RegionLevel) => rows.filter((r) => r.level === level).map((r) => r.code);
  const poor = rows.filter((r) => r.poor).map((r) => r.code);
  const counties = at(RegionLevel.COUNTY).filter((code) => plan.scope.some((p) => code.startsWith(p)));
  return {
    names: new Map(rows.map((r) => [r.code, r.name])),
    villages: at(RegionLevel.VILLAGE),
    poor,
    poorByTownship: group(poor, (v) => v.slice(0, 9)),
    poorByCounty: group(poor, countyOf),
    counties,
    countiesByCity: group(counties, cityOf),
    townships: at(RegionLevel.TOWNSHIP),
    cities: at(RegionLevel.CITY),
    provinces: at(RegionLevel.PROVINCE),
  };
}

/** Marks more villages as registered poor villages (region designation and poor_village row), up to each target. */
async function topUpPoorVillages(c: Client, url: string, plan: SizePlan, seed: number): Promise<{ rows: number; ms: number }> {
  const t = Date.now();
  const added: string[] = [];
  for (const [prefix, target] of plan.poorVillages) {
    const { rows } = await c.query(
      `SELECT r.code, EXISTS (SELECT 1 FROM poor_village p WHERE p."regionCode" = r.code) AS poor FROM region r WHERE r.level = 'VILLAGE' AND r.code LIKE $1 ORDER BY r.code`,
      [`${prefix}%`],
    );
    const have = rows.filter((r) => r.poor).length;
    const candidates: string[] = rows.filter((r) => !r.poor).map((r) => r.code);
    // Seeded Fisher–Yates over the code-ordered candidates.
    const rnd = prng(mix(seed, SALT.poorVillage) ^ Number(prefix));
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
    }
    added.push(...candidates.slice(0, Math.max(0, target - have)).sort());
  }
  if (!added.length) return { rows: 0, ms: Date.now() - t };
  const exitYear = (code: string) => [null, 2017, 2018, 2019, null][Number(code.slice(-3)) % 5];
  await c.query(`UPDATE region SET "povertyDesignation" = 'POOR_VILLAGE', "designatedYear" = 2014, "povertyExitYear" = e.y, "updatedAt" = '2017-01-01T00:00:00Z'
                   FROM unnest($1::text[], $2::int[]) AS e(code, y) WHERE region.code = e.code`, [added, added.map(exitYear)]);
  const r = await copyRows(
    url,
    'poor_village',
    ['regionCode', 'registeredYear', 'exitYear', 'specialty', 'hasRuralTechAssociation', 'hasNewBusinessEntity', 'hasBrand', 'hasEStation', 'createdAt', 'updatedAt'],
    added.map((code, i) => {
      const rr = rowRnd(seed, SALT.poorVillage, i);
      return [code, 2014, exitYear(code), pick(rr, SPECIALTIES), rr() < 0.6, rr() < 0.45, rr() < 0.2, rr() < 0.55, '2017-01-01T00:00:00.000Z', '2017-01-01T00:00:00.000Z'];
    }),
  );
  return { rows: r.rows, ms: Date.now() - t };
}

// ---------------------------------------------------------------- the model (pure functions of seed and row number)

interface Ctx {
  seed: number;
  plan: SizePlan;
  regions: Regions;
  name: (code: string) => string;
  householdStart: number;
  registryBase: number;
  orgsByCounty: Map<string, number[]>;
  orgsByCity: Map<string, number[]>;
  orgsByProvince: Map<string, number[]>;
  registeredExpertsByCity: Map<string, number[]>;
  registeredExpertsByProvince: Map<string, number[]>;
  registeredExperts: number[];
  indicatorSets: Map<string, { id: string; indicators: Array<{ id: string; weight: number; maxScore: number }> }>;
}

const ORG_TYPES_BY_LEVEL: Record<string, ReadonlyArray<readonly [string, number]>> = {
  VILLAGE: [['RURAL_TECH_ASSOCIATION', 40], ['FARMER_COOPERATIVE', 30], ['FAMILY_FARM', 12], ['LARGE_GROWER', 10], ['SCIENCE_DEMONSTRATION_BASE', 8]],
  TOWNSHIP: [['TOWNSHIP_TECH_FEDERATION', 35], ['AGRICULTURAL_EXTENSION_STATION', 25], ['FARMER_COOPERATIVE', 25], ['LEADING_ENTERPRISE', 15]],
  COUNTY: [['EXPERT_SERVICE_STATION', 20], ['AGRICULTURAL_EXTENSION_STATION', 20], ['SOCIETY', 25], ['TECH_ENTERPRISE', 15], ['LEADING_ENTERPRISE', 20]],
  CITY: [['SOCIETY', 40], ['RESEARCH_INSTITUTE', 20], ['UNIVERSITY', 15], ['TECH_ENTERPRISE', 25]],
  PROVINCE: [['SOCIETY', 50], ['UNIVERSITY', 25], ['RESEARCH_INSTITUTE', 25]],
};
const CREDIT_KIND: Record<string, string> = {
  SOCIETY: '51', RURAL_TECH_ASSOCIATION: '51', TOWNSHIP_TECH_FEDERATION: '51', SCIENCE_DEMONSTRATION_BASE: '52', FARMER_COOPERATIVE: '93', AGRICULTURAL_EXTENSION_STATION: '12',
  EXPERT_SERVICE_STATION: '52', UNIVERSITY: '12', RESEARCH_INSTITUTE: '12', TECH_ENTERPRISE: '91', LEADING_ENTERPRISE: '91', FAMILY_FARM: '92', LARGE_GROWER: '92',
};
const DISCIPLINES: ReadonlyArray<readonly [string, number]> = [['AGRICULTURE', 50], ['MEDICAL', 20], ['ENGINEERING', 15], ['SCIENCE', 10], ['OTHER', 5]];
const DISCIPLINE_CN: Record<string, string> = { AGRICULTURE: '农学会', MEDICAL: '医学会', ENGINEERING: '工程师学会', SCIENCE: '科普作家协会', OTHER: '老科技工作者协会' };

interface OrgPlan {
  id: string;
  regionCode: string;
  level: RegionLevel;
  type: string;
  discipline: string | null;
  name: string;
  categories: string[];
}

function planOrg(x: Ctx, i: number): OrgPlan {
  const rnd = rowRnd(x.seed, SALT.organization, i);
  const R = x.regions;
  const level = choose(rnd, [[RegionLevel.VILLAGE, 40], [RegionLevel.TOWNSHIP, 20], [RegionLevel.COUNTY, 25], [RegionLevel.CITY, 10], [RegionLevel.PROVINCE, 5]] as const);
  const county = pick(rnd, R.counties);
  const regionCode =
    level === RegionLevel.VILLAGE ? (rnd() < 0.5 && R.poor.length ? pick(rnd, R.poor) : pick(rnd, R.villages))
      : level === RegionLevel.TOWNSHIP ? pick(rnd, R.townships)
        : level === RegionLevel.COUNTY ? county
          : level === RegionLevel.CITY ? cityOf(county)
            : provinceOf(county);
  const type = choose(rnd, ORG_TYPES_BY_LEVEL[level]);
  const discipline = type === 'SOCIETY' ? choose(rnd, DISCIPLINES) : null;
  const place = x.name(regionCode);
  const spec = pick(rnd, SPECIALTIES);
  const names: Record<string, () => string> = {
    RURAL_TECH_ASSOCIATION: () => `${place}${spec}专业技术协会`,
    FARMER_COOPERATIVE: () => `${place}${spec}专业合作社`,
    FAMILY_FARM: () => `${place}${pick(rnd, SURNAMES)}${pick(rnd, GIVEN)}家庭农场`,
    LARGE_GROWER: () => `${place}${spec}种养大户${person(rnd)}`,
    SCIENCE_DEMONSTRATION_BASE: () => `${place}${spec}农村科普示范基地`,
    TOWNSHIP_TECH_FEDERATION: () => `${place}农村专业技术协会联合会`,
    AGRICULTURAL_EXTENSION_STATION: () => `${place}农业技术推广站`,
    LEADING_ENTERPRISE: () => `${place}${spec}农业发展有限公司`,
    EXPERT_SERVICE_STATION: () => `${place}${spec}农技专家服务站`,
    SOCIETY: () => `${place}${DISCIPLINE_CN[discipline ?? 'OTHER']}`,
    TECH_ENTERPRISE: () => `${place}${spec}科技有限公司`,
    UNIVERSITY: () => `${place}农业职业技术学院`,
    RESEARCH_INSTITUTE: () => `${place}农业科学研究院${spec}研究所`,
  };
  const cats = type === 'SOCIETY' && discipline === 'MEDICAL' ? ['HEALTH'] : categories(rnd, int(rnd, 1, 3));
  return { id: uuidFor(x.seed, SALT.organization, i), regionCode, level, type, discipline, name: names[type]().slice(0, 200), categories: cats };
}

/** A unique, valid GB 32100 code per row: kind + county code + "MA" + the row number in 7 base-31 characters + check. */
const creditCodeOf = (o: OrgPlan, i: number) => withCreditCheck(`${CREDIT_KIND[o.type]}${countyOf(o.regionCode.padEnd(6, '0'))}MA${base31(i + 1, 7)}`);

interface ExpertPlan {
  id: string;
  regionCode: string;
  roster: 'DRAFT' | 'FILED' | 'REGISTERED';
  specialties: string[];
  served: string[];
  createdAt: number;
}

function planExpert(x: Ctx, j: number): ExpertPlan {
  const rnd = rowRnd(x.seed, SALT.expert, j);
  const county = pick(rnd, x.regions.counties);
  const where = choose(rnd, [['COUNTY', 85], ['CITY', 10], ['PROVINCE', 5]] as const);
  const regionCode = where === 'COUNTY' ? county : where === 'CITY' ? cityOf(county) : provinceOf(county);
  const roster = choose(rnd, [['REGISTERED', 60], ['FILED', 25], ['DRAFT', 15]] as const);
  const neighbours = x.regions.countiesByCity.get(cityOf(county)) ?? [county];
  const served = where === 'COUNTY' ? [...new Set([county, ...(rnd() < 0.3 ? [pick(rnd, neighbours)] : [])])] : [regionCode];
  return { id: uuidFor(x.seed, SALT.expert, j), regionCode, roster, specialties: categories(rnd, int(rnd, 1, 2)), served, createdAt: T('2017-01-03') + int(rnd, 0, 360) * DAY + officeTime(rnd) };
}

const STATUS_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['REGISTERED', 30], ['IN_PROGRESS', 40], ['COMPLETED', 15], ['DRAFT', 3], ['SIGNED', 2], ['COUNTY_REVIEW', 2], ['CITY_REVIEW', 1.5], ['PROVINCE_REVIEW', 1.5], ['SUBMITTED', 1.5], ['RETURNED', 2.5], ['TERMINATED', 1],
];
const REGISTERED = new Set(['REGISTERED', 'IN_PROGRESS', 'COMPLETED']);
const TASKS: ReadonlyArray<readonly [string, string, number, number, string]> = [
  ['TRAINING', '实用技术培训', 4, 12, '期'],
  ['HOUSEHOLDS_REACHED', '结对帮扶建档立卡贫困户', 20, 120, '户'],
  ['TECHNIQUES_PROMOTED', '推广实用技术', 2, 6, '项'],
  ['ONSITE_GUIDANCE', '专家现场指导', 6, 24, '次'],
  ['VARIETIES_INTRODUCED', '引进新品种', 1, 5, '个'],
  ['MARKET_LINKAGE', '对接连锁超市和电商平台', 1, 4, '家'],
];

interface Step {
  decision: string;
  level: string;
  from: string | null;
  to: string;
  actor: string;
  actorName: string;
  reason: string | null;
  at: number;
}

interface AgreementPlan {
  id: string;
  status: string;
  filerLevel: RegionLevel;
  regionCode: string;
  villages: string[];
  org: number | null;
  experts: number[];
  category: string;
  steps: Step[];
  tasks: Array<{ kind: string; description: string; planned: number; unit: string }>;
  /** Provider quality (drives evaluation scores), 5.5–10. */
  quality: number;
}

/** Association actors of a region (subject, display name). */
function actorOf(x: Ctx, level: string, regionCode: string): [string, string] {
  if (level === 'NATIONAL') return ['gen-national', '中国科协'];
  const code = level === 'PROVINCE' ? provinceOf(regionCode) : level === 'CITY' ? cityOf(regionCode) : countyOf(regionCode);
  const kind = level === 'PROVINCE' ? 'province' : level === 'CITY' ? 'city' : 'county';
  return [`gen-${kind}-${code}`, `${x.name(code)}科协`];
}

function planAgreement(x: Ctx, a: number): AgreementPlan {
  const rnd = rowRnd(x.seed, SALT.agreement, a);
  const R = x.regions;
  const status = choose(rnd, STATUS_WEIGHTS);
  const chosen = choose(rnd, [[RegionLevel.VILLAGE, 50], [RegionLevel.TOWNSHIP, 20], [RegionLevel.COUNTY, 30]] as const);
  // A county's own agreements are filed with the city (firstReview): none of them waits in COUNTY_REVIEW.
  const filerLevel = status === 'COUNTY_REVIEW' && chosen === RegionLevel.COUNTY ? RegionLevel.VILLAGE : chosen;
  const main = pick(rnd, R.poor);
  let regionCode: string;
  let villages: string[];
  if (filerLevel === RegionLevel.VILLAGE) {
    regionCode = main;
    villages = [main];
  } else if (filerLevel === RegionLevel.TOWNSHIP) {
    regionCode = main.slice(0, 9);
    villages = [...new Set([main, ...pickSome(rnd, R.poorByTownship.get(regionCode) ?? [main], int(rnd, 0, 2))])];
  } else {
    regionCode = countyOf(main);
    villages = [...new Set([main, ...pickSome(rnd, R.poorByCounty.get(regionCode) ?? [main], int(rnd, 0, 2))])];
  }
  villages.sort();
  const county = countyOf(main);
  const city = cityOf(main);
  const province = provinceOf(main);
  // Provider: an organization near the villages for most, experts mostly from the same city.
  const orgPool = choose(rnd, [['COUNTY', 50], ['CITY', 25], ['PROVINCE', 15], ['NONE', 10]] as const);
  const pool = orgPool === 'COUNTY' ? x.orgsByCounty.get(county) : orgPool === 'CITY' ? x.orgsByCity.get(city.slice(0, 4)) : orgPool === 'PROVINCE' ? x.orgsByProvince.get(province.slice(0, 2)) : undefined;
  const org = orgPool === 'NONE' ? null : pool?.length ? pick(rnd, pool) : (x.orgsByCity.get(city.slice(0, 4))?.length ? pick(rnd, x.orgsByCity.get(city.slice(0, 4)) as number[]) : null);
  const nExperts = org === null || rnd() < 0.85 ? int(rnd, 1, 3) : 0;
  const experts = new Set<number>();
  const sameCity = x.registeredExpertsByCity.get(city.slice(0, 4)) ?? [];
  const elsewhere = x.registeredExpertsByProvince.get(province.slice(0, 2)) ?? x.registeredExperts;
  for (let k = 0; k < nExperts; k++) {
    const from = rnd() < 0.8 && sameCity.length ? sameCity : elsewhere.length ? elsewhere : x.registeredExperts;
    if (from.length) experts.add(pick(rnd, from));
  }
  const category = choose(rnd, CATEGORY_WEIGHTS);
  const tasks = pickSome(rnd, TASKS, int(rnd, 2, 3)).map(([kind, description, lo, hi, unit]) => ({ kind, description: `${CATEGORY_CN[category]}${description}`, planned: int(rnd, lo, hi), unit }));

  // The filing history a real run writes (agreement.service.ts), one step per save.
  const pipeline = !REGISTERED.has(status) && status !== 'TERMINATED';
  let t = (pipeline ? T('2019-06-03') + int(rnd, 0, 200) * DAY : T('2017-03-01') + int(rnd, 0, 395) * DAY) + officeTime(rnd);
  const steps: Step[] = [];
  const filer = actorOf(x, 'COUNTY', county);
  const push = (decision: string, level: string, from: string | null, to: string, reason: string | null = null) => {
    const [actor, actorName] = level === 'FILER' ? filer : actorOf(x, level, county);
    steps.push({ decision, level, from, to, actor, actorName, reason, at: t });
  };
  const later = (lo: number, hi: number) => (t += int(rnd, lo, hi) * DAY + int(rnd, 0, 3_600_000));
  push('CREATED', 'FILER', null, 'DRAFT');
  if (status === 'DRAFT') {
    if (rnd() < 0.5) {
      later(1, 10);
      push('AMENDED', 'FILER', 'DRAFT', 'DRAFT');
    }
  } else {
    later(1, 14);
    push('SIGNED', 'FILER', 'DRAFT', 'SIGNED');
    if (status !== 'SIGNED') {
      const first = firstReview(filerLevel);
      const chain = ['COUNTY_REVIEW', 'CITY_REVIEW', 'PROVINCE_REVIEW'];
      const levels: Record<string, string> = { COUNTY_REVIEW: 'COUNTY', CITY_REVIEW: 'CITY', PROVINCE_REVIEW: 'PROVINCE' };
      const reviews = chain.slice(chain.indexOf(first));
      later(1, 7);
      push('FILED', 'FILER', 'SIGNED', first);
      const approve = (state: string): string => {
        later(2, 15);
        if (state === 'PROVINCE_REVIEW') {
          push('SUBMITTED', 'PROVINCE', state, 'SUBMITTED');
          return 'SUBMITTED';
        }
        const next = chain[chain.indexOf(state) + 1];
        push('APPROVED', levels[state], state, next);
        return next;
      };
      let state: string = first;
      if (status === 'RETURNED') {
        // Returned by one of the reviewing levels, with a reason; the filer has not amended it yet.
        const at = reviews[int(rnd, 0, reviews.length - 1)];
        while (state !== at) state = approve(state);
        later(2, 15);
        push('RETURNED', levels[state], state, 'RETURNED', RETURN_REASON);
      } else {
        if (rnd() < 0.1) {
          // A tenth were returned once by the first reviewer, amended and filed again.
          later(2, 15);
          push('RETURNED', levels[first], first, 'RETURNED', RETURN_REASON);
          later(2, 20);
          push('AMENDED', 'FILER', 'RETURNED', 'RETURNED');
          later(1, 5);
          push('FILED', 'FILER', 'RETURNED', first);
        }
        const target = status === 'COMPLETED' || status === 'TERMINATED' ? 'IN_PROGRESS' : status;
        while (state !== target) {
          if (chain.includes(state)) state = approve(state);
          else if (state === 'SUBMITTED') {
            later(5, 30);
            push('REGISTERED', 'NATIONAL', state, 'REGISTERED');
            state = 'REGISTERED';
          } else {
            later(3, 30);
            push('STARTED', 'FILER', state, 'IN_PROGRESS');
            state = 'IN_PROGRESS';
          }
        }
        if (status === 'COMPLETED') {
          // After the 2019 evaluations were reviewed (acceptance, 验收), which end by mid-January 2020.
          t = T('2020-02-03') + int(rnd, 0, 60) * DAY + officeTime(rnd);
          push('COMPLETED', 'COUNTY', state, 'COMPLETED', '帮扶任务全部完成，验收合格。');
        } else if (status === 'TERMINATED') {
          t = Math.max(t, T('2019-03-01')) + int(rnd, 0, 200) * DAY + officeTime(rnd);
          push('TERMINATED', 'COUNTY', state, 'TERMINATED', '受援村整合撤并，协议终止。');
        }
      }
    }
  }
  return { id: uuidFor(x.seed, SALT.agreement, a), status, filerLevel, regionCode, villages, org, experts: [...experts].sort((p, q) => p - q), category, steps, tasks, quality: 5.5 + rnd() * 4.5 };
}
const RETURN_REASON = '任务计划数量不明确，请补充培训期数和帮扶户数。';

const INDICATORS = [
  { code: 'TASK', name: '帮扶任务完成情况', weight: 30 },
  { code: 'INCOME', name: '贫困户增收成效', weight: 30 },
  { code: 'TECH', name: '实用技术推广应用', weight: 20 },
  { code: 'SATISFACTION', name: '受援群众满意度', weight: 20 },
];
const EVAL_SLOTS: ReadonlyArray<readonly [number, 'COUNTY' | 'CITY']> = [[2018, 'COUNTY'], [2019, 'COUNTY'], [2019, 'CITY'], [2018, 'CITY']];

interface EvaluationPlan {
  id: string;
  values: CopyValue[];
  scores: Array<[string, number, number | null]>;
}

/** The evaluations of a registered agreement: `n` of the slots, scores consistent with totals and grades. */
function planEvaluations(x: Ctx, a: number, ag: AgreementPlan, n: number): EvaluationPlan[] {
  const rnd = rowRnd(x.seed, SALT.evaluation, a);
  const out: EvaluationPlan[] = [];
  const completed = ag.status === 'COMPLETED';
  const registeredAt = ag.steps.find((s) => s.decision === 'REGISTERED')?.at ?? 0;
  for (let slot = 0; slot < n; slot++) {
    const [year, level] = EVAL_SLOTS[slot];
    const set = x.indicatorSets.get(`${ag.regionCode.slice(0, 2)}:${year}:${level}`);
    if (!set) continue;
    const scores = set.indicators.map((i) => Math.min(i.maxScore, Math.max(0, Math.round((ag.quality + (rnd() - 0.5) * 2) * 10) / 10)));
    const total = round2(set.indicators.reduce((s, i, k) => s + (scores[k] / i.maxScore) * i.weight, 0));
    const status = completed ? 'REVIEWED' : year === 2018 ? choose(rnd, [['REVIEWED', 90], ['SUBMITTED', 5], ['RETURNED', 5]] as const) : choose(rnd, [['REVIEWED', 60], ['SUBMITTED', 25], ['DRAFT', 15]] as const);
    const created = Math.max(T(`${year}-11-15`) + int(rnd, 0, 25) * DAY + officeTime(rnd), registeredAt + DAY);
    const submitted = status === 'DRAFT' ? null : created + int(rnd, 1, 10) * DAY;
    const reviewed = submitted !== null && status !== 'SUBMITTED' ? submitted + int(rnd, 3, 20) * DAY : null;
    const adjusted = status === 'REVIEWED' && rnd() < 0.1;
    const reviewedScores = adjusted ? scores.map((s, k) => Math.min(set.indicators[k].maxScore, Math.max(0, Math.round((s + (rnd() - 0.6)) * 10) / 10))) : null;
    const reviewedTotal = reviewedScores ? round2(set.indicators.reduce((s, i, k) => s + (reviewedScores[k] / i.maxScore) * i.weight, 0)) : total;
    const grade = gradeOf(reviewedTotal);
    let acceptance = completed ? 'ACCEPTED' : choose(rnd, [['PENDING', 70], ['ACCEPTED', 20], ['ACCEPTED_WITH_CONDITIONS', 8], ['REJECTED', 2]] as const);
    if (acceptance === 'REJECTED' && grade !== 'FAIL') acceptance = 'PENDING';
    const recommended = status === 'REVIEWED' && (grade === 'EXCELLENT' || grade === 'GOOD') && rnd() < 0.3;
    const recommendedAt = recommended && reviewed !== null ? reviewed + int(rnd, 2, 10) * DAY : null;
    const [evaluator, evaluatorName] = actorOf(x, level, ag.regionCode);
    const [reviewer, reviewerName] = actorOf(x, level === 'COUNTY' ? 'CITY' : 'PROVINCE', ag.regionCode);
    const version = 1 + (submitted !== null ? 1 : 0) + (reviewed !== null ? 1 : 0) + (recommended ? 1 : 0);
    const updated = recommendedAt ?? reviewed ?? submitted ?? created;
    const id = uuidFor(x.seed, SALT.evaluation, a * EVAL_SLOTS.length + slot);
    if (status === 'RETURNED') acceptance = 'PENDING';
    out.push({
      id,
      values: [
        id, ag.id, ag.regionCode, year, level, associationCode(ag.regionCode, FilingLevel[level]), set.id, status, total === reviewedTotal ? total : reviewedTotal, grade, total, gradeOf(total),
        acceptance, acceptance === 'ACCEPTED_WITH_CONDITIONS' ? '限期完成剩余培训任务并补充佐证材料。' : null,
        [`${ag.regionCode.slice(0, 6)}-${year}-${level}-评估报告`], `${year}年度${level === 'COUNTY' ? '县级' : '市级'}评估：${gradeCn[grade]}。`, evaluator, `${evaluatorName}评估组`,
        submitted === null ? null : iso(submitted), reviewed === null ? null : status === 'RETURNED' ? 'RETURNED' : adjusted ? 'ADJUSTED' : 'CONFIRMED',
        reviewed === null ? null : reviewer, reviewed === null ? null : reviewerName, reviewed === null ? null : iso(reviewed), status === 'RETURNED' ? '佐证材料不全，请补充培训签到表。' : null,
        recommended, recommended ? '帮扶成效显著，群众满意度高，择优推荐。' : null, recommended ? reviewer : null, recommendedAt === null ? null : iso(recommendedAt),
        version, iso(created), iso(updated),
      ],
      scores: set.indicators.map((i, k) => [i.id, scores[k], reviewedScores ? reviewedScores[k] : null]),
    });
  }
  return out;
}
const gradeCn: Record<string, string> = { EXCELLENT: '优秀', GOOD: '良好', PASS: '合格', FAIL: '不合格' };

// ---------------------------------------------------------------- the generator

/** A size with every row count multiplied by `scale` (smoke runs of the big sizes); the poor villages stay. */
function scaled(plan: SizePlan, scale: number): SizePlan {
  if (scale === 1) return plan;
  if (!(scale > 0 && scale <= 1)) throw new Error('scale must be in (0, 1]');
  const n = (v: number) => Math.max(1, Math.round(v * scale));
  return { ...plan, households: n(plan.households), organizations: n(plan.organizations), experts: n(plan.experts), offerings: n(plan.offerings), needs: n(plan.needs), agreements: n(plan.agreements), evaluations: n(plan.evaluations) };
}

/**
 * Builds the dataset of `size` in the database at `url` (dropped and recreated first). Deterministic: the same
 * seed and size give the same generated rows.
 */
export async function generate(url: string, size: Size, opts: { seed?: number; log?: (m: string) => void; scale?: number } = {}): Promise<GenerateReport> {
  if (!PLANS[size]) throw new Error(`unknown size ${size} (one of ${SIZES.join(', ')})`);
  const plan = scaled(PLANS[size], opts.scale ?? 1);
  const seed = (opts.seed ?? DEFAULT_SEED) >>> 0;
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const report: GenerateReport = { size, ...(plan === PLANS[size] ? {} : { scale: opts.scale }), seed, database: url.replace(/\/\/[^@/]*@/, '//'), startedAt: new Date(started).toISOString(), tables: {}, steps: {}, counts: {}, totalMs: 0, copyRowsPerSecond: 0 };
  const table = (name: string, r: { rows: number; ms: number }) => {
    const prev = report.tables[name];
    const rows = (prev?.rows ?? 0) + r.rows;
    const ms = (prev?.ms ?? 0) + r.ms;
    report.tables[name] = { rows, ms, rowsPerSecond: Math.round((rows * 1000) / Math.max(1, ms)) };
    log(`${name}: ${r.rows.toLocaleString('en')} rows in ${r.ms} ms (${Math.round((r.rows * 1000) / Math.max(1, r.ms)).toLocaleString('en')} rows/s)`);
  };
  const step = async <R>(name: string, run: () => Promise<R>): Promise<R> => {
    const t = Date.now();
    const r = await run();
    report.steps[name] = Date.now() - t;
    log(`${name}: ${report.steps[name]} ms`);
    return r;
  };

  await step('drop and recreate the database', () => recreate(url));
  await step('migrations + demo dataset', async () => {
    const logger = createLogger('warn');
    const db = await openDatabase({ ...loadConfig({}), databaseUrl: url, dbPoolSize: 2 }, logger, entities);
    try {
      await seedDemoIfEmpty(db.dataSource, logger);
    } finally {
      await db.close();
    }
  });
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    table('poor_village', await topUpPoorVillages(c, url, plan, seed));
    const regions = await loadRegions(c, plan);
    const [{ last }] = (await c.query(`SELECT last_value::int AS last FROM agreement_registry_seq`)).rows;
    const x: Ctx = {
      seed, plan, regions, name: (code) => regions.names.get(code) ?? code, householdStart: regions.villages.length * 100, registryBase: last,
      orgsByCounty: new Map(), orgsByCity: new Map(), orgsByProvince: new Map(), registeredExpertsByCity: new Map(), registeredExpertsByProvince: new Map(), registeredExperts: [], indicatorSets: new Map(),
    };
    log(`regions: ${regions.villages.length} villages (${regions.poor.length} poor), ${regions.townships.length} townships, ${regions.counties.length} counties`);
    const add = (m: Map<string, number[]>, k: string, v: number) => {
      const l = m.get(k);
      if (l) l.push(v);
      else m.set(k, [v]);
    };
    const orgs: OrgPlan[] = [];
    for (let i = 0; i < plan.organizations; i++) {
      const o = planOrg(x, i);
      orgs.push(o);
      if (o.level === RegionLevel.PROVINCE) add(x.orgsByProvince, o.regionCode.slice(0, 2), i);
      else if (o.level === RegionLevel.CITY) add(x.orgsByCity, o.regionCode.slice(0, 4), i);
      else add(x.orgsByCounty, countyOf(o.regionCode), i);
    }
    const experts: ExpertPlan[] = [];
    for (let j = 0; j < plan.experts; j++) {
      const e = planExpert(x, j);
      experts.push(e);
      if (e.roster !== 'REGISTERED') continue;
      x.registeredExperts.push(j);
      if (levelOfCode(e.regionCode) === RegionLevel.PROVINCE) add(x.registeredExpertsByProvince, e.regionCode.slice(0, 2), j);
      else add(x.registeredExpertsByCity, e.regionCode.slice(0, 4), j);
    }

    // Households: the demo/bench generator, with deterministic ids and timestamps, one COPY per batch.
    const HOUSEHOLD_COLUMNS = ['id', 'registryNumber', 'villageCode', 'headName', 'headIdNumber', 'size', 'membersAbleToWork', 'povertyCauses', 'status', 'exitYear', 'techniques', 'incomeProjects', 'createdAt', 'updatedAt'];
    for (let k = 0; k < plan.households; k += plan.householdBatch) {
      const n = Math.min(plan.householdBatch, plan.households - k);
      const batchStart = x.householdStart + k;
      function* households(): Generator<CopyValue[]> {
        for (let b = 0; b < n; b += 10_000) {
          const rows = generateHouseholds(regions.villages, Math.min(10_000, n - b), seed, batchStart + b);
          for (let r = 0; r < rows.length; r++) {
            const h = rows[r];
            const at = iso(T('2016-03-01') + ((batchStart + b + r) % 300) * DAY);
            yield [uuidFor(seed, SALT.household, batchStart + b + r), h.registryNumber, h.villageCode, h.headName, h.headIdNumber, h.size, h.membersAbleToWork, h.povertyCauses, h.status, h.exitYear, h.techniques, h.incomeProjects, at, at];
          }
        }
      }
      table('household', await copyRows(url, 'household', HOUSEHOLD_COLUMNS, households(), log));
    }

    table(
      'organization',
      await copyRows(
        url,
        'organization',
        ['id', 'name', 'type', 'societyDiscipline', 'regionCode', 'level', 'creditCode', 'contactName', 'contactPhone', 'serviceCategories', 'status', 'version', 'createdAt', 'updatedAt'],
        (function* () {
          for (let i = 0; i < orgs.length; i++) {
            const o = orgs[i];
            const rnd = rowRnd(seed, SALT.organization + 50, i);
            const at = iso(T('2016-06-01') + int(rnd, 0, 500) * DAY + officeTime(rnd));
            yield [o.id, o.name, o.type, o.discipline, o.regionCode, o.level, creditCodeOf(o, i), person(rnd), mobile(rnd), o.categories, 'ACTIVE', 1, at, at];
          }
        })(),
      ),
    );

    table(
      'expert',
      await copyRows(
        url,
        'expert',
        ['id', 'name', 'title', 'employerId', 'regionCode', 'specialties', 'serviceRegionCodes', 'contactPhone', 'rosterStatus', 'rosterFiledBy', 'rosterFiledAt', 'rosterFiledWithCode', 'rosterRegisteredBy', 'rosterRegisteredAt', 'status', 'version', 'createdAt', 'updatedAt'],
        (function* () {
          for (let j = 0; j < experts.length; j++) {
            const e = experts[j];
            const rnd = rowRnd(seed, SALT.expert + 50, j);
            const county = countyOf(e.regionCode);
            const pool = levelOfCode(e.regionCode) === RegionLevel.PROVINCE ? x.orgsByProvince.get(e.regionCode.slice(0, 2)) : levelOfCode(e.regionCode) === RegionLevel.CITY ? x.orgsByCity.get(e.regionCode.slice(0, 4)) : x.orgsByCounty.get(county);
            const employer = pool?.length && rnd() < 0.5 ? orgs[pick(rnd, pool)].id : null;
            const filedAt = e.roster === 'DRAFT' ? null : e.createdAt + int(rnd, 5, 30) * DAY;
            const registeredAt = e.roster === 'REGISTERED' && filedAt !== null ? filedAt + int(rnd, 5, 30) * DAY : null;
            const [filer] = actorOf(x, 'COUNTY', county.padEnd(6, '0'));
            const filedWith = filedAt === null ? null : rosterFilingCode(e.regionCode);
            const [registrar] = filedWith ? actorOf(x, levelOfCode(filedWith) === RegionLevel.PROVINCE ? 'PROVINCE' : levelOfCode(filedWith) === RegionLevel.CITY ? 'CITY' : 'COUNTY', filedWith) : [null];
            yield [
              e.id, person(rnd), pick(rnd, TITLES), employer, e.regionCode, e.specialties, e.served, mobile(rnd), e.roster,
              filedAt === null ? null : filer, filedAt === null ? null : iso(filedAt), filedWith, registeredAt === null ? null : registrar, registeredAt === null ? null : iso(registeredAt),
              'ACTIVE', e.roster === 'DRAFT' ? 1 : e.roster === 'FILED' ? 2 : 3, iso(e.createdAt), iso(registeredAt ?? filedAt ?? e.createdAt),
            ];
          }
        })(),
      ),
    );

    table(
      'service_offering',
      await copyRows(
        url,
        'service_offering',
        ['id', 'organizationId', 'expertId', 'providerRegionCode', 'title', 'description', 'categories', 'modes', 'regionCodes', 'servedPrefixes', 'matchKeys', 'capacity', 'activeFrom', 'activeTo', 'status', 'version', 'createdAt', 'updatedAt'],
        (function* () {
          for (let k = 0; k < plan.offerings; k++) {
            const rnd = rowRnd(seed, SALT.offering, k);
            const byOrg = rnd() < 0.6 || !x.registeredExperts.length;
            let orgId: string | null = null;
            let expertId: string | null = null;
            let providerRegion: string;
            let cats: string[];
            let served: string[];
            if (byOrg) {
              const o = orgs[int(rnd, 0, orgs.length - 1)];
              orgId = o.id;
              providerRegion = o.regionCode;
              cats = pickSome(rnd, o.categories, int(rnd, 1, 2));
              const home = o.level === RegionLevel.PROVINCE || o.level === RegionLevel.CITY ? o.regionCode : countyOf(o.regionCode);
              const neighbours = regions.countiesByCity.get(cityOf(countyOf(o.regionCode.padEnd(6, '0')))) ?? [];
              served = o.level === RegionLevel.PROVINCE && rnd() < 0.5 ? pickSome(rnd, regions.counties, int(rnd, 1, 3)) : [...new Set([home, ...(rnd() < 0.25 && neighbours.length ? [pick(rnd, neighbours)] : [])])];
            } else {
              const j = pick(rnd, x.registeredExperts);
              const e = experts[j];
              expertId = e.id;
              providerRegion = e.regionCode;
              cats = pickSome(rnd, e.specialties, int(rnd, 1, 2));
              served = e.served;
            }
            served.sort();
            const prefixes = served.map(regionPrefix);
            const modes = pickSome(rnd, MODES, int(rnd, 1, 2));
            const activeFrom = T('2017-01-01') + int(rnd, 0, 700) * DAY;
            const archived = rnd() < 0.03;
            const at = iso(activeFrom - int(rnd, 1, 20) * DAY + officeTime(rnd));
            yield [
              uuidFor(seed, SALT.offering, k), orgId, expertId, providerRegion, `${x.name(served[0])}${cats.map((c) => CATEGORY_CN[c]).join('、')}科技服务`, null, cats, modes, served, prefixes, offeringMatchKeys(cats, prefixes),
              int(rnd, 1, 8) * 5, dateOf(activeFrom), archived || rnd() < 0.07 ? '2019-12-31' : null, archived ? 'ARCHIVED' : 'ACTIVE', archived ? 2 : 1, at, archived ? iso(T('2020-01-06')) : at,
            ];
          }
        })(),
      ),
    );

    table(
      'need',
      await copyRows(
        url,
        'need',
        ['id', 'target', 'villageCode', 'householdId', 'category', 'description', 'urgency', 'preferredModes', 'status', 'closeReason', 'surveyedBy', 'surveyedAt', 'statusChangedAt', 'version', 'createdAt', 'updatedAt'],
        (function* () {
          for (let m = 0; m < plan.needs; m++) {
            const rnd = rowRnd(seed, SALT.need, m);
            const household = rnd() < 0.4 && plan.households > 0;
            let village: string;
            let householdId: string | null = null;
            if (household) {
              const k = x.householdStart + int(rnd, 0, plan.households - 1);
              householdId = uuidFor(seed, SALT.household, k);
              village = regions.villages[k % regions.villages.length];
            } else village = pick(rnd, regions.poor);
            const category = choose(rnd, CATEGORY_WEIGHTS);
            const status = choose(rnd, [['OPEN', 40], ['MATCHED', 15], ['IN_SERVICE', 20], ['FULFILLED', 20], ['CLOSED', 5]] as const);
            const surveyed = T('2017-04-01') + int(rnd, 0, 900) * DAY + officeTime(rnd);
            const changed = status === 'OPEN' ? surveyed : surveyed + int(rnd, 5, 200) * DAY;
            const steps = { OPEN: 0, MATCHED: 1, IN_SERVICE: 2, FULFILLED: 3, CLOSED: 1 }[status];
            const [surveyor] = actorOf(x, 'COUNTY', village);
            yield [
              uuidFor(seed, SALT.need, m), household ? 'HOUSEHOLD' : 'VILLAGE', village, householdId, category,
              `${x.name(village)}${household ? '贫困户' : ''}需要${CATEGORY_CN[category]}方面的科技服务（${pick(rnd, SPECIALTIES)}）。`,
              choose(rnd, [['LOW', 20], ['MEDIUM', 45], ['HIGH', 28], ['CRITICAL', 7]] as const), pickSome(rnd, MODES, int(rnd, 1, 2)), status,
              status === 'CLOSED' ? '需求已由其他渠道解决。' : null, surveyor, iso(surveyed), iso(changed), 1 + steps, iso(surveyed), iso(changed),
            ];
          }
        })(),
      ),
    );

    // Agreements: one pass to count the registered ones (the evaluations are spread over them exactly).
    const rank = new Int32Array(plan.agreements).fill(-1);
    let registered = 0;
    for (let a = 0; a < plan.agreements; a++) if (REGISTERED.has(planAgreement(x, a).status)) rank[a] = registered++;
    const perAgreement = registered ? Math.min(EVAL_SLOTS.length, Math.floor(plan.evaluations / registered)) : 0;
    const extra = registered ? Math.min(registered, plan.evaluations - perAgreement * registered) : 0;
    const evaluationsOf = (a: number) => (rank[a] < 0 ? 0 : Math.min(EVAL_SLOTS.length, perAgreement + (rank[a] < extra ? 1 : 0)));
    function* agreements(): Generator<[number, AgreementPlan]> {
      for (let a = 0; a < plan.agreements; a++) yield [a, planAgreement(x, a)];
    }
    const content = {
      goals: '帮助受援村建档立卡贫困户掌握1-2项实用技术，参与至少1个增收项目，实现稳定脱贫。',
      measures: '举办技术培训，专家驻村现场指导，推广新品种新技术，对接市场和电商平台。',
      mechanism: '帮扶方与村委会每季度会商一次，专家每月入村一次，按季度向县科协报送进展。',
    };
    table(
      'agreement',
      await copyRows(
        url,
        'agreement',
        ['id', 'title', 'status', 'regionCode', 'filerLevel', 'organizationId', 'periodStart', 'periodEnd', 'goals', 'measures', 'mechanism', 'signingDate', 'signatories', 'reviewLevel', 'registryNumber', 'returnReason', 'terminationReason', 'completionNote', 'createdBy', 'signedAt', 'filedAt', 'filedBy', 'registeredAt', 'version', 'createdAt', 'updatedAt'],
        (function* () {
          for (const [a, g] of agreements()) {
            const at = (d: string) => g.steps.filter((s) => s.decision === d).at(-1)?.at ?? null;
            const signed = at('SIGNED');
            const registeredAt = at('REGISTERED');
            const last = g.steps[g.steps.length - 1];
            const org = g.org === null ? null : orgs[g.org];
            const rnd = rowRnd(seed, SALT.agreement + 50, a);
            const reviewLevel = { COUNTY_REVIEW: 'COUNTY', CITY_REVIEW: 'CITY', PROVINCE_REVIEW: 'PROVINCE', SUBMITTED: 'NATIONAL' }[g.status as 'SUBMITTED'] ?? null;
            const periodStart = signed === null ? '2020-01-01' : `${dateOf(signed + 30 * DAY).slice(0, 7)}-01`;
            yield [
              g.id, `${x.name(g.villages[0])}${CATEGORY_CN[g.category]}科技帮扶协议`.slice(0, 200), g.status, g.regionCode, g.filerLevel, org?.id ?? null, periodStart, '2020-12-31',
              content.goals, content.measures, content.mechanism, signed === null ? null : dateOf(signed),
              signed === null ? '[]' : JSON.stringify([{ party: org?.name ?? `${x.name(countyOf(g.regionCode))}科协`, name: person(rnd), role: '负责人' }, { party: `${x.name(g.villages[0])}村民委员会`, name: person(rnd), role: '村委会主任' }]),
              reviewLevel, registeredAt === null ? null : `RK-${iso(registeredAt).slice(0, 4)}-${g.regionCode.slice(0, 2)}-${String(x.registryBase + a + 1).padStart(6, '0')}`,
              g.status === 'RETURNED' ? last.reason : null, g.status === 'TERMINATED' ? last.reason : null, g.status === 'COMPLETED' ? last.reason : null,
              g.steps[0].actor, signed === null ? null : iso(signed), at('FILED') === null ? null : iso(at('FILED') as number), at('FILED') === null ? null : g.steps[0].actor,
              registeredAt === null ? null : iso(registeredAt), g.steps.length, iso(g.steps[0].at), iso(last.at),
            ];
          }
        })(),
      ),
    );
    table(
      'agreement_village',
      await copyRows(url, 'agreement_village', ['agreementId', 'villageCode'], (function* () {
        for (const [, g] of agreements()) for (const v of g.villages) yield [g.id, v];
      })()),
    );
    table(
      'agreement_expert',
      await copyRows(url, 'agreement_expert', ['agreementId', 'expertId'], (function* () {
        for (const [, g] of agreements()) for (const e of g.experts) yield [g.id, experts[e].id];
      })()),
    );
    table(
      'agreement_task',
      await copyRows(url, 'agreement_task', ['id', 'agreementId', 'position', 'kind', 'description', 'plannedQuantity', 'unit'], (function* () {
        for (const [a, g] of agreements()) for (const [p, t] of g.tasks.entries()) yield [uuidFor(seed, SALT.agreement + 500, a * 4 + p), g.id, p + 1, t.kind, t.description, t.planned, t.unit];
      })()),
    );
    table(
      'agreement_filing_step',
      await copyRows(url, 'agreement_filing_step', ['agreementId', 'decision', 'level', 'fromStatus', 'toStatus', 'actorSubject', 'actorName', 'reason', 'at'], (function* () {
        for (const [, g] of agreements()) for (const s of g.steps) yield [g.id, s.decision, s.level, s.from, s.to, s.actor, s.actorName, s.reason, iso(s.at)];
      })()),
    );
    await c.query(`SELECT setval('agreement_registry_seq', $1)`, [x.registryBase + plan.agreements]);

    // Indicator sets a province defines per year and level, then the evaluations and their scores.
    const provinces = [...new Set(plan.scope.map((p) => p.slice(0, 2)))];
    const setRows: CopyValue[][] = [];
    const indicatorRows: CopyValue[][] = [];
    let s = 0;
    for (const p of provinces) {
      for (const [year, level] of [[2018, 'COUNTY'], [2018, 'CITY'], [2019, 'COUNTY'], [2019, 'CITY']] as const) {
        const id = uuidFor(seed, SALT.indicatorSet, s);
        const at = iso(T(`${year}-03-01`) + s * 3_600_000);
        setRows.push([id, `${p}0000`, p, year, level, `${x.name(`${p}0000`)}${year}年度科技帮扶协议${level === 'COUNTY' ? '县级' : '市级'}评估指标`, '按帮扶协议书的目标任务逐项评估（评估考核）。', `gen-province-${p}0000`, 1, at, at]);
        const indicators = INDICATORS.map((ind, k) => {
          const iid = uuidFor(seed, SALT.indicator, s * 10 + k);
          indicatorRows.push([iid, id, k + 1, ind.code, ind.name, null, ind.weight, 10]);
          return { id: iid, weight: ind.weight, maxScore: 10 };
        });
        x.indicatorSets.set(`${p}:${year}:${level}`, { id, indicators });
        s++;
      }
    }
    table('indicator_set', await copyRows(url, 'indicator_set', ['id', 'regionCode', 'regionPrefix', 'year', 'level', 'name', 'description', 'createdBy', 'version', 'createdAt', 'updatedAt'], setRows));
    table('evaluation_indicator', await copyRows(url, 'evaluation_indicator', ['id', 'indicatorSetId', 'position', 'code', 'name', 'description', 'weight', 'maxScore'], indicatorRows));
    function* evaluations(): Generator<EvaluationPlan> {
      for (let a = 0; a < plan.agreements; a++) {
        const n = evaluationsOf(a);
        if (n) yield* planEvaluations(x, a, planAgreement(x, a), n);
      }
    }
    table(
      'evaluation',
      await copyRows(
        url,
        'evaluation',
        ['id', 'agreementId', 'regionCode', 'year', 'level', 'evaluatorRegionCode', 'indicatorSetId', 'status', 'totalScore', 'grade', 'originalTotalScore', 'originalGrade', 'acceptance', 'acceptanceConditions', 'evidence', 'summary', 'evaluatorSubject', 'evaluatorName', 'submittedAt', 'reviewDecision', 'reviewerSubject', 'reviewerName', 'reviewedAt', 'reviewComment', 'recommended', 'recommendationReason', 'recommendedBy', 'recommendedAt', 'version', 'createdAt', 'updatedAt'],
        (function* () {
          for (const e of evaluations()) yield e.values;
        })(),
      ),
    );
    table(
      'evaluation_score',
      await copyRows(url, 'evaluation_score', ['evaluationId', 'indicatorId', 'score', 'reviewedScore'], (function* () {
        for (const e of evaluations()) for (const [indicator, score, reviewed] of e.scores) yield [e.id, indicator, score, reviewed];
      })()),
    );

    await step('VACUUM ANALYZE', async () => {
      for (const t of ['region', 'poor_village', 'household', 'household_village_stats', 'organization', 'expert', 'service_offering', 'need', 'agreement', 'agreement_village', 'agreement_expert', 'agreement_task', 'agreement_filing_step', 'indicator_set', 'evaluation_indicator', 'evaluation', 'evaluation_score']) {
        await c.query(`VACUUM ANALYZE ${t}`);
      }
    });
    for (const t of [...Object.keys(report.tables), 'household_village_stats']) report.counts[t] = Number((await c.query(`SELECT count(*)::bigint AS n FROM ${t}`)).rows[0].n);
  } finally {
    await c.end();
  }
  report.totalMs = Date.now() - started;
  const copied = Object.values(report.tables).reduce((acc, r) => ({ rows: acc.rows + r.rows, ms: acc.ms + r.ms }), { rows: 0, ms: 0 });
  report.copyRowsPerSecond = Math.round((copied.rows * 1000) / Math.max(1, copied.ms));
  return report;
}

// ---------------------------------------------------------------- verification against the real server

export interface VerifyReport {
  within: string;
  agreements: number;
  /** Share of the listed agreements whose nested part is non-empty. */
  nonEmpty: Record<'organization' | 'experts' | 'beneficiaryVillages' | 'villageCounty' | 'latestEvaluation' | 'filingHistory', number>;
  matchCandidates: Array<{ needId: string; totalCount: number }>;
  statistics: { households: number; poorVillages: number };
  ms: Record<string, number>;
}

/**
 * Runs the issue 8 benchmark queries (bench/queries.ts) against a server started on the generated database
 * (dist/ must be built): PROVINCIAL_AGREEMENTS within a city of Anhui as a provincial coordinator of 340000,
 * MATCH_CANDIDATES for a few OPEN needs, PROVINCE_STATISTICS 340000/2018. Throws on any GraphQL error or when a
 * nested part is empty for more than half of the agreements.
 */
export async function verify(url: string, opts: { within?: string; port?: string; log?: (m: string) => void } = {}): Promise<VerifyReport> {
  const within = opts.within ?? '341500';
  const log = opts.log ?? (() => undefined);
  const port = opts.port ?? String(4105);
  const server = await startServer({ DATABASE_URL: url, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ZHULI_RATE_LIMIT_PER_SECOND: '0' }, port);
  try {
    const token = await new Authenticator(loadConfig({})).mint({ sub: 'bench-verify', roles: [Role.PROVINCIAL_COORDINATOR], region: '340000', name: '安徽省科协' }, 3600);
    const ms: Record<string, number> = {};
    const timed = async (name: string, q: string, v: Record<string, unknown>) => {
      const t = Date.now();
      const d = await gql(server.url, token, q, v);
      ms[name] = Date.now() - t;
      return d;
    };
    const d = await timed('PROVINCIAL_AGREEMENTS', PROVINCIAL_AGREEMENTS, { within, first: 50 });
    const nodes: any[] = d.agreements.edges.map((e: any) => e.node);
    const share = (f: (n: any) => boolean) => +(nodes.filter(f).length / Math.max(1, nodes.length)).toFixed(2);
    const nonEmpty = {
      organization: share((n) => !!n.organization),
      experts: share((n) => n.experts.length > 0),
      beneficiaryVillages: share((n) => n.beneficiaryVillages.edges.length > 0),
      villageCounty: share((n) => n.beneficiaryVillages.edges.length > 0 && n.beneficiaryVillages.edges.every((e: any) => !!e.node.parent?.parent?.code)),
      latestEvaluation: share((n) => !!n.latestEvaluation),
      filingHistory: share((n) => n.filingHistory.edges.length > 0),
    };
    log(`PROVINCIAL_AGREEMENTS within ${within}: ${nodes.length} agreements, non-empty shares ${JSON.stringify(nonEmpty)}`);
    const c = new Client({ connectionString: url });
    await c.connect();
    let needs: string[];
    try {
      needs = (await c.query(`SELECT id FROM need WHERE status = 'OPEN' AND "villageCode" LIKE $1 ORDER BY id LIMIT 3`, [`${regionPrefix(within)}%`])).rows.map((r) => r.id);
    } finally {
      await c.end();
    }
    const matchCandidates: VerifyReport['matchCandidates'] = [];
    for (const [i, id] of needs.entries()) {
      const m = await timed(`MATCH_CANDIDATES ${i + 1}`, MATCH_CANDIDATES, { needId: toGlobalId('Need', id) });
      matchCandidates.push({ needId: id, totalCount: m.matchCandidates.totalCount });
    }
    log(`MATCH_CANDIDATES: ${JSON.stringify(matchCandidates)}`);
    const st = await timed('PROVINCE_STATISTICS', PROVINCE_STATISTICS, { regionCode: '340000', year: 2018 });
    const statistics = { households: st.statistics.householdCoverage.households, poorVillages: st.statistics.villageCoverage.poorVillages };
    log(`PROVINCE_STATISTICS 340000/2018: ${JSON.stringify(statistics)}`);
    const problems = [
      ...(nodes.length < 50 ? [`only ${nodes.length} agreements within ${within}`] : []),
      ...Object.entries(nonEmpty).filter(([, v]) => v < 0.5).map(([k, v]) => `${k} non-empty for only ${v * 100} % of the agreements`),
      ...(needs.length ? [] : [`no OPEN need within ${within}`]),
    ];
    if (problems.length) throw new Error(`verification failed: ${problems.join('; ')}`);
    return { within, agreements: nodes.length, nonEmpty, matchCandidates, statistics, ms };
  } finally {
    server.child.kill('SIGTERM');
  }
}

// ---------------------------------------------------------------- command line

function printTable(r: GenerateReport): string {
  const lines = [`dataset ${r.size} (seed ${r.seed}) in ${r.database}: ${(r.totalMs / 1000).toFixed(1)} s`, '', '| table | rows | ms | rows/s |', '|---|---:|---:|---:|'];
  for (const [t, v] of Object.entries(r.tables)) lines.push(`| ${t} | ${v.rows.toLocaleString('en')} | ${v.ms.toLocaleString('en')} | ${v.rowsPerSecond.toLocaleString('en')} |`);
  lines.push('', ...Object.entries(r.steps).map(([k, v]) => `${k}: ${v.toLocaleString('en')} ms`), `COPY overall: ${r.copyRowsPerSecond.toLocaleString('en')} rows/s`);
  return `${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const size = (arg('size') ?? 'county') as Size;
  if (!SIZES.includes(size)) throw new Error(`--size must be one of ${SIZES.join(', ')}`);
  const url = arg('database') ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_DATABASE;
  const seed = arg('seed') != null ? Number(arg('seed')) : DEFAULT_SEED;
  const log = (m: string) => process.stderr.write(`[generate ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  if (argv.includes('--verify-only')) {
    process.stdout.write(`${JSON.stringify({ verify: await verify(url, { log }) }, null, 2)}\n`);
    return;
  }
  const scale = arg('scale') != null ? Number(arg('scale')) : 1;
  const report = await generate(url, size, { seed, log, scale });
  process.stdout.write(printTable(report));
  const out: Record<string, unknown> = { ...report };
  if (argv.includes('--verify')) out.verify = await verify(url, { log });
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
