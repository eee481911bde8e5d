// The SQL that scripts/ferretdb-pg-indexes.ts prints for a deployment on FerretDB over PostgreSQL: on a cluster of
// its own, over tables shaped as FerretDB makes them (a `_jsonb` column), it makes a GIN index per field with
// fastupdate off, turns fastupdate off on an index made before without it, runs again without error, and the
// planner uses the index for FerretDB's `_jsonb -> '_id' @> …` lookups.
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
      INSERT INTO app.events_1 SELECT jsonb_build_object('_id', 'e' || i, 'code', 'IN-UP:P' || (i % 80)) FROM generate_series(1, 2000) i;
      -- Made by an earlier version of the SQL: fastupdate on (PostgreSQL's default).
      CREATE INDEX people_2_id_gin ON app.people_2 USING gin ((_jsonb -> '_id'));`);
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("makes every field's GIN index with fastupdate off, fixes an older one, and can run again", async () => {
    await pg.psql(FERRETDB_GIN_SQL);
    await pg.psql(FERRETDB_GIN_SQL);
    for (const table of ["events_1", "people_2"]) {
      for (const field of ["id", "code", "day", "seat"]) {
        await assertSql(
          pg,
          `EXISTS (SELECT 1 FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = '${table}_${field}_gin' AND a.amname = 'gin' AND c.reloptions @> ARRAY['fastupdate=off'])`,
          `${table}_${field}_gin: missing, not GIN, or fastupdate on`,
        );
      }
    }
    // The planner serves FerretDB's equality by the index (an EXPLAIN whose plan names it).
    await pg.psql(`DO $$ DECLARE plan text; BEGIN
      SET LOCAL enable_seqscan = off;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT _jsonb FROM app.events_1 WHERE _jsonb -> ''_id'' @> ''"e42"''' INTO plan;
      IF plan NOT LIKE '%events_1_id_gin%' THEN RAISE EXCEPTION 'plan does not use the index: %', plan; END IF;
    END $$;`);
  }, 60_000);
});
