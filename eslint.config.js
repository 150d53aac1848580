// ESLint flat config (issue 15, item 7). `npm run lint`; CI runs it after `tsc --noEmit`.
//
// Not the whole recommended-type-checked set: its no-unsafe-* rules report ~1400 member
// accesses on parsed JSON in the tests (noise), require-await flags async interface
// implementations (the Store methods are async so a throw is a rejection), unbound-method
// flags destructured test helpers, and restrict-template-expressions flags values with a
// proper toString(). What is on, and why:
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'openapi/', 'proto/', 'fixtures/', 'test/python/', 'test/data/', '**/*.js', '**/*.cjs', '**/*.mjs'] },

  // The syntax-only recommended sets: plain mistakes (unreachable code, control characters in
  // regexes, duplicate keys), `any` spelled out, unused variables.
  js.configs.recommended,
  ...tseslint.configs.recommended,

  {
    languageOptions: {
      // Type information from tsconfig.json (src, test, scripts, bench) through the project service.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises: a dropped promise loses its rejection (an unhandled rejection ends the
      // process); a promise where a boolean or a void callback is expected is a bug; awaiting a
      // non-thenable hides a wrong type. node:test's describe/test return promises the runner
      // awaits itself.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],

      // Casts: one that changes nothing only hides the type the code really has.
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',

      // `any`: none written in src/, and none leaking in from an untyped value (JSON.parse,
      // a library's `any`) unchecked. test/, scripts/ and bench/ read untyped JSON: see below.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      // A value that would print as "[object Object]" in a message or a key.
      '@typescript-eslint/no-base-to-string': 'error',

      // Unused code; `_`-prefixed arguments, variables and caught errors are deliberate.
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_',
      }],

      // The code's style already: `import type` for type-only imports (they vanish at runtime,
      // which keeps lazy and optional modules such as etcd3 from loading eagerly); `typeof import('x')`
      // stays allowed for the lazily loaded modules (lazy-modules.ts).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },

  // Tests, scripts and benchmarks handle untyped JSON (HTTP bodies, kubectl -o json, files):
  // `any` is allowed there, and reading it unchecked too.
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
