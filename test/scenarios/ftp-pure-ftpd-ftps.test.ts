/** The sync matrix over explicit FTPS: a local folder against the loopback pure-ftpd (scripts/servers/pure-ftpd.sh). */
import { after } from 'node:test';
import { ftpScenarioHarness } from '../ftp/ftp-test-servers.js';
import { describeSyncMatrix } from './sync-matrix-suite.js';

const harness = ftpScenarioHarness('pure-ftpd', { tls: 'explicit' });
after(() => harness.cleanup());
describeSyncMatrix('local↔ftps (pure-ftpd)', harness);
