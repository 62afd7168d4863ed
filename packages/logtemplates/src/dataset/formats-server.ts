// Server formats: Apache error log and Go panics.
import type { FakeClock, Labelled, Rng } from "./prng.js";
import { apiPath, generate, type EventSpec } from "./spec.js";

const client = (r: Rng): string => `[client ${r.ipv4()}:${r.int(1024, 65535)}]`;
const pidTid = (r: Rng): string => `[pid ${r.int(100, 40000)}:tid ${r.int(139900000000000, 140999999999999)}]`;
const ap = (c: FakeClock, mod: string, r: Rng): string => `[${c.ctime()}] [${mod}] ${pidTid(r)}`;

const APACHE_EVENTS: EventSpec[] = [
  [5, "[<*>] [core:error] [pid <*>:tid <*>] [client <*>] AH00126: Invalid URI in request <*> <*> <*>", (r, c) => `${ap(c, "core:error", r)} ${client(r)} AH00126: Invalid URI in request GET ${apiPath(r)}/../.. HTTP/1.1`],
  [6, "[<*>] [core:info] [pid <*>:tid <*>] [client <*>] AH00128: File does not exist: <*>", (r, c) => `${ap(c, "core:info", r)} ${client(r)} AH00128: File does not exist: /var/www/html${r.pick(["/favicon.ico", "/wp-login.php", "/.env", "/robots.txt"])}`],
  [5, "[<*>] [authz_core:error] [pid <*>:tid <*>] [client <*>] AH01630: client denied by server configuration: <*>", (r, c) => `${ap(c, "authz_core:error", r)} ${client(r)} AH01630: client denied by server configuration: /var/www/${r.pick(["private", "admin", "html/.git"])}`],
  [4, "[<*>] [proxy:error] [pid <*>:tid <*>] (111)Connection refused: AH00957: http: attempt to connect to <*> (<*>) failed", (r, c) => { const ip = `127.0.0.1:${r.pick([8080, 8081, 9000])}`; return `${ap(c, "proxy:error", r)} (111)Connection refused: AH00957: http: attempt to connect to ${ip} (${r.pick(["localhost", "127.0.0.1"])}:${ip.split(":")[1]}) failed`; }],
  [4, "[<*>] [proxy_http:error] [pid <*>:tid <*>] [client <*>] AH01114: HTTP: failed to make connection to backend: <*>", (r, c) => `${ap(c, "proxy_http:error", r)} ${client(r)} AH01114: HTTP: failed to make connection to backend: ${r.pick(["127.0.0.1", "app-1", "app-2"])}`],
  [3, "[<*>] [ssl:warn] [pid <*>:tid <*>] AH01909: <*> server certificate does NOT include an ID which matches the server name", (r, c) => `${ap(c, "ssl:warn", r)} AH01909: ${r.pick(["www.example.com", "shop.example.com"])}:443:0 server certificate does NOT include an ID which matches the server name`],
  [2, "[<*>] [mpm_event:notice] [pid <*>:tid <*>] AH00489: Apache/<*> (Unix) configured -- resuming normal operations", (r, c) => `${ap(c, "mpm_event:notice", r)} AH00489: Apache/2.4.${r.int(50, 59)} (Unix) configured -- resuming normal operations`],
  [2, "[<*>] [core:notice] [pid <*>:tid <*>] AH00094: Command line: '<*>'", (r, c) => `${ap(c, "core:notice", r)} AH00094: Command line: '/usr/local/apache2/bin/httpd -D FOREGROUND'`],
  [2, "[<*>] [mpm_event:notice] [pid <*>:tid <*>] AH00492: caught SIGWINCH, shutting down gracefully", (r, c) => `${ap(c, "mpm_event:notice", r)} AH00492: caught SIGWINCH, shutting down gracefully`],
  [3, "[<*>] [php:error] [pid <*>:tid <*>] [client <*>] PHP Warning: Undefined variable $<*> in <*> on line <*>", (r, c) => `${ap(c, "php:error", r)} ${client(r)} PHP Warning: Undefined variable $${r.pick(["user", "cart", "id"])} in /var/www/html/${r.pick(["index", "cart", "login"])}.php on line ${r.int(3, 400)}`],
  [2, "[<*>] [php:error] [pid <*>:tid <*>] [client <*>] PHP Fatal error: Allowed memory size of <*> bytes exhausted (tried to allocate <*> bytes) in <*> on line <*>", (r, c) => `${ap(c, "php:error", r)} ${client(r)} PHP Fatal error: Allowed memory size of 134217728 bytes exhausted (tried to allocate ${r.int(4096, 9999999)} bytes) in /var/www/html/lib/${r.pick(["Export", "Report"])}.php on line ${r.int(3, 400)}`],
  [2, "[<*>] [core:error] [pid <*>:tid <*>] [client <*>] AH00135: Invalid method in request <*>", (r, c) => `${ap(c, "core:error", r)} ${client(r)} AH00135: Invalid method in request \\x16\\x03\\x01`],
];

