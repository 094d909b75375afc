import type { NonEmptyArray } from 'type-graphql';
import { registerNodeType } from '../graphql/node';
import type { Context } from './context';
import { AuditEvent } from './audit/audit-event.entity';
import { CountyPairing } from './regions/county-pairing.entity';
import { Region } from './regions/region.entity';
import { CountyPairingResolver, RegionResolver } from './regions/region.resolver';
import { NodeResolver } from './node.resolver';

/** Every TypeORM entity (the data source maps exactly these). */
export const entities = [Region, CountyPairing, AuditEvent];

/** Every GraphQL resolver class. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [NodeResolver, RegionResolver, CountyPairingResolver];

/** Object types reachable only through the Node interface must be listed for the schema. */
export const orphanedTypes = [Region, CountyPairing];

registerNodeType<Context>('Region', (ctx, keys) => ctx.loaders.regionByCode.loadMany(keys));
registerNodeType<Context>('CountyPairing', (ctx, keys) => ctx.loaders.pairingById.loadMany(keys));
