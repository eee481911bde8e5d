// The deployment files in .deploy/ (Dockerfile, compose.yaml, Caddyfile, sanyojak.service) and .dockerignore. These
// machines cannot pull images or run containers, so this checks what can be checked without them: the compose file
// parses (YAML, merge keys resolved) and has the replica set, two webhook-mode bots whose environment passes the
// bot's own configuration check, and a proxy that sends the webhook path to both; the Dockerfile's stages, its
// production-only install, its non-root user and that what it copies exists and is not docker-ignored; the systemd
// unit's ExecStart is an npm script that exists.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config.js";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  volumes?: string[];
}

const compose = parse(read(".deploy/compose.yaml"), { merge: true }) as { services: Record<string, Service> };

/** Compose's ${VAR:?message} and ${VAR:-default}, with these values. */
function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::[?-]([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => vars[name] ?? fallback ?? "");
}

describe("compose.yaml", () => {
  const { services } = compose;
  const bots = ["bot1", "bot2"];

  it("has a three-member MongoDB replica set, its one-shot initiation, two bots and a proxy", () => {
    expect(Object.keys(services).sort()).toEqual(["bot1", "bot2", "mongo-init", "mongo1", "mongo2", "mongo3", "proxy"]);
    for (const m of ["mongo1", "mongo2", "mongo3"]) {
      expect(services[m]!.image).toMatch(/^mongo:/);
      expect(services[m]!.command).toEqual(expect.arrayContaining(["--replSet", "rs0"]));
    }
    const init = services["mongo-init"]!.command!.join(" ");
    for (const host of ["mongo1:27017", "mongo2:27017", "mongo3:27017"]) expect(init).toContain(host);
    expect(init).toContain("_id: 'rs0'");
  });

  it("runs each bot in webhook mode on the replica set, with an environment the bot accepts", () => {
    const vars = { BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_-abc", PUBLIC_HOST: "bot.example.org", WEBHOOK_SECRET: "a".repeat(64) };
    for (const name of bots) {
      const bot = services[name]!;
      expect(bot.build).toEqual({ context: "..", dockerfile: ".deploy/Dockerfile" });
      expect(existsSync(path.join(root, ".deploy", bot.build!.context, bot.build!.dockerfile))).toBe(true);
      const env = bot.environment!;
      expect(env.WEBHOOK_URL).toBeTruthy();
      expect(env.WEBHOOK_SECRET).toBeTruthy();
      expect(env.MONGODB_URI).toMatch(/^mongodb:\/\/mongo1:27017,mongo2:27017,mongo3:27017\/\w+\?replicaSet=rs0$/);
      expect((bot.depends_on as Record<string, { condition: string }>)["mongo-init"]).toEqual({ condition: "service_completed_successfully" });
      const config = loadConfig(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substitute(String(v), vars)])));
      expect(config.webhook).toEqual({ url: "https://bot.example.org/telegram/webhook", path: "/telegram/webhook", secret: vars.WEBHOOK_SECRET, port: 8443 });
      expect(config.mongodbUri).toContain("replicaSet=rs0");
    }
  });

  it("puts both bots behind the proxy, on the webhook path, with /readyz as the health check", () => {
    const proxy = services.proxy!;
    expect(proxy.ports).toEqual(expect.arrayContaining(["443:443"]));
    const mount = proxy.volumes!.find((v) => v.includes("/etc/caddy/Caddyfile"))!;
    const caddyfile = readFileSync(path.join(root, ".deploy", mount.split(":")[0]!), "utf8");
    expect(caddyfile).toContain("handle /telegram/webhook");
    expect(caddyfile).toMatch(/reverse_proxy bot1:8443 bot2:8443/);
    expect(caddyfile).toContain("health_uri /readyz");
  });
});

describe("Dockerfile", () => {
  const dockerfile = read(".deploy/Dockerfile");
  const lines = dockerfile.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));

  it("has a build stage, a dependency stage with production dependencies only, and a runtime stage", () => {
    const stages = lines.filter((l) => l.startsWith("FROM ")).map((l) => /\bAS (\w+)/i.exec(l)?.[1]);
    expect(stages).toEqual(["build", "deps", "runtime"]);
    expect(dockerfile).toContain("RUN npm run build");
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toContain("COPY --from=deps");
    expect(dockerfile).toMatch(/COPY --from=build .*\/app\/dist \.\/dist/);
    // The operator's scripts (npm run invite, export) run through tsx in the image: it must be a production dependency.
    const prod = (JSON.parse(read("package.json")) as { dependencies: Record<string, string> }).dependencies;
    expect(prod.tsx).toBeDefined();
  });

  it("runs as a user other than root, what npm run start:dist runs (the built entry point, its heap flags)", () => {
    const users = lines.filter((l) => l.startsWith("USER ")).map((l) => l.slice(5).trim());
    expect(users.at(-1)).toBeDefined();
    expect(["root", "0"]).not.toContain(users.at(-1));
    const cmd = JSON.parse(lines.find((l) => l.startsWith("CMD "))!.slice(4)) as string[];
    expect(cmd).toEqual(pkg.scripts["start:dist"]!.split(/\s+/));
    expect(cmd.at(-1)).toBe("dist/main.js");
    expect(pkg.scripts.build).toBeDefined();
    // The memory settings scripts/bench-memory.ts measures with.
    expect(dockerfile).toMatch(/MALLOC_ARENA_MAX=2/);
  });

  it("copies only what exists, and nothing it copies is docker-ignored", () => {
    const patterns = read(".dockerignore").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    const ignored = patterns.filter((l) => !l.startsWith("!"));
    const excepted = patterns.filter((l) => l.startsWith("!")).map((l) => l.slice(1));
    // Ignored when it or a folder above it is (the patterns here are plain paths), unless a later "!" takes it back.
    const isIgnored = (source: string) =>
      !excepted.includes(source) && source.split("/").some((_, i, parts) => ignored.includes(parts.slice(0, i + 1).join("/")));
    const copied = lines
      .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
      .flatMap((l) => l.split(/\s+/).slice(1, -1).filter((a) => !a.startsWith("--")));
    expect(copied).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "tsconfig.build.json", "scripts/build.ts", "src", "locales", "data"]));
    for (const source of copied) {
      expect(existsSync(path.join(root, source)), source).toBe(true);
      expect(isIgnored(source), source).toBe(false);
    }
  });
});

describe("sanyojak.service (systemd)", () => {
  const unit = read(".deploy/sanyojak.service");
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(unit)?.[1];

  it("starts an npm script that exists, as an unprivileged user, and restarts on failure", () => {
    for (const section of ["[Unit]", "[Service]", "[Install]"]) expect(unit).toContain(section);
    const exec = value("ExecStart")!;
    const script = /\/npm (?:run )?(\S+)$/.exec(exec)?.[1];
    expect(script).toBeDefined();
    expect(pkg.scripts[script!]).toBeDefined();
    expect(value("User")).toBeTruthy();
    expect(value("User")).not.toBe("root");
    expect(value("Restart")).toBe("on-failure");
    expect(value("EnvironmentFile")).toBeTruthy();
    expect(value("Environment")).toMatch(/MALLOC_ARENA_MAX=2/);
  });
});
