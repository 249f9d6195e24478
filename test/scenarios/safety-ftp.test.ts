/** Safety scenarios (docs/safety.md) over FTP: the loopback proftpd (scripts/servers/proftpd.sh). */
import { after } from 'node:test';
import { ftpScenarioHarness } from '../ftp/ftp-test-servers.js';
import { describeSafety } from './safety-suite.js';

const harness = ftpScenarioHarness('proftpd');
after(() => harness.cleanup());
describeSafety('local↔ftp (proftpd)', harness);
