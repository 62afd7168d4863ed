import { ValidationError } from '@rollwatch/core';

export interface TemplateVars {
  rollout: string;
  group: string;
  service?: string;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;

/** Escapes a value for use inside a double- or single-quoted PromQL string literal. */
export function escapePromQLString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/'/g, "\\'").replace(/\n/g, '\\n');
}

/**
 * Renders `{{rollout}}`, `{{group}}` and `{{service}}` into a PromQL template. Values are escaped as
 * string-literal content, since they come from events (user data) and land inside label matchers.
 */
export function renderPromQL(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = (vars as unknown as Record<string, string | undefined>)[name];
    if (name !== 'rollout' && name !== 'group' && name !== 'service') {
      throw new ValidationError('PROMETHEUS_QUERIES', `unknown placeholder {{${name}}} (known: rollout, group, service)`);
    }
    return escapePromQLString(value ?? '');
  });
}

/** Placeholders a template uses; config validation rejects unknown ones up front. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}
