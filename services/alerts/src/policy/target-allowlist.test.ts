import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AllowlistError, parseTargetAllowlist, targetRefusal } from './target-allowlist.js';

describe('actuation target allow-list', () => {
  const list = parseTargetAllowlist('payments/checkout-*, shop/web  staging/*');

  it('allows only the listed namespace/name globs', () => {
    assert.equal(list.allows({ namespace: 'payments', name: 'checkout-v2' }), true);
    assert.equal(list.allows({ namespace: 'shop', name: 'web' }), true);
    assert.equal(list.allows({ namespace: 'staging', name: 'anything' }), true);
    assert.equal(list.allows({ namespace: 'payments', name: 'ledger' }), false);
    assert.equal(list.allows({ namespace: 'shop', name: 'web-2' }), false);
    assert.equal(list.allows({ namespace: 'kube-system', name: 'coredns' }), false);
  });

  it('labels cannot escape a pattern with separators or regex syntax', () => {
    assert.equal(list.allows({ namespace: 'payments', name: 'checkout-/../kube-system/coredns' }), true, 'a glob * matches any name: the actuator gets it as one name');
    assert.equal(list.allows({ namespace: 'paymentsX', name: 'checkout-a' }), false);
    assert.equal(list.allows({ namespace: 'payments', name: 'xcheckout-a' }), false);
  });

  it('refusals explain themselves; an empty list disables actuation', () => {
    assert.equal(targetRefusal(list, { namespace: 'payments', name: 'checkout-1' }), undefined);
    assert.match(targetRefusal(list, { namespace: 'kube-system', name: 'coredns' })!, /kube-system\/coredns is not in ALERTS_ACTUATION_TARGETS/);
    assert.match(targetRefusal(parseTargetAllowlist(undefined), { namespace: 'a', name: 'b' })!, /disabled/);
    assert.match(targetRefusal(list, undefined)!, /no workload/);
  });

  it('rejects malformed entries, naming them', () => {
    for (const bad of ['payments', 'a/b/c', '/regex/', 'ns/na me\u202e', 'ns/']) {
      assert.throws(() => parseTargetAllowlist(bad), (e: unknown) => e instanceof AllowlistError && /namespace\/name/.test(e.message), bad);
    }
  });
});
