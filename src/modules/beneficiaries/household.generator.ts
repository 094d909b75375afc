import { HouseholdStatus, PovertyCause } from './household.entity';
import { withIdCheck } from './id-number';
import type { HouseholdRowValues } from './beneficiary.service';

/** A small deterministic PRNG (mulberry32): the same seed always gives the same dataset. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '余', '汪', '储', '程', '方'];
const GIVEN = ['建国', '玉兰', '志强', '秀英', '海峰', '德明', '春华', '立新', '国庆', '红梅', '桂芳', '长福', '金花', '永贵', '有才', '明亮', '淑珍', '家富'];
const TECHNIQUES = ['茶叶栽培', '茶叶加工', '猕猴桃嫁接', '食用菌栽培', '中药材种植', '生猪养殖', '皖西白鹅养殖', '稻虾共作', '果树修剪', '病虫害绿色防控', '农村电商'];
const PROJECTS = ['茶园入股分红', '光伏扶贫电站', '合作社订单种植', '扶贫车间务工', '电商销售', '特色养殖基地', '乡村旅游'];
const CAUSES = Object.values(PovertyCause);

/**
 * Deterministic, well-formed households for a list of village codes: registry numbers `<village code><4-digit
 * serial>`, heads with 18-digit resident ID numbers of the village's county with a valid GB 11643 check
 * character. Fake people; for the demo dataset, tests and the benchmark.
 */
export function generateHouseholds(villages: string[], count: number, seed: number, start = 0): HouseholdRowValues[] {
  const out: HouseholdRowValues[] = [];
  for (let k = start; k < start + count; k++) {
    const rnd = prng(seed * 1_000_003 + k);
    const village = villages[k % villages.length];
    const serial = Math.floor(k / villages.length) + 1;
    const size = 1 + Math.floor(rnd() * 6);
    const labour = Math.min(size, Math.floor(rnd() * 4));
    const year = 1940 + Math.floor(rnd() * 60);
    const month = 1 + Math.floor(rnd() * 12);
    const day = 1 + Math.floor(rnd() * 28);
    const seq = String(Math.floor(rnd() * 1000)).padStart(3, '0');
    const id = withIdCheck(`${village.slice(0, 6)}${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${seq}`);
    const causes = [...new Set([CAUSES[Math.floor(rnd() * 11)], ...(rnd() < 0.4 ? [CAUSES[Math.floor(rnd() * 11)]] : [])])];
    const r = rnd();
    const status = r < 0.55 ? HouseholdStatus.EXITED : r < 0.95 ? HouseholdStatus.POOR : HouseholdStatus.RETURNED;
    const nTech = labour > 0 ? Math.floor(rnd() * 3) : 0;
    const techniques = [...new Set(Array.from({ length: nTech }, () => TECHNIQUES[Math.floor(rnd() * TECHNIQUES.length)]))];
    const projects = labour > 0 && rnd() < 0.7 ? [PROJECTS[Math.floor(rnd() * PROJECTS.length)]] : [];
    out.push({
      registryNumber: `${village}${String(serial).padStart(4, '0')}`,
      villageCode: village,
      headName: SURNAMES[Math.floor(rnd() * SURNAMES.length)] + GIVEN[Math.floor(rnd() * GIVEN.length)],
      headIdNumber: id,
      size,
      membersAbleToWork: labour,
      povertyCauses: causes,
      status,
      exitYear: status === HouseholdStatus.POOR ? null : 2016 + Math.floor(rnd() * 4),
      techniques,
      incomeProjects: projects,
    });
  }
  return out;
}
