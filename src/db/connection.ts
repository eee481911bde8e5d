// One mongoose connection with the settings every query relies on, its models, and an index check at start.
import mongoose, { type Connection } from "mongoose";
import { createModels, type Models } from "./models/index.js";

export interface Database {
  connection: Connection;
  models: Models;
  close(): Promise<void>;
}

export interface ConnectOptions {
  uri: string;
  /** Overrides the database named in the URI (tests use one database per file). */
  dbName?: string;
}

/** Mongoose-wide safety settings. Called by connectDatabase; idempotent. */
export function applyMongooseDefaults(): void {
  // A filter built from user input can never smuggle in an operator such as {$ne: null}.
  mongoose.set("sanitizeFilter", true);
  // A query on a field the schema does not know is a bug: fail loudly instead of matching everything.
  mongoose.set("strictQuery", "throw");
  // Indexes are created and checked explicitly by ensureIndexes, not in the background on first use.
  mongoose.set("autoIndex", false);
  // Likewise collections: ensureIndexes makes them. Left on, every new connection sent a create for each of some
  // forty models, refused as existing, and on FerretDB each takes a lock every other creation waits for.
  mongoose.set("autoCreate", false);
}

export async function connectDatabase(options: ConnectOptions): Promise<Database> {
  applyMongooseDefaults();
  const connection = mongoose.createConnection(options.uri, {
    ...(options.dbName ? { dbName: options.dbName } : {}),
    // Reports, invites and deliveries must survive a primary failover: acknowledge only majority-committed writes.
    writeConcern: { w: "majority" },
    serverSelectionTimeoutMS: 10_000,
  });
  await connection.asPromise();
  const models = createModels(connection);
  return {
    connection,
    models,
    close: async () => {
      await connection.close();
    },
  };
}

/**
 * Creates every index the schemas declare, then reads them back and fails if one is missing, so that a uniqueness
 * rule the code relies on for idempotency is never silently absent.
 */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models) as mongoose.Model<unknown>[]) {
    await model.createCollection().catch((err: { codeName?: string }) => {
      if (err?.codeName !== "NamespaceExists") throw err;
    });
    await model.createIndexes();
    const existing = (await model.listIndexes()) as { key: Record<string, number>; unique?: boolean }[];
    for (const [fields, opts] of model.schema.indexes()) {
      const wanted = JSON.stringify(fields);
      const found = existing.find((ix) => JSON.stringify(ix.key) === wanted);
      if (!found) throw new Error(`Index ${wanted} missing on ${model.collection.name}`);
      if ((opts as { unique?: boolean }).unique && !found.unique) {
        throw new Error(`Index ${wanted} on ${model.collection.name} exists but is not unique`);
      }
    }
  }
}
