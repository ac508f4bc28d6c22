import { Command } from 'commander';
import kafkajs from 'kafkajs';
import { KafkaEventError } from '../../functions/core/msk/errors.js';
import { CliError } from './cli-error.js';
import { registerDecodeCommand } from './decode/decode-command.js';
import { registerDemoCommand } from './demo/demo-command.js';
import { registerDoctorCommand } from './doctor/doctor-command.js';
import { registerDlqCommands } from './dlq/dlq-command.js';
import { registerLagCommands } from './lag/lag-command.js';
import { registerLocalCommands } from './local/local-command.js';
import { registerProduceCommands } from './produce/produce-command.js';
import { registerReplayCommands } from './replay/replay-command.js';
import { registerSchemaCommands } from './schema/schema-command.js';
import { DevstackError } from '../devstack/errors.js';
import { LambdaEmulatorError } from '../lambda-emulator/errors.js';
import { ReferencePipelineError } from '../reference/errors.js';

const program = new Command('rtp')
  .description('realtime-pipeline: run, inspect and operate the pipeline')
  .showHelpAfterError();

registerDecodeCommand(program);
registerDoctorCommand(program);
registerLocalCommands(program);
registerSchemaCommands(program);
registerDlqCommands(program);
registerLagCommands(program);
registerProduceCommands(program);
registerReplayCommands(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Each layer's errors say what went wrong and what to do; a stack trace would add nothing.
  const layered = error instanceof DevstackError || error instanceof LambdaEmulatorError || error instanceof ReferencePipelineError;
  if (error instanceof CliError || error instanceof KafkaEventError || layered) {
    process.stderr.write(`rtp: ${error.message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } else if (isAwsServiceError(error)) {
    // An AWS answer (AccessDenied, a missing resource, throttling): its name and message say what to fix; a stack trace would not.
    process.stderr.write(`rtp: AWS ${error.name}: ${error.message}\n`);
    process.exitCode = 1;
  } else if (error instanceof kafkajs.KafkaJSError) {
    process.stderr.write(`rtp: Kafka ${error.name}: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}

/** An error the AWS SDK raised from a service's answer: every one carries `$metadata`. */
function isAwsServiceError(error: unknown): error is Error & { $metadata: object } {
  return error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === 'object';
}
