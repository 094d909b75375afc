import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * By hand (no entity: only src/graphql/idempotency.ts reads it): results of mutations sent with an
 * `idempotencyKey`, per principal subject, mutation and key. `response` is NULL while the first run is
 * in flight; rows older than 24 h are replaced on the next use of their key.
 */
export class IdempotencyKeys1795540000000 implements MigrationInterface {
  name = 'IdempotencyKeys1795540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "idempotency_key" (
      "subject" character varying(200) NOT NULL,
      "operation" character varying(100) NOT NULL,
      "key" character varying(200) NOT NULL,
      "request_hash" character(64) NOT NULL,
      "response" jsonb,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "completed_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "idempotency_key_pk" PRIMARY KEY ("subject", "operation", "key"))`);
    await q.query(`CREATE INDEX "idempotency_key_created_idx" ON "idempotency_key" ("created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "idempotency_key"`);
  }
}
