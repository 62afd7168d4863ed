import { ApiError, api, enc } from '../api.js';
import { h } from '../dom.js';

const BY_KEY = 'rollwatch.overrideBy';

/**
 * Force go or no-go with a reason. The detector numbers and publishes the forced verdict (it is the
 * one writer of verdicts); the alerts service acts on it and audits it as an `override` action.
 */
export function overrideForm(rollout: string, onDone: () => void): HTMLElement {
  const decision = h('select', { name: 'decision', 'data-testid': 'override-decision' }, h('option', { value: 'no-go' }, 'no-go (stop it)'), h('option', { value: 'go' }, 'go (let it proceed)'));
  const reason = h('input', { name: 'reason', required: true, maxlength: 4096, placeholder: 'why (required, audited)', 'data-testid': 'override-reason', size: 40 });
  const by = h('input', { name: 'by', required: true, maxlength: 256, placeholder: 'your name', 'data-testid': 'override-by', value: localStorage.getItem(BY_KEY) ?? '' });
  const submit = h('button', { type: 'submit', 'data-testid': 'override-submit' }, 'Override');
  const result = h('span', { class: 'muted', 'data-testid': 'override-result', role: 'status' });
  const form = h('form', { class: 'override', 'data-testid': 'override-form' }, h('strong', {}, 'Override: '), decision, ' ', reason, ' ', by, ' ', submit, ' ', result);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { decision: decision.value, reason: reason.value.trim(), by: by.value.trim() };
    if (!body.reason || !body.by) {
      result.textContent = !body.reason ? 'a reason is required' : 'your name is required';
      result.className = 'error';
      return;
    }
    if (!window.confirm(`Force ${body.decision} for ${rollout}?`)) return;
    localStorage.setItem(BY_KEY, body.by);
    submit.disabled = true;
    result.textContent = 'sending…';
    result.className = 'muted';
    api<{ verdict?: { sequence: number }; queued?: boolean }>(`/api/v1/rollouts/${enc(rollout)}/override`, { method: 'POST', body })
      .then((answer) => {
        result.textContent = answer?.verdict ? `recorded (verdict #${answer.verdict.sequence})` : 'recorded (queued for the owning replica)';
        result.className = 'ok';
        reason.value = '';
        onDone();
      })
      .catch((error: unknown) => {
        const e = error as Error;
        result.textContent = error instanceof ApiError && error.status === 403 ? `not allowed: ${e.message} (a write token is needed)` : `failed: ${e.message}`;
        result.className = 'error';
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
