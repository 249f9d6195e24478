import { describeBackend } from './describe-backend.js';
import { ftpHarness } from '../ftp/ftp-test-servers.js';

describeBackend('ftp (pure-ftpd)', ftpHarness('pure-ftpd'));
