// Prints the SQL that gives FerretDB 1.24's PostgreSQL tables indexes its queries can use: a GIN index on every
// table's _id (src/db/postgresCluster.ts says why). For a deployment on FerretDB over PostgreSQL, pipe it into psql
// against FerretDB's PostgreSQL database after the bot's first start (and after an upgrade that adds collections):
//   npx tsx scripts/ferretdb-pg-indexes.ts | psql "postgres://user@host:5432/ferretdb"
// It is idempotent: tables that have the index are skipped. It also sets the database to plan each of FerretDB's
// prepared lookups for its values: restart FerretDB afterwards so that its connections pick that up.
import { FERRETDB_GIN_SQL } from "../src/db/postgresCluster.js";

process.stdout.write(`${FERRETDB_GIN_SQL}\n`);
