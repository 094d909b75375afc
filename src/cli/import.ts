import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Transform } from 'node:stream';
import { graphql, type Remote } from './http';

/** What one import command sends: the mutation, its input type and how a file line becomes a row. */
export interface ImportKind {
  /** `zhuli import <name>`. */
  name: string;
  mutation: 'importHouseholds' | 'importPoorVillages' | 'importOrganizations' | 'importExperts';
  inputType: 'ImportHouseholdsInput' | 'ImportPoorVillagesInput' | 'ImportOrganizationsInput' | 'ImportExpertsInput';
  /** Column names of the CSV header / keys of the NDJSON objects, in documentation order. */
  columns: string[];
  /** The columns a CSV header must have (the others may be left out). */
  required: string[];
  /** Help lines on the value formats of the columns. */
  notes: string;
  /** Turns a record (strings from CSV, values from NDJSON) into a GraphQL row; throws LineError when it cannot. */
  toRow(record: Record<string, unknown>): Record<string, unknown>;
}

/** A line the client cannot even turn into a row (bad number, unknown enum value, malformed JSON/CSV). */
export class LineError extends Error {}

const CAUSE_TERMS: Record<string, string> = {
  因病: 'ILLNESS', 因残: 'DISABILITY', 因灾: 'DISASTER', 缺技术: 'LACK_OF_SKILLS', 缺资金: 'LACK_OF_CAPITAL', 缺劳力: 'LACK_OF_LABOUR',
  缺土地: 'LACK_OF_LAND', 因学: 'EDUCATION', 缺水: 'LACK_OF_WATER', 交通条件落后: 'POOR_TRANSPORT', 交通落后: 'POOR_TRANSPORT',
  自身发展动力不足: 'LACK_OF_DRIVE', 其他: 'OTHER',
};
const CAUSES = ['ILLNESS', 'DISABILITY', 'DISASTER', 'LACK_OF_SKILLS', 'LACK_OF_CAPITAL', 'LACK_OF_LABOUR', 'LACK_OF_LAND', 'EDUCATION', 'LACK_OF_WATER', 'POOR_TRANSPORT', 'LACK_OF_DRIVE', 'OTHER'];
const STATUS_TERMS: Record<string, string> = { 未脱贫: 'POOR', 已脱贫: 'EXITED', 脱贫: 'EXITED', 返贫: 'RETURNED' };
const STATUSES = ['POOR', 'EXITED', 'RETURNED'];
const ORGANIZATION_TYPES = [
  'SOCIETY', 'RURAL_TECH_ASSOCIATION', 'TOWNSHIP_TECH_FEDERATION', 'SCIENCE_DEMONSTRATION_BASE', 'FARMER_COOPERATIVE', 'AGRICULTURAL_EXTENSION_STATION',
  'EXPERT_SERVICE_STATION', 'UNIVERSITY', 'RESEARCH_INSTITUTE', 'TECH_ENTERPRISE', 'LEADING_ENTERPRISE', 'FAMILY_FARM', 'LARGE_GROWER',
];
const TYPE_TERMS: Record<string, string> = {
  学会: 'SOCIETY', 协会: 'SOCIETY', 研究会: 'SOCIETY', 农技协: 'RURAL_TECH_ASSOCIATION', 农村专业技术协会: 'RURAL_TECH_ASSOCIATION', 农技协联合会: 'TOWNSHIP_TECH_FEDERATION',
  农村科普示范基地: 'SCIENCE_DEMONSTRATION_BASE', 科普示范基地: 'SCIENCE_DEMONSTRATION_BASE', 农民专业合作社: 'FARMER_COOPERATIVE', 合作社: 'FARMER_COOPERATIVE',
  农技推广站: 'AGRICULTURAL_EXTENSION_STATION', 农技专家服务站: 'EXPERT_SERVICE_STATION', 专家服务站: 'EXPERT_SERVICE_STATION', 高等院校: 'UNIVERSITY', 高校: 'UNIVERSITY',
  科研院所: 'RESEARCH_INSTITUTE', 科技型企业: 'TECH_ENTERPRISE', 龙头企业: 'LEADING_ENTERPRISE', 家庭农场: 'FAMILY_FARM', 种养大户: 'LARGE_GROWER',
};
const DISCIPLINES = ['AGRICULTURE', 'MEDICAL', 'ENGINEERING', 'SCIENCE', 'OTHER'];
const DISCIPLINE_TERMS: Record<string, string> = { 农业: 'AGRICULTURE', 农业类: 'AGRICULTURE', 医学: 'MEDICAL', 医学类: 'MEDICAL', 工程: 'ENGINEERING', 工程技术类: 'ENGINEERING', 理科: 'SCIENCE', 理科类: 'SCIENCE', 其他: 'OTHER' };
const CATEGORIES = [
  'PLANTING', 'LIVESTOCK_AQUACULTURE', 'AGRO_PROCESSING', 'MARKETING_ECOMMERCE', 'FINANCE_INSURANCE', 'HEALTH', 'DISASTER_PREVENTION', 'YOUTH_SCIENCE_EDUCATION',
  'VOCATIONAL_SKILLS', 'DECISION_CONSULTING', 'SCIENCE_POPULARIZATION',
];
const CATEGORY_TERMS: Record<string, string> = {
  种植: 'PLANTING', 养殖: 'LIVESTOCK_AQUACULTURE', 精深加工: 'AGRO_PROCESSING', 加工: 'AGRO_PROCESSING', 电商: 'MARKETING_ECOMMERCE', 营销: 'MARKETING_ECOMMERCE',
  金融保险: 'FINANCE_INSURANCE', 卫生健康: 'HEALTH', 健康: 'HEALTH', 防灾减灾: 'DISASTER_PREVENTION', 青少年科学教育: 'YOUTH_SCIENCE_EDUCATION',
  转移就业培训: 'VOCATIONAL_SKILLS', 技能培训: 'VOCATIONAL_SKILLS', 决策咨询: 'DECISION_CONSULTING', 科普: 'SCIENCE_POPULARIZATION',
};
const CATEGORY_NOTE = `service categories ${CATEGORIES.join(', ')} or 种植, 养殖, 加工, 电商, 金融保险, 卫生健康, 防灾减灾, 青少年科学教育, 技能培训, 决策咨询, 科普`;

