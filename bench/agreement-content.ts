import 'reflect-metadata';
import { toGlobalId } from '../src/graphql/node';

/** Signatories of a signed test agreement (the county association and the village committee). */
export const SIGNATORIES = [
  { party: '县科学技术协会', name: '李明华', role: '主席' },
  { party: '村民委员会', name: '王德贵', role: '主任' },
];

/**
 * A complete `CreateAgreementInput` (period, goals, tasks, measures, mechanism) for one poor village and one
 * organization (database key): what the tests and the soak draft, sign and file.
 */
export function agreementContent(county: string, organizationKey: string, village: string, title: string): Record<string, unknown> {
  return {
    title,
    regionCode: county,
    organizationId: toGlobalId('Organization', organizationKey),
    villageCodes: [village],
    periodStart: '2018-03-01',
    periodEnd: '2020-12-31',
    goals: '帮助贫困户掌握实用技术，增加收入',
    measures: '集中培训与现场指导相结合',
    mechanism: '每季度会商，每月入村指导，按季度报送进展',
    tasks: [
      { kind: 'TRAINING', description: '种植技术培训', plannedQuantity: 4, unit: '期' },
      { kind: 'HOUSEHOLDS_REACHED', description: '结对帮扶贫困户', plannedQuantity: 20, unit: '户' },
    ],
  };
}
