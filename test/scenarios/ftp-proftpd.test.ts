/** The sync matrix over FTP: a local folder against the loopback proftpd (scripts/servers/proftpd.sh). */
import { after } from 'node:test';
import { ftpScenarioHarness } from '../ftp/ftp-test-servers.js';
import { describeSyncMatrix } from './sync-matrix-suite.js';

const harness = ftpScenarioHarness('proftpd');
after(() => harness.cleanup());
describeSyncMatrix('local↔ftp (proftpd)', harness);
