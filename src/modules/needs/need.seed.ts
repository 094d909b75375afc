import type { EntityManager } from 'typeorm';

/**
 * Demo needs (需求): one village need for every fourth demo poor village of 金寨县 and 周至县, and one household
 * need for every 40th demo household, deterministic categories/urgencies; all OPEN, surveyed by `demo-seed`.
 */
export async function seedDemoNeeds(em: EntityManager): Promise<void> {
  await em.query(
    `INSERT INTO need (target, "villageCode", category, description, urgency, "preferredModes", "surveyedBy", "surveyedAt")
     SELECT 'VILLAGE', v."regionCode",
            (ARRAY['PLANTING','LIVESTOCK_AQUACULTURE','AGRO_PROCESSING','MARKETING_ECOMMERCE','HEALTH','SCIENCE_POPULARIZATION']::service_category[])[1 + (row_number() OVER (ORDER BY v."regionCode"))::int % 6],
            '村级产业发展需要' || coalesce(v.specialty, '特色产业') || '方面的科技服务',
            (ARRAY['LOW','MEDIUM','HIGH','CRITICAL']::need_urgency[])[1 + right(v."regionCode", 3)::int % 4],
            ARRAY['TRAINING','ON_SITE_GUIDANCE']::service_mode[], 'demo-seed', '2017-05-01T00:00:00Z'
       FROM poor_village v WHERE (v."regionCode" LIKE '341524%' OR v."regionCode" LIKE '610124%') AND right(v."regionCode", 3)::int % 4 = 1`,
  );
  await em.query(
    `INSERT INTO need (target, "villageCode", "householdId", category, description, urgency, "preferredModes", "surveyedBy", "surveyedAt")
     SELECT 'HOUSEHOLD', h."villageCode", h.id,
            CASE WHEN 'ILLNESS' = ANY(h."povertyCauses") THEN 'HEALTH'::service_category
                 WHEN 'LACK_OF_SKILLS' = ANY(h."povertyCauses") THEN 'VOCATIONAL_SKILLS'::service_category ELSE 'PLANTING'::service_category END,
            '贫困户' || h."registryNumber" || '的技术帮扶需求', 'MEDIUM', ARRAY['ON_SITE_GUIDANCE']::service_mode[], 'demo-seed', '2017-06-01T00:00:00Z'
       FROM (SELECT h.*, row_number() OVER (ORDER BY h."registryNumber") AS rn FROM household h) h WHERE h.rn % 40 = 1`,
  );
}
