/**
 * What one of Avro Java's values holds, walked along its schema: the
 * timestamp-millis values a Date cannot hold (the record must be refused),
 * the union branches it takes (a run must take every branch of every
 * union), and whether its maps keep their order as JavaScript objects.
 */
import { DATE_LIMIT_MS } from './avro-contract.js';
import { branchOf, fieldPath, mapEntries, unionOf, type AvroJson } from './avro-java-value.js';
import type { AvroType } from './avro-type.js';

/** The paths of the timestamp-millis values a Date cannot hold: the record must be refused for them. */
export function timestampsBeyondDates(type: AvroType, avro: AvroJson, path = ''): string[] {
  switch (type.kind) {
    case 'long': {
      if (type.logicalType !== 'timestamp-millis') return [];
      const millis = BigInt(avro as string);
      return millis > DATE_LIMIT_MS || millis < -DATE_LIMIT_MS ? [`${path || '(root)'} = ${millis}`] : [];
    }
    case 'array':
      return (avro as AvroJson[]).flatMap((item, i) => timestampsBeyondDates(type.items, item, `${path}[${i}]`));
    case 'map':
      return mapEntries(avro).flatMap(([key, value]) => timestampsBeyondDates(type.values, value, `${path}[${JSON.stringify(key)}]`));
    case 'union': {
      const { branch, value } = unionOf(avro);
      return timestampsBeyondDates(branchOf(type, branch), value, path);
    }
    case 'record':
      return type.fields.flatMap((field) => timestampsBeyondDates(field.type, (avro as Record<string, AvroJson>)[field.name] ?? null, fieldPath(path, field.name)));
    default:
      return [];
  }
}

/**
 * Every union of the schema, by where it is declared (`Record.field`, then
 * `[]` for an array's items, `{}` for a map's values, `<i>` for a union's
 * branch i), with its number of branches: what a run must take every
 * branch of, for each to meet the decoder.
 */
export function unionSites(type: AvroType): Map<string, number> {
  const sites = new Map<string, number>();
  const visited = new Set<string>();
  const walk = (node: AvroType, site: string): void => {
    switch (node.kind) {
      case 'array':
        walk(node.items, `${site}[]`);
        return;
      case 'map':
        walk(node.values, `${site}{}`);
        return;
      case 'union':
        sites.set(site, node.branches.length);
        node.branches.forEach((branch, i) => walk(branch, `${site}<${i}>`));
        return;
      case 'record':
        // Once per record, wherever it is used: a record may contain itself.
        if (visited.has(node.name)) return;
        visited.add(node.name);
        for (const field of node.fields) walk(field.type, `${node.name}.${field.name}`);
        return;
      default:
        return;
    }
  };
  walk(type, '(root)');
  return sites;
}

/** Adds to `taken` the branch each union of Avro Java's value took, by the sites `unionSites` names. */
export function recordBranchesTaken(type: AvroType, avro: AvroJson, taken: Map<string, Set<number>>, site = '(root)'): void {
  switch (type.kind) {
    case 'array':
      for (const item of avro as AvroJson[]) recordBranchesTaken(type.items, item, taken, `${site}[]`);
      return;
    case 'map':
      for (const [, value] of mapEntries(avro)) recordBranchesTaken(type.values, value, taken, `${site}{}`);
      return;
    case 'union': {
      const { branch, value } = unionOf(avro);
      const branches = taken.get(site) ?? new Set<number>();
      branches.add(branch);
      taken.set(site, branches);
      recordBranchesTaken(branchOf(type, branch), value, taken, `${site}<${branch}>`);
      return;
    }
    case 'record':
      for (const field of type.fields) recordBranchesTaken(field.type, (avro as Record<string, AvroJson>)[field.name] ?? null, taken, `${type.name}.${field.name}`);
      return;
    default:
      return;
  }
}

/** Whether every map in the value keeps its order as a JavaScript object: integer-like keys would be moved to the front. */
export function mapOrderSurvivesObjects(type: AvroType, avro: AvroJson): boolean {
  switch (type.kind) {
    case 'array':
      return (avro as AvroJson[]).every((item) => mapOrderSurvivesObjects(type.items, item));
    case 'map':
      return mapEntries(avro).every(([key, value]) => !/^(?:0|[1-9]\d*)$/.test(key) && mapOrderSurvivesObjects(type.values, value));
    case 'union': {
      const { branch, value } = unionOf(avro);
      return mapOrderSurvivesObjects(branchOf(type, branch), value);
    }
    case 'record':
      return type.fields.every((field) => mapOrderSurvivesObjects(field.type, (avro as Record<string, AvroJson>)[field.name] ?? null));
    default:
      return true;
  }
}
