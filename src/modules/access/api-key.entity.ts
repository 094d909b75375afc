import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Role } from '../../graphql/principal';

/** A service account's API key (服务账号密钥): the secret itself is never stored, only its SHA-256. */
@ObjectType({ implements: Node, description: 'API key of a service account (provincial/national association systems); the secret is shown once, at creation' })
@Entity('api_key')
@Index('api_key_region_idx', ['regionCode', 'createdAt'])
export class ApiKey {
  get nodeType(): string {
    return 'ApiKey';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('ApiKey', this.id);
  }

  @Field(() => String, { name: 'keyId', description: 'Raw key id (UUID), as the CLI shows it; `revokeApiKey` accepts it or the global ID' })
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Field({ description: 'Name of the service account, e.g. "安徽省科协 registry sync"' })
  @Column({ type: 'varchar', length: 120 })
  name: string;

  @Field(() => [Role], { description: 'Roles the key grants' })
  @Column({ type: 'enum', enum: Role, enumName: 'principal_role', array: true })
  roles: Role[];

  @Field({ description: 'Region code of the key\'s scope (000000 = the whole country)' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @Field({ description: 'Public beginning of the key (zk_<prefix>), for identifying it in logs and lists' })
  @Index('api_key_prefix_key', { unique: true })
  @Column({ type: 'varchar', length: 40 })
  prefix: string;

  /** SHA-256 (hex) of the whole key; never exposed. */
  @Column({ type: 'char', length: 64 })
  secretHash: string;

  @Field({ description: 'Subject of the principal who created the key' })
  @Column({ type: 'varchar', length: 200 })
  createdBy: string;

  @Field({ description: 'When the key was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the key was last used (UTC, updated at most once a minute)' })
  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; revoked keys are refused (HTTP 401)' })
  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Subject of the principal who revoked the key' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  revokedBy: string | null;

  @Field(() => String, { nullable: true, description: 'Why the key was revoked' })
  @Column({ type: 'varchar', length: 500, nullable: true })
  revokeReason: string | null;
}
