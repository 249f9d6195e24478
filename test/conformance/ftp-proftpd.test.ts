import { describeBackend } from './describe-backend.js';
import { ftpHarness } from '../ftp/ftp-test-servers.js';

describeBackend('ftp (proftpd)', ftpHarness('proftpd'));
