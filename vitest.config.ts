import { defineConfig } from 'vitest/config';

// The SDK warns once per process that it will need Node 22 from 2027; the
// suite runs on Node 20 on purpose (the oldest Node the kit supports).
const QUIET_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // EMF documents would flood the test output; tests about metrics switch them back on.
          env: { POWERTOOLS_METRICS_DISABLED: 'true', ...QUIET_SDK },
        },
      },
      {
        test: {
          name: 'engine',
          include: ['test/engine/**/*.test.ts'],
          environment: 'node',
          // The DynamoDB Local share of the exactly-once runs needs the same server as the integration suite.
          globalSetup: ['test/integration/global-setup.ts'],
          hookTimeout: 300_000,
          testTimeout: 900_000,
          env: { POWERTOOLS_METRICS_DISABLED: 'true', ...QUIET_SDK },
        },
      },
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          environment: 'node',
          // The scenarios' DynamoDB Local; each scenario starts its own Kafka and moto.
          globalSetup: ['test/integration/global-setup.ts'],
          hookTimeout: 300_000,
          testTimeout: 900_000,
          fileParallelism: false,
          // Data and logs apart from a developer's stack (paths.ts reads it when it loads).
          env: { POWERTOOLS_METRICS_DISABLED: 'true', RTP_STATE_DIR: '.rtp/chaos', ...QUIET_SDK },
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          environment: 'node',
          // Each suite runs its reference (Avro Java, Flink, AWS's Glue serde) in a JVM; the first run fetches it with Maven.
          hookTimeout: 900_000,
          testTimeout: 900_000,
          fileParallelism: false,
          env: { POWERTOOLS_METRICS_DISABLED: 'true', ...QUIET_SDK },
        },
      },
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], environment: 'node', testTimeout: 120_000, env: QUIET_SDK } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // Starts one DynamoDB Local for the run; the first run also downloads it with Maven.
          globalSetup: ['test/integration/global-setup.ts'],
          hookTimeout: 120_000,
          testTimeout: 60_000,
          fileParallelism: false,
          env: { POWERTOOLS_METRICS_DISABLED: 'true', ...QUIET_SDK },
        },
      },
    ],
  },
});
