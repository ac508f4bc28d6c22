import { readFile } from 'node:fs/promises';
import { GlueClient } from '@aws-sdk/client-glue';
import type { Command } from 'commander';
import { decodePartition } from '../../../functions/core/handler/decode-partition.js';
import { parseKafkaEvent, partitionsOf } from '../../../functions/core/msk/partitions.js';
import { CachedSchemaRegistry } from '../../../functions/core/serde/cached-schema-registry.js';
import { DirectorySchemaRegistry } from '../../../functions/core/serde/directory-schema-registry.js';
import { GlueSchemaRegistryClient } from '../../../functions/core/serde/glue-schema-registry-client.js';
import { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import type { SchemaRegistry } from '../../../functions/core/serde/schema-registry.js';
import { CliError } from '../cli-error.js';
import { toPrintable } from '../printable.js';

export interface DecodeOptions {
  readonly event: string;
  readonly registry?: string;
  readonly registryName?: string;
  readonly reader?: string;
}

/** `rtp decode`: one MSK event file, decoded as a processor would. */
export function registerDecodeCommand(program: Command): void {
  program
    .command('decode')
    .description('Decode an MSK event file exactly as a processor would; one JSON line per record')
    .requiredOption('--event <file.json>', 'the MSK event, as Lambda delivers it')
    .option('--registry <dir>', 'resolve writer schemas from <schemaVersionId>.avsc files in this folder (offline)')
    .option('--registry-name <name>', 'the Glue registry to ask (default: $SCHEMA_REGISTRY_NAME)')
    .option('--reader <file.avsc>', 'resolve each record to this reader schema')
    .action(async (options: DecodeOptions) => {
      await decodeCommand(options, (line) => process.stdout.write(`${line}\n`));
    });
}

/**
 * Decodes an MSK event file with the processors' own record path and writes
 * one JSON line per record: partitions in event order, records in offset
 * order, each either decoded or the dead letter a processor would write.
 */
export async function decodeCommand(options: DecodeOptions, write: (line: string) => void): Promise<void> {
  const event = parseKafkaEvent(await readJsonFile(options.event, '--event'));
  const readerSchema = options.reader === undefined ? undefined : await readTextFile(options.reader, '--reader');
  let decoder: RecordDecoder;
  try {
    decoder = new RecordDecoder({ registry: registryFor(options), readerSchema });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`--reader ${options.reader ?? ''}: not a valid Avro schema (${(error as Error).message})`);
  }
  for (const batch of partitionsOf(event)) {
    const decoded = await decodePartition(batch, decoder);
    const lines = [
      ...decoded.records.map((r) => ({
        offset: r.offset,
        line: {
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          format: r.format,
          schemaVersionId: r.schemaVersionId,
          value: toPrintable(r.value),
        },
      })),
      ...decoded.poisonRecords.map((p) => ({
        offset: p.offset,
        line: {
          topic: batch.topic,
          partition: batch.partition,
          offset: p.offset,
          deadLetter: { reason: p.reason, message: p.error.message },
        },
      })),
    ].sort((a, b) => a.offset - b.offset);
    for (const { line } of lines) write(JSON.stringify(line));
    if (decoded.stoppedAtOffset !== undefined) {
      throw new CliError(
        `The schema registry could not be reached while decoding ${batch.topicPartition} at offset ${decoded.stoppedAtOffset}; check credentials and region, or pass --registry <dir> to decode offline`,
      );
    }
  }
}

function registryFor(options: DecodeOptions): SchemaRegistry {
  if (options.registry !== undefined) return new DirectorySchemaRegistry({ directory: options.registry });
  const registryName = options.registryName ?? process.env.SCHEMA_REGISTRY_NAME;
  if (registryName === undefined || registryName === '') {
    throw new CliError('Name the Glue registry with --registry-name or SCHEMA_REGISTRY_NAME, or pass --registry <dir> to decode offline');
  }
  return new CachedSchemaRegistry(new GlueSchemaRegistryClient({ glue: new GlueClient({}), registryName }));
}

async function readTextFile(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`${option} ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

async function readJsonFile(path: string, option: string): Promise<unknown> {
  const text = await readTextFile(path, option);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${option} ${path}: not valid JSON (${(error as Error).message})`);
  }
}
