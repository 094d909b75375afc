import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Region } from '../regions/region.entity';

/** Registration data of a registered poor village (建档立卡贫困村), keyed by the village's division code. */
@ObjectType({ implements: Node, description: 'A registered poor village (建档立卡贫困村): the village region plus its registration data' })
@Entity('poor_village')
export class PoorVillage {
  get nodeType(): string {
    return 'PoorVillage';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('PoorVillage', this.regionCode);
  }

  @Field({ description: '12-digit division code of the village (村级区划代码)' })
  @PrimaryColumn({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @OneToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'regionCode' })
  region?: Relation<Region>;

  @Field(() => Int, { description: 'Year the village was registered as poor (建档立卡年份)' })
  @Column({ type: 'smallint' })
  registeredYear: number;

  @Field(() => Int, { nullable: true, description: 'Year the village exited poverty (出列年份); null while still poor' })
  @Column({ type: 'smallint', nullable: true })
  exitYear: number | null;

  @Field(() => String, { nullable: true, description: 'Its "one village, one product" specialty (一村一品), e.g. 茶叶' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  specialty: string | null;

  @Field({ description: 'Has a rural professional technical association (农技协)' })
  @Column({ type: 'boolean', default: false })
  hasRuralTechAssociation: boolean;

  @Field({ description: 'Has at least one new agricultural business entity (新型农业经营主体)' })
  @Column({ type: 'boolean', default: false })
  hasNewBusinessEntity: boolean;

  @Field({ description: 'Has a brand (品牌)' })
  @Column({ type: 'boolean', default: false })
  hasBrand: boolean;

  @Field({ description: 'Has a Science China rural e-station (科普中国乡村e站)' })
  @Column({ type: 'boolean', default: false })
  hasEStation: boolean;

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
