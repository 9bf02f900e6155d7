import {
  Metadata,
  status,
  type InterceptingListener,
  type Interceptor,
  type InterceptorOptions,
} from '@grpc/grpc-js';
import { databaseTimeHeader } from '@palisade/contracts';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';

import { gatekeeperCallMetricsInterceptor } from './call-metrics.js';

/** The call below an interceptor, as grpc-js passes it in. */
type NextCall = ReturnType<Parameters<Interceptor>[1]>;

/** Runs one call through the interceptor and returns the listener it passes down. */
function startCall(registry: Registry, caller: InterceptingListener): InterceptingListener {
  let downward: InterceptingListener | undefined;
  const next = {
    start: (_metadata: Metadata, listener: InterceptingListener) => (downward = listener),
    sendMessageWithContext: vi.fn(),
    sendMessage: vi.fn(),
    startRead: vi.fn(),
    halfClose: vi.fn(),
    cancelWithStatus: vi.fn(),
    getPeer: () => '127.0.0.1:50051',
    setCredentials: vi.fn(),
    getAuthContext: vi.fn(),
  } as unknown as NextCall;
  const options = {
    method_definition: { path: '/palisade.v1.UserService/GetProfile' },
  } as unknown as InterceptorOptions;

  const call = gatekeeperCallMetricsInterceptor(registry)(options, () => next);
  call.start(new Metadata(), caller);
  if (downward === undefined) throw new Error('the interceptor passed no listener down');
  return downward;
}

function recordingCaller() {
  return {
    onReceiveMetadata: vi.fn<(metadata: Metadata) => void>(),
    onReceiveMessage: vi.fn<(message: unknown) => void>(),
    onReceiveStatus: vi.fn(),
  };
}

describe('gatekeeperCallMetricsInterceptor', () => {
  it('passes headers, message and status to the caller', () => {
    const caller = recordingCaller();
    const downward = startCall(new Registry(), caller);
    const headers = new Metadata();
    downward.onReceiveMetadata(headers);
    downward.onReceiveMessage({ subject: 'alice' });
    downward.onReceiveStatus({ code: status.OK, details: '', metadata: new Metadata() });

    expect(caller.onReceiveMetadata).toHaveBeenCalledWith(headers);
    expect(caller.onReceiveMessage).toHaveBeenCalledWith({ subject: 'alice' });
    expect(caller.onReceiveStatus).toHaveBeenCalledTimes(1);
  });

  it('lets go of the caller once the status has passed', () => {
    const caller = recordingCaller();
    const downward = startCall(new Registry(), caller);
    downward.onReceiveStatus({ code: status.OK, details: '', metadata: new Metadata() });
    downward.onReceiveMessage({ late: true });
    downward.onReceiveStatus({ code: status.CANCELLED, details: '', metadata: new Metadata() });

    expect(caller.onReceiveMessage).not.toHaveBeenCalled();
    expect(caller.onReceiveStatus).toHaveBeenCalledTimes(1);
  });

  it('records the call and the hop without the database time', async () => {
    const registry = new Registry();
    const downward = startCall(registry, recordingCaller());
    const headers = new Metadata();
    headers.set(databaseTimeHeader, '1500');
    downward.onReceiveMetadata(headers);
    downward.onReceiveStatus({ code: status.OK, details: '', metadata: new Metadata() });

    const text = await registry.metrics();
    expect(text).toMatch(
      /palisade_web_gatekeeper_call_duration_seconds_count\{method="\/palisade.v1.UserService\/GetProfile",code="OK"\} 1/,
    );
    expect(text).toMatch(
      /palisade_web_gatekeeper_hop_duration_seconds_count\{method="\/palisade.v1.UserService\/GetProfile"\} 1/,
    );
  });
});
