// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/fixtures/**', 'artifacts/**', '**/web/assets/**'] },
  js.configs.recommended,
  // eslint-disable-next-line no-restricted-syntax -- bounded: a config list
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', performance: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', document: 'readonly', window: 'readonly', EventSource: 'readonly', localStorage: 'readonly', location: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      // f(...array) puts every element on the stack: ~100k elements overflow it (a 500 from one
      // request, issue 19). Use a loop, or disable on the line saying why the array is bounded.
      'no-restricted-syntax': [
        'error',
        { selector: 'CallExpression > SpreadElement', message: 'Spreading an array into call arguments overflows the stack when the array is large: loop instead (or eslint-disable-next-line with the reason it is bounded).' },
        { selector: 'NewExpression > SpreadElement', message: 'Spreading an array into constructor arguments overflows the stack when the array is large: loop instead (or eslint-disable-next-line with the reason it is bounded).' },
      ],
    },
  },
  {
    // Tests build small arrays they control.
    files: ['**/*.test.ts', '**/testing/**', '**/testkit/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
