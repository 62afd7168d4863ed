import type { NextFunction, Request, Response } from 'express';
import { authConfigured, type AuthTokens } from './auth.js';
import { isLoopbackHost } from './exposure.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function hostName(hostHeader: string): string {
  // "[::1]:8080" -> "::1", "localhost:8080" -> "localhost"
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracket) return bracket[1]!;
  return hostHeader.replace(/:\d+$/, '');
}

/**
 * Defences for what a browser can reach:
 *  - a state-changing request whose `Origin` is not this server (`Host`) is refused: a web page
 *    must not be able to push, silence or override cross-site (CSRF);
 *  - with no token configured (loopback embedded mode), a `Host` that is not a loopback name is
 *    refused: a DNS-rebinding page resolves its own name to 127.0.0.1 and would otherwise be
 *    same-origin with the unauthenticated API.
 * ROLLWATCH_INSECURE=true (no auth on purpose, services calling each other by name) skips the Host check.
 * Non-browser clients (curl, SDKs, Prometheus) send no Origin and a literal Host: unaffected.
 */
export function browserGuard(tokens: AuthTokens, options: { anyHost?: boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = req.headers.host ?? '';
    if (!options.anyHost && !authConfigured(tokens) && host !== '' && !isLoopbackHost(hostName(host))) {
      res.status(403).json({ error: `Host "${host.slice(0, 100)}" is not a loopback name and no API token is configured (DNS rebinding?); set ROLLWATCH_API_TOKEN to serve other names`, field: 'host' });
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !SAFE_METHODS.has(req.method)) {
      let originHost: string | undefined;
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = undefined;
      }
      if (originHost === undefined || originHost.toLowerCase() !== host.toLowerCase()) {
        res.status(403).json({ error: `cross-origin ${req.method} from "${origin.slice(0, 100)}" refused`, field: 'origin' });
        return;
      }
    }
    next();
  };
}
