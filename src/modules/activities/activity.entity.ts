import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Household } from '../beneficiaries/household.entity';
import { Organization } from '../organizations/organization.entity';
import { Region } from '../regions/region.entity';

/** Kind of facility (科普设施/服务站点) the targets count. */
export enum FacilityKind {
  EXPERT_SERVICE_STATION = 'EXPERT_SERVICE_STATION',
  SCIENCE_CARAVAN = 'SCIENCE_CARAVAN',
  MOBILE_MUSEUM_TOUR_VISIT = 'MOBILE_MUSEUM_TOUR_VISIT',
  MIDDLE_SCHOOL_SCIENCE_MUSEUM = 'MIDDLE_SCHOOL_SCIENCE_MUSEUM',
  E_STATION = 'E_STATION',
}
registerEnumType(FacilityKind, {
  name: 'FacilityKind',
  description: 'Kind of facility counted by the targets (每个贫困县: 1 expert service station, 1 science caravan, 2 mobile museum tours, ≥1 middle-school science museum; each poor village: 1 e-station)',
  valuesConfig: {
    EXPERT_SERVICE_STATION: { description: 'Agricultural expert service station (农技专家服务站)' },
    SCIENCE_CARAVAN: { description: 'Science caravan (科普大篷车) in service' },
    MOBILE_MUSEUM_TOUR_VISIT: { description: 'A visit of the mobile science museum tour (流动科技馆巡展); start and end date of the visit' },
    MIDDLE_SCHOOL_SCIENCE_MUSEUM: { description: 'Rural middle-school science museum (农村中学科技馆)' },
    E_STATION: { description: 'Science China rural e-station (科普中国乡村e站)' },
  },
});

/** Kind of activity (活动类型). */
export enum ActivityKind {
  TRAINING = 'TRAINING',
  SCIENCE_POPULARIZATION = 'SCIENCE_POPULARIZATION',
}
registerEnumType(ActivityKind, {
  name: 'ActivityKind',
  description: 'Kind of activity',
  valuesConfig: {
    TRAINING: { description: 'Practical-technique training (实用技术培训)' },
    SCIENCE_POPULARIZATION: { description: 'Science-popularization activity (科普活动)' },
  },
});

/** At most this many techniques per activity and attending households recorded per activity. */
export const MAX_TECHNIQUES_TAUGHT = 10;
export const MAX_ATTENDING_HOUSEHOLDS = 100;

/** A facility (设施/站点) in a region: a station, caravan, museum tour visit, school science museum or e-station. */
@ObjectType({ implements: Node, description: 'A facility counted by the targets: expert service station, science caravan, mobile science museum tour visit, rural middle-school science museum or rural e-station' })
@Entity('facility')
@Index('facility_region_idx', ['regionCode', 'startDate'])
@Index('facility_kind_idx', ['kind', 'regionCode'])
export class Facility {
  get nodeType(): string {
    return 'Facility';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Facility', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => FacilityKind, { description: 'Kind of facility' })
  @Column({ type: 'enum', enum: FacilityKind, enumName: 'facility_kind' })
  kind: FacilityKind;

  @Field({ description: 'Division code where it is (county, township or village); the region scope applies to it' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'regionCode' })
  region?: Relation<Region>;

  @Field({ description: 'Name (名称), e.g. 金寨县农技专家服务站' })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field({ description: 'Opened or in service from (启用日期); for a tour visit the first day (YYYY-MM-DD)' })
  @Column({ type: 'date' })
  startDate: string;

  @Field(() => String, { nullable: true, description: 'Closed or out of service on (停用日期); for a tour visit the last day; null while operating' })
  @Column({ type: 'date', nullable: true })
  endDate: string | null;

  @Column({ type: 'uuid', nullable: true })
  operatorOrganizationId: string | null;

  @ManyToOne(() => Organization, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'operatorOrganizationId' })
  operatorOrganization?: Relation<Organization> | null;

  @Field(() => String, { nullable: true, description: 'Free-text note (备注)' })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  note: string | null;

  @Field({ description: 'Subject of the principal who recorded it' })
  @Column({ type: 'varchar', length: 200 })
  recordedBy: string;

  @Field(() => Int, { description: 'Optimistic-lock version' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** A training or science-popularization activity (培训/科普活动): when, where, by whom, on what, for how many. */
@ObjectType({ implements: Node, description: 'A training (实用技术培训) or science-popularization activity (科普活动): date, region, organizer, topic, attendees and the techniques taught' })
@Entity('activity')
@Index('activity_region_idx', ['regionCode', 'date'])
@Index('activity_kind_date_idx', ['kind', 'date'])
export class Activity {
  get nodeType(): string {
    return 'Activity';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Activity', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ActivityKind, { description: 'Training or science popularization' })
  @Column({ type: 'enum', enum: ActivityKind, enumName: 'activity_kind' })
  kind: ActivityKind;

  @Field({ description: 'Date held (YYYY-MM-DD)' })
  @Column({ type: 'date' })
  date: string;

  @Field({ description: 'Division code where it was held (county, township or village); the region scope applies to it' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'regionCode' })
  region?: Relation<Region>;

  @Column({ type: 'uuid', nullable: true })
  organizerOrganizationId: string | null;

  @ManyToOne(() => Organization, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organizerOrganizationId' })
  organizerOrganization?: Relation<Organization> | null;

  @Field({ description: 'Organizer as written on the record (主办单位), e.g. 金寨县科协' })
  @Column({ type: 'varchar', length: 200 })
  organizerName: string;

  @Field({ description: 'Topic (主题)' })
  @Column({ type: 'varchar', length: 500 })
  topic: string;

  @Field(() => Int, { description: 'Number of attendees (参加人数)' })
  @Column({ type: 'integer' })
  attendees: number;

  @Field(() => [String], { description: `Practical techniques taught (传授实用技术), at most ${MAX_TECHNIQUES_TAUGHT}` })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  techniquesTaught: string[];

  @Field({ description: 'Subject of the principal who recorded it' })
  @Column({ type: 'varchar', length: 200 })
  recordedBy: string;

  @Field(() => Int, { description: 'Optimistic-lock version' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** A registered household that attended an activity (参训贫困户). */
@Entity('activity_household')
@Index('activity_household_household_idx', ['householdId'])
export class ActivityHousehold {
  @PrimaryColumn({ type: 'uuid' })
  activityId: string;

  @PrimaryColumn({ type: 'uuid' })
  householdId: string;

  @ManyToOne(() => Activity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'activityId' })
  activity?: Relation<Activity>;

  @ManyToOne(() => Household, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'householdId' })
  household?: Relation<Household>;
}
