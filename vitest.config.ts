import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/globalSetup.ts"],
    // Test files share one database server but each gets its own database (see test/helpers/db.ts).
    fileParallelism: true,
    // Files share their worker's modules instead of importing the app afresh each (about 1 s of CPU a file), and so
    // the pool of seeded databases (test/helpers/seededDatabase.ts). Nothing of ours keeps state at module level.
    isolate: false,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // `npm run test:full` runs only these, at full size (FULL_SCENARIOS=1; test/helpers/scenarios.ts).
    tags: [{ name: "scenario", description: "a long scenario, scaled down unless FULL_SCENARIOS=1" }],
  },
});
