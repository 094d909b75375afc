import fs from 'node:fs';
import { createHash } from 'node:crypto';

/** sha256 (hex) of an operation's text, as APQ and trusted-document manifests use. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The registered operations of trusted-documents mode, read from a manifest: either Apollo's persisted
 * query manifest (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "id", "body" }] }`)
 * or a plain object `{ "<sha256>": "<operation text>" }`. Every id is checked against its body.
 */
export class TrustedDocuments {
  readonly byHash = new Map<string, string>();

  static load(file: string): TrustedDocuments {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    const docs = new TrustedDocuments();
    const entries: Array<[string, string]> = [];
    if (raw && typeof raw === 'object' && Array.isArray((raw as { operations?: unknown }).operations)) {
      for (const op of (raw as { operations: Array<{ id?: string; body?: string }> }).operations) entries.push([String(op.id), String(op.body)]);
    } else if (raw && typeof raw === 'object') {
      for (const [id, body] of Object.entries(raw as Record<string, unknown>)) entries.push([id, String(body)]);
    } else {
      throw new Error(`${file}: not a trusted-documents manifest`);
    }
    for (const [id, body] of entries) {
      if (sha256(body) !== id.toLowerCase()) throw new Error(`${file}: the id ${id} is not the sha256 of its body`);
      docs.byHash.set(id.toLowerCase(), body);
    }
    return docs;
  }
}
