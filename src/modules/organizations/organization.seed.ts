import type { EntityManager } from 'typeorm';
import { OrganizationType as T, SocietyDiscipline as D } from './organization.entity';
import { ServiceCategory as C } from './service-category';
import { withCreditCheck } from './validators';

interface DemoOrganization {
  name: string;
  type: T;
  discipline?: D;
  /** Region code, or `township:<county>` for the first township of a county. */
  region: string;
  /** Registration authority + kind (first two characters of the credit code, GB 32100-2015). */
  kind: '12' | '51' | '52' | '91' | '92' | '93';
  contact: string;
  phone: string;
  categories: C[];
}

/** The demo organizations (科技组织): Anhui's poor counties and provincial bodies, Xi'an and 周至县. */
export const DEMO_ORGANIZATIONS: DemoOrganization[] = [
  { name: '安徽省农学会', type: T.SOCIETY, discipline: D.AGRICULTURE, region: '340000', kind: '51', contact: '王立新', phone: '0551-65160001', categories: [C.PLANTING, C.LIVESTOCK_AQUACULTURE, C.DECISION_CONSULTING] },
  { name: '安徽省医学会', type: T.SOCIETY, discipline: D.MEDICAL, region: '340000', kind: '51', contact: '陈红梅', phone: '0551-62283002', categories: [C.HEALTH, C.SCIENCE_POPULARIZATION] },
  { name: '安徽省土木建筑学会', type: T.SOCIETY, discipline: D.ENGINEERING, region: '340000', kind: '51', contact: '刘志强', phone: '0551-62871003', categories: [C.DISASTER_PREVENTION, C.DECISION_CONSULTING] },
  { name: '安徽农业大学', type: T.UNIVERSITY, region: '340104', kind: '12', contact: '张晓明', phone: '0551-65786004', categories: [C.PLANTING, C.LIVESTOCK_AQUACULTURE, C.AGRO_PROCESSING, C.VOCATIONAL_SKILLS] },
  { name: '安徽省农业科学院', type: T.RESEARCH_INSTITUTE, region: '340103', kind: '12', contact: '杨春华', phone: '0551-65160005', categories: [C.PLANTING, C.AGRO_PROCESSING, C.DECISION_CONSULTING] },
  { name: '金寨县茶叶专业技术协会', type: T.RURAL_TECH_ASSOCIATION, region: '341524', kind: '51', contact: '汪国庆', phone: '13805640006', categories: [C.PLANTING, C.AGRO_PROCESSING, C.MARKETING_ECOMMERCE] },
  { name: '金寨县农技专家服务站', type: T.EXPERT_SERVICE_STATION, region: '341524', kind: '52', contact: '余文杰', phone: '0564-7071007', categories: [C.PLANTING, C.LIVESTOCK_AQUACULTURE, C.SCIENCE_POPULARIZATION] },
  { name: '金寨县农业技术推广中心', type: T.AGRICULTURAL_EXTENSION_STATION, region: '341524', kind: '12', contact: '储丽娟', phone: '0564-7072008', categories: [C.PLANTING, C.VOCATIONAL_SKILLS] },
  { name: '霍邱县农技协联合会', type: T.TOWNSHIP_TECH_FEDERATION, region: 'township:341522', kind: '51', contact: '孙海峰', phone: '13956410009', categories: [C.LIVESTOCK_AQUACULTURE, C.MARKETING_ECOMMERCE] },
  { name: '霍邱县城西湖水产养殖专业合作社', type: T.FARMER_COOPERATIVE, region: '341522', kind: '93', contact: '马建国', phone: '13866410010', categories: [C.LIVESTOCK_AQUACULTURE] },
  { name: '岳西县茭白专业技术协会', type: T.RURAL_TECH_ASSOCIATION, region: '340828', kind: '51', contact: '储玉兰', phone: '13705560011', categories: [C.PLANTING, C.MARKETING_ECOMMERCE] },
  { name: '岳西县农村科普示范基地', type: T.SCIENCE_DEMONSTRATION_BASE, region: '340828', kind: '52', contact: '王秀英', phone: '0556-2171012', categories: [C.SCIENCE_POPULARIZATION, C.YOUTH_SCIENCE_EDUCATION] },
  { name: '安徽潜山舒席龙头企业有限公司', type: T.LEADING_ENTERPRISE, region: '340824', kind: '91', contact: '胡立新', phone: '0556-8921013', categories: [C.AGRO_PROCESSING, C.MARKETING_ECOMMERCE, C.VOCATIONAL_SKILLS] },
  { name: '临泉县王庄种养大户', type: T.LARGE_GROWER, region: '341221', kind: '92', contact: '王国庆', phone: '13505580014', categories: [C.LIVESTOCK_AQUACULTURE] },
  { name: '阜南县绿源家庭农场', type: T.FAMILY_FARM, region: '341225', kind: '92', contact: '李春华', phone: '13605580015', categories: [C.PLANTING] },
  { name: '砀山县酥梨专业技术协会', type: T.RURAL_TECH_ASSOCIATION, region: '341321', kind: '51', contact: '郭文杰', phone: '13905570016', categories: [C.PLANTING, C.MARKETING_ECOMMERCE, C.FINANCE_INSURANCE] },
  { name: '六安市皖西白鹅科技有限公司', type: T.TECH_ENTERPRISE, region: '341503', kind: '91', contact: '何海峰', phone: '0564-3321017', categories: [C.LIVESTOCK_AQUACULTURE, C.AGRO_PROCESSING] },
  { name: '陕西省农学会', type: T.SOCIETY, discipline: D.AGRICULTURE, region: '610000', kind: '51', contact: '高建国', phone: '029-87310018', categories: [C.PLANTING, C.DECISION_CONSULTING] },
  { name: '西安市医学会', type: T.SOCIETY, discipline: D.MEDICAL, region: '610100', kind: '51', contact: '赵丽娟', phone: '029-86210019', categories: [C.HEALTH] },
  { name: '西安市农业技术推广中心', type: T.AGRICULTURAL_EXTENSION_STATION, region: '610100', kind: '12', contact: '周志强', phone: '029-86780020', categories: [C.PLANTING, C.VOCATIONAL_SKILLS, C.DISASTER_PREVENTION] },
  { name: '周至县猕猴桃专业技术协会', type: T.RURAL_TECH_ASSOCIATION, region: '610124', kind: '51', contact: '吴晓明', phone: '13991210021', categories: [C.PLANTING, C.MARKETING_ECOMMERCE] },
  { name: '周至县农技专家服务站', type: T.EXPERT_SERVICE_STATION, region: '610124', kind: '52', contact: '林秀英', phone: '029-87110022', categories: [C.PLANTING, C.SCIENCE_POPULARIZATION] },
  { name: '蓝田县玉川核桃专业合作社', type: T.FARMER_COOPERATIVE, region: '610122', kind: '93', contact: '罗玉兰', phone: '13892010023', categories: [C.PLANTING, C.AGRO_PROCESSING] },
];

