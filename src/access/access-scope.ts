// The access context of the work in progress. Every storage statement reads it; storage reached without one
// fails instead of running unfiltered, so no route, interaction or operation can forget the access decision.
import { AsyncLocalStorage } from 'node:async_hooks';
import { AccessContext } from './access-context';

const storage = new AsyncLocalStorage<AccessContext>();

export const AccessScope = {
  run<T>(context: AccessContext, work: () => T): T {
    return storage.run(context, work);
  },

  current(): AccessContext {
    const context = storage.getStore();
    if (!context) throw new Error('Storage was reached without an access decision');
    return context;
  },
};
