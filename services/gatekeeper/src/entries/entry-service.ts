import type { EntryServiceServer } from '@palisade/contracts';

import { unaryHandler, type HandlerDependencies } from '../grpc/unary-handler.js';
import type { EntryFunctions } from './entry-functions.js';

/** Binds the entry business functions to the EntryService gRPC methods. */
export function createEntryService(
  entries: EntryFunctions,
  dependencies: HandlerDependencies,
): EntryServiceServer {
  return {
    createEntry: unaryHandler(dependencies, (context, request) =>
      entries.createEntry(context, request),
    ),
    getEntry: unaryHandler(dependencies, (context, request) =>
      entries.getEntry(context, request.id),
    ),
    updateEntry: unaryHandler(dependencies, (context, request) =>
      entries.updateEntry(context, request),
    ),
    deleteEntry: unaryHandler(dependencies, (context, request) =>
      entries.deleteEntry(context, request.id),
    ),
    listEntries: unaryHandler(dependencies, (context, request) =>
      entries.listEntries(context, request),
    ),
    searchEntries: unaryHandler(dependencies, (context, request) =>
      entries.searchEntries(context, request),
    ),
  };
}
