// Lint rules for the whole repository: type-aware TypeScript rules, plus the
// house rule that AWS SDK clients are only imported by adapters.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Files under functions/ that may call AWS: each is named after the service it calls. */
const ADAPTERS = 'functions/**/{dynamodb,sqs,s3,glue,kafka}-*.ts';
const ADAPTER_MESSAGE = 'AWS SDK calls belong in an adapter named after its service (dynamodb-*, sqs-*, s3-*, glue-*, kafka-*).';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.rtp/**', 'coverage/**', 'scripts/rtp.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // AWS SDK calls live in adapters only: under functions/, the files named
    // after the AWS service they call (dynamodb-*, sqs-*, s3-*, glue-*, kafka-*),
    // and aws-clients.ts, which makes the clients; elsewhere, the CLI and tests.
    files: ['functions/**/*.ts'],
    ignores: [ADAPTERS, 'functions/**/aws-clients.ts'],
    rules: {
      // Type-only imports make no calls, so pure code may name SDK shapes.
      'no-restricted-imports': ['error', { patterns: [{ group: ['@aws-sdk/*'], allowTypeImports: true, message: ADAPTER_MESSAGE }] }],
    },
  },
  {
    // Imports flow handler -> engine -> state: the engine takes what it is given
    // from processing/, never from the handler that calls it.
    files: ['functions/core/engine/**/*.ts', 'functions/core/state/**/*.ts', 'functions/core/processing/**/*.ts'],
    ignores: [ADAPTERS],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*'], allowTypeImports: true, message: ADAPTER_MESSAGE },
            { group: ['**/handler/*'], message: 'The engine, its state and the partition contract do not depend on the handler that calls them.' },
          ],
        },
      ],
    },
  },
  {
    // Plain JavaScript outside the TypeScript project: this file, and the
    // CommonJS re-exports processor bundles alias Node built-ins to.
    files: ['eslint.config.js', 'functions/**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['functions/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
