// The organisation's map: states/UTs, Lok Sabha constituencies (PCs) and Vidhan Sabha constituencies (ACs).
// Loaded from data/*.csv by the seed; read-only at run time.
import { Schema } from "mongoose";

export interface StateDoc {
  code: string; // ISO 3166-2:IN, e.g. "IN-UP"
  name: string;
  nameHi: string;
  pcCount: number;
  acCount: number;
}

export interface PcDoc {
  code: string; // "IN-UP:P77" (see domain/territory.ts)
  stateCode: string;
  no: number;
  name: string;
  reserved: "GEN" | "SC" | "ST";
}

export interface AcDoc {
  code: string; // "IN-UP:A390"
  stateCode: string;
  no: number;
  name: string;
  pcCode: string;
  reserved: "GEN" | "SC" | "ST";
}

const reserved = { type: String, enum: ["GEN", "SC", "ST"], required: true };

export const stateSchema = new Schema<StateDoc>({
  code: { type: String, required: true, unique: true },
  name: { type: String, required: true },
  nameHi: { type: String, required: true },
  pcCount: { type: Number, required: true },
  acCount: { type: Number, required: true },
});

export const pcSchema = new Schema<PcDoc>({
  code: { type: String, required: true, unique: true },
  stateCode: { type: String, required: true },
  no: { type: Number, required: true },
  name: { type: String, required: true },
  reserved,
});
pcSchema.index({ stateCode: 1, no: 1 }, { unique: true });

export const acSchema = new Schema<AcDoc>({
  code: { type: String, required: true, unique: true },
  stateCode: { type: String, required: true },
  no: { type: Number, required: true },
  name: { type: String, required: true },
  pcCode: { type: String, required: true },
  reserved,
});
acSchema.index({ stateCode: 1, no: 1 }, { unique: true });
acSchema.index({ pcCode: 1, no: 1 });
