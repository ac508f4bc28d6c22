import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { connectRest } from './connect-rest.js';
import { deleteConnectors, droppedConnectors, reconcileConnectors, registrationProperties } from './registration.js';

/**
 * The connector registration custom resource (lib/constructs/debezium-connect.ts),
 * under the CDK Provider framework: `onEvent` starts the work, `isComplete`
 * is polled until the connectors run (or the provider's total timeout).
 */

const logger = new Logger({ serviceName: 'connector-registration' });

interface IsCompleteEvent {
  readonly RequestType: CloudFormationCustomResourceEvent['RequestType'];
  readonly ResourceProperties: unknown;
  readonly PhysicalResourceId?: string;
}

export async function onEvent(event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string }> {
  const props = registrationProperties(event.ResourceProperties);
  const physicalResourceId = `connectors@${props.connectUrl}`;
  const rest = connectRest(props.connectUrl);
  if (event.RequestType === 'Delete') {
    const skipped = await deleteConnectors(rest, props.connectors.map((c) => c.name), { tolerateUnavailable: true });
    if (skipped.length > 0) logger.warn('Kafka Connect unreachable; connectors not deleted', { skipped });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  if (event.RequestType === 'Update') {
    const dropped = droppedConnectors(registrationProperties(event.OldResourceProperties), props);
    await deleteConnectors(rest, dropped, { tolerateUnavailable: false });
  }
  return { PhysicalResourceId: physicalResourceId };
}

export async function isComplete(event: IsCompleteEvent): Promise<{ IsComplete: boolean }> {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const props = registrationProperties(event.ResourceProperties);
  const progress = await reconcileConnectors(connectRest(props.connectUrl), props.connectors);
  if (!progress.complete) logger.info('Waiting for connectors', { waitingFor: progress.waitingFor });
  return { IsComplete: progress.complete };
}
