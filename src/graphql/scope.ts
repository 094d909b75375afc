import type { Principal } from './principal';

/**
 * Significant prefix of an administrative division code (GB/T 2260): the code prefix IS the hierarchy.
 * 340000 → "34", 341500 → "3415", 341524 → "341524", 9- and 12-digit codes are used whole.
 */
export function regionPrefix(code: string): string {
  if (code.length === 6) {
    if (code.endsWith('0000')) return code.slice(0, 2);
    if (code.endsWith('00')) return code.slice(0, 4);
  }
  return code;
}

/** True when `code` lies inside the subtree of the prefix ('' = everywhere). */
export function inPrefix(code: string, prefix: string): boolean {
  return code.startsWith(prefix);
}

/**
 * The region scope passed explicitly into every service call: a code prefix that every query is filtered by
 * in SQL. `null` means the caller may read no registry data.
 */
export class Scope {
  constructor(readonly prefix: string | null) {}

  static of(principal: Principal): Scope {
    return new Scope(principal.scopePrefix);
  }

  static readonly everything = new Scope('');

  /** Whether a region code is inside this scope. */
  covers(code: string | null | undefined): boolean {
    return this.prefix !== null && code != null && code.startsWith(this.prefix);
  }

  /**
   * SQL condition restricting `column` (a region code column) to this scope, with a named parameter.
   * Region code columns are declared COLLATE "C", so a plain btree index serves the LIKE 'prefix%'.
   */
  sql(column: string, param = 'scopePrefix'): { where: string; params: Record<string, string> } {
    const params: Record<string, string> = {};
    const where = this.condition(column, (value) => {
      params[param] = value as string;
      return `:${param}`;
    });
    return { where, params };
  }

  /** The same condition for hand-written SQL with positional parameters: `bind` binds a value, returns its placeholder. */
  condition(column: string, bind: (value: unknown) => string): string {
    if (this.prefix === null) return 'FALSE';
    if (this.prefix === '') return 'TRUE';
    return `${column} LIKE ${bind(`${this.prefix}%`)}`;
  }
}