export const apacheError = (seed: number, n: number): Labelled[] => generate(seed, n, APACHE_EVENTS);

// ---- Go panics: a few log lines, then panic dumps with goroutine stacks ----

const FUNCS = [
  "github.com/acme/api/internal/handler.(*Orders).Get",
  "github.com/acme/api/internal/store.(*PG).Query",
  "net/http.HandlerFunc.ServeHTTP",
  "net/http.(*conn).serve",
  "main.main",
  "main.worker",
  "runtime.gopark",
  "sync.(*WaitGroup).Wait",
];
const ARGS = (r: Rng): string =>
  r.pick(["", `0x${r.hex(10)}`, `0x${r.hex(10)}, {0x${r.hex(6)}, 0x${r.hex(10)}}, 0x${r.hex(10)}`, `0x${r.hex(8)}?, 0x0?`, "...", `0x${r.hex(6)}, 0x${r.int(1, 9)}`]);
const STATES = ["running", "chan receive", "select", "IO wait", "semacquire", `select, ${5} minutes`, "syscall"];
const PANICS: readonly (readonly [string, (r: Rng) => string])[] = [
  ["panic: runtime error: invalid memory address or nil pointer dereference", () => "panic: runtime error: invalid memory address or nil pointer dereference"],
  ["panic: runtime error: index out of range [<*>] with length <*>", (r) => `panic: runtime error: index out of range [${r.int(1, 20)}] with length ${r.int(0, 5)}`],
  ["panic: assignment to entry in nil map", () => "panic: assignment to entry in nil map"],
  ["panic: send on closed channel", () => "panic: send on closed channel"],
];

function goPanic(r: Rng, c: FakeClock): Labelled[] {
  const out: Labelled[] = [];
  const p = r.pick(PANICS);
  out.push({ line: p[1](r), template: p[0] });
  if (p[0].includes("nil pointer")) {
    out.push({ line: `[signal SIGSEGV: segmentation violation code=0x1 addr=0x${r.hex(2)} pc=0x${r.hex(6)}]`, template: "[signal SIGSEGV: segmentation violation code=<*> addr=<*> pc=<*>]" });
  }
  for (let g = r.int(1, 3); g > 0; g--) {
    out.push({ line: `goroutine ${r.int(1, 900)} [${g === 1 ? "running" : r.pick(STATES)}]:`, template: "goroutine <*> [<*>]:" });
    for (let f = r.int(2, 5); f > 0; f--) {
      out.push({ line: `${r.pick(FUNCS)}(${ARGS(r)})`, template: "<*>(<*>)" });
      out.push({ line: `\t${r.pick(["/src/internal/handler/orders.go", "/usr/local/go/src/net/http/server.go", "/src/main.go"])}:${r.int(10, 3000)} +0x${r.hex(r.int(2, 3))}`, template: "<*>:<*> +<*>" });
    }
    if (r.chance(0.5)) {
      out.push({ line: `created by ${r.pick(["net/http.(*Server).Serve", "main.main", "github.com/acme/api/internal/worker.Start"])} in goroutine ${r.int(1, 40)}`, template: "created by <*> in goroutine <*>" });
      out.push({ line: `\t/src/main.go:${r.int(10, 300)} +0x${r.hex(3)}`, template: "<*>:<*> +<*>" });
    }
  }
  out.push({ line: "exit status 2", template: "exit status <*>" });
  void c;
  return out;
}

const GO_EVENTS: EventSpec[] = [
  [3, "<*> http: panic serving <*>: <*>", (r, c) => `${c.golog()} http: panic serving ${r.ipv4()}:${r.int(1024, 65535)}: runtime error: invalid memory address or nil pointer dereference`],
  [3, "<*> starting server on <*>", (r, c) => `${c.golog()} starting server on :${r.pick([8080, 9090])}`],
  [3, "<*> request <*> <*> took <*>", (r, c) => `${c.golog()} request ${r.pick(["GET", "POST"])} ${apiPath(r)} took ${r.int(1, 900)}.${r.int(100, 999)}ms`],
  [1, "fatal error: all goroutines are asleep - deadlock!", () => "fatal error: all goroutines are asleep - deadlock!"],
];

export const goPanics = (seed: number, n: number): Labelled[] => generate(seed, n, GO_EVENTS, [6, goPanic]);
