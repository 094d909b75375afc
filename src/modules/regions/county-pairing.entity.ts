import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Region } from './region.entity';

/** County pairing (县域结对帮扶): a developed county helps a poor one. */
@ObjectType({ implements: Node, description: 'County pairing (县域结对帮扶): a developed county/district helps a poor one' })
@Entity('county_pairing')
@Index('county_pairing_unique', ['helperCode', 'helpedCode', 'startDate'], { unique: true })
@Index('county_pairing_helped_idx', ['helpedCode'])
export class CountyPairing {
  get nodeType(): string {
    return 'CountyPairing';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('CountyPairing', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Code of the helping (developed) county' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  helperCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'helperCode' })
  helper?: Relation<Region>;

  @Field({ description: 'Code of the helped (poor) county' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  helpedCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'helpedCode' })
  helped?: Relation<Region>;

  @Field({ description: 'The document establishing the pairing (依据文件)' })
  @Column({ type: 'varchar', length: 500 })
  basis: string;

  @Field({ description: 'First day of the pairing (YYYY-MM-DD)' })
  @Column({ type: 'date' })
  startDate: string;

  @Field(() => String, { nullable: true, description: 'Last day of the pairing, if it ended (YYYY-MM-DD)' })
  @Column({ type: 'date', nullable: true })
  endDate: string | null;

  @Field(() => Int, { description: 'Optimistic-lock version' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
