/** The watch scenarios over SFTP (scripts/servers/sshd.sh). */
import { describeWatch } from './watch-suite.js';
import { sftpServer } from './watch-harness.js';

describeWatch(sftpServer());
