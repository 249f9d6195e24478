/**
 * Errors basic-ftp reports when a connection drops at an awkward moment must be retryable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapFtpError } from '../../src/backends/ftp/ftp-errors.js';

describe('FTP errors after a dropped connection', () => {
  it('a reset while the data connection is prepared (PASV/EPSV) is a retryable lost connection', () => {
    const error = new Error(
      "None of the available transfer strategies work. Last error response was 'Error: Client is closed because read ECONNRESET (control socket)'.",
    );
    const mapped = mapFtpError(error, 'cannot write ftp://h/x', 'h:21');
    assert.equal(mapped.code, 'connection-lost');
    assert.equal(mapped.retryable, true);
    assert.match(mapped.message, /^cannot write ftp:\/\/h\/x: connection lost/);
  });

  it('an unknown failure without a reset stays a protocol error', () => {
    const mapped = mapFtpError(new Error('something odd'), 'cannot write ftp://h/x', 'h:21');
    assert.equal(mapped.code, 'protocol');
    assert.equal(mapped.retryable, false);
  });
});
