// Lint rules for the whole repository: type-aware TypeScript rules, plus the
// house rules that AWS SDK clients are only imported by adapters and that
// imports flow one way between layers (functions/core, scripts/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Files under functions/ that may call AWS: each is named after the service it calls. */
const ADAPTERS = 'functions/**/{dynamodb,sqs,s3,glue,kafka}-*.ts';
const ADAPTER_MESSAGE = 'AWS SDK calls belong in an adapter named after its service (dynamodb-*, sqs-*, s3-*, glue-*, kafka-*).';
/** What the runtime never imports: it is bundled into Lambdas, which carry neither the CDK app nor the tooling. */
const RUNTIME_ONLY = [
  { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'], message: 'The runtime is bundled into Lambdas: it does not import the CDK.' },
  // Relative paths only: a package's own lib/ folder (avsc/lib/...) is not the CDK app.
  { regex: '^(\\.\\./)+(lib|scripts|test|bench)/', message: 'The runtime imports only the runtime: not the CDK app, the tooling, tests or benchmarks.' },
];
const SDK_CALLS = { group: ['@aws-sdk/*'], allowTypeImports: true, message: ADAPTER_MESSAGE };
const NOT_THE_HANDLER = { group: ['**/handler/*'], message: 'The engine, its state and the partition contract do not depend on the handler that calls them.' };
/** Below the handler: the engine, its state (adapters included) and the partition contract. */
const BELOW_THE_HANDLER = ['functions/core/engine/**/*.ts', 'functions/core/state/**/*.ts', 'functions/core/processing/**/*.ts'];

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
      // A file holds one concept; one past this size holds several.
      'max-lines': ['error', { max: 400 }],
    },
  },
  {
    // The runtime reads in named steps: a function this long is several.
    files: ['functions/core/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
  {
    // AWS SDK calls live in adapters only: under functions/, the files named
    // after the AWS service they call (dynamodb-*, sqs-*, s3-*, glue-*, kafka-*),
    // and aws-clients.ts, which makes the clients; elsewhere, the CLI and tests.
    files: ['functions/**/*.ts'],
    ignores: [ADAPTERS, 'functions/**/aws-clients.ts'],
    rules: {
      // Type-only imports make no calls, so pure code may name SDK shapes.
      'no-restricted-imports': ['error', { patterns: [SDK_CALLS, ...RUNTIME_ONLY] }],
      // A client loaded on first use is still an SDK call.
      'no-restricted-syntax': ['error', { selector: "ImportExpression[source.value=/^@aws-sdk\\//]", message: ADAPTER_MESSAGE }],
    },
  },
  {
    // Imports flow handler -> engine -> state: the engine takes what it is given
    // from processing/, never from the handler that calls it.
    files: BELOW_THE_HANDLER,
    ignores: [ADAPTERS],
    rules: { 'no-restricted-imports': ['error', { patterns: [SDK_CALLS, NOT_THE_HANDLER, ...RUNTIME_ONLY] }] },
  },
  {
    files: [ADAPTERS, 'functions/**/aws-clients.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: RUNTIME_ONLY }] },
  },
  {
    // The state store's adapters sit below the handler too.
    files: BELOW_THE_HANDLER.map((glob) => glob.replace('**/*.ts', '**/{dynamodb,sqs,s3,glue,kafka}-*.ts')),
    rules: { 'no-restricted-imports': ['error', { patterns: [NOT_THE_HANDLER, ...RUNTIME_ONLY] }] },
  },
  // scripts/ is layered by job, and imports flow cli -> reference ->
  // lambda-emulator -> devstack: a layer may import any layer after it in
  // that order, never one before it. The local stack knows no pipeline, the
  // Lambda emulator runs any processor, and the retail reference pipeline is
  // driven by the CLI, not the other way round.
  {
    files: ['scripts/devstack/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/lambda-emulator/**'], message: 'devstack runs the local services and knows nothing above them: not the Lambda emulator.' },
            { group: ['**/reference/**'], message: 'devstack runs the local services and knows nothing above them: not the reference pipeline (the caller passes what it needs, such as the database).' },
            { group: ['**/cli/**'], message: 'devstack runs the local services and knows nothing above them: not the rtp CLI.' },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/lambda-emulator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/reference/**'], message: 'The Lambda emulator runs any processor: it does not depend on the reference pipeline.' },
            { group: ['**/cli/**'], message: 'The Lambda emulator does not depend on the rtp CLI that drives it.' },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/reference/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/cli/**'], message: 'The reference pipeline does not depend on the rtp CLI that drives it; move what both need down into reference/ or below.' }] },
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
