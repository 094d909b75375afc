import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Extensions the schema relies on (both are trusted on PostgreSQL ≥ 13 and bundled with PGlite), and a key/value table for one-off markers. */
export class Extensions1764000000000 implements MigrationInterface {
  name = 'Extensions1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await q.query('CREATE TABLE IF NOT EXISTS zhuli_meta (key varchar(100) PRIMARY KEY, value jsonb NOT NULL, "updatedAt" timestamptz NOT NULL DEFAULT now())');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS zhuli_meta');
  }
}
