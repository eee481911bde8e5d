// The layer rules of eslint.layers.js bite: a wrong arrow in any layer is an error, the allowed arrows are not.
// Linted as text under a made-up file name in each folder, with the project's own ESLint config.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

const cases: { file: string; wrong: string[]; allowed: string[] }[] = [
  {
    file: "src/domain/events/example.ts",
    wrong: ['import type { Models } from "../../db/models/index.js";', 'import { Bot } from "grammy";', 'import type { I18n } from "../../i18n.js";'],
    allowed: ['import type { Role } from "../roles.js";', 'import { DateTime } from "luxon";'],
  },
  {
    file: "src/db/models/example.ts",
    wrong: ['import type { Services } from "../../services/index.js";', 'import type { Language } from "../../i18n.js";'],
    allowed: ['import type { Language } from "../../domain/language.js";', 'import { Schema } from "mongoose";'],
  },
  {
    file: "src/services/example.ts",
    wrong: ['import { createBot } from "../bot/index.js";', 'import { createDeliveryWorker } from "../delivery/worker.js";'],
    allowed: ['import type { Models } from "../db/models/index.js";', 'import type { OutboxService } from "../delivery/index.js";'],
  },
  {
    file: "src/jobs/example.ts",
    wrong: ['import type { Models } from "../db/models/index.js";', 'import { escapeHtml } from "../bot/format.js";'],
    allowed: ['import type { Services } from "../services/index.js";', 'import { escapeHtml } from "../messages/html.js";'],
  },
  {
    file: "src/bot/features/example.ts",
    wrong: ['import type { Models } from "../../db/models/index.js";', 'import { createReminderJob } from "../../jobs/reminderJob.js";', 'import { createApp } from "../../app.js";'],
    allowed: ['import type { Services } from "../../services/index.js";', 'import { reportButtonData } from "../../messages/buttons.js";'],
  },
  {
    file: "src/messages/example.ts",
    wrong: ['import type { RollupService } from "../services/rollupService.js";'],
    allowed: ['import type { Rollup } from "../domain/rollup/types.js";', 'import { renderStateChart } from "../charts/stateChart.js";'],
  },
  {
    file: "src/localBotApi/methods/example.ts",
    wrong: ['import type { Logger } from "../../logger.js";', 'import type { BotDeps } from "../../bot/context.js";'],
    allowed: ['import { badRequest } from "../errors.js";', 'import type { Update } from "grammy/types";'],
  },
  {
    file: "src/delivery/example.ts",
    wrong: ['import type { AuditService } from "../services/auditService.js";'],
    allowed: ['import type { Models } from "../db/models/index.js";'],
  },
];

describe("layer rules", () => {
  for (const c of cases) {
    it(`${c.file}: refuses ${c.wrong.length} wrong import(s) and allows the right ones`, async () => {
      for (const line of c.wrong) expect(await restricted(c.file, `${line}\nexport {};\n`), line).toHaveLength(1);
      for (const line of c.allowed) expect(await restricted(c.file, `${line}\nexport {};\n`), line).toEqual([]);
    });
  }
});
