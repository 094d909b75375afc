import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { MutationInput } from '../../graphql/idempotency';
import { ArrayMaxSize, IsOptional, Matches } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { Payload } from '../../graphql/user-error';
import { Notification, NotificationTarget, NotificationType } from './notification.entity';

export const NotificationConnection = ConnectionType(Notification, 'Notification', 'filing notifications');

/** Filters of `notifications`. */
@InputType({ description: 'Filters for listing filing notifications; all given conditions must hold' })
export class NotificationFilter {
  @Field(() => [NotificationType], { nullable: true, description: 'Only these event types' })
  types?: NotificationType[] | null;
  @Field(() => String, { nullable: true, description: 'Only agreements inside this region (code prefix subtree)' })
  within?: string | null;
  @Field(() => [NotificationTarget], { nullable: true, description: 'Only events that these levels must act on' })
  targetLevels?: NotificationTarget[] | null;
  @Field(() => String, { nullable: true, description: "Only events addressed to this association's region code (e.g. your county 341524)" })
  targetRegionCode?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only events of this agreement (global ID)' })
  agreementId?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Only those you have not acknowledged yet (未读)' })
  unacknowledgedOnly?: boolean | null;
}

/** Input of `acknowledgeNotifications`. */
@InputType({ description: 'Notifications to mark as acknowledged (已读) for yourself' })
export class AcknowledgeNotificationsInput extends MutationInput {
  @Field(() => [ID], { description: 'Global IDs of notifications (at most 100), all in your region scope' })
  @ArrayMaxSize(100)
  ids: string[];
}

@ObjectType({ description: 'Result of acknowledgeNotifications' })
export class AcknowledgeNotificationsPayload extends Payload {
  @Field(() => [Notification], { nullable: true, description: 'The acknowledged notifications' })
  notifications?: Notification[] | null;
  @Field(() => Int, { nullable: true, description: 'How many notifications were given' })
  count?: number | null;
}

/** Arguments of the `agreementFiled` subscription. */
@ArgsType()
export class AgreementFiledArgs {
  @Field({ description: 'Region to watch (your county, or a city/province subtree); must be inside your scope' })
  @Matches(/^\d{6}(\d{3}){0,2}$/)
  regionCode: string;
  @Field(() => String, { nullable: true, description: 'Resume after this notification cursor: what you missed is delivered first, in order, then live events' })
  @IsOptional()
  after?: string | null;
}

/** Arguments of the `filingEvents` subscription. */
@ArgsType()
export class FilingEventsArgs extends AgreementFiledArgs {
  @Field(() => [NotificationType], { nullable: true, description: 'Only these event types (default: all)' })
  types?: NotificationType[] | null;
}
