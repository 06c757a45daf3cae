/**
 * Desktop notifications through node-notifier, with the OS's own command as a fallback where node-notifier
 * cannot deliver (its macOS helper is x86_64-only; Windows needs SnoreToast). Never throws, never blocks.
 * Every notification carries the app's name (Linux: notify-send's --app-name, which the notification server
 * shows instead of "notify-send"; Windows: the toast's appID) and, when given, an icon file.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Sink } from '../core/sink.js';
import type { BridgeSnapshot } from '../core/snapshot.js';
import type { Logger } from '../log/logger.js';
import type { Alert, AlertPolicy } from './alerts.js';

export const APP_NAME = 'Hoymiles Tray';

export interface Notifier {
  /** `icon`: path of a PNG to show with it. */
  notify(title: string, message: string, icon?: string): Promise<void>;
}

type NodeNotifier = { notify(opts: object, cb: (err: Error | null) => void): void };

export class DesktopNotifier implements Notifier {
  private nodeNotifier?: NodeNotifier | null;
  constructor(
    private readonly logger: Logger,
    private readonly appName = APP_NAME,
  ) {}

  private load(): NodeNotifier | null {
    if (this.nodeNotifier !== undefined) return this.nodeNotifier;
    try {
      this.nodeNotifier = createRequire(import.meta.url)('node-notifier') as NodeNotifier;
    } catch {
      this.nodeNotifier = null;
    }
    return this.nodeNotifier;
  }

  async notify(title: string, message: string, icon?: string): Promise<void> {
    const nn = this.load();
    const viaLibrary = nn
      ? await new Promise<Error | null>((resolve) => {
          try {
            const opts = { title, message, appID: this.appName, 'app-name': this.appName, wait: false, sound: false, ...(icon ? { icon } : {}) };
            nn.notify(opts, (err) => resolve(err ?? null));
          } catch (e) {
            resolve(e as Error);
          }
        })
      : new Error('node-notifier is not available');
    if (!viaLibrary) return;
    this.logger.debug(`node-notifier could not deliver (${viaLibrary.message}); using the OS command`);
    const err = await osNotify(title, message, process.platform, this.appName, icon);
    if (err) this.logger.warn(`Could not show a notification: ${err.message}`);
  }
}

/**
 * The notifications as a sink: the policy (alerts.ts) decides which snapshots deserve one, `show` puts it on the
 * desktop (the app adds the icon of the moment and the log line).
 */
export class AlertSink implements Sink {
  readonly name = 'notifications';
  constructor(
    readonly policy: AlertPolicy,
    private readonly show: (alert: Alert) => void,
  ) {}

  start(): void {}
  stop(): void {}

  onSnapshot(snap: BridgeSnapshot): void {
    for (const a of this.policy.evaluate(snap)) this.show(a);
  }
}

/** The OS's own way: osascript (macOS), notify-send (Linux), a PowerShell balloon (Windows). */
export function osNotify(title: string, message: string, platform = process.platform, appName = APP_NAME, icon?: string): Promise<Error | null> {
  let cmd: string;
  let args: string[];
  if (platform === 'darwin') {
    cmd = 'osascript';
    args = ['-e', `display notification ${JSON.stringify(message)} with title ${JSON.stringify(title)}`];
  } else if (platform === 'win32') {
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    cmd = 'powershell.exe';
    args = [
      '-NoProfile',
      '-NonInteractive',
      '-WindowStyle',
      'Hidden',
      '-Command',
      `Add-Type -AssemblyName System.Windows.Forms; $n = New-Object System.Windows.Forms.NotifyIcon; $n.Icon = [System.Drawing.SystemIcons]::Information; $n.Visible = $true; $n.ShowBalloonTip(8000, ${q(title)}, ${q(message)}, 'Info'); Start-Sleep -Seconds 9; $n.Dispose()`,
    ];
  } else {
    cmd = 'notify-send';
    args = [`--app-name=${appName}`, ...(icon ? [`--icon=${icon}`] : []), title, message];
  }
  return new Promise((resolve) => {
    try {
      execFile(cmd, args, { timeout: 15_000, windowsHide: true }, (err) => resolve(err ?? null));
    } catch (e) {
      resolve(e as Error);
    }
  });
}
