import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { describeStateStoreContract } from '../../helpers/state-store-contract.js';

describeStateStoreContract('InMemoryStateStore', () => Promise.resolve(new InMemoryStateStore()));
