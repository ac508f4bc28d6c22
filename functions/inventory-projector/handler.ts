import { createEngineHandler, inputPartitions } from '../core/handler/create-engine-handler.js';
import { inventoryProjector } from './definition.js';

export const handler = createEngineHandler(inventoryProjector({ partitions: inputPartitions() }));
