import { describeBackend } from './describe-backend.js';
import { ftpHarness } from '../ftp/ftp-test-servers.js';

// mod_digest (scripts/servers/proftpd.sh): HASH with SHA-256, SHA-1, MD5 and CRC32.
describeBackend('ftp (proftpd)', { ...ftpHarness('proftpd'), hashes: ['sha256', 'sha1', 'md5', 'crc32'] });
