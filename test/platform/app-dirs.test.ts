/**
 * Where ferry keeps its state and configuration on Linux, macOS and Windows (docs/state.md,
 * README "Platforms"), computed for each OS on any OS.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configDirOf, stateDirOf, type AppDirsContext } from '../../src/state/app-dirs.js';

const none = (_dir: string): boolean => false;
const linux = (env: NodeJS.ProcessEnv = {}, exists = none): AppDirsContext => ({ platform: 'linux', env, home: '/home/ann', exists });
const mac = (env: NodeJS.ProcessEnv = {}, exists = none): AppDirsContext => ({ platform: 'darwin', env, home: '/Users/ann', exists });
const windows = (env: NodeJS.ProcessEnv = {}, exists = none): AppDirsContext => ({ platform: 'win32', env, home: 'C:\\Users\\ann', exists });
const winEnv = { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local', APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' };

describe('state folder', () => {
  it('Linux: XDG_STATE_HOME, else ~/.local/state', () => {
    assert.equal(stateDirOf(linux()), '/home/ann/.local/state/ferry');
    assert.equal(stateDirOf(linux({ XDG_STATE_HOME: '/var/lib/ann' })), '/var/lib/ann/ferry');
    assert.equal(stateDirOf(linux({ XDG_STATE_HOME: 'relative/path' })), '/home/ann/.local/state/ferry', 'a relative XDG path is ignored');
  });
  it('macOS: ~/Library/Application Support/ferry/state', () => {
    assert.equal(stateDirOf(mac()), '/Users/ann/Library/Application Support/ferry/state');
    assert.equal(stateDirOf(mac({ XDG_STATE_HOME: '/Users/ann/.xdg' })), '/Users/ann/.xdg/ferry');
  });
  it('Windows: %LOCALAPPDATA%\\ferry\\state, else under the profile', () => {
    assert.equal(stateDirOf(windows(winEnv)), 'C:\\Users\\ann\\AppData\\Local\\ferry\\state');
    assert.equal(stateDirOf(windows({})), 'C:\\Users\\ann\\AppData\\Local\\ferry\\state');
    assert.equal(stateDirOf(windows({ LOCALAPPDATA: 'D:\\Data' })), 'D:\\Data\\ferry\\state');
    assert.equal(stateDirOf(windows({ ...winEnv, XDG_STATE_HOME: 'E:\\state' })), 'E:\\state\\ferry');
  });
  it('macOS and Windows keep using a state folder an earlier ferry made at ~/.local/state/ferry, until the new one exists', () => {
    const legacyOnly = (dir: string): boolean => dir.endsWith('.local/state/ferry') || dir.endsWith('.local\\state\\ferry');
    assert.equal(stateDirOf(mac({}, legacyOnly)), '/Users/ann/.local/state/ferry');
    assert.equal(stateDirOf(windows(winEnv, legacyOnly)), 'C:\\Users\\ann\\.local\\state\\ferry');
    const both = (): boolean => true;
    assert.equal(stateDirOf(mac({}, both)), '/Users/ann/Library/Application Support/ferry/state');
    assert.equal(stateDirOf(windows(winEnv, both)), 'C:\\Users\\ann\\AppData\\Local\\ferry\\state');
  });
});

describe('configuration folder', () => {
  it('Linux: XDG_CONFIG_HOME, else ~/.config', () => {
    assert.equal(configDirOf(linux()), '/home/ann/.config/ferry');
    assert.equal(configDirOf(linux({ XDG_CONFIG_HOME: '/etc/ann' })), '/etc/ann/ferry');
  });
  it('macOS: ~/Library/Application Support/ferry', () => {
    assert.equal(configDirOf(mac()), '/Users/ann/Library/Application Support/ferry');
  });
  it('Windows: %APPDATA%\\ferry (roaming), else under the profile', () => {
    assert.equal(configDirOf(windows(winEnv)), 'C:\\Users\\ann\\AppData\\Roaming\\ferry');
    assert.equal(configDirOf(windows({})), 'C:\\Users\\ann\\AppData\\Roaming\\ferry');
  });
});
