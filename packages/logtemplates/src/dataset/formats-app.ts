// Application formats: JSON structured logs, Java stack traces (log4j layout), nginx access logs.
import type { Labelled, Rng } from "./prng.js";
import { FakeClock } from "./prng.js";
import { apiPath, generate, SERVICES, USERS, type EventSpec } from "./spec.js";

const LEVELS = ["info", "info", "info", "warn", "error", "debug"];

function json(r: Rng, c: FakeClock, msg: string, extra: Record<string, unknown> = {}): string {
  // Real services disagree on the message key; the miner must find it anyway.
  const key = r.weighted([[6, "msg"], [2, "message"], [1, "log"]] as const);
  return JSON.stringify({ ts: c.iso(), level: r.pick(LEVELS), [key]: msg, service: r.pick(SERVICES), ...extra });
}

const JSON_EVENTS: EventSpec[] = [
  [10, "request completed", (r, c) => json(r, c, "request completed", { path: apiPath(r), status: r.pick([200, 201, 404, 500]), duration_ms: r.int(1, 900) })],
  [6, "user <*> logged in from <*>", (r, c) => json(r, c, `user ${r.pick(USERS)} logged in from ${r.ipv4()}`)],
  [4, "user <*> logged out", (r, c) => json(r, c, `user ${r.pick(USERS)} logged out`)],
  [6, "cache miss for key <*>", (r, c) => json(r, c, `cache miss for key ${r.pick(["user", "cart", "session"])}:${r.int(1, 9999)}:${r.pick(["profile", "items", "v2"])}`)],
  [3, "cache hit ratio <*> over last <*>", (r, c) => json(r, c, `cache hit ratio ${r.next().toFixed(3)} over last ${r.pick(["1m", "5m", "15m"])}`)],
  [3, "connected to postgres at <*>", (r, c) => json(r, c, `connected to postgres at db-${r.int(1, 5)}.internal:5432`)],
  [5, "retrying request to <*> (attempt <*>/<*>)", (r, c) => json(r, c, `retrying request to http://${r.pick(SERVICES)}.svc.cluster.local:8080${apiPath(r)} (attempt ${r.int(1, 4)}/5)`)],
  [5, "processed batch of <*> events in <*>", (r, c) => json(r, c, `processed batch of ${r.int(1, 500)} events in ${r.int(2, 900)}ms`)],
  [2, "payment <*> failed: card declined", (r, c) => json(r, c, `payment ${r.uuid()} failed: card declined`)],
  [2, "payment <*> failed: gateway timeout after <*>", (r, c) => json(r, c, `payment ${r.uuid()} failed: gateway timeout after ${r.int(1, 30)}s`)],
  [4, "order <*> created for customer <*> total <*> <*>", (r, c) => json(r, c, `order ORD-${r.int(10000, 99999)} created for customer ${r.int(1, 50000)} total ${r.int(1, 900)}.${r.int(10, 99)} ${r.pick(["EUR", "USD", "GBP"])}`)],
  [4, "feature flag <*> evaluated to <*> for tenant <*>", (r, c) => json(r, c, `feature flag ${r.pick(["new-checkout", "dark-mode", "fast-search"])} evaluated to ${r.pick(["true", "false"])} for tenant ${r.pick(["acme", "globex", "initech", "umbrella"])}`)],
  [3, "slow query on table <*> took <*>", (r, c) => json(r, c, `slow query on table ${r.pick(["orders", "users", "line_items"])} took ${r.int(1, 9)}.${r.int(0, 9)}s`)],
  [3, "health check ok", (r, c) => json(r, c, "health check ok")],
  [2, "config reloaded from <*>", (r, c) => json(r, c, `config reloaded from /etc/app/${r.pick(["app", "flags", "limits"])}.yaml`)],
  [2, "upstream <*> responded with status <*>", (r, c) => json(r, c, `upstream ${r.pick(SERVICES)} responded with status ${r.pick([502, 503, 504])}`)],
  [2, "email sent to <*> using template <*>", (r, c) => json(r, c, `email sent to ${r.pick(USERS)}@example.com using template ${r.pick(["welcome", "reset-password", "invoice"])}`)],
  [3, "session <*> expired after <*>", (r, c) => json(r, c, `session ${r.uuid()} expired after ${r.int(1, 59)}m${r.int(0, 59)}s`)],
  [2, "rate limit exceeded for client <*>", (r, c) => json(r, c, `rate limit exceeded for client ${r.pick([r.ipv4(), `[${r.ipv6()}]:443`])}`)],
  // Plain-text lines printed before the logger is configured.
  [1, "Server listening on <*>", (r) => `Server listening on http://0.0.0.0:${r.pick([8080, 3000, 9000])}`],
  [1, "Loaded <*> routes in <*>", (r) => `Loaded ${r.int(10, 80)} routes in ${r.int(3, 90)}ms`],
];

