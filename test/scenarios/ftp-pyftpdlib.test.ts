/** The sync matrix over FTP: a local folder against the loopback pyftpdlib (scripts/servers/pyftpdlib.sh). */
import { after } from 'node:test';
import { ftpScenarioHarness } from '../ftp/ftp-test-servers.js';
import { describeSyncMatrix } from './sync-matrix-suite.js';

const harness = ftpScenarioHarness('pyftpdlib');
after(() => harness.cleanup());
describeSyncMatrix('local↔ftp (pyftpdlib)', harness);
