import { errorCode, isDatabaseUnavailable } from '../db/availability.js';
import type { Logger } from '../logger.js';

/**
 * The lifetime policy of a long-running Mailroom process (`serve`, `worker`): it ends on
 * SIGTERM/SIGINT (exit 0 after an orderly stop) or on a fault it cannot reason about (non-zero),
 * never silently and never over a database outage.
 *
 * - The process is held open until `release()`: an idle worker has no socket or timer of its
 *   own that would (its timers are unref'd), and an empty event loop would end it with code 0.
 * - An error nobody handled that is a database outage (a lost connection) is logged and survived:
 *   the code that needed the database has already failed its request or will retry.
 * - Any other uncaught exception or unhandled rejection leaves the process in an unknown state:
 *   logged at `fatal` (`process.crashed`) and exit 1, for the supervisor to restart it.
 * - Should the event loop still run empty before `release()`, the exit is logged
 *   (`process.unexpected_exit`) and its code is 1, so `Restart=on-failure` restarts it too.
 */
export interface ProcessGuard {
  /** The orderly stop is under way: let the process end when its work is done. */
  release(): void;
  /**
   * The process's life until an orderly stop: on the first SIGTERM or SIGINT (a second one is
   * ignored) the guard is released and `stop` runs; resolves with the exit code it gives (1 if it
   * throws).
   */
  untilStopped(stop: (signal: NodeJS.Signals) => Promise<number>): Promise<number>;
}

export function guardProcess(log: Logger): ProcessGuard {
  let released = false;
  const keepAlive = setInterval(() => undefined, 1 << 30);

  const onFault = (kind: 'uncaught_exception' | 'unhandled_rejection') => (error: unknown) => {
    if (isDatabaseUnavailable(error)) {
      log.warn({ event: 'process.database_error_survived', kind, err: error, error_code: errorCode(error) }, 'a database outage reached the top level; carrying on');
      return;
    }
    log.fatal({ event: 'process.crashed', kind, err: error }, 'unexpected fault; exiting with code 1');
    process.exit(1);
  };
  const onUncaught = onFault('uncaught_exception');
  const onRejection = onFault('unhandled_rejection');
  let reported = false;
  const onBeforeExit = () => {
    if (released || reported) return;
    reported = true;
    log.fatal({ event: 'process.unexpected_exit' }, 'nothing kept the process running; exiting with code 1');
    process.exitCode = 1;
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onRejection);
  process.on('beforeExit', onBeforeExit);

  const release = (): void => {
    if (released) return;
    released = true;
    clearInterval(keepAlive);
  };
  return {
    release,
    untilStopped(stop) {
      return new Promise((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) return;
          stopping = true;
          release();
          stop(signal).then(resolve, () => resolve(1));
        };
        process.once('SIGTERM', () => onSignal('SIGTERM'));
        process.once('SIGINT', () => onSignal('SIGINT'));
      });
    },
  };
}
