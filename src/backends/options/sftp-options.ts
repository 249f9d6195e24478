/**
 * Options only SFTP reads: host keys, SSH keys and the agent, ssh config, jump hosts.
 */

/** How to reach and trust an SSH server, and which keys to log in with. */
export interface SftpOptions {
  /** Verify SFTP host keys against known_hosts (default true). */
  readonly verifyHostKeys?: boolean;
  /** known_hosts file to verify SFTP host keys against (default ~/.ssh/known_hosts). */
  readonly knownHostsFile?: string;
  /** Private key file for SFTP. */
  readonly sshKey?: string;
  /**
   * SFTP: a private key (OpenSSH or PEM text), tried first among the keys, where `sshKey` would
   * be (the key file, when both are given, comes next). Never logged, like every secret.
   */
  readonly privateKey?: string | Buffer;
  /**
   * SFTP: the passphrase of an encrypted `privateKey`, also tried on encrypted key files before
   * asking (`askSecret`).
   */
  readonly passphrase?: string;
  /**
   * SFTP: the ssh-agent socket to use instead of `SSH_AUTH_SOCK`'s; `false`: no agent at all.
   */
  readonly agent?: string | false;
  /** ssh config file to read Host aliases from (default ~/.ssh/config). */
  readonly sshConfigFile?: string;
  /**
   * SFTP: jump hosts to go through, `[user@]host[:port]` separated by commas (like `ssh -J`);
   * wins over the ssh config's ProxyJump/ProxyCommand; `none` turns those off.
   */
  readonly jumpHosts?: string;
  /** SFTP: a command whose stdin/stdout reach the server (like ssh's ProxyCommand; `%h %p %r` expanded). */
  readonly proxyCommand?: string;
}
