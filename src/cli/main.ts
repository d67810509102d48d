import { parseArgs } from 'node:util';
import { createApp, type App } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { COMMANDS, CommandFailed, UsageError, type Command, type CommandOutput } from './commands.js';

/**
 * `mailroom <command> [options]`: the admin CLI. It shares the server's use-cases and database
 * (`DATA_DIR` / `DATABASE_URL` choose it, as for the server).
 *
 * Exit codes: 0 success, 1 the command failed (bad input, not found), 2 usage error,
 * 3 configuration error.
 */
const USAGE = `Usage: mailroom <command> [options]   (add --json for machine-readable output)

Commands:
  serve [--no-worker]                    run the HTTP API and a delivery worker
  worker                                 run a delivery worker only
  inbound [--port N]                     run the inbound SMTP listener (bounces, complaints) only
  migrate                                bring the database schema up to date
  doctor                                 check configuration, database, relay, public URL, DKIM; say what to fix
${COMMANDS.map((c) => `  ${c.usage.padEnd(38)} ${c.summary}`).join('\n')}

Environment: see docs/configuration.md (DATA_DIR, DATABASE_URL, PORT, …); every command: docs/cli.md.`;

async function main(rawArgv: string[]): Promise<number> {
  // `--json` may stand anywhere; the command words come first, then the command's options.
  const globalJson = rawArgv.includes('--json');
  const argv = rawArgv.filter((a) => a !== '--json');
  const firstOption = argv.findIndex((a) => a.startsWith('-'));
  const words = firstOption === -1 ? argv : argv.slice(0, firstOption);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 3;
    }
    throw error;
  }

  if (words[0] === 'serve') {
    const { values } = parseArgs({ args: argv.slice(1), options: { 'no-worker': { type: 'boolean' } }, strict: true });
    const { serve } = await import('./serve.js');
    return serve(config, { worker: !values['no-worker'] });
  }

  // The long-running processes are loaded when asked for: a CLI command does not pay for the HTTP
  // server, the web UI and the listeners at start-up.
  if (words[0] === 'worker') return (await import('./worker.js')).runWorker(config);

  if (words[0] === 'doctor') {
    if (argv.length > 1) {
      process.stderr.write('Usage: mailroom doctor [--json]\n');
      return 2;
    }
    return (await import('./doctor.js')).doctorCommand(config, { json: globalJson });
  }

  if (words[0] === 'inbound' && words[1] !== 'list' && words[1] !== 'show') {
    const { values } = parseArgs({ args: argv.slice(1), options: { port: { type: 'string' } }, strict: true });
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!/^\d{1,5}$/.test(values.port ?? '') || port > 65535)) {
      process.stderr.write('--port must be a TCP port from 0 to 65535\n');
      return 2;
    }
    return (await import('./inbound.js')).runInbound(config, port === undefined ? {} : { port });
  }

  const command: Command | undefined =
    words[0] === 'migrate' ? undefined : COMMANDS.find((c) => c.name.join(' ') === words.slice(0, c.name.length).join(' '));
  if (words[0] !== 'migrate' && !command) {
    process.stderr.write(`Unknown command: ${words.slice(0, 2).join(' ')}\n\n${USAGE}\n`);
    return 2;
  }

  const nameLength = command ? command.name.length : 1;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(nameLength),
      options: { json: { type: 'boolean' }, ...(command?.options ?? {}) },
      strict: true,
      allowPositionals: (command?.positionals?.length ?? 0) > 0,
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\nUsage: mailroom ${command?.usage ?? 'migrate'}\n`);
    return 2;
  }
  const json = globalJson || parsed.values.json === true;
  // Positional arguments (`webhook update ID`) are named by the command; more than it names is a usage error.
  const names = command?.positionals ?? [];
  if (parsed.positionals.length > names.length) {
    process.stderr.write(`unexpected argument ${parsed.positionals[names.length]}\n\nUsage: mailroom ${command?.usage ?? 'migrate'}\n`);
    return 2;
  }
  const values: Record<string, string | boolean | string[] | undefined> = { ...parsed.values };
  parsed.positionals.forEach((value, i) => {
    values[names[i]!] = value;
  });

  let app: App | undefined;
  try {
    app = await createApp(config, { log: quietLogger(), role: 'mailroom-cli', processMetrics: false });
    const output: CommandOutput = command ? await command.run(app, values) : { migrated: true };
    process.stdout.write(json ? `${JSON.stringify(output, null, 2)}\n` : `${human(output)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      const message = `${error.code}: ${error.message}${Object.keys(error.details).length ? ` ${JSON.stringify(error.details)}` : ''}`;
      process.stderr.write(json ? `${JSON.stringify({ error: error.code, message: error.message, details: error.details })}\n` : `${message}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\nUsage: mailroom ${command?.usage ?? ''}\n`);
      return 2;
    }
    if (error instanceof CommandFailed) {
      process.stderr.write(json ? `${JSON.stringify({ error: 'COMMAND_FAILED', message: error.message })}\n` : `${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await app?.close();
  }
}

/** The CLI prints results, not logs; warnings still reach stderr (redacted like the server's). */
function quietLogger() {
  return createLogger({ logLevel: 'warn' }, process.stderr);
}

function human(output: CommandOutput): string {
  return Object.entries(output)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mailroom: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
