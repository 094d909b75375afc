import DataLoader from 'dataloader';
import type { Principal } from '../../graphql/principal';
import type { Scope } from '../../graphql/scope';
import type { Notification } from './notification.entity';
import type { NotificationService } from './notification.service';

/** Per-request loaders of the notifications module (scope and acknowledgements of the caller). */
export function createNotificationLoaders(service: NotificationService, scope: Scope, principal: Principal) {
  return {
    notificationById: new DataLoader<string, Notification | null>((ids) => service.byIds(scope, ids)),
    notificationAcknowledged: new DataLoader<string, boolean>((ids) => service.acknowledgedBy(principal.subject, ids)),
  };
}
export type NotificationLoaders = ReturnType<typeof createNotificationLoaders>;
