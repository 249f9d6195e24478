/** Moves, checksums, case and links: local↔FTP on proftpd, which hashes on the server (mod_digest's HASH). */
import { after } from 'node:test';
import { ftpScenarioHarness } from '../ftp/ftp-test-servers.js';
import { describeRenameScenarios } from './renames-suite.js';

const harness = ftpScenarioHarness('proftpd');
after(() => harness.cleanup());
describeRenameScenarios('local↔ftp (proftpd)', { ...harness, remoteHashes: 'server' });
