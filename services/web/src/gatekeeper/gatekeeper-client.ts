import {
  Client,
  type CallOptions,
  type ChannelCredentials,
  type ClientOptions,
  type ClientUnaryCall,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  AdminServiceClient,
  AdminServiceService,
  EntryServiceClient,
  EntryServiceService,
  ExperimentServiceClient,
  ExperimentServiceService,
  UserServiceClient,
  UserServiceService,
  type CreateEntryRequest,
  type CreateExperimentRequest,
  type Experiment,
  type GetExperimentRequest,
  type ListInventoryItemsResponse,
  type DeleteEntryRequest,
  type DeleteEntryResponse,
  type DeleteUserDataRequest,
  type DeleteUserDataResponse,
  type Entry,
  type GetEntryRequest,
  type ListAuditEventsRequest,
  type ListAuditEventsResponse,
  type ListEntriesRequest,
  type ListEntriesResponse,
  type Profile,
  type SearchEntriesRequest,
  type SearchEntriesResponse,
  type UpdateEntryRequest,
  type UpdateProfileRequest,
} from '@palisade/contracts';

import { metadataOf, type CallContext } from './call-context.js';
import { GatekeeperCallError } from './gatekeeper-call-error.js';
import { healthCheckMethod, type ServingStatus } from './health-check.js';

/**
 * The gatekeeper's business functions as the web tier uses them. Each call rejects with a
 * {@link GatekeeperCallError} when the gatekeeper returns a non-OK status.
 */
export interface Gatekeeper {
  ensureUser(context: CallContext): Promise<Profile>;
  updateProfile(context: CallContext, request: UpdateProfileRequest): Promise<Profile>;
  deleteUserData(
    context: CallContext,
    request: DeleteUserDataRequest,
  ): Promise<DeleteUserDataResponse>;
  listAuditEvents(
    context: CallContext,
    request: ListAuditEventsRequest,
  ): Promise<ListAuditEventsResponse>;
  createEntry(context: CallContext, request: CreateEntryRequest): Promise<Entry>;
  getEntry(context: CallContext, request: GetEntryRequest): Promise<Entry>;
  updateEntry(context: CallContext, request: UpdateEntryRequest): Promise<Entry>;
  deleteEntry(context: CallContext, request: DeleteEntryRequest): Promise<DeleteEntryResponse>;
  listEntries(context: CallContext, request: ListEntriesRequest): Promise<ListEntriesResponse>;
  searchEntries(
    context: CallContext,
    request: SearchEntriesRequest,
  ): Promise<SearchEntriesResponse>;
  createExperiment(context: CallContext, request: CreateExperimentRequest): Promise<Experiment>;
  getExperiment(context: CallContext, request: GetExperimentRequest): Promise<Experiment>;
  listInventoryItems(context: CallContext): Promise<ListInventoryItemsResponse>;
  /** Calls the standard gRPC health service for the server as a whole (service `''`). */
  checkHealth(context: CallContext): Promise<ServingStatus>;
  /** Closes the channel. Calls made afterwards fail with UNAVAILABLE. */
  close(): void;
}

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response?: Response) => void,
) => ClientUnaryCall;

/**
 * Gatekeeper client over one gRPC channel, shared by the user, admin and health services.
 */
export class GrpcGatekeeper implements Gatekeeper {
  readonly #users: UserServiceClient;
  readonly #admin: AdminServiceClient;
  readonly #entries: EntryServiceClient;
  readonly #experiments: ExperimentServiceClient;
  readonly #health: Client;