export const jsonApp = (seed: number, n: number): Labelled[] => generate(seed, n, JSON_EVENTS);

// ---- Java: log4j "%d %p [%t] %c - %m" lines followed by stack traces ----

const THREADS = ["main", "http-nio-8080-exec-3", "http-nio-8080-exec-11", "pool-2-thread-1", "scheduling-1", "kafka-consumer-7"];
const LOGGERS = ["c.e.shop.OrderService", "c.e.shop.PaymentClient", "o.s.web.servlet.DispatcherServlet", "c.z.hikari.pool.HikariPool"];
const FRAMES = [
  "com.example.shop.OrderService.process(OrderService.java:{n})",
  "com.example.shop.OrderController.create(OrderController.java:{n})",
  "com.example.shop.PaymentClient.charge(PaymentClient.java:{n})",
  "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:{n})",
  "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:{n})",
  "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:{n})",
  "jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
  "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:{n})",
  "java.base/java.lang.Thread.run(Thread.java:{n})",
  "com.example.shop.Repo$$EnhancerBySpringCGLIB$$5f1c2.find(<generated>)",
];
const EXCEPTIONS: readonly (readonly [string, (r: Rng) => string])[] = [
  ["java.lang.IllegalStateException: Order <*> not found", (r) => `java.lang.IllegalStateException: Order ${r.int(1, 99999)} not found`],
  ["java.lang.NullPointerException", () => "java.lang.NullPointerException"],
  ["java.net.SocketTimeoutException: Read timed out", () => "java.net.SocketTimeoutException: Read timed out"],
  ["org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection", () => "org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection"],
];
const CAUSES: readonly (readonly [string, (r: Rng) => string])[] = [
  ["Caused by: java.sql.SQLTransientConnectionException: HikariPool-<*> - Connection is not available, request timed out after <*>.", (r) => `Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after ${r.pick([30000, 5000])}ms.`],
  ["Caused by: java.net.ConnectException: Connection refused", () => "Caused by: java.net.ConnectException: Connection refused"],
];

function javaTrace(r: Rng, c: FakeClock): Labelled[] {
  const out: Labelled[] = [];
  const head = r.pick([
    ["<*> ERROR [<*>] <*> - Failed to process order <*>", `Failed to process order ${r.int(1, 99999)}`],
    ["<*> ERROR [<*>] <*> - Unhandled exception for request <*>", `Unhandled exception for request ${apiPath(r)}`],
    ["<*> ERROR [<*>] <*> - Scheduled job <*> failed", `Scheduled job ${r.pick(["cleanup", "reindex", "payout"])} failed`],
  ] as const);
  out.push({ line: `${c.log4j()} ERROR [${r.pick(THREADS)}] ${r.pick(LOGGERS)} - ${head[1]}`, template: head[0] });
  const ex = r.pick(EXCEPTIONS);
  out.push({ line: ex[1](r), template: ex[0] });
  const frame = (): Labelled => ({ line: `\tat ${r.pick(FRAMES).replace("{n}", String(r.int(20, 900)))}`, template: "at <*>" });
  for (let i = r.int(3, 9); i > 0; i--) out.push(frame());
  if (r.chance(0.5)) {
    const cause = r.pick(CAUSES);
    out.push({ line: cause[1](r), template: cause[0] });
    for (let i = r.int(2, 5); i > 0; i--) out.push(frame());
    out.push({ line: `\t... ${r.int(5, 60)} more`, template: "... <*> more" });
  }
  return out;
}

