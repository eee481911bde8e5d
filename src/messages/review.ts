// How a review decision's reason reads: a preset reason in the reader's language, or the reviewer's own words.
// Shared by the correction conversation (shown at its top), the sent-back notice and the report card.
import type { Translate } from "../i18n.js";
import { escapeHtml } from "./html.js";

/** HTML: the reason, escaped; "" when there is none. */
export function reasonText(t: Translate, review: { reasonKey: string | null; reason: string | null }): string {
  if (review.reason) return escapeHtml(review.reason);
  if (review.reasonKey) return escapeHtml(t(`review:reason.${review.reasonKey}`));
  return "";
}
