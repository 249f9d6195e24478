/** Moves, checksums, case and links: local↔FTP on pure-ftpd, which has no hash command (files are read). */
import { after } from 'node:test';
import { ftpScenarioHarness } from '../ftp/ftp-test-servers.js';
import { describeRenameScenarios } from './renames-suite.js';

const harness = ftpScenarioHarness('pure-ftpd');
after(() => harness.cleanup());
describeRenameScenarios('local↔ftp (pure-ftpd)', { ...harness, remoteHashes: 'read' });
