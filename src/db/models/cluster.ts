// A cluster is a named group of states with one or more heads (heads are people holding the cluster_head role).
// The default layout ships in data/clusters.json; national office admins edit it with /clusters.
import { Schema } from "mongoose";

export interface ClusterDoc {
  key: string; // short slug used in callback data and role scopes, e.g. "north"
  name: { hi: string; en: string };
  stateCodes: string[];
  updatedAt?: Date;
}

export const clusterSchema = new Schema<ClusterDoc>(
  {
    key: { type: String, required: true, unique: true, match: /^[a-z0-9-]{1,20}$/ },
    name: { hi: { type: String, required: true }, en: { type: String, required: true } },
    stateCodes: { type: [String], default: [] },
  },
  { timestamps: { createdAt: false, updatedAt: true } },
);
