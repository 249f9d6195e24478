import { describeBackend } from './describe-backend.js';
import { ftpHarness } from '../ftp/ftp-test-servers.js';

describeBackend('ftps explicit (proftpd)', { ...ftpHarness('proftpd', { tls: 'explicit' }), hashes: ['sha256', 'sha1', 'md5', 'crc32'] });
