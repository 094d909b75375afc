'use strict';
/**
 * GraphQL Code Generator plugin (local): emits what the SDK and CLI need to know about the schema at run time
 * without introspection — which input types carry an `idempotencyKey` (mutations with them are retried safely)
 * and the field types of every `…Filter` input (so `--filter key=value` becomes the right JSON).
 */
const { isInputObjectType } = require('graphql');

module.exports = {
  plugin(schema) {
    const inputs = Object.values(schema.getTypeMap()).filter(isInputObjectType).sort((a, b) => a.name.localeCompare(b.name));
    const idempotent = inputs.filter((t) => t.getFields().idempotencyKey).map((t) => t.name);
    const filters = {};
    for (const t of inputs.filter((i) => i.name.endsWith('Filter'))) {
      filters[t.name] = Object.fromEntries(Object.values(t.getFields()).sort((a, b) => a.name.localeCompare(b.name)).map((f) => [f.name, String(f.type)]));
    }
    return [
      '/** Input types with an `idempotencyKey` field: mutations taking them get a key and are retried. */',
      `export const IDEMPOTENT_INPUT_TYPES: ReadonlySet<string> = new Set(${JSON.stringify(idempotent)});`,
      '/** Field types (GraphQL notation) of every filter input, for turning `key=value` pairs into variables. */',
      `export const FILTER_FIELD_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = ${JSON.stringify(filters, null, 2)};`,
      '',
    ].join('\n');
  },
};
