import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * service_offering.matchKeys (CATEGORY:prefix pairs) with a GIN index: matchCandidates finds exactly the candidates
 * of a need with one index probe instead of rechecking every offering of the category (EXPLAIN on 100,000
 * offerings: 17,000 → 1,900 heap rows). Generated from the entities; the index and the backfill added by hand.
 */
export class OfferingMatchKeys1795540100000 implements MigrationInterface {
  name = 'OfferingMatchKeys1795540100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE \"service_offering\" ADD \"matchKeys\" text array NOT NULL DEFAULT '{}'");
    await q.query(`UPDATE service_offering SET "matchKeys" = ARRAY(SELECT c::text || ':' || p FROM unnest(categories) c, unnest("servedPrefixes") p)`);
    await q.query('CREATE INDEX "service_offering_match_keys_gin" ON "service_offering" USING gin ("matchKeys")');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX "public"."service_offering_match_keys_gin"');
    await q.query("ALTER TABLE \"service_offering\" DROP COLUMN \"matchKeys\"");
  }
}
