import { Field, InputType } from 'type-graphql';
import { ConnectionType } from '../../graphql/connection';
import { AuditEvent } from './audit-event.entity';

export const AuditEventConnection = ConnectionType(AuditEvent, 'AuditEvent', 'audit events');

/** Filters of `auditEvents`. */
@InputType({ description: 'Filters for reading the audit trail; all given conditions must hold' })
export class AuditEventFilter {
  @Field(() => String, { nullable: true, description: 'Only changes to this entity type, e.g. Organization, Region, ApiKey' })
  entityType?: string | null;

  @Field(() => String, { nullable: true, description: 'Only changes to this entity: its global ID or its raw key (region code, UUID)' })
  entityId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only changes made by this subject (JWT sub, or apikey:<id>)' })
  actor?: string | null;

  @Field(() => String, { nullable: true, description: 'Only this operation, e.g. updateOrganization' })
  operation?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only events at or after this instant' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only events before this instant' })
  to?: Date | null;
}
