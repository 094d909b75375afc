import fs from 'node:fs';
import { Kind, parse, type DocumentNode, type OperationDefinitionNode, type TypeNode } from 'graphql';
import { ZhuliClient } from '../client/client';
import { clientOptionsFrom } from '../client/settings';
import {
  ActivitiesDocument,
  AgreementFiledDocument,
  AgreementsDocument,
  ApiKeysDocument,
  AuditEventsDocument,
  CommendationsDocument,
  CountyAssessmentsDocument,
  ExpertsDocument,
  FacilitiesDocument,
  FILTER_FIELD_TYPES,
  HouseholdsDocument,
  NeedCountsDocument,
  NeedsDocument,
  NominationRoundsDocument,
  NotificationsDocument,
  OrganizationsDocument,
  PoorVillagesDocument,
  RegionsDocument,
  ServiceOfferingsDocument,
  StatisticsDocument,
  TargetsDocument,
  type AgreementFiledSubscription,
} from '../client/generated/graphql';
import { EXIT, UsageError, type Command, type Io } from './command';
import { cell, csvLine, dataColumns, findConnections, nodeColumns, nodesOf, resultColumns, table, valueAtPath } from './flatten';

/** Help lines of the connection options every remote command takes. */
export const REMOTE_HELP_LINES = `  --url URL        GraphQL endpoint (default $ZHULI_URL, the config file, or http://127.0.0.1:4000/graphql)
  --token TOKEN    bearer JWT (default $ZHULI_TOKEN); an API key (zk_…) given here is sent as X-API-Key
  --api-key KEY    service-account API key (default $ZHULI_API_KEY)
  --config FILE    JSON file with url, token and/or apiKey (default ~/.config/zhuli/config.json)`;

const CONNECT_OPTIONS = { url: { type: 'string' }, token: { type: 'string' }, 'api-key': { type: 'string' }, config: { type: 'string' } } as const;

