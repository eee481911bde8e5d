// Lint: typescript-eslint's recommended rules on top of ESLint's; typechecking is `tsc --noEmit` (npm run typecheck).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Layers: who may import whom (../shared/DESIGN.md, "Layers"), enforced by no-restricted-imports on each folder of src/.
// Imports are relative (the folders sit side by side under src/), so a rule names the folders a layer must not reach:
// "(../)+db/" from src/bot is the bot reaching into the database. test/lint/layers.test.ts lints wrong imports
// against this to show each rule bites.

const up = "^(\\.\\./)+";
const folders = (...names) => `${up}(${names.join("|")})(/|\\.js$)`;
/** Anything in delivery/ but its public interface (delivery/index.ts). */
const deliveryInternals = `${up}delivery/(?!index\\.js$)`;
/** The wiring at the top of src/: main, app and background put the layers together (config.ts holds only types and parsing). */
const wiring = `${up}(app|main|background)\\.js$`;

const rule = (patterns) => ({
  "no-restricted-imports": [
    "error",
    { patterns: patterns.map(([regex, message]) => ({ regex, message })) },
  ],
});

const PURE = ["mongoose", "mongodb", "grammy", "@grammyjs/.*", "node-cron", "pino", "i18next"].map((p) => [
  `^${p}$`,
  "domain/ is pure logic: no database, Telegram, scheduler, logger or i18n here.",
]);

const layerRules = [
  {
    files: ["src/domain/**/*.ts"],
    rules: rule([
      [folders("db", "services", "bot", "jobs", "delivery", "telegram", "sandbox", "localBotApi", "messages", "charts"), "domain/ imports only domain/."],
      [`${up}(logger|i18n)\\.js$`, "domain/ imports only domain/."],
      [wiring, "domain/ imports only domain/."],
      ...PURE,
    ]),
  },
  {
    files: ["src/db/**/*.ts"],
    rules: rule([
      [folders("services", "bot", "jobs", "delivery", "telegram", "sandbox", "localBotApi", "messages", "charts"), "db/ imports only domain/ (and db/)."],
      [`${up}i18n\\.js$`, "db/ imports only domain/ (the Language type is in domain/language.ts)."],
      [wiring, "db/ does not import the wiring."],
      ["^grammy$", "db/ knows nothing of Telegram."],
    ]),
  },
  {
    files: ["src/services/**/*.ts"],
    rules: rule([
      [folders("bot", "jobs", "telegram", "sandbox", "localBotApi"), "services/ import db/, domain/ and delivery's public interface only."],
      [deliveryInternals, "services/ use delivery through delivery/index.ts."],
      [wiring, "services/ do not import the wiring: their dependencies are passed in."],
    ]),
  },
  {
    files: ["src/jobs/**/*.ts"],
    rules: rule([
      [folders("db"), "jobs/ go through services/, never the models (add a service method)."],
      [folders("bot", "telegram", "sandbox", "localBotApi"), "jobs/ do not import the bot: shared message builders live in messages/."],
      [deliveryInternals, "jobs/ use delivery through delivery/index.ts."],
      [wiring, "jobs/ do not import the wiring: their dependencies are passed in."],
    ]),
  },
  {
    files: ["src/bot/**/*.ts"],
    rules: rule([
      [folders("db"), "bot/ goes through services/, never the models."],
      [folders("jobs", "sandbox", "localBotApi"), "bot/ does not import jobs/: shared message builders live in messages/."],
      [deliveryInternals, "bot/ uses delivery through delivery/index.ts."],
      [wiring, "bot/ does not import the wiring: createBot(deps) gets everything passed in."],
    ]),
  },
  {
    files: ["src/messages/**/*.ts", "src/charts/**/*.ts"],
    rules: rule([
      [folders("db", "services", "bot", "jobs", "delivery", "telegram", "sandbox", "localBotApi"), "message builders take plain data: domain/, i18n, charts only."],
      [wiring, "message builders do not import the wiring."],
    ]),
  },
  {
    // A stand-in for Telegram with its own README: it imports nothing of the app, so it could be published alone.
    files: ["src/localBotApi/*.ts"],
    rules: rule([["^\\.\\./", "the local Bot API imports nothing from the app (only its own files)."]]),
  },
  {
    files: ["src/localBotApi/methods/*.ts"],
    rules: rule([["^\\.\\./\\.\\./", "the local Bot API imports nothing from the app (only its own files)."]]),
  },
  {
    files: ["src/delivery/**/*.ts"],
    rules: rule([
      [folders("services", "bot", "jobs", "sandbox", "localBotApi"), "delivery/ sits under services/: it takes what it needs as ports."],
      [wiring, "delivery/ does not import the wiring."],
    ]),
  },
];

export default tseslint.config(
  { ignores: ["node_modules/", ".data/", ".cache/", "dist/", "test-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error", { allow: ["error"] }],
    },
  },
  { files: ["scripts/**", "test/**"], rules: { "no-console": "off" } },
  ...layerRules,
);
