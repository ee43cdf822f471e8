import type { Logger } from '../../shared/log.ts';
import { exportRecord, type AuditExport } from './export-record.ts';
import { syslogPri, type SyslogHeader } from './syslog-format.ts';
import type { RecordedAuditEvent } from './types.ts';

/** How long after logger ended a new one may be started (a missing socket must not mean a process a message). */
const RESTART_MS = 5000;

/**
 * The local syslog socket (/dev/log) through util-linux `logger`, one long-running process fed a line
 * per event: /dev/log is a Unix datagram socket, which neither Bun nor Node can open, and logger is on
 * every Linux host. Each line starts with its own PRI (--prio-prefix); logger adds the RFC 5424 header
 * (MSGID "audit": the event type is in the JSON). A logger that ended (socket missing, daemon gone) is
 * started again on the next event, at most once per RESTART_MS; events meanwhile are dropped and counted.
 */
export function localSyslogExport(path: string, header: SyslogHeader, log: Logger): AuditExport {
  let proc: ReturnType<typeof spawnLogger> | undefined;
  let endedAt = 0;
  let dropped = 0;
  const start = () => {
    proc = spawnLogger(path, header);
    void proc.exited.then((code) => {
      endedAt = Date.now();
      proc = undefined;
      if (!closing) log.warn('audit syslog: logger ended', { code, socket: path });
    });
    if (dropped) log.warn('audit syslog: messages dropped while logger was not running', { dropped, socket: path });
    dropped = 0;
  };
  let closing = false;
  start();
  return {
    send(event: RecordedAuditEvent) {
      if (!proc && Date.now() - endedAt >= RESTART_MS) start();
      if (!proc) return void dropped++;
      try {
        proc.stdin.write(`<${syslogPri(event, header)}>${JSON.stringify(exportRecord(event))}\n`);
        proc.stdin.flush();
      } catch {
        dropped++; // logger is ending: its exit is logged
      }
    },
    async close() {
      closing = true;
      if (!proc) return;
      const running = proc;
      running.stdin.end();
      const timer = setTimeout(() => running.kill(), 2000);
      await running.exited;
      clearTimeout(timer);
    },
  };
}

function spawnLogger(path: string, header: SyslogHeader) {
  const argv = ['logger', '--socket', path, '--socket-errors=on', '--rfc5424=notq', '--prio-prefix', '--size', '65536', '--tag', header.appName, `--id=${header.procId}`, '--msgid', 'audit'];
  return Bun.spawn(argv, { stdin: 'pipe', stdout: 'ignore', stderr: 'ignore' });
}
