// KubeMQError.fromGrpc: grpc-js's texts for a broker it cannot reach, said plainly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { KubeMQError } from '../../lib';

function grpcError(code: number, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

describe('KubeMQError.fromGrpc', () => {
  it('says an unreachable broker plainly, without grpc-js\u2019s empty "Resolution note"', () => {
    const error = KubeMQError.fromGrpc(
      grpcError(
        status.UNAVAILABLE,
        'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:50000. Resolution note: ',
      ),
      'The command on KubeMQ channel "orders" failed',
    );
    assert.equal(
      error.message,
      'The command on KubeMQ channel "orders" failed: KubeMQ is not reachable: connect ECONNREFUSED 127.0.0.1:50000',
    );
    assert.equal(error.grpcCode, status.UNAVAILABLE);
  });

  it('says a lost connection plainly', () => {
    const dropped = KubeMQError.fromGrpc(grpcError(status.UNAVAILABLE, 'Connection dropped'));
    assert.equal(dropped.message, 'the connection to KubeMQ dropped');
    const reset = KubeMQError.fromGrpc(grpcError(status.UNAVAILABLE, 'read ECONNRESET'));
    assert.equal(reset.message, 'the connection to KubeMQ was cut (read ECONNRESET)');
  });

  it('keeps KubeMQ\u2019s own texts as they are', () => {
    const shutdown = 'Error 409: server is in shutdown mode';
    assert.equal(KubeMQError.fromGrpc(grpcError(status.UNAVAILABLE, shutdown)).message, shutdown);
    const timeout = 'Error 301: timeout for request message';
    const error = KubeMQError.fromGrpc(grpcError(status.INTERNAL, timeout));
    assert.equal(error.message, timeout);
    assert.equal(error.isTimeout, true);
  });
});
