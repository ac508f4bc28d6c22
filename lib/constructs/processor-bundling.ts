/**
 * How every stream processor's handler is bundled, in one place:
 * StreamProcessor hands these options to NodejsFunction, and
 * bench/bundles.ts to esbuild, so the bench measures the deployed bundle.
 * Names and values are NodejsFunction's bundling options; nothing here
 * imports the CDK, so the bench can read it without loading aws-cdk-lib.
 */
export const PROCESSOR_BUNDLING = {
  /** A key of NodejsFunction's OutputFormat: an index.mjs. */
  format: 'ESM',
  mainFields: ['module', 'main'],
  /** ESM bundles of CommonJS dependencies (the X-Ray SDK under Powertools' tracer) still call `require`. */
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  target: 'node24',
  /**
   * Imports of Node built-ins rewritten to CommonJS modules of functions/,
   * paths from the repository root (the working directory of both builds).
   * Powertools' tracer imports node:http and node:https as ES modules; from
   * Node 22 on that loads undici at cold start (functions/core/bundling/http.cjs).
   */
  alias: {
    'node:http': './functions/core/bundling/http.cjs',
    'node:https': './functions/core/bundling/https.cjs',
  },
} as const;

/** The alias option as NodejsFunction's esbuildArgs spells it (`--alias:from=to`, repeated). */
export function processorEsbuildArgs(): { '--alias': string[] } {
  return { '--alias': Object.entries(PROCESSOR_BUNDLING.alias).map(([from, to]) => `${from}=${to}`) };
}
