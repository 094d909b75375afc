import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Region } from '../regions/region.entity';

/** Main causes of poverty recorded for a registered household (致贫原因). */
export enum PovertyCause {
  ILLNESS = 'ILLNESS',
  DISABILITY = 'DISABILITY',
  DISASTER = 'DISASTER',
  LACK_OF_SKILLS = 'LACK_OF_SKILLS',
  LACK_OF_CAPITAL = 'LACK_OF_CAPITAL',
  LACK_OF_LABOUR = 'LACK_OF_LABOUR',
  LACK_OF_LAND = 'LACK_OF_LAND',
  EDUCATION = 'EDUCATION',
  LACK_OF_WATER = 'LACK_OF_WATER',
  POOR_TRANSPORT = 'POOR_TRANSPORT',
  LACK_OF_DRIVE = 'LACK_OF_DRIVE',
  OTHER = 'OTHER',
}
/** The Chinese terms of the causes, as the poverty-alleviation department's files write them. */
export const POVERTY_CAUSE_TERMS: Record<PovertyCause, string> = {
  ILLNESS: '因病',
  DISABILITY: '因残',
  DISASTER: '因灾',
  LACK_OF_SKILLS: '缺技术',
  LACK_OF_CAPITAL: '缺资金',
  LACK_OF_LABOUR: '缺劳力',
  LACK_OF_LAND: '缺土地',
  EDUCATION: '因学',
  LACK_OF_WATER: '缺水',
  POOR_TRANSPORT: '交通条件落后',
  LACK_OF_DRIVE: '自身发展动力不足',
  OTHER: '其他',
};
registerEnumType(PovertyCause, {
  name: 'PovertyCause',
  description: 'Cause of poverty (致贫原因) of a registered household',
  valuesConfig: {
    ILLNESS: { description: 'Illness (因病)' },
    DISABILITY: { description: 'Disability (因残)' },
    DISASTER: { description: 'Natural disaster (因灾)' },
    LACK_OF_SKILLS: { description: 'Lack of skills / technology (缺技术)' },
    LACK_OF_CAPITAL: { description: 'Lack of capital (缺资金)' },
    LACK_OF_LABOUR: { description: 'Lack of labour (缺劳力)' },
    LACK_OF_LAND: { description: 'Lack of land (缺土地)' },
    EDUCATION: { description: 'Cost of schooling (因学)' },
    LACK_OF_WATER: { description: 'Lack of water (缺水)' },
    POOR_TRANSPORT: { description: 'Poor transport (交通条件落后)' },
    LACK_OF_DRIVE: { description: 'Lack of own drive to develop (自身发展动力不足)' },
    OTHER: { description: 'Other (其他)' },
  },
});

/** Where a registered household stands (贫困户状态). */
export enum HouseholdStatus {
  POOR = 'POOR',
  EXITED = 'EXITED',
  RETURNED = 'RETURNED',
}
registerEnumType(HouseholdStatus, {
  name: 'HouseholdStatus',
  description: 'Status of a registered poor household (贫困户状态)',
  valuesConfig: {
    POOR: { description: 'Registered poor (未脱贫)' },
    EXITED: { description: 'Exited poverty (已脱贫), with the exit year' },
    RETURNED: { description: 'Returned to poverty (返贫)' },
  },
});

/** At most this many practical techniques and income projects per household (bounded lists). */
export const MAX_HOUSEHOLD_LIST = 10;

/** A registered poor household (建档立卡贫困户); the head's name and ID number are personal data. */
@ObjectType({ implements: Node, description: 'A registered poor household (建档立卡贫困户); head-of-household name and ID number are personal data (masked unless you may see them)' })
@Entity('household')
@Index('household_registry_number_unique', ['registryNumber'], { unique: true })
@Index('household_village_idx', ['villageCode', 'registryNumber'])
export class Household {
  get nodeType(): string {
    return 'Household';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Household', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'National poverty registry number (全国扶贫开发信息系统户编号), unique' })
  @Column({ type: 'varchar', length: 30, collation: 'C' })
  registryNumber: string;

  @Field({ description: '12-digit division code of the village (所在村) the household belongs to' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  villageCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'villageCode' })
  village?: Relation<Region>;

  // Personal data: exposed only through masking field resolvers (beneficiary.resolver.ts).
  @Column({ type: 'varchar', length: 50 })
  headName: string;

  @Column({ type: 'varchar', length: 18 })
  headIdNumber: string;

  @Field(() => Int, { description: 'Household size (家庭人口)' })
  @Column({ type: 'smallint' })
  size: number;

  @Field(() => Int, { description: 'Members able to work (劳动力人数)' })
  @Column({ type: 'smallint' })
  membersAbleToWork: number;

  @Field(() => [PovertyCause], { description: 'Causes of poverty (致贫原因), main cause first' })
  @Column({ type: 'enum', enum: PovertyCause, enumName: 'poverty_cause', array: true })
  povertyCauses: PovertyCause[];

  @Field(() => HouseholdStatus, { description: 'Status: poor, exited (脱贫) or returned to poverty (返贫)' })
  @Column({ type: 'enum', enum: HouseholdStatus, enumName: 'household_status', default: HouseholdStatus.POOR })
  status: HouseholdStatus;

  @Field(() => Int, { nullable: true, description: 'Year the household exited poverty (脱贫年份); set when EXITED (kept when it RETURNED)' })
  @Column({ type: 'smallint', nullable: true })
  exitYear: number | null;

  @Field(() => [String], { description: `Practical techniques mastered (掌握实用技术), from trainings; at most ${MAX_HOUSEHOLD_LIST} (target: 1–2 per household with labour)` })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  techniques: string[];

  @Field(() => [String], { description: `Income projects joined (参与增收项目); at most ${MAX_HOUSEHOLD_LIST}` })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  incomeProjects: string[];

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when updating' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
