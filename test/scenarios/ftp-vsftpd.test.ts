/** The sync matrix over FTP: a local folder against the loopback vsftpd (scripts/servers/vsftpd.sh). */
import { after } from 'node:test';
import { ftpScenarioHarness } from '../ftp/ftp-test-servers.js';
import { describeSyncMatrix } from './sync-matrix-suite.js';

const harness = ftpScenarioHarness('vsftpd');
after(() => harness.cleanup());
describeSyncMatrix('local↔ftp (vsftpd)', harness);
