import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';

/** Level of an administrative division. */
export enum RegionLevel {
  PROVINCE = 'PROVINCE',
  CITY = 'CITY',
  COUNTY = 'COUNTY',
  TOWNSHIP = 'TOWNSHIP',
  VILLAGE = 'VILLAGE',
}
registerEnumType(RegionLevel, {
  name: 'RegionLevel',
  description: 'Level of an administrative division (行政区划级别)',
  valuesConfig: {
    PROVINCE: { description: 'Province / autonomous region / municipality (省级), code 2 significant digits' },
    CITY: { description: 'Prefecture-level city (地级), 4 significant digits' },
    COUNTY: { description: 'County / district (县级), 6 digits' },
    TOWNSHIP: { description: 'Township / town / street (乡级), 9 digits' },
    VILLAGE: { description: 'Village / community (村级), 12 digits' },
  },
});

/** Poverty designation of a county or village. */
export enum PovertyDesignation {
  NONE = 'NONE',
  NATIONAL = 'NATIONAL',
  PROVINCIAL = 'PROVINCIAL',
  POOR_VILLAGE = 'POOR_VILLAGE',
}
registerEnumType(PovertyDesignation, {
  name: 'PovertyDesignation',
  description: 'Poverty designation (贫困县/贫困村认定)',
  valuesConfig: {
    NONE: { description: 'Not designated' },
    NATIONAL: { description: 'National-level poor county (国家级贫困县)' },
    PROVINCIAL: { description: 'Provincial-level poor county (省级贫困县)' },
    POOR_VILLAGE: { description: 'Registered poor village (建档立卡贫困村)' },
  },
});

/** An administrative division (行政区划) identified by its GB/T 2260 / 统计用区划代码 code. */
@ObjectType({ implements: Node, description: 'An administrative division (行政区划): province, city, county, township or village' })
@Entity('region')
@Index('region_parent_idx', ['parentCode', 'code'])
@Index('region_level_idx', ['level', 'code'])
export class Region {
  get nodeType(): string {
    return 'Region';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Region', this.code);
  }

  @Field({ description: 'Division code: 6 digits for province/city/county (340000, 341500, 341524), 9 for townships, 12 for villages' })
  @PrimaryColumn({ type: 'varchar', length: 12, collation: 'C' })
  code: string;

  @Field({ description: 'Official name (名称)' })
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Field(() => RegionLevel, { description: 'Level in the hierarchy' })
  @Column({ type: 'enum', enum: RegionLevel, enumName: 'region_level' })
  level: RegionLevel;

  @Field(() => String, { nullable: true, description: 'Code of the parent division (null for provinces)' })
  @Column({ type: 'varchar', length: 12, collation: 'C', nullable: true })
  parentCode: string | null;

  @ManyToOne(() => Region, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parentCode' })
  parent?: Relation<Region> | null;

  @Field(() => PovertyDesignation, { description: 'Poverty designation of a county (national/provincial) or village (registered poor village)' })
  @Column({ type: 'enum', enum: PovertyDesignation, enumName: 'poverty_designation', default: PovertyDesignation.NONE })
  povertyDesignation: PovertyDesignation;

  @Field(() => Int, { nullable: true, description: 'Year the county or village was designated (认定年份)' })
  @Column({ type: 'smallint', nullable: true })
  designatedYear: number | null;

  @Field(() => Int, { nullable: true, description: 'Year it exited poverty (摘帽/出列), if it has' })
  @Column({ type: 'smallint', nullable: true })
  povertyExitYear: number | null;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when updating' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
