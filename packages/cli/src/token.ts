import { readFile } from 'node:fs/promises';
import { UsageError } from './args.js';

/**
 * The bearer token for the rollwatch APIs: the first line of --token-file, else ROLLWATCH_API_TOKEN,
 * else none (a service without tokens configured needs none). A file, not a flag value, so the
 * secret never shows in `ps` or CI logs.
 */
export async function bearerToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(tokenFile, 'utf8');
    } catch (error) {
      throw new UsageError(`--token-file: cannot read ${tokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const token = text.split('\n')[0]!.trim();
    if (!token) throw new UsageError(`--token-file: ${tokenFile} is empty`);
    return token;
  }
  return env.ROLLWATCH_API_TOKEN?.trim() || undefined;
}

export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
