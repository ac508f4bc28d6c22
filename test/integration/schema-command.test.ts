// `rtp schema check --against registry` and `rtp schema register` against
// moto's Glue Schema Registry, through the same local target the CLI builds.
// moto does not check compatibility itself (see moto.test.ts), so refusals
// here are the command's own check, which runs before anything is sent.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateRegistryCommand, GetSchemaCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTarget, type PipelineTarget } from '../../scripts/cli/ops/pipeline-target.js';
import { schemaCheckCommand, schemaRegisterCommand } from '../../scripts/cli/schema/schema-command.js';
import { startMoto, type Moto } from '../../scripts/devstack/moto.js';
import { LOCAL_REGISTRY_NAME } from '../../scripts/reference/provision.js';

const COLD_START_TIMEOUT_MS = 10 * 60_000;
const REPOSITORY_SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));

let moto: Moto | undefined;
let target: PipelineTarget;
let work: string;
let schemas: string;

beforeAll(async () => {
  moto = await startMoto({ onProgress: (line) => process.stderr.write(`${line}\n`) });
  // Only Glue is used; Kafka and DynamoDB are never reached by the schema commands.
  const unused = { port: 9, pid: 0, logPath: '' };
  target = localTarget({
    kafka: { ...unused, bootstrapServers: '127.0.0.1:9' },
    dynamodb: { ...unused, endpoint: 'http://127.0.0.1:9' },
    elasticmq: { ...unused, endpoint: 'http://127.0.0.1:9' },
    moto: { endpoint: moto.endpoint, port: moto.port, pid: moto.pid, logPath: '' },
  });
  await target.glue.send(new CreateRegistryCommand({ RegistryName: LOCAL_REGISTRY_NAME }));
  work = await mkdtemp(join(tmpdir(), 'rtp-schema-it-'));
  schemas = join(work, 'schemas');
  await cp(REPOSITORY_SCHEMAS, schemas, { recursive: true });
}, COLD_START_TIMEOUT_MS);

afterAll(async () => {
  target?.close();
  await moto?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

// The command closes the target it is given; the tests keep theirs open across commands.
const io = (lines: string[]) => ({
  write: (line: string) => lines.push(line),
  target: () => Promise.resolve({ ...target, close: () => undefined }),
});

async function register(options: { dryRun?: boolean } = {}): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await schemaRegisterCommand({ schemas, ...options }, io(lines));
  return { code, lines };
}

async function checkAgainstRegistry(): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await schemaCheckCommand({ schemas, against: 'registry' }, io(lines));
  return { code, lines };
}

async function latestVersion(subject: string): Promise<{ latest: number | undefined; compatibility: string | undefined }> {
  const schema = await target.glue.send(new GetSchemaCommand({ SchemaId: { RegistryName: LOCAL_REGISTRY_NAME, SchemaName: subject } }));
  return { latest: schema.LatestSchemaVersion, compatibility: schema.Compatibility };
}

const STOCK_V1 = (): Promise<string> => readFile(join(REPOSITORY_SCHEMAS, 'stock-movements', 'v1.avsc'), 'utf8');

async function writeStockV2(field: object): Promise<void> {
  const v1 = JSON.parse(await STOCK_V1()) as { fields: object[] };
  await writeFile(join(schemas, 'stock-movements', 'v2.avsc'), JSON.stringify({ ...v1, fields: [...v1.fields, field] }, null, 2));
}

describe('rtp schema against the local registry (moto)', () => {
  it('sees an empty registry: every subject is new, and the check passes', async () => {
    const { code, lines } = await checkAgainstRegistry();

    expect(code).toBe(0);
    expect(lines).toContain(`ok   orders: not in registry ${LOCAL_REGISTRY_NAME}; v1..v3 to register, checked under FULL_ALL`);
  });

  it('registers every subject with its mode and versions in order, then is idempotent', async () => {
    const dry = await register({ dryRun: true });
    expect(dry.lines).toContain(`would create schema orders with v1 in registry ${LOCAL_REGISTRY_NAME}`);
    await expect(latestVersion('orders')).rejects.toMatchObject({ name: 'EntityNotFoundException' });

    const first = await register();

    expect(first.code).toBe(0);
    expect(first.lines.slice(0, 4).map((l) => l.replace(/ \(.*\)$/, ''))).toEqual([
      'created schema orders with v1 as registry version 1',
      'registered orders v2 as registry version 2',
      'registered orders v3 as registry version 3',
      'created schema stock-movements with v1 as registry version 1',
    ]);
    expect(await latestVersion('orders')).toEqual({ latest: 3, compatibility: 'FULL_ALL' });
    expect(await latestVersion('stock-movements')).toEqual({ latest: 1, compatibility: 'BACKWARD' });

    const again = await register();
    expect(again).toEqual({ code: 0, lines: [`registry ${LOCAL_REGISTRY_NAME} on the local stack is up to date: nothing to register`] });
    expect((await checkAgainstRegistry()).lines).toContain(`ok   orders: v1..v3 in registry ${LOCAL_REGISTRY_NAME}, nothing new`);
  });

  it('refuses an incompatible new version, naming field and rule, and registers nothing', async () => {
    await writeStockV2({ name: 'quantity', type: 'int' });

    const { code, lines } = await register();

    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^stock-movements v2 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(BACKWARD\): /);
    expect(lines.at(-1)).toBe('nothing registered: fix the errors above first');
    expect((await latestVersion('stock-movements')).latest).toBe(1);
  });

  it('registers the compatible version once it is fixed', async () => {
    await writeStockV2({ name: 'quantity', type: 'int', default: 0 });

    const { code, lines } = await register();

    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^registered stock-movements v2 as registry version 2 \(/);
    expect((await latestVersion('stock-movements')).latest).toBe(2);
  });

  it('reports a file that no longer matches its registered version as VERSION_CHANGED', async () => {
    const v1 = JSON.parse(await STOCK_V1()) as { doc?: string };
    await writeFile(join(schemas, 'stock-movements', 'v1.avsc'), JSON.stringify({ ...v1, doc: 'edited after publication' }));

    const { code, lines } = await checkAgainstRegistry();

    expect(code).toBe(1);
    expect(lines[0]).toMatch(new RegExp(`^stock-movements v1: VERSION_CHANGED at \\S*v1\\.avsc \\(registry ${LOCAL_REGISTRY_NAME}\\): v1\\.avsc differs from registry version 1`));
  });
});