function list(v: unknown): string[] {
  if (v == null || v === '') return [];
  if (Array.isArray(v)) return v.map(String);
  return String(v).split(/[;|、]/).map((s) => s.trim()).filter(Boolean);
}
function int(v: unknown, name: string, optional = false): number | null {
  if ((v == null || v === '') && optional) return null;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n)) throw new LineError(`${name} must be a whole number, got "${v ?? ''}"`);
  return n;
}
function bool(v: unknown, name: string): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v ?? '').trim().toLowerCase();
  if (['true', '1', 'yes', 'y', '是', '有'].includes(s)) return true;
  if (['false', '0', 'no', 'n', '否', '无', ''].includes(s)) return false;
  throw new LineError(`${name} must be true/false (是/否), got "${v}"`);
}
function str(v: unknown): string {
  return v == null ? '' : String(v).trim();
}
/** One enum value given by its GraphQL name (any case) or a Chinese term; `optional` lets an empty cell be null. */
function enumValue(v: unknown, name: string, allowed: string[], terms: Record<string, string>, optional = false): string | null {
  const raw = str(v);
  if (!raw) {
    if (optional) return null;
    throw new LineError(`${name} is required`);
  }
  const value = terms[raw] ?? raw.toUpperCase();
  if (!allowed.includes(value)) throw new LineError(`unknown ${name} "${raw}" (${allowed.join(', ')})`);
  return value;
}
/** A list of enum values (";"-separated in CSV, an array in NDJSON), each by name or Chinese term. */
function enumList(v: unknown, name: string, allowed: string[], terms: Record<string, string>): string[] {
  const values = list(v).map((x) => terms[x] ?? x.toUpperCase());
  const bad = values.filter((x) => !allowed.includes(x));
  if (bad.length) throw new LineError(`unknown ${name} ${bad.join(', ')} (use ${allowed.join(', ')} or the Chinese terms)`);
  return values;
}

