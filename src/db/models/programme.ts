// The programme as data: which kinds of event exist (स्नेह संवाद, सूफ़ी संवाद, ...) and the categories attendance is
// broken down into. Seeded from data/programmes.json into empty collections; the national office adds more with
// /programmes, without a code change.
import { Schema } from "mongoose";

export interface LocalName {
  hi: string;
  en: string;
}

/** Programmes and attendee categories have the same shape. */
export interface ProgrammeItemDoc {
  /** Short ASCII id ([a-z0-9-]): travels in callback data and is the field name of a category's count. */
  key: string;
  name: LocalName;
  /** Hidden items are no longer offered; old events and reports keep showing their names. */
  active: boolean;
  /** Menu order. */
  order: number;
  createdBy: number | null;
  createdAt: Date;
}

export type ProgrammeDoc = ProgrammeItemDoc;
export type CategoryDoc = ProgrammeItemDoc;

const nameSchema = new Schema<LocalName>({ hi: { type: String, required: true }, en: { type: String, required: true } }, { _id: false });

function itemSchema(): Schema<ProgrammeItemDoc> {
  return new Schema<ProgrammeItemDoc>({
    key: { type: String, required: true, unique: true },
    name: { type: nameSchema, required: true },
    active: { type: Boolean, default: true },
    order: { type: Number, default: 0 },
    createdBy: { type: Number, default: null },
    createdAt: { type: Date, required: true },
  });
}

export const programmeSchema = itemSchema();
export const categorySchema = itemSchema();
