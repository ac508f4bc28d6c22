import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PROCESSOR_BUNDLING } from '../../../lib/constructs/processor-bundling.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * What a processor's bundle imports when Lambda loads it. In one ESM file a
 * static import of a package anywhere in the code runs at cold start, so an
 * adapter that imports its SDK client package statically would undo the
 * lazy clients of functions/core/handler/aws-clients.ts.
 */
async function bundleMetafile(processor: string): Promise<Metafile> {
  const { metafile } = await build({
    entryPoints: [`functions/${processor}/handler.ts`],
    absWorkingDir: REPOSITORY_ROOT,
    bundle: true,
    platform: 'node',
    // StreamProcessor's options; the SDK is external as NodejsFunction makes it.
    format: 'esm',
    mainFields: [...PROCESSOR_BUNDLING.mainFields],
    alias: { ...PROCESSOR_BUNDLING.alias },
    external: ['@aws-sdk/*'],
    outfile: 'index.mjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return metafile;
}

async function sdkImports(processor: string): Promise<{ atLoad: string[]; onUse: string[] }> {
  const metafile = await bundleMetafile(processor);
  const imports = Object.values(metafile.outputs).flatMap((output) => output.imports).filter((i) => i.path.startsWith('@aws-sdk/'));
  const distinct = (kind: string): string[] => [...new Set(imports.filter((i) => i.kind === kind).map((i) => i.path))].sort();
  return { atLoad: distinct('import-statement'), onUse: distinct('dynamic-import') };
}

describe.each(['order-analytics', 'inventory-projector'])('the %s bundle', (processor) => {
  it('loads only the DynamoDB SDK at cold start; Glue, SQS and S3 are imported when first used', async () => {
    const { atLoad, onUse } = await sdkImports(processor);

    // The state store imports DynamoDB statically, and every invocation needs it.
    expect(atLoad).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
    expect(onUse).toEqual(['@aws-sdk/client-glue', '@aws-sdk/client-s3', '@aws-sdk/client-sqs']);
  });

  it('bundles avsc\'s types without its container files, RPC services or IDL parser', async () => {
    const avsc = Object.keys((await bundleMetafile(processor)).inputs)
      .filter((path) => path.startsWith('node_modules/avsc/'))
      .sort();

    // What functions/core/serde/avsc.ts's entry point pulls in, and nothing else of the package.
    expect(avsc).toEqual(['node_modules/avsc/etc/browser/avsc-types.js', 'node_modules/avsc/lib/types.js', 'node_modules/avsc/lib/utils.js']);
  });

  it('imports no Node built-in as an ES module that would load undici on Node 22+ (node:http, node:https)', async () => {
    const outputs = Object.values((await bundleMetafile(processor)).outputs);
    const esmBuiltins = outputs.flatMap((o) => o.imports).filter((i) => i.kind === 'import-statement' && i.external && /^(node:)?https?$/.test(i.path));
    const required = outputs.flatMap((o) => o.imports).filter((i) => i.kind === 'require-call' && /^https?$/.test(i.path));

    expect(esmBuiltins).toEqual([]);
    // Still loaded, through functions/core/bundling/: Powertools' tracer patches them when tracing is on.
    expect(new Set(required.map((i) => i.path))).toEqual(new Set(['http', 'https']));
  });
});
