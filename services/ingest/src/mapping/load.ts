import { readFileSync } from 'node:fs';
import { ValidationError } from '@rollwatch/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_MAPPING_RULES, type MappingRule, type MappingRules } from './rules.js';
import type { EventGroup } from '@rollwatch/core';

/** The user-facing shape of one rule (JSON in INGEST_MAPPING_RULES or YAML in INGEST_MAPPING_FILE). */
const ruleSchema = z.strictObject({
  match: z.record(z.string().min(1), z.string()).refine((m) => Object.keys(m).length > 0, 'needs at least one label'),
  rollout: z.string().min(1),
  group: z.string().min(1).optional(),
});
const rulesDocumentSchema = z.union([z.array(ruleSchema), z.strictObject({ rules: z.array(ruleSchema) })]);

/** Regexes match the whole value (like Prometheus label matchers), so `web` does not match `web-2`. */
function compileFullMatch(pattern: string, where: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    throw new ValidationError(where, `invalid regular expression: ${(error as Error).message}`);
  }
}

/** Parses a rules document (already decoded from JSON/YAML); `origin` names the setting in errors. */
export function compileRules(document: unknown, origin: string): MappingRule[] {
  const parsed = rulesDocumentSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    throw new ValidationError(`${origin}${where}`, issue.message);
  }
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.rules;
  return list.map((rule, i) => ({
    match: Object.fromEntries(Object.entries(rule.match).map(([key, pattern]) => [key, compileFullMatch(pattern, `${origin}[${i}].match.${key}`)])),
    rollout: rule.rollout,
    ...(rule.group !== undefined ? { group: rule.group } : {}),
  }));
}

export interface MappingSettings {
  INGEST_MAPPING_RULES?: string | undefined;
  INGEST_MAPPING_FILE?: string | undefined;
  INGEST_MAPPING_BUILTINS: boolean;
  INGEST_WORKLOAD_GROUP: EventGroup;
  ROLLWATCH_CLUSTER?: string | undefined;
}

/** Builds the rules from config: inline JSON rules first, then the file's, then built-ins. */
export function loadMappingRules(settings: MappingSettings): MappingRules {
  const custom: MappingRule[] = [];
  if (settings.INGEST_MAPPING_RULES) {
    let document: unknown;
    try {
      document = JSON.parse(settings.INGEST_MAPPING_RULES);
    } catch (error) {
      throw new ValidationError('INGEST_MAPPING_RULES', `is not valid JSON: ${(error as Error).message}`);
    }
    for (const rule of compileRules(document, 'INGEST_MAPPING_RULES')) custom.push(rule);
  }
  if (settings.INGEST_MAPPING_FILE) {
    let text: string;
    try {
      text = readFileSync(settings.INGEST_MAPPING_FILE, 'utf8');
    } catch (error) {
      throw new ValidationError('INGEST_MAPPING_FILE', `cannot read: ${(error as Error).message}`);
    }
    let document: unknown;
    try {
      document = parseYaml(text);
    } catch (error) {
      throw new ValidationError('INGEST_MAPPING_FILE', `is not valid YAML: ${(error as Error).message}`);
    }
    for (const rule of compileRules(document, 'INGEST_MAPPING_FILE')) custom.push(rule);
  }
  return { ...DEFAULT_MAPPING_RULES, custom, builtins: settings.INGEST_MAPPING_BUILTINS, workloadGroup: settings.INGEST_WORKLOAD_GROUP, ...(settings.ROLLWATCH_CLUSTER ? { cluster: settings.ROLLWATCH_CLUSTER } : {}) };
}
