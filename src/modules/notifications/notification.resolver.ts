import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { COORDINATORS } from '../../graphql/principal';
import { regionPrefix } from '../../graphql/scope';
import { mutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Agreement } from '../agreements/agreement.entity';
import { Notification, NotificationType } from './notification.entity';
import {
  AcknowledgeNotificationsInput,
  AcknowledgeNotificationsPayload,
  AgreementFiledArgs,
  FilingEventsArgs,
  NotificationConnection,
  NotificationFilter,
} from './notification.types';

/** Who reads notifications and subscribes to filing events: the associations' coordinators. */
export const NOTIFICATION_READERS = COORDINATORS;

/** Who performed a filing step. */
@ObjectType({ description: 'Who performed a filing step (经办人): subject and display name' })
export class FilingActor {
  @Field({ description: 'Stable subject of the principal (JWT sub or apikey:<id>)' })
  subject: string;
  @Field(() => String, { nullable: true, description: 'Display name, if known' })
  name: string | null;
}

/** Payload of `agreementFiled`. */
@ObjectType({ description: 'An agreement was filed (报备案) in the watched region: the agreement, who filed it, and the notification with its cursor' })
export class AgreementFiledEvent {
  @Field({ description: 'Cursor of this event; resume with `after: cursor`' })
  cursor: string;
  @Field(() => Notification, { description: 'The durable notification' })
  notification: Notification;
  @Field(() => FilingActor, { description: 'Who filed it (备案人)' })
  filer: FilingActor;
}

/**
 * Checks a subscription's region against the caller's scope and builds its stream; a resume cursor older than the
 * retained notifications is refused (CURSOR_EXPIRED) rather than silently skipping the pruned events.
 */
async function openStream(ctx: Context, args: { regionCode: string; after?: string | null; types?: NotificationType[] | null }, types: NotificationType[] | null): Promise<AsyncIterable<Notification>> {
  if (typeof args.regionCode !== 'string' || !/^\d{6}(\d{3}){0,2}$/.test(args.regionCode)) {
    throw new GraphQLError('regionCode must be a 6, 9 or 12 digit division code', { extensions: { code: 'BAD_USER_INPUT', argument: 'regionCode' } });
  }
  if (args.after != null && !/^\d{1,18}$/.test(args.after)) {
    throw new GraphQLError('after must be a notification cursor', { extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
  }
  const prefix = args.regionCode === '000000' ? '' : regionPrefix(args.regionCode);
  const scope = ctx.scope;
  if (scope.prefix === null || !prefix.startsWith(scope.prefix)) {
    throw new GraphQLError(`Region ${args.regionCode} is outside your region scope`, { extensions: { code: 'FORBIDDEN' } });
  }
  const principal = ctx.principal;
  if (args.after != null) await ctx.services.notifications.assertResumable(args.after);
  return ctx.services.notificationHub.subscribe({
    filter: { prefix, types },
    after: args.after ?? null,
    expiresAt: principal.expiresAt,
    // Scope is checked again for every event (the stream's prefix lies inside it; this guards any change).
    accept: (n) => scope.covers(n.regionCode) && (!principal.expiresAt || principal.expiresAt * 1000 > Date.now()),
  });
}

/** Fresh per-event loaders: a subscription's context lives as long as the subscription, caches must not. */
function renew(ctx: Context): void {
  if (ctx.renewLoaders) ctx.loaders = ctx.renewLoaders();
}

@Resolver(() => Notification)
export class NotificationResolver {
  @Authorized(...NOTIFICATION_READERS)
  @Query(() => NotificationConnection, { description: 'Filing notifications (备案通知) in your region scope, in cursor (commit) order; for coordinators who were offline' })
  notifications(
    @Args() page: PageArgs,
    @Arg('filter', () => NotificationFilter, { nullable: true, description: 'Filters' }) filter: NotificationFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Notification>> {
    return ctx.services.notifications.list(ctx.scope, ctx.principal.subject, filter, page);
  }

  @Authorized(...NOTIFICATION_READERS)
  @Mutation(() => AcknowledgeNotificationsPayload, { description: 'Mark notifications as acknowledged (已读) for yourself; idempotent' })
  acknowledgeNotifications(@Arg('input', { description: 'The notifications' }) input: AcknowledgeNotificationsInput, @Ctx() ctx: Context): Promise<AcknowledgeNotificationsPayload> {
    return mutation(input, async () => {
      const notifications = await ctx.services.notifications.acknowledge(ctx.actor, ctx.scope, input.ids);
      return { notifications, count: notifications.length };
    });
  }

  @Authorized(...NOTIFICATION_READERS)
  @Subscription(() => AgreementFiledEvent, {
    description: 'Agreements filed (报备案) in a region you watch — your county, or a city/province subtree in your scope — live; with `after` the missed ones first, in order',
    subscribe: ({ args, context }) => openStream(context as Context, args as AgreementFiledArgs, [NotificationType.FILED]),
  })
  agreementFiled(@Root() n: Notification, @Args() _args: AgreementFiledArgs, @Ctx() ctx: Context): AgreementFiledEvent {
    renew(ctx);
    return { cursor: n.cursor as string, notification: n, filer: { subject: n.actorSubject, name: n.actorName } };
  }

  @Authorized(...NOTIFICATION_READERS)
  @Subscription(() => Notification, {
    description: 'Every filing event (filed, approved, returned, submitted, registered, …) in a region you watch, optionally only some types; with `after` the missed ones first, in order',
    subscribe: ({ args, context }) => {
      const a = args as FilingEventsArgs;
      return openStream(context as Context, a, a.types?.length ? a.types : null);
    },
  })
  filingEvents(@Root() n: Notification, @Args() _args: FilingEventsArgs, @Ctx() ctx: Context): Notification {
    renew(ctx);
    return n;
  }

  @FieldResolver(() => Agreement, { nullable: true, description: 'The agreement (null if outside your region scope)' })
  agreement(@Root() n: Notification, @Ctx() ctx: Context): Promise<Agreement | null> | Agreement {
    if (n.preloadedAgreement instanceof Agreement && ctx.scope.covers(n.preloadedAgreement.regionCode)) return n.preloadedAgreement;
    return ctx.loaders.agreementById.load(n.agreementId);
  }

  @FieldResolver(() => FilingActor, { description: 'Who acted (经办人)' })
  actor(@Root() n: Notification): FilingActor {
    return { subject: n.actorSubject, name: n.actorName };
  }

  @FieldResolver(() => Boolean, { description: 'Whether you have acknowledged it (已读)' })
  acknowledged(@Root() n: Notification, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.loaders.notificationAcknowledged.load(String(n.id));
  }
}

@Resolver(() => AgreementFiledEvent)
export class AgreementFiledEventResolver {
  @FieldResolver(() => Agreement, { description: 'The filed agreement' })
  async agreement(@Root() e: AgreementFiledEvent, @Ctx() ctx: Context): Promise<Agreement> {
    const n = e.notification;
    if (n.preloadedAgreement instanceof Agreement) return n.preloadedAgreement;
    return (await ctx.loaders.agreementById.load(n.agreementId)) as Agreement;
  }
}
