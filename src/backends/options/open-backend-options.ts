/**
 * The options of `openBackend` (open-backend.ts): the parts below, each declared once in its own file. A
 * backend reads the parts that apply to it (the SFTP opener never sees `FtpOptions`, and so on).
 */
import type { CommonOptions } from './common-options.js';
import type { CredentialOptions } from './credential-options.js';
import type { FtpOptions } from './ftp-options.js';
import type { LocalOptions } from './local-options.js';
import type { OpenCallbacks } from './open-callbacks.js';
import type { RootFolderPolicy } from './root-folder-policy.js';
import type { SftpOptions } from './sftp-options.js';

/** What an SFTP open reads. */
export type SftpOpenOptions = CommonOptions & CredentialOptions & SftpOptions & RootFolderPolicy & OpenCallbacks;

/** What an FTP or FTPS open reads. */
export type FtpOpenOptions = CommonOptions & CredentialOptions & FtpOptions & RootFolderPolicy & OpenCallbacks;

/** What opening a local folder reads. */
export type LocalOpenOptions = LocalOptions & RootFolderPolicy;

/** Options for opening any backend; each backend uses the parts that apply to it. */
export interface OpenBackendOptions extends CommonOptions, CredentialOptions, SftpOptions, FtpOptions, LocalOptions, RootFolderPolicy, OpenCallbacks {}
