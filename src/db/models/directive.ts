// Directives (दिशा-निर्देश) from the national office or a cluster in-charge, their recipients and acknowledgements.
// Whether a delivery was sent, failed or blocked lives in the outbox (key `directive:<directiveId>:<telegramId>`),
// the single record of what happened to a message; these collections hold only what the outbox does not know.
import { Schema, type Types } from "mongoose";
import type { Role, TerritoryLevel } from "../../domain/roles.js";
import type { Language } from "../../domain/language.js";
import type { DirectiveMedia } from "../../domain/directives.js";

export type { DirectiveMedia };

export interface DirectiveAudience {
  roles: Role[];
  /** country, cluster or state */
  level: TerritoryLevel;
  code: string;
  /** People picked by name (absent: everyone holding the roles in the area). */
  people?: number[];
}

export interface DirectiveDoc {
  _id: Types.ObjectId;
  /** Idempotency: one directive per "Send" (a replayed or re-delivered tap finds the same one). */
  requestKey: string;
  createdBy: number;
  /** national (the sender is a national office admin) or the sender's cluster key. */
  from: { kind: "national" } | { kind: "cluster"; code: string };
  text: string;
  media?: DirectiveMedia | null;
  audience: DirectiveAudience;
  recipientCount: number;
  /** The sender's status message, edited as deliveries complete. */
  progress?: { chatId: number; messageId: number } | null;
  senderLang: Language;
  createdAt: Date;
  /** When the automatic re-ping of the silent ran (DIRECTIVE_REPING_HOURS after createdAt). */
  repingedAt?: Date | null;
}

/** One per recipient: unique per directive and person. Its _id travels in the Acknowledge button. */
export interface DirectiveDeliveryDoc {
  _id: Types.ObjectId;
  directiveId: string;
  telegramId: number;
  /** The recipient's cluster key (null for national-level roles): the breakdown in /directives. */
  cluster: string | null;
  lang: Language;
  outboxKey: string;
  createdAt: Date;
}

/** One per delivery: the first tap on Acknowledge. */
export interface DirectiveAckDoc {
  deliveryId: string;
  directiveId: string;
  telegramId: number;
  at: Date;
}

const mediaSchema = new Schema<DirectiveMedia>(
  {
    kind: { type: String, required: true, enum: ["photo", "document"] },
    fileId: { type: String, required: true },
    fileName: { type: String, default: null },
  },
  { _id: false },
);

export const directiveSchema = new Schema<DirectiveDoc>({
  requestKey: { type: String, required: true, unique: true },
  createdBy: { type: Number, required: true },
  from: { type: Schema.Types.Mixed, required: true },
  text: { type: String, required: true },
  media: { type: mediaSchema, default: null },
  audience: {
    roles: { type: [String], required: true },
    level: { type: String, required: true },
    code: { type: String, required: true },
    people: { type: [Number], default: undefined },
  },
  recipientCount: { type: Number, required: true },
  progress: { type: { chatId: Number, messageId: Number, _id: false }, default: null },
  senderLang: { type: String, required: true },
  createdAt: { type: Date, required: true },
  repingedAt: { type: Date, default: undefined },
});
directiveSchema.index({ createdAt: -1 });

export const directiveDeliverySchema = new Schema<DirectiveDeliveryDoc>({
  directiveId: { type: String, required: true },
  telegramId: { type: Number, required: true },
  cluster: { type: String, default: null },
  lang: { type: String, required: true },
  outboxKey: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
directiveDeliverySchema.index({ directiveId: 1, telegramId: 1 }, { unique: true });

export const directiveAckSchema = new Schema<DirectiveAckDoc>({
  deliveryId: { type: String, required: true, unique: true },
  directiveId: { type: String, required: true },
  telegramId: { type: Number, required: true },
  at: { type: Date, required: true },
});
directiveAckSchema.index({ directiveId: 1, telegramId: 1 }, { unique: true });