  constructor(address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>) {
    this.#users = new UserServiceClient(address, credentials, options);
    const shared = { ...options, channelOverride: this.#users.getChannel() };
    this.#admin = new AdminServiceClient(address, credentials, shared);
    this.#entries = new EntryServiceClient(address, credentials, shared);
    this.#experiments = new ExperimentServiceClient(address, credentials, shared);
    this.#health = new Client(address, credentials, shared);
  }

  ensureUser(context: CallContext): Promise<Profile> {
    const invoke: UnaryMethod<object, Profile> = (...args) => this.#users.ensureUser(...args);
    return callUnary(UserServiceService.ensureUser.path, invoke, {}, context);
  }

  updateProfile(context: CallContext, request: UpdateProfileRequest): Promise<Profile> {
    const invoke: UnaryMethod<UpdateProfileRequest, Profile> = (...args) =>
      this.#users.updateProfile(...args);
    return callUnary(UserServiceService.updateProfile.path, invoke, request, context);
  }

  deleteUserData(
    context: CallContext,
    request: DeleteUserDataRequest,
  ): Promise<DeleteUserDataResponse> {
    const invoke: UnaryMethod<DeleteUserDataRequest, DeleteUserDataResponse> = (...args) =>
      this.#admin.deleteUserData(...args);
    return callUnary(AdminServiceService.deleteUserData.path, invoke, request, context);
  }

  listAuditEvents(
    context: CallContext,
    request: ListAuditEventsRequest,
  ): Promise<ListAuditEventsResponse> {
    const invoke: UnaryMethod<ListAuditEventsRequest, ListAuditEventsResponse> = (...args) =>
      this.#admin.listAuditEvents(...args);
    return callUnary(AdminServiceService.listAuditEvents.path, invoke, request, context);
  }

  createEntry(context: CallContext, request: CreateEntryRequest): Promise<Entry> {
    const invoke: UnaryMethod<CreateEntryRequest, Entry> = (...args) =>
      this.#entries.createEntry(...args);
    return callUnary(EntryServiceService.createEntry.path, invoke, request, context);
  }

  getEntry(context: CallContext, request: GetEntryRequest): Promise<Entry> {
    const invoke: UnaryMethod<GetEntryRequest, Entry> = (...args) =>
      this.#entries.getEntry(...args);
    return callUnary(EntryServiceService.getEntry.path, invoke, request, context);
  }

  updateEntry(context: CallContext, request: UpdateEntryRequest): Promise<Entry> {
    const invoke: UnaryMethod<UpdateEntryRequest, Entry> = (...args) =>
      this.#entries.updateEntry(...args);
    return callUnary(EntryServiceService.updateEntry.path, invoke, request, context);
  }

  deleteEntry(context: CallContext, request: DeleteEntryRequest): Promise<DeleteEntryResponse> {
    const invoke: UnaryMethod<DeleteEntryRequest, DeleteEntryResponse> = (...args) =>
      this.#entries.deleteEntry(...args);
    return callUnary(EntryServiceService.deleteEntry.path, invoke, request, context);
  }

  listEntries(context: CallContext, request: ListEntriesRequest): Promise<ListEntriesResponse> {
    const invoke: UnaryMethod<ListEntriesRequest, ListEntriesResponse> = (...args) =>
      this.#entries.listEntries(...args);
    return callUnary(EntryServiceService.listEntries.path, invoke, request, context);
  }

  searchEntries(
    context: CallContext,
    request: SearchEntriesRequest,
  ): Promise<SearchEntriesResponse> {
    const invoke: UnaryMethod<SearchEntriesRequest, SearchEntriesResponse> = (...args) =>
      this.#entries.searchEntries(...args);
    return callUnary(EntryServiceService.searchEntries.path, invoke, request, context);
  }

  createExperiment(context: CallContext, request: CreateExperimentRequest): Promise<Experiment> {
    const invoke: UnaryMethod<CreateExperimentRequest, Experiment> = (...args) =>
      this.#experiments.createExperiment(...args);
    return callUnary(ExperimentServiceService.createExperiment.path, invoke, request, context);
  }

  getExperiment(context: CallContext, request: GetExperimentRequest): Promise<Experiment> {
    const invoke: UnaryMethod<GetExperimentRequest, Experiment> = (...args) =>
      this.#experiments.getExperiment(...args);
    return callUnary(ExperimentServiceService.getExperiment.path, invoke, request, context);
  }

  listInventoryItems(context: CallContext): Promise<ListInventoryItemsResponse> {
    const invoke: UnaryMethod<object, ListInventoryItemsResponse> = (...args) =>
      this.#experiments.listInventoryItems(...args);
    return callUnary(ExperimentServiceService.listInventoryItems.path, invoke, {}, context);
  }

  async checkHealth(context: CallContext): Promise<ServingStatus> {
    const method = healthCheckMethod;
    const invoke: UnaryMethod<{ service: string }, { status?: string }> = (...args) =>
      this.#health.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        ...args,
      );
    const response = await callUnary(method.path, invoke, { service: '' }, context);
    return (response.status ?? 'UNKNOWN') as ServingStatus;
  }

  close(): void {
    // The clients share one channel, so closing it through one client closes it for all.
    this.#users.close();
  }
}

function callUnary<Request, Response>(
  method: string,
  invoke: UnaryMethod<Request, Response>,
  request: Request,
  context: CallContext,
): Promise<Response> {
  // grpc-js reports errors from its event loop callback, so the stack is captured here. V8
  // formats it only when read, which happens only for a failed call.
  const callSite: { stack?: string } = {};
  Error.captureStackTrace(callSite, callUnary);

  return new Promise((resolve, reject) => {
    invoke(request, metadataOf(context), { deadline: context.deadline }, (error, response) => {
      if (error) {
        reject(GatekeeperCallError.from(method, error, stackFramesOf(callSite)));
        return;
      }
      // grpc-js passes a response whenever it passes no error.
      resolve(response as Response);
    });
  });
}

/** Returns the frames of a captured stack without its first line (the error's name and message). */
function stackFramesOf(callSite: { stack?: string }): string | undefined {
  return callSite.stack?.split('\n').slice(1).join('\n');
}
