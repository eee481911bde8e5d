// Prometheus metrics (prom-client), one registry per app (never prom-client's global default registry, so that two
// apps in one process, as in the tests, do not share counters, and importing this file registers nothing).
// Counters the app counts as it goes (updates, handling time, reply 429s, job runs) are incremented directly;
// depths and the delivery worker's running counts are read at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Update } from "grammy/types";
import { kindOf as kind } from "./telegram/dispatcher.js";
import type { WorkerStats } from "./delivery/index.js";

export interface MetricSources {
  /** Updates stored and not handled yet. */
  inboxDepth(): Promise<number>;
  /** Messages waiting in the outbox. */
  outboxDepth(): Promise<number>;
  /** The delivery worker's running counts (since start). */
  deliveryCounters(): WorkerStats;
}

export interface Metrics {
  registry: Registry;
  /** An update arrived (polling or webhook); `fresh` false: a second delivery, not handled again. */
  received(update: Update, source: "polling" | "webhook", fresh: boolean): void;
  handled(update: Update, ms: number, outcome: "ok" | "error" | "dropped"): void;
  /** A 429 on a direct reply (the bot's own client waits it out). */
  replyRateLimited(): void;
  jobRun(job: string, outcome: string): void;
  /** Polling mode: this copy became the poller (true) or stands by (false). */
  pollerRole(polling: boolean): void;
  /** A lease taken over from a copy that had stopped renewing it (a crash): a chat's, or the poller's. */
  leaseTakeover(lease: "chat" | "poller"): void;
  /** The text exposition (for GET /metrics). */
  render(): Promise<string>;
  contentType: string;
}


const OUTCOMES = ["sent", "failed", "blocked", "retried", "interrupted", "unknown"] as const;

export function createMetrics(sources: MetricSources, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "sanyojak_" });

  const received = new Counter({
    name: "sanyojak_updates_received_total",
    help: "Updates received from Telegram, by kind, intake and whether they were new (false: a redelivery)",
    labelNames: ["kind", "source", "fresh"] as const,
    registers: [registry],
  });
  const handled = new Counter({
    name: "sanyojak_updates_handled_total",
    help: "Updates handled, by kind and outcome (error: escaped the bot's error boundary; dropped: chat flooding)",
    labelNames: ["kind", "outcome"] as const,
    registers: [registry],
  });
  const handlingTime = new Histogram({
    name: "sanyojak_update_handling_seconds",
    help: "Time to handle one update (from the start of its turn in its chat), by kind",
    labelNames: ["kind"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: "sanyojak_inbox_depth",
    help: "Updates stored and not handled yet",
    registers: [registry],
    async collect() {
      this.set(await sources.inboxDepth());
    },
  });
  new Gauge({
    name: "sanyojak_outbox_depth",
    help: "Messages waiting in the outbox",
    registers: [registry],
    async collect() {
      this.set(await sources.outboxDepth());
    },
  });
  // The worker keeps running totals; a counter follows them by the difference since the last scrape.
  const seen = new Map<string, number>();
  const follow = (counter: Counter<string>, labels: Record<string, string>, total: number) => {
    const key = JSON.stringify(labels);
    const delta = total - (seen.get(key) ?? 0);
    if (delta > 0) counter.inc(labels, delta);
    seen.set(key, total);
  };
  new Counter({
    name: "sanyojak_outbox_sends_total",
    help: "Outbox send attempts by outcome (sent, failed, blocked, retried, interrupted, unknown) in this copy",
    labelNames: ["outcome"] as const,
    registers: [registry],
    collect() {
      const c = sources.deliveryCounters();
      for (const outcome of OUTCOMES) follow(this, { outcome }, c[outcome]);
    },
  });
  const rateLimited = new Counter({
    name: "sanyojak_telegram_429_total",
    help: "429 Too Many Requests from Telegram, by who got it (outbox: the delivery worker; reply: a direct reply)",
    labelNames: ["source"] as const,
    registers: [registry],
    collect() {
      follow(this, { source: "outbox" }, sources.deliveryCounters().rateLimited);
    },
  });
  const jobRuns = new Counter({
    name: "sanyojak_job_runs_total",
    help: "Scheduled job runs claimed by this copy, by job and outcome (ran, done, busy, failed, gave_up)",
    labelNames: ["job", "outcome"] as const,
    registers: [registry],
  });

  const pollerRole = new Gauge({
    name: "sanyojak_poller",
    help: "Polling mode: 1 while this copy is the elected poller, 0 while it stands by",
    registers: [registry],
  });
  const takeovers = new Counter({
    name: "sanyojak_lease_takeovers_total",
    help: "Leases this copy took over from a copy that stopped renewing them (a crash), by lease (chat, poller)",
    labelNames: ["lease"] as const,
    registers: [registry],
  });

  return {
    registry,
    pollerRole: (polling) => pollerRole.set(polling ? 1 : 0),
    leaseTakeover: (lease) => takeovers.inc({ lease }),
    received: (u, source, fresh) => received.inc({ kind: kind(u), source, fresh: String(fresh) }),
    handled(u, ms, outcome) {
      handled.inc({ kind: kind(u), outcome });
      if (outcome !== "dropped") handlingTime.observe({ kind: kind(u) }, ms / 1000);
    },
    replyRateLimited: () => rateLimited.inc({ source: "reply" }),
    jobRun: (job, outcome) => jobRuns.inc({ job, outcome }),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
