// The Node baseline for `bin/bench`: one receiver doing the work `web`
// does for a delivery, the way a Node service would write it.
//
// - reads the raw body and verifies X-Hub-Signature-256 with
//   @octokit/webhooks-methods `verify`;
// - parses the JSON and builds the same `pr.opened` job `web` builds
//   (delivery, repo, pr with a bounded body excerpt), on the same queue;
// - dedupes the delivery with ioredis `SET key 1 NX EX` (one round trip);
// - pushes the job through a faktory-worker client pool of 20;
// - answers 202.
//
// Settings come from the environment, like `web`'s: PORT,
// GITHUB_WEBHOOK_SECRET, FAKTORY_URL, REDIS_URL, THREADLINE_NAMESPACE.
// WORKERS=N (default 1) forks N processes with node:cluster: the primary
// accepts connections and hands them to the workers round-robin, which
// costs nothing per request on keep-alive connections (Node 20 has no
// SO_REUSEPORT option for its servers).
"use strict";

const cluster = require("node:cluster");
const http = require("node:http");
const crypto = require("node:crypto");

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const PORT = Number(env("PORT", "8080"));
const SECRET = env("GITHUB_WEBHOOK_SECRET");
const NAMESPACE = env("THREADLINE_NAMESPACE", "");
const QUEUE = NAMESPACE ? `${NAMESPACE}-threadline-events` : "threadline-events";
const KEY_PREFIX = NAMESPACE ? `threadline:${NAMESPACE}:` : "threadline:";
const DELIVERY_TTL_SECS = 4 * 24 * 3600;
const RESERVE_FOR_SECS = 600;
const EXCERPT_MAX = 1500;
const MAX_BODY = 25 * 1024 * 1024;

// The cleaned, bounded body `web` puts in a job (HTML comments removed, cut by characters).
function excerpt(body) {
  const cleaned = (body ?? "").replace(/<!--[\s\S]*?-->/g, "").trim();
  const chars = Array.from(cleaned);
  if (chars.length <= EXCERPT_MAX) return { text: cleaned, truncated: false };
  return { text: chars.slice(0, EXCERPT_MAX).join(""), truncated: true };
}

// The `pr.opened` job for a pull_request.opened payload, shaped like web's.
function prOpenedJob(payload, deliveryId, hookId) {
  const pr = payload.pull_request;
  const repo = payload.repository;
  if (!pr || !repo) return null;
  const body = excerpt(pr.body);
  return {
    jid: crypto.randomUUID().replace(/-/g, "").slice(0, 16),
    jobtype: "pr.opened",
    queue: QUEUE,
    args: [
      {
        delivery: { id: deliveryId, hook_id: hookId ?? null },
        repo: { id: repo.id, full_name: repo.full_name },
        pr: {
          number: pr.number,
          title: pr.title,
          html_url: pr.html_url,
          author: pr.user.login,
          base_ref: pr.base.ref,
          head_label: pr.head.label ?? pr.head.ref,
          draft: pr.draft ?? false,
          body_excerpt: body.text,
          body_truncated: body.truncated,
          state: pr.state ?? "open",
          merged: pr.merged ?? false,
          updated_at: pr.updated_at ?? "",
          from_issue: false,
        },
      },
    ],
    created_at: new Date().toISOString(),
    reserve_for: RESERVE_FOR_SECS,
    retry: 25,
    priority: 5,
    backtrace: 0,
    custom: { delivery: deliveryId },
  };
}

function answer(res, status, text) {
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function serve() {
  const { verify } = await import("@octokit/webhooks-methods");
  const Redis = require("ioredis");
  const { Client } = require("faktory-worker");
  const redis = new Redis(env("REDIS_URL", "redis://127.0.0.1:6379"));
  const faktory = new Client({ url: env("FAKTORY_URL", "tcp://127.0.0.1:7419"), poolSize: 20 });

  async function handle(req, res) {
    if (req.method !== "POST" || req.url !== "/webhooks/github") {
      return answer(res, req.url === "/healthz" ? 200 : 404, "ok");
    }
    const raw = (await readBody(req)).toString("utf8");
    const signature = req.headers["x-hub-signature-256"];
    if (!signature || !(await verify(SECRET, raw, signature))) {
      return answer(res, 401, "invalid or missing X-Hub-Signature-256");
    }
    const event = req.headers["x-github-event"];
    const delivery = req.headers["x-github-delivery"];
    if (!event || !delivery) return answer(res, 400, "missing GitHub headers");
    const payload = JSON.parse(raw);
    if (event !== "pull_request" || payload.action !== "opened") {
      return answer(res, 202, "ignored");
    }
    const hookId = req.headers["x-github-hook-id"];
    const job = prOpenedJob(payload, delivery, hookId);
    if (!job) return answer(res, 400, "payload has no pull_request");
    const key = `${KEY_PREFIX}delivery:${hookId ?? "-"}:${delivery}`;
    const fresh = await redis.set(key, "1", "EX", DELIVERY_TTL_SECS, "NX");
    if (fresh === null) return answer(res, 202, "duplicate");
    await faktory.push(job);
    return answer(res, 202, "queued");
  }

  http
    .createServer((req, res) => {
      handle(req, res).catch((err) => {
        console.error(`delivery failed: ${err.message}`);
        if (!res.headersSent) answer(res, 503, "job queue unavailable, try again");
      });
    })
    .listen(PORT, "127.0.0.1");
}

const workers = Number(process.env.WORKERS ?? "1");
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code) => console.error(`worker ${worker.process.pid} exited ${code}`));
} else {
  serve().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
