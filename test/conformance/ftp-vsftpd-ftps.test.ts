import { describeBackend } from './describe-backend.js';
import { ftpHarness } from '../ftp/ftp-test-servers.js';

describeBackend('ftps explicit (vsftpd)', ftpHarness('vsftpd', { tls: 'explicit' }));
