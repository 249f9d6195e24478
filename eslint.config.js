// ESLint: rules that catch bugs, not layout (prettier owns the layout; see CONTRIBUTING.md).
// `npm run lint` runs it, and scripts/test.sh (the test command CI runs) runs that.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.test-servers/', 'ferry-demo/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Rules that need the types. A promise nobody awaits loses its error (an unhandled
      // rejection ends the process) and its order (a delete that overtakes the copy it waits for).
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test()/describe()/it() return promises that the runner awaits itself.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      // A promise where a boolean or a void callback is expected: `if (exists(p))`, an async
      // listener whose rejection nobody sees.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/no-array-delete': 'error',
      // `String(value)` of an object or array prints `[object Object]` or joins with commas (it
      // found a repeated option printed as `--exclude-from a,b`).
      '@typescript-eslint/no-base-to-string': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `let proxy; ... proxy = new Proxy(server)` where a callback made before reads it later.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // A getter of an object literal that reads its owner (FtpBackend's capabilities) needs a name
      // for it: `this` there is the literal.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['backend', 'download'] }],
    },
  },
  {
    files: ['test/**'],
    rules: {
      // Tests build names with control characters and match printed columns space for space.
      'no-control-regex': 'off',
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { URL: 'readonly', process: 'readonly', console: 'readonly' } },
  },
);
