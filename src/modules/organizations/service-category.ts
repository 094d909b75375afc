import { registerEnumType } from 'type-graphql';

/** Category of a need or a service (需求/服务类别), shared by needs, organizations, experts and offerings. */
export enum ServiceCategory {
  PLANTING = 'PLANTING',
  LIVESTOCK_AQUACULTURE = 'LIVESTOCK_AQUACULTURE',
  AGRO_PROCESSING = 'AGRO_PROCESSING',
  MARKETING_ECOMMERCE = 'MARKETING_ECOMMERCE',
  FINANCE_INSURANCE = 'FINANCE_INSURANCE',
  HEALTH = 'HEALTH',
  DISASTER_PREVENTION = 'DISASTER_PREVENTION',
  YOUTH_SCIENCE_EDUCATION = 'YOUTH_SCIENCE_EDUCATION',
  VOCATIONAL_SKILLS = 'VOCATIONAL_SKILLS',
  DECISION_CONSULTING = 'DECISION_CONSULTING',
  SCIENCE_POPULARIZATION = 'SCIENCE_POPULARIZATION',
}
registerEnumType(ServiceCategory, {
  name: 'ServiceCategory',
  description: 'Category of a need or of a service (需求/服务类别), from the programme documents',
  valuesConfig: {
    PLANTING: { description: 'Planting: new crop varieties and techniques (种植新品种新技术)' },
    LIVESTOCK_AQUACULTURE: { description: 'Livestock and aquaculture: new breeds and techniques (养殖新品种新技术)' },
    AGRO_PROCESSING: { description: 'Agro-processing and value chain (农产品精深加工)' },
    MARKETING_ECOMMERCE: { description: 'Marketing, e-commerce, supermarket linkage and order farming (网上销售, 对接连锁超市, 订单农业)' },
    FINANCE_INSURANCE: { description: 'Finance and insurance, e.g. bank–association cooperation (银会合作)' },
    HEALTH: { description: 'Health care and hygiene (卫生健康)' },
    DISASTER_PREVENTION: { description: 'Disaster prevention and mitigation (防灾减灾)' },
    YOUTH_SCIENCE_EDUCATION: { description: 'Science education for young people (青少年科学教育)' },
    VOCATIONAL_SKILLS: { description: 'Vocational skills and training for migrant work (转移就业培训)' },
    DECISION_CONSULTING: { description: 'Decision consulting for county industry plans (决策咨询)' },
    SCIENCE_POPULARIZATION: { description: 'Science popularization (科普)' },
  },
});
