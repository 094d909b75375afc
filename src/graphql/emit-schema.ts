import fs from 'node:fs';
import path from 'node:path';
import { createSchema, printSortedSchema } from './schema';
import { orphanedTypes, resolvers } from '../modules/registry';

/** `npm run schema`: writes schema.graphql at the repository root. */
async function main(): Promise<void> {
  const schema = await createSchema(resolvers, orphanedTypes);
  const file = path.resolve(__dirname, '../../../schema.graphql');
  fs.writeFileSync(file, printSortedSchema(schema));
  process.stdout.write(`wrote ${file}\n`);
}

void main();
