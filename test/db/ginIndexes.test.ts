// The SQL that scripts/ferretdb-pg-indexes.ts prints for a deployment on FerretDB over PostgreSQL: on a cluster of
// its own, over tables shaped as FerretDB makes them (a `_jsonb` column), it makes a GIN index per field
// (jsonb_path_ops, fastupdate off), replaces one an earlier version made, runs again without error, sets the database
// to plan each query for its values, and the planner uses the index for FerretDB's lookup of an ObjectId as FerretDB
// sends it: a prepared `_jsonb -> $1 @> $2`, run more than the five times after which PostgreSQL may go generic.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { FERRETDB_GIN_SQL, findPostgres, startPostgresCluster, type PostgresCluster } from "../../src/db/postgresCluster.js";
import { inCI } from "../helpers/chromium.js";

// CI installs PostgreSQL (.ci/run): there a missing one fails; elsewhere the file is skipped without it.
const skip = !findPostgres() && !inCI;

/** Fails (psql stops on the error) unless `condition` holds in the database. */
const assertSql = (pg: PostgresCluster, condition: string, what: string) =>
  pg.psql(`DO $$ BEGIN IF NOT (${condition}) THEN RAISE EXCEPTION '%', ${`'${what.replace(/'/g, "''")}'`}; END IF; END $$;`);

describe.skipIf(skip)("FERRETDB_GIN_SQL", () => {
  let dir: string;
  let pg: PostgresCluster;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-gin-test-"));
    pg = await startPostgresCluster(dir, { throwaway: true });
    await pg.psql(`CREATE SCHEMA app;
      CREATE TABLE app.events_1 (_jsonb jsonb);
      CREATE TABLE app.people_2 (_jsonb jsonb);
      -- ObjectIds as FerretDB stores them.
      INSERT INTO app.events_1 SELECT jsonb_build_object('_id', jsonb_build_object('$o', lpad(to_hex(i), 24, '0')), 'code', 'IN-UP:P' || (i % 80))
        FROM generate_series(1, 2000) i;
      -- Made by an earlier version of the SQL: jsonb_ops, fastupdate on (PostgreSQL's default).
      CREATE INDEX people_2_id_gin ON app.people_2 USING gin ((_jsonb -> '_id'));`);
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("makes every field's GIN index (jsonb_path_ops, fastupdate off), replaces an older one, and can run again", async () => {
    await pg.psql(FERRETDB_GIN_SQL);
    await pg.psql(FERRETDB_GIN_SQL);
    for (const table of ["events_1", "people_2"]) {
      for (const field of ["id", "code", "day", "seat"]) {
        const index = `${table}_${field}_pgin`;
        await assertSql(
          pg,
          `EXISTS (SELECT 1 FROM pg_class c JOIN pg_am a ON a.oid = c.relam JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_opclass o ON o.oid = i.indclass[0]
                   WHERE c.relname = '${index}' AND a.amname = 'gin' AND o.opcname = 'jsonb_path_ops' AND c.reloptions @> ARRAY['fastupdate=off'])`,
          `${index}: missing, not GIN, not jsonb_path_ops, or fastupdate on`,
        );
      }
    }
    await assertSql(pg, "NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'people_2_id_gin')", "the older index is still there");
    await assertSql(
      pg,
      "EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database() AND s.setconfig @> ARRAY['plan_cache_mode=force_custom_plan'])",
      "the database does not plan each query for its values",
    );
    // The planner serves FerretDB's lookup of an ObjectId by the index, prepared and run as FerretDB runs it.
    await pg.psql(`PREPARE lookup(text, jsonb) AS SELECT _jsonb FROM app.events_1 WHERE _jsonb -> $1 @> $2;
      DO $$ DECLARE plan text; row record; BEGIN
        FOR i IN 1..8 LOOP EXECUTE 'EXECUTE lookup(''_id'', ''{"$o": "00000000000000000000002a"}'')'; END LOOP;
        plan := '';
        FOR row IN EXECUTE 'EXPLAIN EXECUTE lookup(''_id'', ''{"$o": "00000000000000000000002a"}'')' LOOP plan := plan || row."QUERY PLAN" || ' '; END LOOP;
        IF plan NOT LIKE '%events_1_id_pgin%' THEN RAISE EXCEPTION 'plan does not use the index: %', plan; END IF;
      END $$;`);
  }, 60_000);
});