export const HOUSEHOLDS: ImportKind = {
  name: 'households',
  mutation: 'importHouseholds',
  inputType: 'ImportHouseholdsInput',
  columns: ['registryNumber', 'villageCode', 'headName', 'headIdNumber', 'size', 'membersAbleToWork', 'povertyCauses', 'status', 'exitYear', 'techniques', 'incomeProjects'],
  required: ['registryNumber', 'villageCode', 'headName', 'headIdNumber', 'size', 'membersAbleToWork', 'povertyCauses'],
  notes: `  lists (povertyCauses, techniques, incomeProjects) are separated by ";" in CSV, arrays in NDJSON;
  povertyCauses accept ILLNESS, … or 因病, 因残, 因灾, 缺技术, 缺资金, 缺劳力, 缺土地, 因学, 缺水, 交通落后, 自身发展动力不足, 其他;
  status POOR, EXITED (needs exitYear) or RETURNED (also 未脱贫, 已脱贫, 返贫)`,
  toRow(r) {
    const causes = enumList(r.povertyCauses, 'poverty cause', CAUSES, CAUSE_TERMS);
    const status = enumValue(str(r.status) || 'POOR', 'status', STATUSES, STATUS_TERMS);
    return {
      registryNumber: str(r.registryNumber),
      villageCode: str(r.villageCode),
      headName: str(r.headName),
      headIdNumber: str(r.headIdNumber),
      size: int(r.size, 'size'),
      membersAbleToWork: int(r.membersAbleToWork, 'membersAbleToWork'),
      povertyCauses: causes,
      status,
      exitYear: int(r.exitYear, 'exitYear', true),
      techniques: list(r.techniques),
      incomeProjects: list(r.incomeProjects),
    };
  },
};

export const VILLAGES: ImportKind = {
  name: 'villages',
  mutation: 'importPoorVillages',
  inputType: 'ImportPoorVillagesInput',
  columns: ['villageCode', 'registeredYear', 'exitYear', 'specialty', 'hasRuralTechAssociation', 'hasNewBusinessEntity', 'hasBrand', 'hasEStation'],
  required: ['villageCode', 'registeredYear'],
  notes: '  booleans: true/false, 1/0, 是/否',
  toRow(r) {
    return {
      villageCode: str(r.villageCode),
      registeredYear: int(r.registeredYear, 'registeredYear'),
      exitYear: int(r.exitYear, 'exitYear', true),
      specialty: str(r.specialty) || null,
      hasRuralTechAssociation: bool(r.hasRuralTechAssociation, 'hasRuralTechAssociation'),
      hasNewBusinessEntity: bool(r.hasNewBusinessEntity, 'hasNewBusinessEntity'),
      hasBrand: bool(r.hasBrand, 'hasBrand'),
      hasEStation: bool(r.hasEStation, 'hasEStation'),
    };
  },
};

export const ORGANIZATIONS: ImportKind = {
  name: 'organizations',
  mutation: 'importOrganizations',
  inputType: 'ImportOrganizationsInput',
  columns: ['creditCode', 'name', 'type', 'societyDiscipline', 'regionCode', 'contactName', 'contactPhone', 'serviceCategories'],
  required: ['creditCode', 'name', 'type', 'regionCode', 'contactName', 'contactPhone', 'serviceCategories'],
  notes: `  creditCode: the 18-character unified social credit code (统一社会信用代码), the key of the row;
  type ${ORGANIZATION_TYPES.join(', ')} or 学会, 农技协, 农技协联合会, 科普示范基地, 合作社, 农技推广站, 专家服务站, 高校, 科研院所, 科技型企业, 龙头企业, 家庭农场, 种养大户;
  societyDiscipline (societies only) ${DISCIPLINES.join(', ')} or 农业, 医学, 工程, 理科, 其他;
  serviceCategories separated by ";" in CSV, an array in NDJSON: ${CATEGORY_NOTE}`,
  toRow(r) {
    return {
      creditCode: str(r.creditCode),
      name: str(r.name),
      type: enumValue(r.type, 'type', ORGANIZATION_TYPES, TYPE_TERMS),
      societyDiscipline: enumValue(r.societyDiscipline, 'societyDiscipline', DISCIPLINES, DISCIPLINE_TERMS, true),
      regionCode: str(r.regionCode),
      contactName: str(r.contactName),
      contactPhone: str(r.contactPhone),
      serviceCategories: enumList(r.serviceCategories, 'service category', CATEGORIES, CATEGORY_TERMS),
    };
  },
};

