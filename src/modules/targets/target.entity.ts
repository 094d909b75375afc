import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Region } from '../regions/region.entity';
import { Indicator } from './indicator';

/** A target (目标任务) of a region for a year and an indicator, set by its association or one above and split down. */
@ObjectType({ implements: Node, description: 'A target (目标任务) of a region for one year and indicator, set by the association of the region or one above it and split down to the regions below' })
@Entity('target')
@Index('target_region_year_indicator_unique', ['regionCode', 'year', 'indicator'], { unique: true })
@Index('target_year_indicator_idx', ['year', 'indicator', 'regionCode'])
export class Target {
  get nodeType(): string {
    return 'Target';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Target', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Division code of the region the target is for (province, city or county: 340000, 341500, 341524)' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'regionCode' })
  region?: Relation<Region>;

  @Field(() => Int, { description: 'Year (年度)' })
  @Column({ type: 'smallint' })
  year: number;

  @Field(() => Indicator, { description: 'Indicator (考核指标)' })
  @Column({ type: 'enum', enum: Indicator, enumName: 'indicator' })
  indicator: Indicator;

  @Field(() => Int, { description: 'Target value (目标值)' })
  @Column({ type: 'integer' })
  value: number;

  @Field({ description: 'Subject of the principal who last set it' })
  @Column({ type: 'varchar', length: 200 })
  setBy: string;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when changing the target' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
