import { createEngineHandler, inputPartitions } from '../core/handler/create-engine-handler.js';
import { orderAnalytics } from './definition.js';

export const handler = createEngineHandler(orderAnalytics({ partitions: inputPartitions() }));
