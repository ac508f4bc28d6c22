import type { PipelineTarget } from '../ops/pipeline-target.js';
import { DlqQueue } from './queue-messages.js';

/** The URL of one of the processor's two queues on the target. */
export async function processorQueueUrl(target: PipelineTarget, processor: string, queue: DlqQueue): Promise<string> {
  const resources = target.processor(processor);
  return target.queueUrl(queue === DlqQueue.ON_FAILURE ? resources.onFailureQueueName : resources.deadLetterQueueName);
}
