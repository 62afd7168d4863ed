// System formats: syslog/journal lines from systemd, sshd, cron and the kernel; Kubernetes klog.
import type { FakeClock, Labelled, Rng } from "./prng.js";
import { generate, USERS, type EventSpec } from "./spec.js";

const HOSTS = ["web-01", "web-02", "db-1"];
const sys = (r: Rng, c: FakeClock, prog: string): string => `${c.syslog()} ${r.pick(HOSTS)} ${prog}`;
const kern = (r: Rng, c: FakeClock): string => `${sys(r, c, "kernel:")} [${String(r.int(1, 999999)).padStart(6, " ")}.${r.int(100000, 999999)}]`;
const pid = (r: Rng): number => r.int(300, 65000);

const UNITS = [
  ["nginx.service", "A high performance web server and a reverse proxy server"],
  ["docker.service", "Docker Application Container Engine"],
  ["apt-daily.service", "Daily apt download activities"],
  ["logrotate.service", "Rotate log files"],
] as const;

const SYSTEMD_EVENTS: EventSpec[] = [
  // Unit descriptions come from unit files, so each is constant template text (LogPAI-style
  // labelling), not a parameter.
  ...UNITS.map(([, d]): EventSpec => [2, `systemd[<*>]: Started ${d}.`, (r, c) => `${sys(r, c, "systemd[1]:")} Started ${d}.`]),
  ...UNITS.map(([, d]): EventSpec => [1, `systemd[<*>]: Stopping ${d}...`, (r, c) => `${sys(r, c, "systemd[1]:")} Stopping ${d}...`]),
  [4, "systemd[<*>]: Started Session <*> of User <*>.", (r, c) => `${sys(r, c, "systemd[1]:")} Started Session ${r.int(1, 9000)} of User ${r.pick(USERS)}.`],
  [3, "systemd[<*>]: <*>: Main process exited, code=exited, status=<*>/FAILURE", (r, c) => `${sys(r, c, "systemd[1]:")} ${r.pick(UNITS)[0]}: Main process exited, code=exited, status=${r.int(1, 3)}/FAILURE`],
  [3, "systemd[<*>]: <*>: Failed with result 'exit-code'.", (r, c) => `${sys(r, c, "systemd[1]:")} ${r.pick(UNITS)[0]}: Failed with result 'exit-code'.`],
  [2, "systemd[<*>]: <*>: Consumed <*> CPU time.", (r, c) => `${sys(r, c, "systemd[1]:")} ${r.pick(UNITS)[0]}: Consumed ${r.int(1, 59)}.${r.int(100, 999)}s CPU time.`],
  [3, "systemd-logind[<*>]: New session <*> of user <*>.", (r, c) => `${sys(r, c, `systemd-logind[${pid(r)}]:`)} New session ${r.int(1, 9000)} of user ${r.pick(USERS)}.`],
  [3, "systemd-logind[<*>]: Removed session <*>.", (r, c) => `${sys(r, c, `systemd-logind[${pid(r)}]:`)} Removed session ${r.int(1, 9000)}.`],
  [4, "sshd[<*>]: Accepted publickey for <*> from <*> port <*> ssh2: RSA SHA256:<*>", (r, c) => `${sys(r, c, `sshd[${pid(r)}]:`)} Accepted publickey for ${r.pick(USERS)} from ${r.ipv4()} port ${r.int(1024, 65535)} ssh2: RSA SHA256:${r.alnum(43)}`],
  [4, "sshd[<*>]: Failed password for invalid user <*> from <*> port <*> ssh2", (r, c) => `${sys(r, c, `sshd[${pid(r)}]:`)} Failed password for invalid user ${r.pick(["admin", "oracle", "test", "ubuntu"])} from ${r.ipv4()} port ${r.int(1024, 65535)} ssh2`],
  [2, "sshd[<*>]: Connection closed by <*> port <*> [preauth]", (r, c) => `${sys(r, c, `sshd[${pid(r)}]:`)} Connection closed by ${r.ipv4()} port ${r.int(1024, 65535)} [preauth]`],
  [3, "CRON[<*>]: (<*>) CMD (<*>)", (r, c) => `${sys(r, c, `CRON[${pid(r)}]:`)} (root) CMD (${r.pick(["run-parts --report /etc/cron.hourly", "/usr/local/bin/backup.sh", "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )"])})`],
  [3, "kernel: <*>: Link is Up - <*>/Full - flow control rx/tx", (r, c) => `${kern(r, c)} ${r.pick(["eth0", "ens5", "enp3s0"])}: Link is Up - ${r.pick(["1Gbps", "10Gbps"])}/Full - flow control rx/tx`],
  [2, "kernel: <*>: Link is Down", (r, c) => `${kern(r, c)} ${r.pick(["eth0", "ens5"])}: Link is Down`],
  [2, "kernel: EXT4-fs (<*>): mounted filesystem with ordered data mode. Opts: (null)", (r, c) => `${kern(r, c)} EXT4-fs (${r.pick(["sda1", "nvme0n1p2", "vdb"])}): mounted filesystem with ordered data mode. Opts: (null)`],
  [3, "kernel: Out of memory: Killed process <*> (<*>) total-vm:<*>, anon-rss:<*>, file-rss:<*>, shmem-rss:<*>, UID:<*> pgtables:<*> oom_score_adj:<*>", (r, c) => `${kern(r, c)} Out of memory: Killed process ${pid(r)} (${r.pick(["java", "node", "postgres"])}) total-vm:${r.int(100000, 9999999)}kB, anon-rss:${r.int(100000, 999999)}kB, file-rss:${r.int(0, 9999)}kB, shmem-rss:0kB, UID:${r.int(0, 1000)} pgtables:${r.int(100, 9999)}kB oom_score_adj:${r.pick([0, 1000, -999])}`],
  [3, "kernel: [UFW BLOCK] IN=<*> OUT= MAC=<*> SRC=<*> DST=<*> LEN=<*> TOS=<*> PREC=<*> TTL=<*> ID=<*> PROTO=TCP SPT=<*> DPT=<*> WINDOW=<*> RES=<*> SYN URGP=<*>", (r, c) => `${kern(r, c)} [UFW BLOCK] IN=eth0 OUT= MAC=${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}:08:00 SRC=${r.ipv4()} DST=${r.ipv4()} LEN=${r.pick([40, 44, 60])} TOS=0x00 PREC=0x00 TTL=${r.int(30, 250)} ID=${r.int(1, 65535)} PROTO=TCP SPT=${r.int(1024, 65535)} DPT=${r.pick([22, 23, 3389, 5432])} WINDOW=${r.int(1000, 65535)} RES=0x00 SYN URGP=0`],
  [2, "kernel: TCP: request_sock_TCP: Possible SYN flooding on port <*>. Sending cookies.  Check SNMP counters.", (r, c) => `${kern(r, c)} TCP: request_sock_TCP: Possible SYN flooding on port ${r.pick([80, 443])}. Sending cookies.  Check SNMP counters.`],
  [2, "kernel: nf_conntrack: nf_conntrack: table full, dropping packet", (r, c) => `${kern(r, c)} nf_conntrack: nf_conntrack: table full, dropping packet`],
];

