import { createRequire } from 'node:module';
import nodeHttp from 'node:http';
import nodeHttps from 'node:https';
import { describe, expect, it } from 'vitest';
import { PROCESSOR_BUNDLING } from '../../../lib/constructs/processor-bundling.js';

// Node's own require, as the bundle's createRequire banner loads them.
const requireFromRoot = createRequire(new URL('../../../', import.meta.url));

describe('the modules a processor bundle loads for node:http and node:https', () => {
  it('are those built-ins themselves, so what Powertools\' tracer patches is what the SDK calls', () => {
    expect(requireFromRoot(PROCESSOR_BUNDLING.alias['node:http'])).toBe(nodeHttp);
    expect(requireFromRoot(PROCESSOR_BUNDLING.alias['node:https'])).toBe(nodeHttps);
  });
});
