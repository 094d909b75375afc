import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';

/** An append-only record of one change (审计记录): who, what, when, before/after. */
@ObjectType({ implements: Node, description: 'An append-only audit event (审计记录): who changed what, when, and how' })
@Entity('audit_event')
@Index('audit_event_entity_idx', ['entityType', 'entityId', 'seq'])
@Index('audit_event_actor_idx', ['actorSubject', 'seq'])
@Index('audit_event_region_idx', ['regionCode', 'seq'])
export class AuditEvent {
  get nodeType(): string {
    return 'AuditEvent';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('AuditEvent', this.seq);
  }

  @Field(() => String, { description: 'Monotonic sequence number (string: a 64-bit integer)' })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Field({ description: 'Operation, e.g. updateOrganization' })
  @Column({ type: 'varchar', length: 80 })
  operation: string;

  @Field({ description: 'Type of the changed entity, e.g. Organization' })
  @Column({ type: 'varchar', length: 60 })
  entityType: string;

  @Field({ description: 'Key of the changed entity' })
  @Column({ type: 'varchar', length: 80 })
  entityId: string;

  @Field(() => String, { nullable: true, description: 'Region of the changed entity' })
  @Column({ type: 'varchar', length: 12, collation: 'C', nullable: true })
  regionCode: string | null;

  @Field({ description: 'Subject of the principal who made the change' })
  @Column({ type: 'varchar', length: 200 })
  actorSubject: string;

  @Field(() => String, { nullable: true, description: 'API key used, if the change came from a service account' })
  @Column({ type: 'varchar', length: 80, nullable: true })
  apiKeyId: string | null;

  @Field({ description: 'Request id of the change (also in the server logs)' })
  @Column({ type: 'varchar', length: 80 })
  requestId: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Changed fields before (null for creations)' })
  @Column({ type: 'jsonb', nullable: true })
  before: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Changed fields after' })
  @Column({ type: 'jsonb', nullable: true })
  after: Record<string, unknown> | null;

  @Field({ description: 'When (UTC)' })
  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;
}
