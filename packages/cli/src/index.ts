export { startServices, ALL_SERVICES, type RunningStack, type ServiceName, type StartOptions } from './embedded.js';
export { runCli, type CliIo } from './cli.js';
