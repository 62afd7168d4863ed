/** Test harness for rollwatch's reliability and security suites (see RELIABILITY.md). */
export { ServiceProcess, SERVICE_NAMES, REPO_ROOT, serviceEntry, readRssBytes, tempDir, type ServiceName, type ServiceProcessOptions } from './harness/service-process.js';
export { FaultyReceiver, type ReceivedCall, type ReceiverMode } from './harness/receiver.js';
export { EsProbe } from './harness/elasticsearch.js';
export { KafkaProbe, type GroupLag } from './harness/kafka.js';
export { healthyEvent, crashLoopEvents, pushEvents, runTag, type PushResult } from './harness/events.js';
export { serviceEnv, serviceProcess, killAll, type Backends } from './harness/stack.js';
export { waitFor, sleep, type WaitOptions } from './harness/wait.js';