export const EXPERTS: ImportKind = {
  name: 'experts',
  mutation: 'importExperts',
  inputType: 'ImportExpertsInput',
  columns: ['externalRef', 'name', 'title', 'employerCreditCode', 'regionCode', 'specialties', 'specialtyNote', 'serviceRegionCodes', 'contactPhone', 'email'],
  required: ['externalRef', 'name', 'regionCode', 'specialties', 'contactPhone'],
  notes: `  externalRef: your system's reference of the expert (1–64 letters, digits, . _ : / -), the key of the row;
  employerCreditCode: credit code of a registered organization (工作单位), or empty;
  lists (specialties, serviceRegionCodes) are separated by ";" in CSV, arrays in NDJSON;
  specialties are ${CATEGORY_NOTE}; new experts enter the roster as DRAFT`,
  toRow(r) {
    return {
      externalRef: str(r.externalRef),
      name: str(r.name),
      title: str(r.title) || null,
      employerCreditCode: str(r.employerCreditCode) || null,
      regionCode: str(r.regionCode),
      specialties: enumList(r.specialties, 'specialty', CATEGORIES, CATEGORY_TERMS),
      specialtyNote: str(r.specialtyNote) || null,
      serviceRegionCodes: list(r.serviceRegionCodes),
      contactPhone: str(r.contactPhone),
      email: str(r.email) || null,
    };
  },
};

/** Every kind `zhuli import` knows, by command name. */
export const IMPORT_KINDS: ImportKind[] = [HOUSEHOLDS, VILLAGES, ORGANIZATIONS, EXPERTS];

/** Splits one CSV line (RFC 4180 quoting within the line; quoted fields may not span lines). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new LineError('unterminated quoted field');
  out.push(cur);
  return out;
}

export interface ImportSummary {
  file: string;
  format: 'csv' | 'ndjson';
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  seconds: number;
  rowsPerSecond: number;
}

export interface ImportOptions {
  remote: Remote;
  batchSize: number;
  /** Writes one error line (to stderr or the --errors file). */
  reportError(line: string): void;
  /** Progress output (stderr); null = quiet. */
  progress: ((text: string) => void) | null;
  /** Largest file accepted, in bytes (checked before reading). */
  maxFileBytes?: number;
  /** Longest line accepted, in bytes (checked while reading, before the line is buffered whole). */
  maxLineBytes?: number;
}

/** Default import limits: a province's households fit many times over; a row is a few hundred bytes. */
export const IMPORT_LIMITS = { maxFileBytes: 2 * 1024 ** 3, maxLineBytes: 64 * 1024 };

/**
 * Passes bytes through, failing as soon as a line grows past `max` bytes: a file without line breaks (a binary or
 * a single-line JSON export by mistake) is refused at once instead of being read into memory as one line.
 */
function lineLengthGuard(max: number): Transform {
  let run = 0;
  let line = 1;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] === 0x0a) {
          run = 0;
          line++;
        } else if (++run > max) {
          return done(new LineError(`line ${line} is longer than ${max} bytes (the limit; --max-line-kb): is this a CSV/NDJSON file with one row per line?`));
        }
      }
      done(null, chunk);
    },
  });
}

interface Pending {
  line: number;
  row: Record<string, unknown>;
}

type Result = { created: number; updated: number; unchanged: number; failed: number; failures: Array<{ index: number; key: string; errors: Array<{ field: string[] | null; message: string; code: string }> }> };

/**
 * Streams a CSV (header row) or NDJSON file through the import mutation in batches, reporting every refused
 * line with its line number; resolves to the counts. Lines are read lazily, so memory stays flat for any size.
 */
