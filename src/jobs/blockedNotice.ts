// When a reminder, escalation or rollup cannot be delivered because the person blocked the bot (Telegram 403), the
// delivery worker marks them (people.markBlocked: /team shows it) and this hook tells whoever appointed them, once a
// day at most: an in-charge who no longer gets reminders is a gap in the chain someone has to close in person.
import type { DeliveryHooks, OutboxService } from "../delivery/index.js";
import { localDay } from "../domain/rollup/day.js";
import type { I18n } from "../i18n.js";
import type { Logger } from "../logger.js";
import { escapeHtml } from "../messages/html.js";
import type { PersonService } from "../services/personService.js";
import type { RecipientService } from "../services/recipientService.js";

export const SCHEDULED_PURPOSES = ["reminder", "escalation", "rollup"] as const;

export function blockedNoticeHook(deps: {
  people: Pick<PersonService, "get">;
  recipients: Pick<RecipientService, "byIds">;
  i18n: I18n;
  outbox: Pick<OutboxService, "enqueue">;
  now: () => Date;
  timeZone: string;
  logger: Logger;
}): DeliveryHooks {
  const { people, recipients, i18n, outbox, now, timeZone } = deps;
  return {
    purposes: SCHEDULED_PURPOSES,
    async onFinalFailure(record) {
      if (record.reason !== "blocked" || !record.personId) return;
      const person = await people.get(record.personId);
      if (!person) return;
      const appointerIds = [...new Set((person.roles ?? []).map((r) => r.grantedBy).filter((id): id is number => typeof id === "number"))];
      const appointers = await recipients.byIds(appointerIds.filter((id) => id !== person.telegramId));
      if (appointers.size === 0) return;
      const name = [person.firstName, person.lastName].filter(Boolean).join(" ").trim() || (person.username ? `@${person.username}` : String(person.telegramId));
      const day = localDay(now(), timeZone);
      await outbox.enqueue(
        [...appointers.values()].map((to) => {
          const t = i18n.t(to.lang);
          const roles = (person.roles ?? []).map((r) => t(`common:role.${r.role}`)).join(", ");
          return {
            // One notice per blocked person, appointer and day, however many messages bounced.
            key: `blocked.notice:${person.telegramId}:${day}:${to.telegramId}`,
            purpose: "notice",
            refId: String(person.telegramId),
            chatId: to.telegramId,
            personId: to.telegramId,
            priority: 1,
            params: { text: t("reminders:blocked", { name: escapeHtml(name), roles: escapeHtml(roles) }), parse_mode: "HTML" },
          };
        }),
      );
    },
  };
}
