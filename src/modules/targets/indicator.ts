import { registerEnumType } from 'type-graphql';

/** Indicators (考核指标) that targets are set for and statistics count; actuals are always computed from the data. */
export enum Indicator {
  TOWNSHIP_FEDERATIONS = 'TOWNSHIP_FEDERATIONS',
  RURAL_TECH_ASSOCIATIONS = 'RURAL_TECH_ASSOCIATIONS',
  EXPERTS_MOBILIZED = 'EXPERTS_MOBILIZED',
  EXPERT_SERVICE_STATIONS = 'EXPERT_SERVICE_STATIONS',
  SCIENCE_CARAVANS = 'SCIENCE_CARAVANS',
  MOBILE_MUSEUM_TOURS = 'MOBILE_MUSEUM_TOURS',
  MIDDLE_SCHOOL_SCIENCE_MUSEUMS = 'MIDDLE_SCHOOL_SCIENCE_MUSEUMS',
  E_STATIONS = 'E_STATIONS',
  TRAININGS_HELD = 'TRAININGS_HELD',
  SCIENCE_POPULARIZATION_ACTIVITIES = 'SCIENCE_POPULARIZATION_ACTIVITIES',
  HOUSEHOLDS_WITH_TECHNIQUE = 'HOUSEHOLDS_WITH_TECHNIQUE',
  HOUSEHOLDS_WITH_INCOME_PROJECT = 'HOUSEHOLDS_WITH_INCOME_PROJECT',
  POOR_VILLAGES_COVERED_BY_AGREEMENT = 'POOR_VILLAGES_COVERED_BY_AGREEMENT',
  POOR_PEOPLE_HELPED = 'POOR_PEOPLE_HELPED',
}

/** What each indicator counts (also the GraphQL descriptions); the SQL lives in statistics.service.ts. */
export const INDICATOR_DESCRIPTIONS: Record<Indicator, string> = {
  TOWNSHIP_FEDERATIONS: 'Township federations of rural technical associations (乡镇农技协联合会): ACTIVE organizations of type TOWNSHIP_TECH_FEDERATION registered in the region',
  RURAL_TECH_ASSOCIATIONS: 'Rural professional technical associations (农技协): ACTIVE organizations of type RURAL_TECH_ASSOCIATION registered in the region',
  EXPERTS_MOBILIZED: 'Experts mobilized (动员科技专家): ACTIVE experts of the region on the roster (名册 FILED or REGISTERED)',
  EXPERT_SERVICE_STATIONS: 'Expert service stations (农技专家服务站): facilities of kind EXPERT_SERVICE_STATION operating during the year',
  SCIENCE_CARAVANS: 'Science caravans (科普大篷车): facilities of kind SCIENCE_CARAVAN operating during the year',
  MOBILE_MUSEUM_TOURS: 'Mobile science museum tour visits (流动科技馆巡展): facilities of kind MOBILE_MUSEUM_TOUR_VISIT held during the year',
  MIDDLE_SCHOOL_SCIENCE_MUSEUMS: 'Rural middle-school science museums (农村中学科技馆): facilities of kind MIDDLE_SCHOOL_SCIENCE_MUSEUM operating during the year',
  E_STATIONS: 'Science China rural e-stations (科普中国乡村e站): facilities of kind E_STATION operating during the year',
  TRAININGS_HELD: 'Trainings held (技术培训): activities of kind TRAINING dated in the year',
  SCIENCE_POPULARIZATION_ACTIVITIES: 'Science-popularization activities (科普活动): activities of kind SCIENCE_POPULARIZATION dated in the year',
  HOUSEHOLDS_WITH_TECHNIQUE: 'Registered poor households with labour that master at least one practical technique (掌握1项以上实用技术)',
  HOUSEHOLDS_WITH_INCOME_PROJECT: 'Registered poor households that joined at least one income project (参与增收项目)',
  POOR_VILLAGES_COVERED_BY_AGREEMENT: 'Registered poor villages that are beneficiaries of a registered agreement (REGISTERED, IN_PROGRESS or COMPLETED) whose period overlaps the year',
  POOR_PEOPLE_HELPED: 'Registered poor people helped (帮扶贫困人口): members of registered households that master a technique or joined an income project',
};

registerEnumType(Indicator, {
  name: 'Indicator',
  description: 'Indicator (考核指标) of the programme: targets are set per region, year and indicator; actuals are computed from the data',
  valuesConfig: Object.fromEntries(Object.entries(INDICATOR_DESCRIPTIONS).map(([k, d]) => [k, { description: d }])),
});

/** Every indicator, in the order reports list them. */
export const INDICATORS: readonly Indicator[] = Object.values(Indicator);
