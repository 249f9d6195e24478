/** The watch scenarios over FTP (scripts/servers/proftpd.sh). */
import { describeWatch } from './watch-suite.js';
import { proftpdServer } from './watch-harness.js';

describeWatch(proftpdServer());