export const systemdKernel = (seed: number, n: number): Labelled[] => generate(seed, n, SYSTEMD_EVENTS);

// ---- Kubernetes components (klog text format, structured and unstructured messages) ----

const KFILES = ["controller.go:123", "reflector.go:351", "pod_workers.go:1298", "event.go:294", "leaderelection.go:248", "kubelet.go:2427", "warnings.go:70"];
const kh = (r: Rng, c: FakeClock, level = "I"): string => c.klog(level, r.int(1, 99999), r.pick(KFILES));
const NS = ["default", "kube-system", "payments", "monitoring"];
const pod = (r: Rng): string => `${r.pick(["web", "api", "worker", "coredns"])}-${r.hex(9).replace(/^\d/, "a")}-${r.alnum(5)}`;

const KLOG_EVENTS: EventSpec[] = [
  [5, "\"Successfully synced\" key=<*>", (r, c) => `${kh(r, c)}"Successfully synced" key="${r.pick(NS)}/${pod(r)}"`],
  [4, "\"Watch close\" reflector=<*> type=<*> totalItems=<*>", (r, c) => `${kh(r, c)}"Watch close" reflector="k8s.io/client-go/informers/factory.go:150" type="${r.pick(["*v1.Pod", "*v1.Node", "*v1.ConfigMap"])}" totalItems=${r.int(1, 400)}`],
  [4, "\"Error syncing pod, skipping\" err=<*> pod=<*> podUID=<*>", (r, c) => `${kh(r, c, "E")}"Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"app\\" with CrashLoopBackOff: \\"back-off ${r.pick(["10s", "5m0s"])} restarting failed container=app pod=${pod(r)}\\"" pod="${r.pick(NS)}/${pod(r)}" podUID="${r.uuid()}"`],
  [4, "\"Event occurred\" object=<*> fieldPath=\"\" kind=<*> apiVersion=<*> type=<*> reason=<*> message=<*>", (r, c) => `${kh(r, c)}"Event occurred" object="${r.pick(NS)}/${pod(r)}" fieldPath="" kind="${r.pick(["Deployment", "ReplicaSet"])}" apiVersion="apps/v1" type="Normal" reason="${r.pick(["ScalingReplicaSet", "SuccessfulCreate"])}" message="Scaled up replica set ${pod(r)} to ${r.int(1, 9)}"`],
  [3, "attempting to acquire leader lease <*>...", (r, c) => `${kh(r, c)}attempting to acquire leader lease kube-system/${r.pick(["kube-controller-manager", "kube-scheduler"])}...`],
  [2, "successfully acquired lease <*>", (r, c) => `${kh(r, c)}successfully acquired lease kube-system/${r.pick(["kube-controller-manager", "kube-scheduler"])}`],
  [3, "<*> is deprecated in <*>, unavailable in <*>; use <*>", (r, c) => `${kh(r, c, "W")}${r.pick(["policy/v1beta1 PodSecurityPolicy", "batch/v1beta1 CronJob"])} is deprecated in v1.${r.int(21, 25)}+, unavailable in v1.${r.int(25, 29)}+; use ${r.pick(["policy/v1", "batch/v1"])}`],
  [4, "\"SyncLoop (PLEG): event for pod\" pod=<*> event=<*>", (r, c) => `${kh(r, c)}"SyncLoop (PLEG): event for pod" pod="${r.pick(NS)}/${pod(r)}" event={ID:${r.uuid()} Type:ContainerStarted Data:${r.hex(64)}}`],
  [3, "\"Probe failed\" probeType=<*> pod=<*> podUID=<*> containerName=<*> probeResult=<*> output=<*>", (r, c) => `${kh(r, c)}"Probe failed" probeType="${r.pick(["Readiness", "Liveness"])}" pod="${r.pick(NS)}/${pod(r)}" podUID="${r.uuid()}" containerName="app" probeResult="failure" output="Get \\"http://${r.ipv4()}:8080/healthz\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"`],
  [2, "Starting <*> controller", (r, c) => `${kh(r, c)}Starting ${r.pick(["endpoint", "garbage collector", "deployment", "replicaset", "namespace"])} controller`],
  [2, "Caches are synced for <*>", (r, c) => `${kh(r, c)}Caches are synced for ${r.pick(["endpoint", "deployment", "ReplicaSet", "namespace"])}`],
  [2, "\"Failed to update lease\" err=<*>", (r, c) => `${kh(r, c, "E")}"Failed to update lease" err="Put \\"https://10.96.0.1:443/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-${r.int(1, 9)}?timeout=10s\\": net/http: request canceled (Client.Timeout exceeded while awaiting headers)"`],
];

export const kubernetesKlog = (seed: number, n: number): Labelled[] => generate(seed, n, KLOG_EVENTS);
