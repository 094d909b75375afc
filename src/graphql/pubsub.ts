import { createPubSub } from '@graphql-yoga/subscription';

/**
 * The process-local publish/subscribe channel type-graphql subscriptions run on. It delivers within one
 * instance only; cross-instance delivery (LISTEN/NOTIFY or an outbox poller) feeds it from outside.
 */
export const pubSub = createPubSub();
