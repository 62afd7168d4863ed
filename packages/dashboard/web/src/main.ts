import './style.css';
import { captureTokenFromUrl, setToken, token, type StreamState } from './api.js';
import { h, replace } from './dom.js';
import { detailPage } from './pages/detail.js';
import { eventsPage } from './pages/events.js';
import type { Page } from './pages/page.js';
import { rolloutsPage } from './pages/rollouts.js';

captureTokenFromUrl();
const app = document.getElementById('app')!;
const connection = document.getElementById('connection')!;
let current: Page | undefined;

const CONNECTION_TEXT: Record<StreamState, string> = { open: '● live', connecting: '○ reconnecting…', closed: '○ disconnected' };
function setConnection(state: StreamState): void {
  connection.dataset.state = state;
  connection.textContent = CONNECTION_TEXT[state];
}

function navigate(path: string): void {
  history.pushState(null, '', path);
  route();
}

/** Shown when the API answers 401/403: the token is kept for this tab only. */
function signIn(): void {
  const input = h('input', { type: 'password', name: 'token', placeholder: 'API token', autocomplete: 'off', 'data-testid': 'token' });
  const form = h('form', { class: 'panel' }, h('h1', {}, 'Sign in'), h('p', {}, 'This rollwatch requires a bearer token (ROLLWATCH_READ_TOKEN or ROLLWATCH_API_TOKEN).'), input, ' ', h('button', { type: 'submit' }, 'Use token'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    route();
  });
  replace(app, form);
}

function route(): void {
  current?.unmount();
  current = undefined;
  const { pathname, search } = window.location;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === (pathname.startsWith('/events') ? 'events' : 'rollouts'));
  }
  const detail = /^\/rollouts\/([^/]+)\/?$/.exec(pathname);
  if (pathname === '/signin') signIn();
  else if (detail) current = detailPage(app, decodeURIComponent(detail[1]!), setConnection);
  else if (pathname.startsWith('/events')) current = eventsPage(app, search, navigate);
  else current = rolloutsPage(app, setConnection);
  document.title = detail ? `${decodeURIComponent(detail[1]!)} · rollwatch` : 'rollwatch';
}

// In-app links navigate without a reload (the SSE stream of the next page starts at once).
document.addEventListener('click', (event) => {
  const link = (event.target as Element).closest?.('a[data-link]') as HTMLAnchorElement | null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  navigate(link.getAttribute('href')!);
});
window.addEventListener('popstate', route);
// Without a valid token every panel would fail: ask for one up front instead.
void fetch('/api/v1/rollouts', { headers: token() ? { Authorization: `Bearer ${token()}` } : {} }).then((res) => {
  if (res.status !== 401 && res.status !== 403) return;
  current?.unmount();
  current = undefined;
  signIn();
});
route();
