import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export * from './model/format.js';
export * from './model/rollout-list.js';
export * from './model/chart-data.js';
export * from './model/events-query.js';
export * from './model/hosts.js';

/** Absolute path of the built dashboard (Vite output): `packages/dashboard/dist/public`. */
export function dashboardStaticDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'public');
}

/** True once `npm run build -w @rollwatch/dashboard` has produced the assets. */
export function dashboardBuilt(dir = dashboardStaticDir()): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

/** The command that builds the assets, for error messages. */
export const DASHBOARD_BUILD_COMMAND = 'npm run build -w @rollwatch/dashboard';
