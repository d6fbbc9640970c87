import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// an app never imports an app; domain code never imports infrastructure
function boundaries(forTests) {
  const testing = forTests ? ['type:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    // Only tests import the test helpers (the constraints below say so), and the helpers
    // import what they help test: those test-only edges are not dependency cycles.
    ignoredCircularDependencies: [['testing', '*']],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', ...testing] },
      { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', ...testing] },
      { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', ...testing] },
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', ...testing] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:testing'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'scope:users', onlyDependOnLibsWithTags: ['scope:shared', 'scope:users'] },
      { sourceTag: 'scope:tokens', onlyDependOnLibsWithTags: ['scope:shared', 'scope:tokens'] },
      { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared', 'scope:gateway'] },
      // the console talks to the API through the typed client, and offers what the access library allows
      { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['scope:shared'] },
      // the audit service folds every context's events with that context's own evolve
      { sourceTag: 'scope:audit', onlyDependOnLibsWithTags: ['scope:shared', 'scope:audit', 'scope:users', 'scope:tokens'] },
      { sourceTag: 'scope:webhooks', onlyDependOnLibsWithTags: ['scope:shared', 'scope:webhooks'] },
    ],
  };
}

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/tmp/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name=/^(only|skip)$/]", message: 'Every test must run: no .only or .skip.' },
        { selector: "CallExpression[callee.name=/^x(it|describe)$/]", message: 'Every test must run: no xit or xdescribe.' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.spec.tsx', '**/*.browser-spec.ts', 'apps/console/browser/**/*.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.fuzz-spec.ts', 'apps/*/fuzz/**/*.ts', '**/*.faults-spec.ts', 'apps/*/faults/**/*.ts', '**/*.cluster-spec.ts', 'apps/*/src/test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: {
      // tests of any project may use the test helpers
      '@nx/enforce-module-boundaries': ['error', boundaries(true)],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // the quick start through the typed client proves that the API description types every answer
    files: ['apps/gateway/e2e/quick-start.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }],
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
