import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The import boundaries of eslint.config.js, checked by linting planted
// imports as if they were the text of real files of each layer. Only the
// import rules run, and without a TypeScript program: it needs no types, and
// building one for the whole project would take the best part of a minute.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' || ruleId === 'no-restricted-syntax',
  });
});

/** What linting `importPath`, imported from `filePath`, reports. */
async function lintImport(filePath: string, importPath: string): Promise<Array<{ ruleId: string | null; message: string }>> {
  const code = `import * as planted from '${importPath}';\nexport const used = planted;\n`;
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map(({ ruleId, message }) => ({ ruleId, message }));
}

describe('import boundaries between the layers of scripts/ (cli -> reference -> lambda-emulator -> devstack)', () => {
  it.each([
    ['devstack', 'the Lambda emulator', 'scripts/devstack/ports.ts', '../lambda-emulator/processor-runner.js'],
    ['devstack', 'the reference pipeline', 'scripts/devstack/postgres.ts', '../reference/retail-database.js'],
    ['devstack', 'the CLI', 'scripts/devstack/stack.ts', '../cli/cli-error.js'],
    ['the Lambda emulator', 'the reference pipeline', 'scripts/lambda-emulator/esm/msk-event.ts', '../../reference/connectors.js'],
    ['the Lambda emulator', 'the CLI', 'scripts/lambda-emulator/run-processor.ts', '../cli/ops/pipeline-target.js'],
    ['the reference pipeline', 'the CLI', 'scripts/reference/demo.ts', '../cli/produce/order-events.js'],
  ])('refuses %s importing %s', async (_from, _to, filePath, importPath) => {
    // Act
    const messages = await lintImport(filePath, importPath);

    // Assess
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringContaining(`'${importPath}' import is restricted`) as string }]);
  });

  it.each([
    ['the CLI', 'the reference pipeline', 'scripts/cli/main.ts', '../reference/demo.js'],
    ['the CLI', 'devstack', 'scripts/cli/local/local-command.ts', '../../devstack/stack-supervisor.js'],
    ['the reference pipeline', 'the Lambda emulator', 'scripts/reference/demo.ts', '../lambda-emulator/processor-runner.js'],
    ['the reference pipeline', 'devstack', 'scripts/reference/provision.ts', '../devstack/kafka.js'],
    ['the Lambda emulator', 'devstack', 'scripts/lambda-emulator/processor-runner.ts', '../devstack/processes.js'],
    ['devstack', 'itself', 'scripts/devstack/stack.ts', './postgres.js'],
  ])('lets %s import %s', async (_from, _to, filePath, importPath) => {
    // Act
    const messages = await lintImport(filePath, importPath);

    // Assess
    expect(messages).toEqual([]);
  });
});

describe('import boundaries in functions/core (handler -> engine -> state)', () => {
  it('refuses the engine importing the handler that calls it', async () => {
    // Act
    const messages = await lintImport('functions/core/engine/engine-processor.ts', '../handler/decode-partition.js');

    // Assess
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringContaining('do not depend on the handler') as string }]);
  });

  it.each([
    ['the engine', 'the CDK app', 'functions/core/engine/window-closer.ts', '../../../lib/config/pipeline-config.js'],
    ['an adapter', 'the tooling', 'functions/core/state/dynamodb-state-store.ts', '../../../scripts/devstack/ports.js'],
    ['a processor', 'the CDK', 'functions/order-analytics/definition.ts', 'aws-cdk-lib'],
  ])('refuses %s importing %s', async (_from, _to, filePath, importPath) => {
    // Act
    const messages = await lintImport(filePath, importPath);

    // Assess
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringContaining('The runtime') as string }]);
  });

  it('refuses the state store adapter importing the handler', async () => {
    // Act
    const messages = await lintImport('functions/core/state/dynamodb-state-store.ts', '../handler/errors.js');

    // Assess
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringContaining('do not depend on the handler') as string }]);
  });

  it("lets the runtime import a package's own lib/ folder", async () => {
    // Act
    const messages = await lintImport('functions/core/serde/avsc.ts', 'avsc/lib/index.js');

    // Assess
    expect(messages).toEqual([]);
  });

  it('lets the engine import the partition contract below it', async () => {
    // Act
    const messages = await lintImport('functions/core/engine/engine-processor.ts', '../processing/partition-contract.js');

    // Assess
    expect(messages).toEqual([]);
  });
});

describe('AWS SDK calls in functions/ (adapters only, named after their service)', () => {
  it.each([
    ['a static import', 'import { SQSClient } from \'@aws-sdk/client-sqs\';\nexport const used = SQSClient;\n', 'no-restricted-imports'],
    ['a client loaded on first use', 'export const sqs = () => import(\'@aws-sdk/client-sqs\');\n', 'no-restricted-syntax'],
  ])('refuses %s of the SDK in the engine', async (_what, code, ruleId) => {
    // Act
    const [result] = await eslint.lintText(code, { filePath: 'functions/core/engine/window-closer.ts' });

    // Assess
    expect(result?.messages.map((m) => ({ ruleId: m.ruleId, message: m.message }))).toEqual([
      { ruleId, message: expect.stringContaining('AWS SDK calls belong in an adapter named after its service') as string },
    ]);
  });

  it('lets an adapter named after its service call the SDK', async () => {
    // Act
    const [result] = await eslint.lintText('export const sqs = () => import(\'@aws-sdk/client-sqs\');\n', { filePath: 'functions/core/sqs/sqs-batch-writer.ts' });

    // Assess
    expect(result?.messages).toEqual([]);
  });

  it('lets pure code name SDK types', async () => {
    // Act
    const [result] = await eslint.lintText('import type { SQSClient } from \'@aws-sdk/client-sqs\';\nexport type Client = SQSClient;\n', { filePath: 'functions/core/engine/window-closer.ts' });

    // Assess
    expect(result?.messages).toEqual([]);
  });
});
