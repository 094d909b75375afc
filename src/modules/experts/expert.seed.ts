import type { EntityManager } from 'typeorm';
import { ServiceCategory } from '../organizations/service-category';
import { ExpertRosterStatus } from './expert.entity';
import { rosterFilingCode } from './expert.service';

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const GIVEN = ['建国', '玉兰', '志强', '秀英', '海峰', '晓明', '春华', '立新', '国庆', '红梅', '文杰', '丽娟', '德明'];
const TITLES = ['研究员', '副研究员', '教授', '副教授', '高级农艺师', '农艺师', '高级畜牧师', '主任医师', '高级工程师', '推广研究员'];
const NOTES: Record<ServiceCategory, string> = {
  PLANTING: '茶叶、猕猴桃、酥梨等经济作物栽培',
  LIVESTOCK_AQUACULTURE: '皖西白鹅、生猪养殖与水产健康养殖',
  AGRO_PROCESSING: '农产品精深加工与品牌建设',
  MARKETING_ECOMMERCE: '农村电商与订单农业',
  FINANCE_INSURANCE: '农业保险与银会合作',
  HEALTH: '慢性病防治与乡村卫生',
  DISASTER_PREVENTION: '山洪地质灾害防治',
  YOUTH_SCIENCE_EDUCATION: '青少年科学教育',
  VOCATIONAL_SKILLS: '转移就业技能培训',
  DECISION_CONSULTING: '县域产业规划决策咨询',
  SCIENCE_POPULARIZATION: '农村科普',
};
/** Poor counties the demo experts serve (Anhui national poor counties and 周至县). */
const SERVED = ['341524', '341522', '340828', '340824', '341221', '341225', '341321', '610124'];
export const DEMO_EXPERT_COUNT = 60;

/** Inserts 60 demo experts (科技专家), most employed by the demo organizations, a third each DRAFT / FILED / REGISTERED. */
export async function seedDemoExperts(em: EntityManager): Promise<void> {
  const orgs: Array<{ id: string; regionCode: string; serviceCategories: string }> = await em.query(
    `SELECT id, "regionCode", "serviceCategories"::text AS "serviceCategories" FROM organization ORDER BY "creditCode"`,
  );
  const cats = Object.values(ServiceCategory);
  const values: string[] = [];
  const params: unknown[] = [];
  for (let i = 0; i < DEMO_EXPERT_COUNT; i++) {
    const employer = i % 5 === 4 || !orgs.length ? null : orgs[i % orgs.length];
    const region = employer ? employer.regionCode.slice(0, 6) : SERVED[i % SERVED.length];
    const own = employer ? (employer.serviceCategories.replace(/[{}]/g, '').split(',') as ServiceCategory[]) : [];
    const specialties = [...new Set([...own.slice(0, 2), cats[i % cats.length]])];
    const roster = [ExpertRosterStatus.DRAFT, ExpertRosterStatus.FILED, ExpertRosterStatus.REGISTERED][i % 3];
    const filed = roster !== ExpertRosterStatus.DRAFT;
    const p = params.length;
    values.push(
      `($${p + 1}, $${p + 2}, $${p + 3}::uuid, $${p + 4}, $${p + 5}::service_category[], $${p + 6}, $${p + 7}::text[], $${p + 8}, $${p + 9}, $${p + 10}::expert_roster_status, $${p + 11}, $${p + 12}::timestamptz, $${p + 13}, $${p + 14}, $${p + 15}::timestamptz)`,
    );
    params.push(
      SURNAMES[i % SURNAMES.length] + GIVEN[(i * 7) % GIVEN.length],
      TITLES[i % TITLES.length],
      employer?.id ?? null,
      region,
      specialties,
      NOTES[specialties[0]],
      [...new Set([region, SERVED[(i + 3) % SERVED.length]])],
      `1${3 + (i % 7)}${String(10000000 + i * 7919).padStart(9, '0')}`,
      i % 2 ? `expert${i + 1}@example.org` : null,
      roster,
      filed ? 'demo-seed' : null,
      filed ? '2017-06-01T00:00:00Z' : null,
      filed ? rosterFilingCode(region) : null,
      roster === ExpertRosterStatus.REGISTERED ? 'demo-seed' : null,
      roster === ExpertRosterStatus.REGISTERED ? '2017-09-01T00:00:00Z' : null,
    );
  }
  await em.query(
    `INSERT INTO expert (name, title, "employerId", "regionCode", specialties, "specialtyNote", "serviceRegionCodes", "contactPhone", email,
       "rosterStatus", "rosterFiledBy", "rosterFiledAt", "rosterFiledWithCode", "rosterRegisteredBy", "rosterRegisteredAt") VALUES ${values.join(', ')}`,
    params,
  );
}