function clientOf(values: Record<string, any>, io: Io, onRetry = true): ZhuliClient {
  let s;
  try {
    s = clientOptionsFrom({ url: values.url, token: values.token, apiKey: values['api-key'], config: values.config }, io.env);
    return new ZhuliClient({
      url: s.url,
      token: s.token,
      apiKey: s.apiKey,
      onRetry: onRetry ? ({ attempt, delayMs, reason }) => io.err(`zhuli: ${reason}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s\n`) : undefined,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function formatOf(values: Record<string, any>, allowed: string[], fallback: string): string {
  const f = (values.format as string | undefined) ?? fallback;
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of ${allowed.join(', ')}`);
  return f;
}

function namedType(t: TypeNode): string {
  return t.kind === Kind.NAMED_TYPE ? t.name.value : namedType(t.type);
}
function isList(t: TypeNode): boolean {
  return t.kind === Kind.NON_NULL_TYPE ? isList(t.type) : t.kind === Kind.LIST_TYPE;
}

/** A `key=value` pair turned into the JSON the variable's type wants: numbers, booleans, lists (a,b), JSON objects. */
function coerce(raw: string, typeName: string, list: boolean, what: string): unknown {
  if (/^\s*[[{]/.test(raw)) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new UsageError(`${what}: not valid JSON: ${raw}`);
    }
  }
  if (list) return raw.split(',').map((s) => coerce(s.trim(), typeName, false, what));
  if (raw === 'null') return null;
  if (typeName === 'Int' || typeName === 'Float') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || (typeName === 'Int' && !Number.isInteger(n))) throw new UsageError(`${what}: ${typeName} expected, got "${raw}"`);
    return n;
  }
  if (typeName === 'Boolean') {
    if (!['true', 'false'].includes(raw)) throw new UsageError(`${what}: true or false expected, got "${raw}"`);
    return raw === 'true';
  }
  return raw;
}

function pairs(list: string[] | undefined, flag: string): Array<[string, string]> {
  return (list ?? []).map((p) => {
    const i = p.indexOf('=');
    if (i < 1) throw new UsageError(`--${flag} takes key=value, got "${p}"`);
    return [p.slice(0, i), p.slice(i + 1)];
  });
}

/** Writes rows as ndjson/csv/json as they come (nothing is kept), or collects them for a table. */
class RowWriter {
  private count = 0;
  private buffered: unknown[] = [];
  constructor(
    private readonly format: string,
    private columns: string[] | null,
    private readonly write: (text: string) => void,
    private readonly header = true,
  ) {}
  rows(rows: unknown[]): void {
    if (!rows.length) return;
    if (!this.columns && (this.format === 'csv' || this.format === 'table')) this.columns = dataColumns(rows.slice(0, 20));
    if (this.format === 'table') {
      this.buffered.push(...rows);
      return;
    }
    let text = '';
    for (const r of rows) {
      if (this.format === 'ndjson') text += `${JSON.stringify(r)}\n`;
      else if (this.format === 'json') text += `${this.count ? ',\n' : '[\n'}${JSON.stringify(r)}`;
      else {
        if (this.count === 0 && this.header) text += csvLine(this.columns as string[]);
        text += csvLine((this.columns as string[]).map((c) => cell(r, c)));
      }
      this.count++;
    }
    this.write(text);
  }
  end(): void {
    if (this.format === 'json') this.write(this.count ? '\n]\n' : '[]\n');
    else if (this.format === 'csv' && this.count === 0 && this.header && this.columns) this.write(csvLine(this.columns));
    else if (this.format === 'table') this.write(table(this.columns ?? [], this.buffered));
  }
}

/** Reports rows, speed and (when the total is known) a bar on stderr, at most 5 times a second. */
function progress(io: Io, enabled: boolean) {
  const started = Date.now();
  let last = 0;
  return {
    update(done: number, total: number | undefined, final = false) {
      if (!enabled) return;
      const now = Date.now();
      if (!final && now - last < 200) return;
      last = now;
      const rate = Math.round(done / Math.max((now - started) / 1000, 0.001));
      const bar = total ? `[${'#'.repeat(Math.round((Math.min(done, total) / Math.max(total, 1)) * 30)).padEnd(30, '.')}] ${done.toLocaleString('en')}/${total.toLocaleString('en')}` : `${done.toLocaleString('en')} rows`;
      io.err(`\r${bar} ${rate.toLocaleString('en')} rows/s   ${final ? '\n' : ''}`);
    },
    seconds: () => (Date.now() - started) / 1000,
  };
}

/** Stops a long command at a page boundary on Ctrl-C / SIGTERM (so the printed cursor is exact). */
function interruption(): { readonly stopped: boolean; controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  const on = () => controller.abort();
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return {
    get stopped() {
      return controller.signal.aborted;
    },
    controller,
    dispose() {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

/**
 * What `zhuli export` can export: the SDK document, the path to its connection in the data, its filter input, and
 * the required arguments of the query (given with --arg, e.g. regionCode and year of the statistics).
 */
interface ExportSpec {
  doc: DocumentNode;
  path: string[];
  filter?: string;
  args?: Record<string, 'String' | 'Int'>;
  vars?: Record<string, unknown>;
  what: string;
}
const REGION_YEAR = { regionCode: 'String', year: 'Int' } as const;
const EXPORTS: Record<string, ExportSpec> = {
  activities: { doc: ActivitiesDocument, path: ['activities'], filter: 'ActivityFilter', what: 'trainings and science-popularization activities, newest first' },
  agreements: { doc: AgreementsDocument, path: ['agreements'], filter: 'AgreementFilter', vars: { orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, what: 'assistance agreements (帮扶协议书), oldest first' },
  'api-keys': { doc: ApiKeysDocument, path: ['apiKeys'], filter: 'ApiKeyFilter', what: 'service-account API keys' },
  'audit-events': { doc: AuditEventsDocument, path: ['auditEvents'], filter: 'AuditEventFilter', vars: { order: 'ASC' }, what: 'the audit trail, oldest first' },
  'county-assessments': { doc: CountyAssessmentsDocument, path: ['countyAssessments'], args: REGION_YEAR, what: 'assessment (考核) of the county associations inside a region for a year' },
  commendations: { doc: CommendationsDocument, path: ['commendations'], filter: 'CommendationFilter', vars: { orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, what: 'commendations (表彰), oldest first' },
  experts: { doc: ExpertsDocument, path: ['experts'], filter: 'ExpertFilter', what: 'S&T experts (科技专家)' },
  facilities: { doc: FacilitiesDocument, path: ['facilities'], filter: 'FacilityFilter', what: 'facilities: expert service stations, science caravans, museum tours, e-stations, …' },
  households: { doc: HouseholdsDocument, path: ['households'], filter: 'HouseholdFilter', what: 'registered poor households (建档立卡贫困户)' },
  'need-counts': { doc: NeedCountsDocument, path: ['needCounts'], filter: 'NeedCountFilter', what: 'coverage: needs per county and category by status' },
  needs: { doc: NeedsDocument, path: ['needs'], filter: 'NeedFilter', what: 'needs (需求)' },
  'nomination-rounds': { doc: NominationRoundsDocument, path: ['nominationRounds'], filter: 'NominationRoundFilter', vars: { orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, what: 'nomination rounds (推荐评选) with quota and notice, oldest first' },
  notifications: { doc: NotificationsDocument, path: ['notifications'], filter: 'NotificationFilter', what: 'filing notifications (备案通知), in cursor order' },
  offerings: { doc: ServiceOfferingsDocument, path: ['serviceOfferings'], filter: 'ServiceOfferingFilter', what: 'service offerings (科技服务)' },
  organizations: { doc: OrganizationsDocument, path: ['organizations'], filter: 'OrganizationFilter', what: 'S&T organizations (科技组织)' },
  'poor-villages': { doc: PoorVillagesDocument, path: ['poorVillages'], filter: 'PoorVillageFilter', what: 'registered poor villages (建档立卡贫困村)' },
  regions: { doc: RegionsDocument, path: ['regions'], filter: 'RegionFilter', what: 'administrative divisions (public)' },
  statistics: { doc: StatisticsDocument, path: ['statistics', 'breakdown'], args: REGION_YEAR, what: 'statistics (统计) of a region for a year, one row per child region' },
  targets: { doc: TargetsDocument, path: ['targets'], filter: 'TargetFilter', what: 'targets (目标任务) with the sums of their children' },
};

function filterHelp(): string {
  return Object.entries(EXPORTS)
    .map(([name, e]) => {
      const filters = e.filter ? `filters: ${Object.entries(FILTER_FIELD_TYPES[e.filter] ?? {}).map(([k, t]) => `${k} (${t})`).join(', ')}` : '';
      const args = e.args ? `required: ${Object.entries(e.args).map(([k, t]) => `--arg ${k}=… (${t})`).join(' ')}` : '';
      return `  ${name.padEnd(18)} ${e.what}\n${' '.repeat(21)}${[args, filters].filter(Boolean).join('; ')}`;
    })
    .join('\n');
}

/** Prints userErrors found anywhere in a mutation result; returns whether there were any. */
function reportUserErrors(data: unknown, io: Io): boolean {
  let found = false;
  const walk = (v: unknown, path: string) => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    for (const [k, x] of Object.entries(v)) {
      if (k === 'userErrors' && Array.isArray(x) && x.length) {
        found = true;
        for (const e of x as Array<{ code?: string; field?: string[] | null; message?: string }>) io.err(`error ${e.code ?? ''}${e.field?.length ? ` at ${e.field.join('.')}` : ''}: ${e.message ?? ''} (${path || 'data'})\n`);
      } else walk(x, path ? `${path}.${k}` : k);
    }
  };
  walk(data, '');
  return found;
}

/** `zhuli query`, `zhuli export` and `zhuli watch filings`: the SDK-based commands for analysts and integrators. */
export const clientCommands: Record<string, Command> = {
  query: {
    summary: 'run any GraphQL query (or mutation); --all-pages walks a connection; json, ndjson, csv or table',
    positionals: true,
    help: `zhuli query [-f FILE | QUERY] [--var KEY=VALUE…] [--all-pages] [--format json|ndjson|csv|table] [--out FILE]

Runs one GraphQL operation given inline or in FILE (or on stdin with -f -). Variables come from --var,
typed by the operation's variable definitions: Int/Float/Boolean are converted, lists are comma-separated
(or JSON), input objects are JSON (--var 'filter={"within":"341524"}').

--all-pages follows the connection in the result (an object with pageInfo and edges or nodes) page by page,
passing pageInfo.endCursor as the $after variable (the query must declare $after; $first defaults to 100)
and writes its nodes as they arrive. Only one connection can be walked per query.

Formats: json (default: the data; with --all-pages a JSON array of the nodes), ndjson (one node per line),
csv and table (the nodes of the connection flattened into dotted columns such as employer.name; lists are
joined with ";"; without a connection, the whole result is one row). A mutation whose payload carries
userErrors prints them to stderr and exits 1.

  -f, --file FILE    read the operation from FILE ("-" = stdin)
  --var KEY=VALUE    a variable (repeat)
  --all-pages        walk every page of the connection
  --format FORMAT    json, ndjson, csv or table
  --out FILE         write to FILE instead of stdout
${REMOTE_HELP_LINES}

Examples:
  zhuli query '{ me { subject roles regionCode } }'
  zhuli query 'query($after: String) { regions(first: 100, after: $after, filter: { within: "341524", level: VILLAGE }) { pageInfo { hasNextPage endCursor } nodes { code name povertyDesignation } } }' --all-pages --format csv > villages.csv
  zhuli query -f experts.graphql --var within=3415 --var 'status=ACTIVE' --all-pages --format table
  echo '{ needCounts(first: 50) { nodes { countyCode category open total } } }' | zhuli query -f - --format table`,
    options: { file: { type: 'string', short: 'f' }, var: { type: 'string', multiple: true }, 'all-pages': { type: 'boolean' }, format: { type: 'string' }, out: { type: 'string' }, ...CONNECT_OPTIONS },
    async run({ values, positionals }, io) {
      if (values.file && positionals.length) throw new UsageError('give the query inline or with -f, not both');
      if (positionals.length > 1) throw new UsageError('give the query as one argument (quote it)');
      let text: string;
      if (values.file) {
        if (values.file !== '-' && !fs.existsSync(values.file)) throw new UsageError(`no such file: ${values.file}`);
        text = fs.readFileSync(values.file === '-' ? 0 : values.file, 'utf8');
      } else if (positionals.length) text = positionals[0];
      else throw new UsageError('a QUERY or -f FILE is required');
      let doc: DocumentNode;
      try {
        doc = parse(text);
      } catch (err) {
        throw new UsageError(`the query does not parse: ${(err as Error).message}`);
      }
      const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      if (ops.length !== 1) throw new UsageError('the document must hold exactly one operation');
      const op = ops[0];
      if (op.operation === 'subscription') throw new UsageError('subscriptions are not queries: use zhuli watch');
      const defs = new Map((op.variableDefinitions ?? []).map((d) => [d.variable.name.value, d.type]));
      const variables: Record<string, unknown> = {};
      for (const [k, v] of pairs(values.var, 'var')) {
        const t = defs.get(k);
        if (!t) throw new UsageError(`--var ${k}: the operation declares no $${k}`);
        variables[k] = coerce(v, namedType(t), isList(t), `--var ${k}`);
      }
      const format = formatOf(values, ['json', 'ndjson', 'csv', 'table'], 'json');
      const allPages = Boolean(values['all-pages']);
      if (allPages && !defs.has('after')) throw new UsageError('--all-pages needs an operation that declares $after (and passes it as the connection\'s after argument)');
      if (allPages && defs.has('first') && variables.first === undefined) variables.first = 100;
      const client = clientOf(values, io);
      const fd = values.out ? fs.openSync(values.out, 'w') : null;
      const write = (t: string) => (fd !== null ? fs.writeSync(fd, t) : io.out(t));
      try {
        const first = await client.request<Record<string, unknown>>(doc, variables);
        const hadUserErrors = op.operation === 'mutation' && reportUserErrors(first, io);
        const conns = findConnections(first);
        if (allPages && conns.length !== 1) throw new UsageError(`--all-pages follows exactly one connection; the result has ${conns.length}${conns.length ? `: ${conns.map((c) => c.path.join('.')).join(', ')}` : ''}`);
        if (!allPages && format === 'json') {
          write(`${JSON.stringify(first, null, 2)}\n`);
          return hadUserErrors ? EXIT.USER_ERRORS : EXIT.OK;
        }
        if (!conns.length) {
          // No list: the whole result is the one row.
          if (format === 'ndjson') write(`${JSON.stringify(first)}\n`);
          else {
            const w = new RowWriter(format, resultColumns(doc), write);
            w.rows([first]);
            w.end();
          }
          return hadUserErrors ? EXIT.USER_ERRORS : EXIT.OK;
        }
        const conn = conns[0];
        const out = new RowWriter(format, nodeColumns(doc, conn.path), write);
        out.rows(nodesOf(conn.value));
        let page = conn.value;
        while (allPages && page.pageInfo.hasNextPage && page.pageInfo.endCursor) {
          const data = await client.request<Record<string, unknown>>(doc, { ...variables, after: page.pageInfo.endCursor });
          page = valueAtPath(data, conn.path) as typeof page;
          if (!page) break;
          out.rows(nodesOf(page));
        }
        out.end();
        return hadUserErrors ? EXIT.USER_ERRORS : EXIT.OK;
      } finally {
        if (fd !== null) fs.closeSync(fd);
      }
    },
  },

  export: {
    summary: 'stream every node of a list (agreements, needs, households, experts, regions, …) as ndjson or csv',
    positionals: true,
    help: `zhuli export WHAT [--filter KEY=VALUE…] [--arg KEY=VALUE…] [--format ndjson|csv] [--out FILE] [--after CURSOR] [--quiet]

Streams every item of a list in your scope, 100 per request, writing each page as it arrives (memory stays
flat however long the list is). A progress bar goes to stderr. At the end, or when interrupted (Ctrl-C,
SIGTERM, network loss), the cursor of the last row written is printed to stderr: pass it as --after to
continue where the export stopped (with --out the file is then appended to, without a second CSV header).

WHAT:
${filterHelp()}

  --filter KEY=VALUE  a filter field (repeat); lists are comma-separated: --filter status=OPEN,MATCHED
  --arg KEY=VALUE     a required argument of the list (statistics, county-assessments: regionCode and year)
  --format FORMAT     ndjson (default) or csv (dotted columns, lists joined with ";")
  --out FILE          write to FILE instead of stdout
  --after CURSOR      resume after this cursor
  --quiet             no progress bar
${REMOTE_HELP_LINES}

Examples:
  zhuli export regions --filter within=34 --format csv --out anhui-regions.csv
  zhuli export households --filter within=341524 --filter status=POOR,RETURNED --format ndjson > jinzhai.ndjson
  zhuli export agreements --filter status=REGISTERED --format csv --out registered.csv
  zhuli export statistics --arg regionCode=341500 --arg year=2018 --format csv --out liuan-2018.csv
  zhuli export targets --filter within=3415 --filter year=2018 --format csv
  zhuli export needs --after eyJ2Ijo… --out needs.ndjson       # continue an interrupted export`,
    options: { filter: { type: 'string', multiple: true }, arg: { type: 'string', multiple: true }, format: { type: 'string' }, out: { type: 'string' }, after: { type: 'string' }, quiet: { type: 'boolean' }, ...CONNECT_OPTIONS },
    async run({ values, positionals }, io) {
      if (positionals.length !== 1) throw new UsageError(`say what to export: ${Object.keys(EXPORTS).join(', ')}`);
      const spec = EXPORTS[positionals[0]];
      if (!spec) throw new UsageError(`cannot export "${positionals[0]}"; choose one of ${Object.keys(EXPORTS).join(', ')}`);
      const format = formatOf(values, ['ndjson', 'csv'], 'ndjson');
      const fields = spec.filter ? (FILTER_FIELD_TYPES[spec.filter] ?? {}) : {};
      const filter: Record<string, unknown> = {};
      const args: Record<string, unknown> = {};
      for (const [k, v] of pairs(values.arg, 'arg')) {
        const t = spec.args?.[k];
        if (!t) throw new UsageError(`${positionals[0]} takes no argument "${k}"${spec.args ? `; arguments: ${Object.keys(spec.args).join(', ')}` : ''}`);
        args[k] = coerce(v, t, false, `--arg ${k}`);
      }
      const missing = Object.keys(spec.args ?? {}).filter((k) => args[k] === undefined);
      if (missing.length) throw new UsageError(`${positionals[0]} needs ${missing.map((k) => `--arg ${k}=…`).join(' ')}`);
      for (const [k, v] of pairs(values.filter, 'filter')) {
        const t = fields[k];
        if (!t) throw new UsageError(`${positionals[0]} has no filter "${k}"; filters: ${Object.keys(fields).join(', ')}`);
        filter[k] = coerce(v, t.replace(/[[\]!]/g, ''), t.startsWith('['), `--filter ${k}`);
      }
      const client = clientOf(values, io);
      const after: string | null = values.after ?? null;
      const fd = values.out ? fs.openSync(values.out, after ? 'a' : 'w') : null;
      const write = (t: string) => (fd !== null ? fs.writeSync(fd, t) : io.out(t));
      const out = new RowWriter(format, nodeColumns(spec.doc, spec.path), write, !(after && fd !== null));
      const bar = progress(io, !values.quiet);
      const stop = interruption();
      let rows = 0;
      let cursor = after;
      let total: number | undefined;
      const finish = (how: string) => {
        bar.update(rows, total, true);
        io.err(`${how}: ${rows.toLocaleString('en')} ${positionals[0]} in ${bar.seconds().toFixed(1)} s; last cursor: ${cursor ?? '(none)'}\n`);
      };
      try {
        const pages = client.pages<Record<string, any>, Record<string, unknown>, unknown>(
          spec.doc,
          { ...spec.vars, ...args, ...(Object.keys(filter).length ? { filter } : {}) },
          (d) => spec.path.reduce<any>((v, k) => v?.[k], d),
          { after },
        );
        for await (const page of pages) {
          out.rows(page.nodes);
          rows += page.nodes.length;
          cursor = page.endCursor;
          total ??= page.totalCount === undefined ? undefined : page.totalCount + 0;
          bar.update(rows, total);
          if (stop.stopped) {
            finish('interrupted');
            io.err(`resume with: --after ${cursor}\n`);
            return 130;
          }
        }
        out.end();
        finish('done');
        return EXIT.OK;
      } catch (err) {
        finish('stopped by an error');
        if (cursor) io.err(`resume with: --after ${cursor}\n`);
        throw err;
      } finally {
        stop.dispose();
        if (fd !== null) fs.closeSync(fd);
      }
    },
  },

  'watch filings': {
    summary: 'live feed of agreements filed (报备案) in a region, resuming after network loss',
    help: `zhuli watch filings --region CODE [--since CURSOR] [--format text|ndjson] [--max-events N]

A county coordinator's live feed: prints each agreement filed for review in the region (your county, or a
city/province subtree in your scope) the moment it is filed, one line each with its notification cursor.
When the connection drops (network loss, server restart) it reconnects with backoff and resumes from the
last cursor it printed, so nothing is missed and nothing is printed twice. --since CURSOR first prints what
was filed after that cursor (e.g. the last line of yesterday's run). Stops on Ctrl-C/SIGTERM (exit 0) and
prints the last cursor to stderr.

  --region CODE     region to watch, e.g. 341524 (金寨县)
  --since CURSOR    resume after this notification cursor
  --format FORMAT   text (default) or ndjson (one JSON event per line, with its cursor)
  --max-events N    exit 0 after N events (for scripts)
${REMOTE_HELP_LINES}

Examples:
  zhuli watch filings --region 341524
  zhuli watch filings --region 341500 --format ndjson >> filings.ndjson
  zhuli watch filings --region 341524 --since "$(tail -1 filings.ndjson | jq -r .cursor)"`,
    options: { region: { type: 'string' }, since: { type: 'string' }, format: { type: 'string' }, 'max-events': { type: 'string' }, ...CONNECT_OPTIONS },
    async run({ values }, io) {
      const region = values.region as string | undefined;
      if (!region || !/^\d{6}(\d{3}(\d{3})?)?$/.test(region)) throw new UsageError('--region CODE is required (a 6, 9 or 12 digit division code)');
      const format = formatOf(values, ['text', 'ndjson'], 'text');
      const max = values['max-events'] === undefined ? Infinity : Number(values['max-events']);
      if (!(max > 0) || (max !== Infinity && !Number.isInteger(max))) throw new UsageError('--max-events must be a positive whole number');
      const client = clientOf(values, io, false);
      const stop = interruption();
      let last: string | null = values.since ?? null;
      let count = 0;
      try {
        const events = client.subscribe<AgreementFiledSubscription, Record<string, unknown>>(
          AgreementFiledDocument,
          { regionCode: region, after: last },
          {
            cursor: (d) => d.agreementFiled.cursor,
            signal: stop.controller.signal,
            onReconnect: ({ attempt, delayMs, reason }) => io.err(`zhuli watch: connection lost (${reason}); reconnect ${attempt} in ${(delayMs / 1000).toFixed(1)} s, resuming after ${last ?? 'now'}\n`),
          },
        );
        for await (const e of events) {
          const f = e.agreementFiled;
          last = f.cursor;
          if (format === 'ndjson') io.out(`${JSON.stringify(f)}\n`);
          else io.out(`${f.notification.at}  FILED  ${f.agreement.regionCode}  ${f.agreement.title}  → ${f.notification.targetLevel} ${f.notification.targetRegionCode}  by ${f.filer.name ?? f.filer.subject}  cursor ${f.cursor}\n`);
          if (++count >= max) break;
        }
        io.err(`zhuli watch: ${count} filings; last cursor: ${last ?? '(none)'}\n`);
        return EXIT.OK;
      } catch (err) {
        io.err(`zhuli watch: stopped after ${count} filings; last cursor: ${last ?? '(none)'}\n`);
        throw err;
      } finally {
        stop.dispose();
        await client.close();
      }
    },
  },
};
