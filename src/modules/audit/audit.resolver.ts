import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { maskSnapshot } from '../../graphql/masking';
import { PageArgs, type Page } from '../../graphql/connection';
import { Role } from '../../graphql/principal';
import type { Context } from '../context';
import { OrderDirection } from '../regions/region.types';
import { AuditEvent } from './audit-event.entity';
import { AuditEventConnection, AuditEventFilter } from './audit.types';

/** Roles that read the audit trail (within their scope). */
export const AUDIT_READERS = [Role.AUDITOR, Role.NATIONAL_ADMIN, Role.PROVINCIAL_COORDINATOR] as const;

/** Reading the append-only audit trail (审计). */
@Resolver(() => AuditEvent)
export class AuditResolver {
  @Authorized(...AUDIT_READERS)
  @Query(() => AuditEventConnection, { description: 'The audit trail in your scope (auditors, national admins, provincial coordinators); events without a region are visible to national scope only' })
  auditEvents(
    @Args() page: PageArgs,
    @Arg('filter', () => AuditEventFilter, { nullable: true, description: 'Filters' }) filter: AuditEventFilter | null,
    @Arg('order', () => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'By sequence number: DESC (newest first, default) or ASC' }) order: OrderDirection,
    @Ctx() ctx: Context,
  ): Promise<Page<AuditEvent>> {
    return ctx.services.audit.list(ctx.scope, filter, order, page);
  }

  @FieldResolver(() => GraphQLJSONObject, { nullable: true, description: 'Changed fields before (null for creations); personal data in them is masked unless you may see it' })
  before(@Root() e: AuditEvent, @Ctx() ctx: Context): Record<string, unknown> | null {
    return maskSnapshot(ctx.principal, { regionCode: e.regionCode }, e.before);
  }

  @FieldResolver(() => GraphQLJSONObject, { nullable: true, description: 'Changed fields after; personal data in them is masked unless you may see it' })
  after(@Root() e: AuditEvent, @Ctx() ctx: Context): Record<string, unknown> | null {
    return maskSnapshot(ctx.principal, { regionCode: e.regionCode }, e.after);
  }
}
