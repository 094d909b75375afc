import { registerEnumType } from 'type-graphql';

/** How a service is delivered (服务方式), shared by needs (preferred modes) and service offerings. */
export enum ServiceMode {
  TRAINING = 'TRAINING',
  ON_SITE_GUIDANCE = 'ON_SITE_GUIDANCE',
  REMOTE_GUIDANCE = 'REMOTE_GUIDANCE',
  TECHNOLOGY_PROMOTION = 'TECHNOLOGY_PROMOTION',
  ACHIEVEMENT_TRANSFER = 'ACHIEVEMENT_TRANSFER',
  MARKET_LINKAGE = 'MARKET_LINKAGE',
  CONSULTING = 'CONSULTING',
  SCIENCE_POPULARIZATION = 'SCIENCE_POPULARIZATION',
}
registerEnumType(ServiceMode, {
  name: 'ServiceMode',
  description: 'How a service is delivered (服务方式)',
  valuesConfig: {
    TRAINING: { description: 'Training (培训)' },
    ON_SITE_GUIDANCE: { description: 'On-site guidance (现场指导)' },
    REMOTE_GUIDANCE: { description: 'Remote guidance (远程指导)' },
    TECHNOLOGY_PROMOTION: { description: 'Technology promotion (技术推广)' },
    ACHIEVEMENT_TRANSFER: { description: 'Transfer of research achievements (成果转化)' },
    MARKET_LINKAGE: { description: 'Market linkage (产销对接)' },
    CONSULTING: { description: 'Consulting (咨询)' },
    SCIENCE_POPULARIZATION: { description: 'Science popularization (科普)' },
  },
});
