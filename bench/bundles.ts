/**
 * Bundle size and cold import time of every function the stacks deploy,
 * built with esbuild the way each construct's NodejsFunction builds it.
 *
 * The import is timed inside a fresh node process (performance.now around
 * `await import(bundle)`), not the spawn: it is the part of a Lambda cold
 * start the code controls. The process gets the environment the function
 * is deployed with, set to local dummy values, so nothing reaches AWS.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, version as esbuildVersion } from 'esbuild';
import type { BundleFigures, Measured, TableRow } from './figures.js';
import { median, significant } from './stats.js';
import { BENCH_PARTITIONS } from './workload.js';
import { PROCESSOR_BUNDLING } from '../lib/constructs/processor-bundling.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../', import.meta.url));
const FUNCTIONS_DIR = join(REPOSITORY_ROOT, 'functions');
const BUNDLES_DIR = join(REPOSITORY_ROOT, '.rtp', 'bench', 'bundles');
/** Fresh processes per bundle: on a shared 2-core machine the median of 5 moved by a third between runs. */
const IMPORT_RUNS = 15;
const IMPORT_TIMEOUT_MS = 30_000;
/** A port nothing listens on: an SDK call that slipped through fails at once instead of reaching AWS. */
const NOWHERE = 'http://127.0.0.1:9';

/**
 * NodejsFunction's externals when a construct sets none, for Node 18+
 * runtimes without the sdkV3ExcludeSmithyPackages flag (cdk.json does not
 * set it): the runtime provides the SDK v3.
 */
const RUNTIME_PROVIDED = ['@aws-sdk/*'];

interface BundleSpec {
  /** Where the construct that deploys the function lives, for the method lines. */
  readonly construct: string;
  readonly format?: 'esm';
  readonly mainFields?: readonly string[];
  readonly banner?: string;
  /** esbuild's alias option, paths from the repository root. */
  readonly alias?: Readonly<Record<string, string>>;
  readonly sourcemap: boolean;
  readonly external: readonly string[];
  /** The function's environment as its construct sets it, with local dummy values. */
  readonly env: Readonly<Record<string, string>>;
}

/** StreamProcessor's bundling options, read from where the construct reads them. */
const processorSpec = (name: string): BundleSpec => ({
  construct: 'lib/constructs/stream-processor.ts',
  format: PROCESSOR_BUNDLING.format === 'ESM' ? 'esm' : undefined,
  mainFields: PROCESSOR_BUNDLING.mainFields,
  banner: PROCESSOR_BUNDLING.banner,
  alias: PROCESSOR_BUNDLING.alias,
  sourcemap: PROCESSOR_BUNDLING.sourceMap,
  external: RUNTIME_PROVIDED,
  env: {
    SCHEMA_REGISTRY_NAME: 'bench-registry',
    DEAD_LETTER_QUEUE_URL: `${NOWHERE}/000000000000/${name}-dlq`,
    DEAD_LETTER_BUCKET: `${name}-dead-letters`,
    STATE_TABLE_NAME: `${name}-state`,
    EMIT_QUEUE_URL: `${NOWHERE}/000000000000/${name}-alerts.fifo`,
    INPUT_PARTITIONS: String(BENCH_PARTITIONS),
    // The construct copies schemas/ into the bundle; here the repository's copy is read.
    SCHEMAS_DIR: join(REPOSITORY_ROOT, 'schemas'),
    POWERTOOLS_SERVICE_NAME: name,
    POWERTOOLS_METRICS_NAMESPACE: 'realtime-pipeline',
    NODE_OPTIONS: '--enable-source-maps',
  },
});

/** Every function folder with a handler.ts, bundled as the construct deploying it configures NodejsFunction. */
const SPECS: Readonly<Record<string, BundleSpec>> = {
  'order-analytics': processorSpec('order-analytics'),
  'inventory-projector': processorSpec('inventory-projector'),
  // No format: esbuild's CommonJS; externalModules [] bundles the SDK too.
  'kafka-topics': {
    construct: 'lib/constructs/kafka-topics.ts',
    sourcemap: true,
    external: [],
    env: { NODE_OPTIONS: '--enable-source-maps' },
  },
  'connector-registration': {
    construct: 'lib/constructs/debezium-connect.ts',
    format: 'esm',
    sourcemap: false,
    external: RUNTIME_PROVIDED,
    env: {},
  },
};

export const BundleBenchErrorReason = {
  /** A function folder has a handler.ts but no bundling spec here. */
  UNKNOWN_FUNCTION: 'UNKNOWN_FUNCTION',
  BUNDLE_FAILED: 'BUNDLE_FAILED',
  /** The bundle threw while being imported, or the child process failed. */
  IMPORT_FAILED: 'IMPORT_FAILED',
} as const;
export type BundleBenchErrorReason = (typeof BundleBenchErrorReason)[keyof typeof BundleBenchErrorReason];

export class BundleBenchError extends Error {
  public override readonly name = 'BundleBenchError';