const JAVA_EVENTS: EventSpec[] = [
  [4, "<*> INFO [<*>] <*> - Order <*> processed in <*>", (r, c) => `${c.log4j()} INFO [${r.pick(THREADS)}] ${r.pick(LOGGERS)} - Order ${r.int(1, 99999)} processed in ${r.int(1, 400)}ms`],
  [2, "<*> WARN [<*>] <*> - Retrying connection to <*> in <*>", (r, c) => `${c.log4j()} WARN [${r.pick(THREADS)}] ${r.pick(LOGGERS)} - Retrying connection to ${r.ipv4()}:5432 in ${r.int(1, 30)}s`],
  [1, "<*> INFO [<*>] <*> - HikariPool-<*> - Start completed.", (r, c) => `${c.log4j()} INFO [main] c.z.hikari.HikariDataSource - HikariPool-1 - Start completed.`],
];

export const javaStacktrace = (seed: number, n: number): Labelled[] => generate(seed, n, JAVA_EVENTS, [5, javaTrace]);

// ---- nginx access log ----

const UAS = [
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  "curl/8.5.0", "kube-probe/1.29", "Prometheus/2.51.0", "python-requests/2.31.0", "-",
];

function combined(r: Rng, c: FakeClock): string {
  const method = r.weighted([[8, "GET"], [3, "POST"], [1, "PUT"], [1, "DELETE"], [1, "HEAD"]] as const);
  const proto = r.weighted([[6, "HTTP/1.1"], [2, "HTTP/2.0"], [1, "HTTP/1.0"]] as const);
  const status = r.weighted([[10, 200], [2, 304], [2, 404], [1, 500], [1, 502], [1, 201], [1, 301]] as const);
  const ref = r.chance(0.5) ? "-" : `https://shop.example.com${apiPath(r)}`;
  const user = r.chance(0.9) ? "-" : r.pick(USERS);
  return `${r.ipv4()} - ${user} [${c.clf()}] "${method} ${apiPath(r)} ${proto}" ${status} ${r.int(0, 90000)} "${ref}" "${r.pick(UAS)}"`;
}

const NGINX_EVENTS: EventSpec[] = [
  [14, "<*> - <*> [<*>] \"<*> <*> <*>\" <*> <*> \"<*>\" \"<*>\"", (r, c) => combined(r, c)],
  // A second vhost whose log_format appends $request_time $upstream_response_time.
  [5, "<*> - <*> [<*>] \"<*> <*> <*>\" <*> <*> \"<*>\" \"<*>\" <*> <*>", (r, c) => `${combined(r, c)} ${r.int(0, 3)}.${r.int(100, 999)} ${r.pick(["0.010", "0.252", "-"])}`],
  // Unparseable request lines ("-" or TLS bytes sent to the plain-HTTP port): $request is just a
  // different value of the same variable, so one event type.
  [1, "<*> - - [<*>] \"<*>\" 400 <*> \"-\" \"-\"", (r, c) => `${r.ipv4()} - - [${c.clf()}] "-" 400 0 "-" "-"`],
  [1, "<*> - - [<*>] \"<*>\" 400 <*> \"-\" \"-\"", (r, c) => `${r.ipv4()} - - [${c.clf()}] "\\x16\\x03\\x01\\x00\\x${r.hex(2)}\\x01\\x00\\x00\\x${r.hex(2)}\\x03\\x03" 400 157 "-" "-"`],
];

export const nginxAccess = (seed: number, n: number): Labelled[] => generate(seed, n, NGINX_EVENTS);
