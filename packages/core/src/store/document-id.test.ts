import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DOCUMENT_ID_BYTES, storeDocumentId } from './elasticsearch-store.js';

test('document ids over 512 bytes are hashed (stable), shorter ones kept as they are', () => {
  assert.equal(storeDocumentId('shop/checkout:12'), 'shop/checkout:12');
  const long = `${'ü'.repeat(256)}:${'é'.repeat(128)}`; // 770 bytes: the verdict id issue 19 saw rejected
  assert.ok(Buffer.byteLength(long) > MAX_DOCUMENT_ID_BYTES);
  const hashed = storeDocumentId(long);
  assert.ok(Buffer.byteLength(hashed) <= MAX_DOCUMENT_ID_BYTES);
  assert.equal(hashed, storeDocumentId(long), 'the same id always maps to the same _id (get and put agree)');
  assert.notEqual(hashed, storeDocumentId(`${long}x`));
});