/** A valid, deterministic credit code for the i-th demo organization in a region. */
export function demoCreditCode(kind: string, regionCode: string, i: number): string {
  const body = String(100000000 + ((i + 1) * 48271) % 900000000).slice(0, 9);
  return withCreditCheck(`${kind}${regionCode.slice(0, 6)}${body}`);
}

/** Inserts the demo organizations in one statement (inside the seed transaction). */
export async function seedDemoOrganizations(em: EntityManager): Promise<void> {
  const townships = new Map<string, string>();
  for (const o of DEMO_ORGANIZATIONS) {
    if (!o.region.startsWith('township:')) continue;
    const county = o.region.slice('township:'.length);
    const [row] = await em.query(`SELECT min(code) AS code FROM region WHERE "parentCode" = $1 AND level = 'TOWNSHIP'`, [county]);
    townships.set(o.region, row?.code ?? county);
  }
  const values: string[] = [];
  const params: unknown[] = [];
  DEMO_ORGANIZATIONS.forEach((o, i) => {
    const region = townships.get(o.region) ?? o.region;
    const p = params.length;
    values.push(`($${p + 1}, $${p + 2}::organization_type, $${p + 3}::society_discipline, $${p + 4}::varchar, (SELECT level FROM region WHERE code = $${p + 4}::varchar), $${p + 5}, $${p + 6}, $${p + 7}, $${p + 8}::service_category[])`);
    params.push(o.name, o.type, o.discipline ?? null, region, demoCreditCode(o.kind, region, i), o.contact, o.phone, o.categories);
  });
  await em.query(
    `INSERT INTO organization (name, type, "societyDiscipline", "regionCode", level, "creditCode", "contactName", "contactPhone", "serviceCategories") VALUES ${values.join(', ')}`,
    params,
  );
}
