// What an attendance report holds, as plain data (stored by db/models/report.ts, entered by the report conversation).

export interface ReportPhoto {
  fileId: string;
  fileUniqueId: string;
  kind: "photo" | "document";
}

/** What a person enters; the same in a report and in each of its versions. */
export interface ReportContent {
  total: number;
  /** categoryKey → count. "Others" is not stored: it is total − the sum of these. */
  counts: Record<string, number>;
  photos: ReportPhoto[];
  notes: string;
}
