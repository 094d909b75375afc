import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Node, resolveNodes } from '../graphql/node';
import type { Context } from './context';

/** `node(id:)` and `nodes(ids:)`: fetch any object by global ID, within the caller's scope. */
@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Fetch any object by its global ID (null if unknown or outside your scope)' })
  async node(@Arg('id', () => ID, { description: 'Global ID' }) id: string, @Ctx() ctx: Context): Promise<unknown> {
    const [one] = await resolveNodes(ctx, [id]);
    return one instanceof Error ? null : one;
  }

  @Query(() => [Node], { nullable: 'items', description: 'Fetch up to 100 objects by global ID, in order (null entries for unknown or out-of-scope IDs)' })
  async nodes(@Arg('ids', () => [ID], { description: 'Global IDs (at most 100)' }) ids: string[], @Ctx() ctx: Context): Promise<unknown[]> {
    const rows = await resolveNodes(ctx, ids);
    return rows.map((r) => (r instanceof Error ? null : r));
  }
}