  public constructor(
    message: string,
    public readonly reason: BundleBenchErrorReason,
    public readonly functionName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const run = promisify(execFile);

export async function measureBundles(): Promise<Measured<BundleFigures>> {
  const names = deployedFunctions();
  rmSync(BUNDLES_DIR, { recursive: true, force: true });
  const bundleBytes: Record<string, number> = {};
  const coldInitMs: Record<string, number> = {};
  for (const name of names) {
    const file = await bundle(name, SPECS[name]!);
    bundleBytes[name] = statSync(file).size;
    const times: number[] = [];
    for (let i = 0; i < IMPORT_RUNS; i += 1) times.push(await importTime(name, file, SPECS[name]!.env));
    coldInitMs[name] = significant(median(times));
  }
  const figures: BundleFigures = { bundleBytes, coldInitMs };
  return { figures, rows: rows(names, figures), method: method(names) };
}

function deployedFunctions(): string[] {
  const names = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(FUNCTIONS_DIR, entry.name, 'handler.ts')))
    .map((entry) => entry.name)
    .sort();
  for (const name of names) {
    if (SPECS[name] === undefined) {
      throw new BundleBenchError(
        `functions/${name}/handler.ts has no bundling spec in bench/bundles.ts; add the options its construct gives NodejsFunction`,
        BundleBenchErrorReason.UNKNOWN_FUNCTION,
        name,
      );
    }
  }
  return names;
}

/** The esbuild CLI call NodejsFunction makes (aws-lambda-nodejs bundling.js), through esbuild's API. */
async function bundle(name: string, spec: BundleSpec): Promise<string> {
  const outdir = join(BUNDLES_DIR, name);
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, spec.format === 'esm' ? 'index.mjs' : 'index.js');
  // Lambda's /var/task has no package.json, so index.js is CommonJS there; the repository's says "module".
  if (spec.format === undefined) writeFileSync(join(outdir, 'package.json'), '{}\n');
  try {
    await build({
      entryPoints: [join(FUNCTIONS_DIR, name, 'handler.ts')],
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: spec.format,
      outfile,
      minify: true,
      sourcemap: spec.sourcemap,
      external: [...spec.external],
      ...(spec.banner === undefined ? {} : { banner: { js: spec.banner } }),
      ...(spec.mainFields === undefined ? {} : { mainFields: [...spec.mainFields] }),
      ...(spec.alias === undefined ? {} : { alias: { ...spec.alias } }),
      absWorkingDir: REPOSITORY_ROOT,
      logLevel: 'silent',
    });
  } catch (error) {
    throw new BundleBenchError(`esbuild could not bundle functions/${name}: ${(error as Error).message}`, BundleBenchErrorReason.BUNDLE_FAILED, name, { cause: error });
  }
  return outfile;
}

/** Milliseconds a fresh node process spends in `await import(bundle)`. */
async function importTime(name: string, file: string, functionEnv: Readonly<Record<string, string>>): Promise<number> {
  const script = [
    'const started = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'process.stdout.write(JSON.stringify({ importMs: performance.now() - started }));',
    // Clients or timers the module created must not hold the process open.
    'process.exit(0);',
  ].join('\n');
  const env = {
    // Nothing from the parent (its AWS profile, tsx's loader options) leaks in.
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: NOWHERE,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...functionEnv,
  };
  try {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: BUNDLES_DIR, env, timeout: IMPORT_TIMEOUT_MS });
    const { importMs } = JSON.parse(stdout) as { importMs: number };
    return importMs;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ') ?? '';
    throw new BundleBenchError(
      `Importing the ${name} bundle failed: ${stderr || (error as Error).message}`,
      BundleBenchErrorReason.IMPORT_FAILED,
      name,
      { cause: error },
    );
  }
}

function rows(names: readonly string[], figures: BundleFigures): TableRow[] {
  return names.flatMap((name) => [
    { measure: `Bundle size, ${name}`, ours: `${significant((figures.bundleBytes[name] ?? 0) / 1024)} KiB`, note: 'esbuild, minified, as its construct bundles it' },
    { measure: `Cold import, ${name}`, ours: `${figures.coldInitMs[name]} ms`, note: `median of ${IMPORT_RUNS} fresh node processes` },
  ]);
}

function method(names: readonly string[]): string[] {
  const specs = names.map((name) => {
    const spec = SPECS[name]!;
    const external = spec.external.length === 0 ? 'nothing external' : `${spec.external.join(', ')} external`;
    const alias = spec.alias === undefined ? '' : `, ${Object.keys(spec.alias).join(' and ')} aliased to CommonJS re-exports`;
    return `${name} (${spec.construct}: ${spec.format ?? 'cjs'}, ${external}${spec.banner === undefined ? '' : ', createRequire banner'}${alias}${spec.sourcemap ? ', linked source map' : ''})`;
  });
  return [
    `Bundles: esbuild ${esbuildVersion}, bundle + minify, platform node, target node24, as NodejsFunction calls it: ${specs.join('; ')}. ` +
      'Bytes are of the entry file alone (not the .map, nor the schemas/ the processors ship).',
    `Cold import: median of ${IMPORT_RUNS} fresh node ${process.version} processes (Lambda runs node 24), each timing await import(bundle) with performance.now, spawn excluded. ` +
      'The SDK v3 the runtime provides resolves from the repository\'s node_modules; the environment is the construct\'s (NODE_OPTIONS included) with dummy ' +
      `region, credentials, table, queues and registry, every endpoint at ${NOWHERE}; Lambda's own variables are not set, so Powertools' Tracer stays in its non-Lambda mode ` +
      '(imported and built all the same; with AWS_EXECUTION_ENV and LAMBDA_TASK_ROOT set, the import took no measurably longer).',
    'What the cold import holds: the work of Lambda\'s init phase, not of the first invocation. The processors import the DynamoDB SDK and build its client at init ' +
      '(every invocation reads state); their Glue, SQS and S3 clients, and those SDK packages, are made on first use (functions/core/aws/client-source.ts), so that cost ' +
      'lands on the invocation that first looks up a writer schema, dead-letters a record or announces a window, and is not in this figure. ' +
      'Source maps stay linked, as the construct builds them: node parses the .map at import (--enable-source-maps), so that parse is in this figure though not in the bytes.',
  ];
}
