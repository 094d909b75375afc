import { Arg, Field, Int, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { GraphQLError } from 'graphql';

/** One tick of the heartbeat subscription. */
@ObjectType({ description: 'A tick of the `heartbeat` subscription: proves a WebSocket subscription is alive end to end' })
export class Heartbeat {
  @Field({ description: 'Server time of the tick (UTC)' })
  at: Date;

  @Field(() => Int, { description: 'Number of this tick, from 1' })
  sequence: number;
}

/** A timer as an async iterator that stops (and clears the timer) when the client unsubscribes. */
async function* ticks(intervalMs: number): AsyncGenerator<Heartbeat> {
  let sequence = 0;
  while (true) {
    yield { at: new Date(), sequence: ++sequence };
    await new Promise((resolve) => setTimeout(resolve, intervalMs).unref());
  }
}

/**
 * `heartbeat`: a harmless, data-free subscription. Load balancers and clients use it to keep a
 * WebSocket alive and to see it resume after a restart; the server counts it in its metrics.
 */
@Resolver()
export class HeartbeatResolver {
  @Subscription(() => Heartbeat, {
    description: 'Ticks right away and then every `intervalSeconds` (1–3600); no data, no authorization needed',
    subscribe: ({ args }) => {
      const s = (args as { intervalSeconds?: number }).intervalSeconds ?? 30;
      if (!Number.isInteger(s) || s < 1 || s > 3600) throw new GraphQLError('intervalSeconds must be between 1 and 3600', { extensions: { code: 'BAD_USER_INPUT' } });
      return ticks(s * 1000);
    },
  })
  heartbeat(
    @Root() tick: Heartbeat,
    @Arg('intervalSeconds', () => Int, { nullable: true, defaultValue: 30, description: 'Seconds between ticks (1–3600, default 30)' }) _intervalSeconds: number,
  ): Heartbeat {
    return tick;
  }
}