export async function importFile(file: string, kind: ImportKind, opts: ImportOptions): Promise<ImportSummary> {
  const format = /\.(ndjson|jsonl)$/i.test(file) ? 'ndjson' : 'csv';
  const total = fs.statSync(file).size;
  const maxFile = opts.maxFileBytes ?? IMPORT_LIMITS.maxFileBytes;
  const size = (n: number) => (n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${n} bytes`);
  if (total > maxFile) throw new LineError(`${file} is ${size(total)}; at most ${size(maxFile)} are imported at once (--max-file-mb): split it`);
  const stream = fs.createReadStream(file);
  const guard = lineLengthGuard(opts.maxLineBytes ?? IMPORT_LIMITS.maxLineBytes);
  let guardError: Error | null = null;
  guard.on('error', (err) => (guardError = err));
  const rl = readline.createInterface({ input: stream.pipe(guard), crlfDelay: Infinity });
  // readline ends quietly when its input fails: the guard's error is rethrown after the loop.
  guard.on('error', () => rl.close());
  const sum = { rows: 0, created: 0, updated: 0, unchanged: 0, failed: 0 };
  const started = Date.now();
  let header: string[] | null = null;
  let lineNo = 0;
  let batch: Pending[] = [];
  // Errors of the lines since the last flush, reported in line order when the batch comes back.
  let errors: Array<{ line: number; message: string }> = [];
  const fail = (line: number, message: string) => {
    sum.failed++;
    errors.push({ line, message });
  };
  const reportErrors = () => {
    for (const e of errors.sort((a, b) => a.line - b.line)) opts.reportError(`line ${e.line}: ${e.message}`);
    errors = [];
  };
  const showProgress = () => {
    if (!opts.progress) return;
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    const share = total ? Math.min(stream.bytesRead / total, 1) : 0;
    const width = 24;
    const filled = Math.round(share * width);
    opts.progress(
      `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${sum.rows.toLocaleString('en')} rows  ${Math.round(sum.rows / secs).toLocaleString('en')} rows/s  (created ${sum.created}, updated ${sum.updated}, unchanged ${sum.unchanged}, failed ${sum.failed})`,
    );
  };
  // One key per batch of THIS run (file name, run id, lines): a retry of the batch replays its answer, while running
  // the file again (perhaps corrected) is a new request that reports the rows as they are now (UNCHANGED).
  const run = `${path.basename(file).slice(0, 40)}@${randomUUID().slice(0, 8)}`;
  const flush = async () => {
    if (!batch.length) return reportErrors();
    const sent = batch;
    batch = [];
    const key = `${run}:${sent[0].line}-${sent[sent.length - 1].line}`;
    const data = await graphql<Record<string, Result>>(
      opts.remote,
      `mutation($input: ${kind.inputType}!) { ${kind.mutation}(input: $input) { created updated unchanged failed failures { index key errors { field message code } } } }`,
      { input: { rows: sent.map((p) => p.row), idempotencyKey: key } },
    );
    const r = data[kind.mutation];
    sum.created += r.created;
    sum.updated += r.updated;
    sum.unchanged += r.unchanged;
    for (const f of r.failures) {
      const line = sent[f.index].line;
      fail(line, f.errors.map((e) => `${e.code}${e.field ? ` ${e.field.slice(3).join('.') || e.field.join('.')}` : ''}: ${e.message}`).join('; '));
    }
    reportErrors();
    showProgress();
  };
  for await (const raw of rl) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!line.trim()) continue;
    if (format === 'csv' && !header) {
      header = parseCsvLine(line).map((h) => h.trim());
      const missing = kind.required.filter((c) => !header?.includes(c));
      if (missing.length) throw new LineError(`line 1: the header lacks ${missing.join(', ')} (columns: ${kind.columns.join(',')})`);
      continue;
    }
    sum.rows++;
    try {
      let record: Record<string, unknown>;
      if (format === 'csv') {
        const cells = parseCsvLine(line);
        if (cells.length !== (header as string[]).length) throw new LineError(`expected ${(header as string[]).length} columns, found ${cells.length}`);
        record = Object.fromEntries((header as string[]).map((h, i) => [h, cells[i]]));
      } else {
        try {
          record = JSON.parse(line);
        } catch {
          throw new LineError('not a JSON object');
        }
        if (!record || typeof record !== 'object' || Array.isArray(record)) throw new LineError('not a JSON object');
      }
      batch.push({ line: lineNo, row: kind.toRow(record) });
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      fail(lineNo, `PARSE: ${err.message}`);
    }
    if (batch.length >= opts.batchSize) await flush();
  }
  if (guardError) throw guardError;
  await flush();
  showProgress();
  opts.progress?.('\n');
  const seconds = (Date.now() - started) / 1000;
  return { file, format, ...sum, seconds, rowsPerSecond: Math.round(sum.rows / Math.max(seconds, 0.001)) };
}
