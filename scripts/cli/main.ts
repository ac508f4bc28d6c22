import { Command } from 'commander';
import { KafkaEventError } from '../../functions/core/msk/errors.js';
import { CliError } from './cli-error.js';
import { decodeCommand } from './decode-command.js';
import { doctorChecks, formatChecks } from './doctor-command.js';
import { registerLocalCommands } from './local-command.js';
import { LocalStackError } from '../local/errors.js';

const program = new Command('rtp')
  .description('realtime-pipeline: run, inspect and operate the pipeline')
  .showHelpAfterError();

program
  .command('decode')
  .description('Decode an MSK event file exactly as a processor would; one JSON line per record')
  .requiredOption('--event <file.json>', 'the MSK event, as Lambda delivers it')
  .option('--registry <dir>', 'resolve writer schemas from <schemaVersionId>.avsc files in this folder (offline)')
  .option('--registry-name <name>', 'the Glue registry to ask (default: $SCHEMA_REGISTRY_NAME)')
  .option('--reader <file.avsc>', 'resolve each record to this reader schema')
  .action(async (options: { event: string; registry?: string; registryName?: string; reader?: string }) => {
    await decodeCommand(options, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('doctor')
  .description('Check what the local stack needs from this machine, and say how to get what is missing')
  .option('--json', 'print the checks as JSON')
  .action(async (options: { json?: boolean }) => {
    const checks = await doctorChecks();
    if (options.json === true) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
    else for (const line of formatChecks(checks)) process.stdout.write(`${line}\n`);
    if (checks.some((c) => !c.ok)) process.exitCode = 1;
  });

registerLocalCommands(program);

program
  .command('demo')
  .description('Run the reference pipeline locally end to end and print its report')
  .action(() => {
    throw new CliError(
      'The end-to-end demo (provisioning, the retail workload, the report and the reconciliation) is not wired up yet, so there is nothing to run. ' +
        'What works today: `rtp local up` starts the local stack (Kafka, Kafka Connect + Debezium, Postgres, DynamoDB Local, moto), `npm test` runs every suite, ' +
        'and `rtp decode --event <file>` decodes an MSK event.',
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CliError || error instanceof KafkaEventError || error instanceof LocalStackError) {
    process.stderr.write(`rtp: ${error.message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } else {
    throw error;
  }
}
