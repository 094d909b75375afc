import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** A connection found in a result: where it is (response keys) and its value. */
export interface FoundConnection {
  path: string[];
  value: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges?: Array<{ cursor: string; node: unknown }>; nodes?: unknown[] };
}

const isConnection = (v: unknown): v is FoundConnection['value'] =>
  !!v && typeof v === 'object' && !Array.isArray(v) && 'pageInfo' in v && (Array.isArray((v as { edges?: unknown }).edges) || Array.isArray((v as { nodes?: unknown }).nodes));

/** Every connection (an object with pageInfo and edges or nodes) in a result, outermost first; nested ones inside nodes are not followed. */
export function findConnections(data: unknown, path: string[] = []): FoundConnection[] {
  if (isConnection(data)) return [{ path, value: data }];
  if (!data || typeof data !== 'object' || Array.isArray(data)) return [];
  return Object.entries(data as Record<string, unknown>).flatMap(([k, v]) => findConnections(v, [...path, k]));
}

/** The nodes of a connection (from edges, else nodes). */
export function nodesOf(conn: FoundConnection['value']): unknown[] {
  return conn.edges ? conn.edges.map((e) => e?.node) : (conn.nodes ?? []);
}

/** Replaces the value at `path` (used to page one connection of a result). */
export function valueAtPath(data: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
}

function fragmentsOf(doc: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
}

/** Fields of a selection set by response key, fragments expanded (first occurrence wins, later sub-selections merged). */
function fieldsOf(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, out = new Map<string, SelectionSetNode[]>()): Map<string, SelectionSetNode[]> {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.FIELD) {
      const key = sel.alias?.value ?? sel.name.value;
      const list = out.get(key) ?? [];
      if (sel.selectionSet) list.push(sel.selectionSet);
      out.set(key, list);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) fieldsOf(sel.selectionSet, fragments, out);
    else if (sel.kind === Kind.FRAGMENT_SPREAD) fieldsOf(fragments.get(sel.name.value)?.selectionSet, fragments, out);
  }
  return out;
}

function merged(sets: SelectionSetNode[]): SelectionSetNode | undefined {
  return sets.length ? { kind: Kind.SELECTION_SET, selections: sets.flatMap((s) => s.selections) } : undefined;
}

/** Dotted leaf paths selected by a selection set, in selection order: `employer.name`, `tasks.kind`. */
function leafPaths(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, subs] of fieldsOf(set, fragments)) {
    if (key === '__typename') continue;
    if (subs.length) out.push(...leafPaths(merged(subs), fragments, `${prefix}${key}.`));
    else out.push(`${prefix}${key}`);
  }
  return out;
}

/**
 * Column names (dotted paths) for the nodes of the connection at `path`, read from the query itself so the
 * header does not depend on which values happen to be null on the first page. Null if the path cannot be found.
 */
export function nodeColumns(doc: DocumentNode, path: string[]): string[] | null {
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = fragmentsOf(doc);
  let set: SelectionSetNode | undefined = op?.selectionSet;
  for (const key of path) {
    set = merged(fieldsOf(set, fragments).get(key) ?? []);
    if (!set) return null;
  }
  const fields = fieldsOf(set, fragments);
  const edges = merged(fields.get('edges') ?? []);
  const nodeSet = edges ? merged(fieldsOf(edges, fragments).get('node') ?? []) : merged(fields.get('nodes') ?? []);
  return nodeSet ? leafPaths(nodeSet, fragments) : null;
}

/** Column names of the whole result (for queries without a connection): every leaf of the operation. */
export function resultColumns(doc: DocumentNode): string[] {
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return leafPaths(op?.selectionSet, fragmentsOf(doc));
}

/** Columns from the data when the query does not tell (dotted keys of the first rows). */
export function dataColumns(rows: unknown[]): string[] {
  const cols = new Set<string>();
  const walk = (v: unknown, prefix: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, `${prefix}${k}.`);
    else cols.add(prefix.slice(0, -1));
  };
  for (const r of rows) walk(r, '');
  return [...cols];
}

/** The text of one cell: lists joined with ";", objects (JSON scalars) as JSON, null as empty. */
export function cell(row: unknown, column: string): string {
  const get = (v: unknown, keys: string[]): unknown => {
    if (!keys.length) return v;
    if (Array.isArray(v)) return v.map((x) => get(x, keys));
    if (v && typeof v === 'object') return get((v as Record<string, unknown>)[keys[0]], keys.slice(1));
    return null;
  };
  const text = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) return v.map(text).join(';');
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  return text(get(row, column.split('.')));
}

/** RFC 4180 quoting. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: string[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

/** An aligned text table (cells cut at 48 characters). */
export function table(columns: string[], rows: unknown[]): string {
  const cut = (s: string) => (s.length > 48 ? `${s.slice(0, 47)}…` : s).replace(/[\r\n\t]/g, ' ');
  const cells = rows.map((r) => columns.map((c) => cut(cell(r, c))));
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffef]/.test(ch) ? 2 : 1), 0);
  const widths = columns.map((c, i) => Math.max(width(c), ...cells.map((r) => width(r[i]))));
  const line = (vals: string[]) => `${vals.map((v, i) => v + ' '.repeat(widths[i] - width(v))).join('  ').trimEnd()}\n`;
  return line(columns) + line(widths.map((w) => '-'.repeat(w))) + cells.map(line).join('');
}
