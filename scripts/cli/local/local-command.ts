import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Argument, Option, type Command } from 'commander';
import { addressOf, readStackState, stackDown, stackStatus, stackUp, superviseStack, SUPERVISOR_LOG } from '../../devstack/stack-supervisor.js';
import { STACK_SERVICES, wipeStackData, type StackService } from '../../devstack/stack.js';
import { RETAIL_DATABASE } from '../../reference/retail-database.js';
import { CliError } from '../cli-error.js';
import { integerOption } from '../option-parsers.js';

const RTP_CLI = fileURLToPath(new URL('../../rtp.mjs', import.meta.url));

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** `rtp local up|down|status|logs`: the local stack as plain processes on 127.0.0.1. */
export function registerLocalCommands(program: Command): void {
  const local = program.command('local').description('Run the local stack: Kafka, Kafka Connect + Debezium, Postgres, DynamoDB Local, moto (Glue, S3), ElasticMQ (SQS)');

  local
    .command('up')
    .description('Start the local stack in the background (idempotent); the first run downloads what it needs')
    .option('--fresh', 'wipe Kafka, Postgres and DynamoDB data first')
    .action(async (options: { fresh?: boolean }) => {
      const fresh = options.fresh === true;
      // The supervisor is this CLI's own `local supervise`, run detached so the stack outlives the command.
      const supervisor = { command: process.execPath, args: [RTP_CLI, 'local', 'supervise', ...(fresh ? ['--fresh'] : [])] };
      const state = await stackUp({ fresh, supervisor, write: out });
      out(`local stack up (supervisor pid ${state.supervisorPid}):`);
      for (const service of STACK_SERVICES) out(`  ${service.padEnd(14)} ${addressOf(state.endpoints, service)}`);
    });

  local
    .command('down')
    .description('Stop the local stack and every process it started')
    .option('--fresh', "then delete Kafka's, Postgres's and DynamoDB's data, including Postgres data placed outside the project")
    .action(async (options: { fresh?: boolean }) => {
      const { stopped } = await stackDown();
      out(stopped ? 'local stack stopped' : 'the local stack was not running');
      if (options.fresh === true) {
        await wipeStackData(out);
        out('local stack data deleted');
      }
    });

  local
    .command('status')
    .description('Show each service of the local stack; exits 1 unless all are up')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      const state = await readStackState();
      if (state === undefined) {
        if (options.json === true) out(JSON.stringify({ up: false, services: [] }));
        else out('the local stack is not running; start it with `rtp local up`');
        process.exitCode = 1;
        return;
      }
      const services = await stackStatus(state);
      if (options.json === true) out(JSON.stringify({ up: services.every((s) => s.up), supervisorPid: state.supervisorPid, services }, null, 2));
      else for (const s of services) out(`${s.up ? 'up  ' : 'DOWN'} ${s.service.padEnd(14)} ${s.address}  pid ${s.pid ?? '?'}  log ${s.logPath}`);
      if (!services.every((s) => s.up)) process.exitCode = 1;
    });

  local
    .command('logs')
    .description("Print the last lines of a service's log (or the supervisor's)")
    .addArgument(new Argument('[service]', "the service whose log to print; the supervisor's when omitted").choices(STACK_SERVICES))
    .addOption(new Option('-n, --lines <n>', 'how many lines').argParser(integerOption({ min: 1 })).default(40))
    .action(async (service: StackService | undefined, options: { lines: number }) => {
      const { lines } = options;
      let path = SUPERVISOR_LOG;
      if (service !== undefined) {
        const state = await readStackState();
        if (state === undefined) throw new CliError('The local stack is not running, so there is no service log to show; see `rtp local logs` for the supervisor log');
        path = state.endpoints[service].logPath;
      }
      const text = await readFile(path, 'utf8').catch(() => {
        throw new CliError(`No log at ${path}`);
      });
      out(text.trimEnd().split('\n').slice(-lines).join('\n'));
    });

  local
    .command('supervise', { hidden: true })
    .option('--fresh')
    .action(async (options: { fresh?: boolean }) => {
      await superviseStack({ fresh: options.fresh === true, database: RETAIL_DATABASE });
    });
}
