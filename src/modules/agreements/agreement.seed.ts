import type { EntityManager } from 'typeorm';

/** Fixed ids so the demo dataset is the same on every install. */
export const DEMO_AGREEMENT_IDS = {
  draft: '5a1e0000-0000-4000-8000-000000000001',
  countyReview: '5a1e0000-0000-4000-8000-000000000002',
  inProgress: '5a1e0000-0000-4000-8000-000000000003',
  returned: '5a1e0000-0000-4000-8000-000000000004',
} as const;

interface DemoStep {
  decision: string;
  level: string;
  from: string | null;
  to: string;
  actor: string;
  reason?: string;
  at: string;
  notify?: { type: string; target: string; targetRegion: string };
}

/**
 * Demo agreements (帮扶协议书) in 金寨县 and 霍邱县 in four states — a draft, one under county review, one
 * registered and in progress with a progress report, one returned — with their filing history and notifications.
 */
export async function seedDemoAgreements(em: EntityManager): Promise<void> {
  const villages = async (county: string, n: number): Promise<string[]> =>
    (await em.query(`SELECT code FROM region WHERE level = 'VILLAGE' AND code LIKE $1 AND "povertyDesignation" = 'POOR_VILLAGE' ORDER BY code LIMIT $2`, [`${county}%`, n])).map((r: { code: string }) => r.code);
  const orgId = async (name: string): Promise<string | null> => (await em.query(`SELECT id FROM organization WHERE name = $1`, [name]))[0]?.id ?? null;
  const expertIds = async (county: string, n: number): Promise<string[]> =>
    (await em.query(`SELECT id FROM expert WHERE "regionCode" LIKE $1 ORDER BY name, id LIMIT $2`, [`${county}%`, n])).map((r: { id: string }) => r.id);
  const jinzhai = await villages('341524', 3);
  const huoqiu = await villages('341522', 1);
  if (jinzhai.length < 3 || !huoqiu.length) return;
  const tea = await orgId('金寨县茶叶专业技术协会');
  const station = await orgId('金寨县农技专家服务站');
  const university = await orgId('安徽农业大学');
  const coop = await orgId('霍邱县城西湖水产养殖专业合作社');
  const experts = await expertIds('3415', 2);

  const content = {
    goals: '帮助受援村茶农掌握茶叶提质增效技术，带动建档立卡贫困户增收。',
    measures: '举办技术培训，专家驻村现场指导，推广标准化茶园管理和名优茶加工技术。',
    mechanism: '协会与村委会每季度会商一次，专家每月入村一次，按季度向县科协报送进展。',
  };
  const tasks = [
    { kind: 'TRAINING', description: '茶叶标准化栽培技术培训', planned: 6, unit: '期' },
    { kind: 'HOUSEHOLDS_REACHED', description: '结对帮扶建档立卡贫困户', planned: 40, unit: '户' },
    { kind: 'TECHNIQUES_PROMOTED', description: '推广名优茶加工实用技术', planned: 3, unit: '项' },
  ];
  const signatories = JSON.stringify([
    { party: '金寨县科学技术协会', name: '李明华', role: '主席' },
    { party: '受援村村民委员会', name: '王德贵', role: '村委会主任' },
  ]);

  const agreements: Array<{
    id: string; title: string; status: string; region: string; org: string | null; experts: string[]; villages: string[];
    signed: boolean; reviewLevel: string | null; registry: boolean; returnReason?: string; steps: DemoStep[];
  }> = [
    {
      id: DEMO_AGREEMENT_IDS.draft, title: '金寨县茶叶提质增效帮扶协议（草稿）', status: 'DRAFT', region: '341524', org: tea, experts: [], villages: [jinzhai[0]],
      signed: false, reviewLevel: null, registry: false,
      steps: [{ decision: 'CREATED', level: 'FILER', from: null, to: 'DRAFT', actor: 'demo-org-manager', at: '2018-03-01T02:00:00Z' }],
    },
    {
      id: DEMO_AGREEMENT_IDS.countyReview, title: '金寨县农技专家服务站科技帮扶协议', status: 'COUNTY_REVIEW', region: '341524', org: station, experts: experts.slice(0, 1), villages: [jinzhai[1]],
      signed: true, reviewLevel: 'COUNTY', registry: false,
      steps: [
        { decision: 'CREATED', level: 'FILER', from: null, to: 'DRAFT', actor: 'demo-county-341524', at: '2018-03-02T02:00:00Z' },
        { decision: 'SIGNED', level: 'FILER', from: 'DRAFT', to: 'SIGNED', actor: 'demo-county-341524', at: '2018-03-05T02:00:00Z' },
        { decision: 'FILED', level: 'FILER', from: 'SIGNED', to: 'COUNTY_REVIEW', actor: 'demo-county-341524', at: '2018-03-06T02:00:00Z', notify: { type: 'FILED', target: 'COUNTY', targetRegion: '341524' } },
      ],
    },
    {
      id: DEMO_AGREEMENT_IDS.inProgress, title: '安徽农业大学金寨县茶产业科技帮扶协议', status: 'IN_PROGRESS', region: '341524', org: university, experts, villages: [jinzhai[1], jinzhai[2]],
      signed: true, reviewLevel: null, registry: true,
      steps: [
        { decision: 'CREATED', level: 'FILER', from: null, to: 'DRAFT', actor: 'demo-county-341524', at: '2018-01-10T02:00:00Z' },
        { decision: 'SIGNED', level: 'FILER', from: 'DRAFT', to: 'SIGNED', actor: 'demo-county-341524', at: '2018-01-12T02:00:00Z' },
        { decision: 'FILED', level: 'FILER', from: 'SIGNED', to: 'COUNTY_REVIEW', actor: 'demo-county-341524', at: '2018-01-15T02:00:00Z', notify: { type: 'FILED', target: 'COUNTY', targetRegion: '341524' } },
        { decision: 'APPROVED', level: 'COUNTY', from: 'COUNTY_REVIEW', to: 'CITY_REVIEW', actor: 'demo-county-341524', at: '2018-01-18T02:00:00Z', notify: { type: 'REVIEW_APPROVED', target: 'CITY', targetRegion: '341500' } },
        { decision: 'APPROVED', level: 'CITY', from: 'CITY_REVIEW', to: 'PROVINCE_REVIEW', actor: 'demo-city-341500', at: '2018-01-22T02:00:00Z', notify: { type: 'REVIEW_APPROVED', target: 'PROVINCE', targetRegion: '340000' } },
        { decision: 'SUBMITTED', level: 'PROVINCE', from: 'PROVINCE_REVIEW', to: 'SUBMITTED', actor: 'demo-province-340000', at: '2018-01-30T02:00:00Z', notify: { type: 'SUBMITTED', target: 'NATIONAL', targetRegion: '000000' } },
        { decision: 'REGISTERED', level: 'NATIONAL', from: 'SUBMITTED', to: 'REGISTERED', actor: 'demo-national', at: '2018-02-08T02:00:00Z', notify: { type: 'REGISTERED', target: 'FILER', targetRegion: '341524' } },
        { decision: 'STARTED', level: 'FILER', from: 'REGISTERED', to: 'IN_PROGRESS', actor: 'demo-county-341524', at: '2018-03-01T02:00:00Z', notify: { type: 'STARTED', target: 'COUNTY', targetRegion: '341524' } },
      ],
    },
    {
      id: DEMO_AGREEMENT_IDS.returned, title: '霍邱县城西湖水产养殖帮扶协议', status: 'RETURNED', region: '341522', org: coop, experts: [], villages: huoqiu,
      signed: true, reviewLevel: null, registry: false, returnReason: '任务计划数量不明确，请补充培训期数和帮扶户数。',
      steps: [
        { decision: 'CREATED', level: 'FILER', from: null, to: 'DRAFT', actor: 'demo-county-341522', at: '2018-02-01T02:00:00Z' },
        { decision: 'SIGNED', level: 'FILER', from: 'DRAFT', to: 'SIGNED', actor: 'demo-county-341522', at: '2018-02-03T02:00:00Z' },
        { decision: 'FILED', level: 'FILER', from: 'SIGNED', to: 'COUNTY_REVIEW', actor: 'demo-county-341522', at: '2018-02-05T02:00:00Z', notify: { type: 'FILED', target: 'COUNTY', targetRegion: '341522' } },
        { decision: 'RETURNED', level: 'COUNTY', from: 'COUNTY_REVIEW', to: 'RETURNED', actor: 'demo-county-341522', reason: '任务计划数量不明确，请补充培训期数和帮扶户数。', at: '2018-02-07T02:00:00Z', notify: { type: 'RETURNED', target: 'FILER', targetRegion: '341522' } },
      ],
    },
  ];

  let cursor = 0;
  for (const a of agreements) {
    const registry = a.registry ? (await em.query(`SELECT 'RK-2018-34-' || lpad(nextval('agreement_registry_seq')::text, 6, '0') AS n`))[0].n : null;
    const last = a.steps[a.steps.length - 1].at;
    await em.query(
      `INSERT INTO agreement (id, title, status, "regionCode", "filerLevel", "organizationId", "periodStart", "periodEnd", goals, measures, mechanism,
                              "signingDate", signatories, "reviewLevel", "registryNumber", "returnReason", "createdBy", "signedAt", "filedAt", "filedBy", "registeredAt", "createdAt", "updatedAt", version)
       VALUES ($1, $2, $3, $4, 'VILLAGE', $5, '2018-03-01', '2020-12-31', $6, $7, $8, $9, $10::jsonb, $11, $12, $13, 'demo', $14, $15, $16, $17, $18, $19, $20)`,
      [
        a.id, a.title, a.status, a.region, a.org, content.goals, content.measures, content.mechanism,
        a.signed ? '2018-02-28' : null, a.signed ? signatories : '[]', a.reviewLevel, registry, a.returnReason ?? null,
        a.signed ? a.steps[1].at : null, a.steps.find((s) => s.decision === 'FILED')?.at ?? null, a.signed ? a.steps[0].actor : null,
        a.registry ? a.steps.find((s) => s.decision === 'REGISTERED')?.at : null, a.steps[0].at, last, a.steps.length,
      ],
    );
    for (const [i, t] of tasks.entries()) {
      await em.query(`INSERT INTO agreement_task ("agreementId", position, kind, description, "plannedQuantity", unit) VALUES ($1, $2, $3, $4, $5, $6)`, [a.id, i + 1, t.kind, t.description, t.planned, t.unit]);
    }
    for (const e of a.experts) await em.query(`INSERT INTO agreement_expert ("agreementId", "expertId") VALUES ($1, $2)`, [a.id, e]);
    for (const v of a.villages) await em.query(`INSERT INTO agreement_village ("agreementId", "villageCode") VALUES ($1, $2)`, [a.id, v]);
    for (const s of a.steps) {
      await em.query(
        `INSERT INTO agreement_filing_step ("agreementId", decision, level, "fromStatus", "toStatus", "actorSubject", reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [a.id, s.decision, s.level, s.from, s.to, s.actor, s.reason ?? null, s.at],
      );
      if (s.notify) {
        cursor++;
        await em.query(
          `INSERT INTO notification (cursor, type, "agreementId", "regionCode", "targetLevel", "targetRegionCode", status, reason, "actorSubject", at, "publishedAt")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
          [cursor, s.notify.type, a.id, a.region, s.notify.target, s.notify.targetRegion, s.to, s.reason ?? null, s.actor, s.at],
        );
      }
    }
  }
  // Progress of the agreement in progress: 3 of 6 trainings, 25 of 40 households, nothing yet on techniques.
  const report = (await em.query(
    `INSERT INTO agreement_progress_report ("agreementId", "reportedOn", note, evidence, "reportedBy", "createdAt") VALUES ($1, '2018-06-30', $2, $3, 'demo-county-341524', '2018-07-02T02:00:00Z') RETURNING id`,
    [DEMO_AGREEMENT_IDS.inProgress, '上半年完成三期培训，结对贫困户25户。', ['金科协〔2018〕12号', 'photo:2018-06-training-01']],
  ))[0].id;
  const taskIds = (await em.query(`SELECT id FROM agreement_task WHERE "agreementId" = $1 ORDER BY position`, [DEMO_AGREEMENT_IDS.inProgress])).map((r: { id: string }) => r.id);
  await em.query(`INSERT INTO agreement_progress_item ("reportId", "taskId", "deliveredQuantity") VALUES ($1, $2, 3), ($1, $3, 25)`, [report, taskIds[0], taskIds[1]]);
}
