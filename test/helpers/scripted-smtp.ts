import { EventEmitter } from 'node:events';
import net, { type AddressInfo } from 'node:net';

/**
 * A scripted SMTP peer (docs/reliability.md c.1, H1): plain ESMTP without PIPELINING on 127.0.0.1,
 * answering each phase from a reply table a test may change at any time (`peer.script = …`).
 * A reply is a string (one or more lines, without the final CRLF), `false` to stay silent, or a
 * function of the command's argument (the address for MAIL/RCPT, the de-stuffed body for
 * DATA_END) that may be async (to answer slowly). A reply starting with 421 closes the session.
 * It records every command line, and every transaction with its raw DATA bytes as they came
 * over the wire and the de-stuffed body.
 */
export type Reply = string | false;
export type Answer = Reply | ((argument: string) => Reply | Promise<Reply>);
export type Phase = 'greeting' | 'EHLO' | 'MAIL' | 'RCPT' | 'DATA' | 'DATA_END' | 'DEFAULT';
export type Script = Partial<Record<Phase, Answer>> & {
  /** Destroy the socket once this many bytes of message data have arrived ("disconnect mid-DATA"). */
  disconnectAfterBodyBytes?: number;
};

export type Transaction = {
  mailFrom: string;
  /** Every RCPT TO the client named, and those answered 2xx. */
  rcptTo: string[];
  accepted: string[];
  /** DATA bytes up to the CRLF before the final dot, dot-stuffing intact; partial if aborted. */
  raw: Buffer;
  /** `raw` with dot-stuffing removed. */
  body: string;
  /** The final dot arrived. */
  complete: boolean;
  /** What was answered after the final dot (false: nothing). */
  reply: Reply | null;
};

export const DEFAULT_SCRIPT: Readonly<Record<Phase, Answer>> = {
  greeting: '220 scripted.test ESMTP ready',
  EHLO: '250-scripted.test\r\n250-SIZE 35000000\r\n250 8BITMIME',
  MAIL: '250 2.1.0 Sender OK',
  RCPT: '250 2.1.5 Recipient OK',
  DATA: '354 End data with <CR><LF>.<CR><LF>',
  DATA_END: '250 2.0.0 Ok: queued as SCRIPTED',
  DEFAULT: '250 2.0.0 OK',
};

const END_OF_DATA = Buffer.from('\r\n.\r\n');
const positive = (reply: Reply) => reply !== false && /^[23]/.test(reply);
const addressOf = (line: string) => /<([^>]*)>/.exec(line)?.[1] ?? '';

export class ScriptedSmtpServer extends EventEmitter {
  script: Script = {};
  readonly commands: string[] = [];
  readonly transactions: Transaction[] = [];
  connections = 0;
  private readonly server = net.createServer((socket) => this.serve(socket));
  private readonly sockets = new Set<net.Socket>();

  get url(): string {
    return `smtp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Transactions the server accepted after the final dot: the messages "received". */
  get delivered(): Transaction[] {
    return this.transactions.filter((t) => t.complete && t.reply !== null && positive(t.reply));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Resolves once `condition()` holds, checked after every event of the peer. */
  waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.off('change', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('change', check);
        reject(new Error(`scripted SMTP peer: timed out waiting for ${what}; commands so far: ${JSON.stringify(this.commands)}`));
      }, timeoutMs);
      this.on('change', check);
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket): void {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let data: Buffer | null = null; // non-null while receiving DATA
    let envelope: { mailFrom: string; rcptTo: string[]; accepted: string[] } | null = null;
    let current: Transaction | null = null;
    let queue = Promise.resolve();

    const answer = async (phase: Phase, argument: string): Promise<Reply> => {
      const entry = this.script[phase] ?? DEFAULT_SCRIPT[phase];
      const reply = typeof entry === 'function' ? await entry(argument) : entry;
      if (reply !== false && !socket.destroyed) {
        socket.write(`${reply}\r\n`);
        if (reply.startsWith('421')) socket.end();
      }
      return reply;
    };

    const command = async (line: string): Promise<void> => {
      this.commands.push(line);
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') await answer('EHLO', line.slice(5));
      else if (verb === 'MAIL') {
        const from = addressOf(line);
        envelope = positive(await answer('MAIL', from)) ? { mailFrom: from, rcptTo: [], accepted: [] } : null;
      } else if (verb === 'RCPT') {
        const to = addressOf(line);
        envelope?.rcptTo.push(to);
        if (positive(await answer('RCPT', to))) envelope?.accepted.push(to);
      } else if (verb === 'DATA') {
        if (envelope && (await answer('DATA', line)) !== false) {
          current = { ...envelope, raw: Buffer.alloc(0), body: '', complete: false, reply: null };
          this.transactions.push(current);
          data = Buffer.alloc(0);
        }
      } else if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
      else {
        if (verb === 'RSET') envelope = null;
        await answer('DEFAULT', line);
      }
    };

    const drain = async (): Promise<void> => {
      while (!socket.destroyed) {
        if (data && current) {
          data = Buffer.concat([data, buffer]);
          buffer = Buffer.alloc(0);
          const limit = this.script.disconnectAfterBodyBytes;
          if (limit !== undefined && data.length >= limit) {
            current.raw = data.subarray(0, limit);
            socket.destroy();
            return;
          }
          // The CRLF ending the DATA command line counts as the one before a leading dot.
          const framed = Buffer.concat([Buffer.from('\r\n'), data]);
          const end = framed.indexOf(END_OF_DATA);
          if (end === -1) return;
          const transaction: Transaction = current;
          current = null;
          transaction.raw = framed.subarray(2, end + 2);
          transaction.body = destuff(transaction.raw);
          transaction.complete = true;
          buffer = framed.subarray(end + END_OF_DATA.length);
          data = null;
          envelope = null;
          this.emit('change');
          transaction.reply = await answer('DATA_END', transaction.body);
        } else {
          const eol = buffer.indexOf('\n');
          if (eol === -1) return;
          const line = buffer.subarray(0, eol).toString('utf8').replace(/\r$/, '');
          buffer = buffer.subarray(eol + 1);
          await command(line);
        }
        this.emit('change');
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      queue = queue
        .then(drain)
        .catch(() => void socket.destroy())
        .finally(() => this.emit('change'));
    });
    queue = answer('greeting', '')
      .then(() => void this.emit('change'))
      .catch(() => void socket.destroy());
  }
}

/** Removes SMTP dot-stuffing (RFC 5321 §4.5.2): a leading dot of a line is dropped. */
export function destuff(raw: Buffer): string {
  return raw
    .toString('utf8')
    .split('\r\n')
    .map((line) => (line.startsWith('.') ? line.slice(1) : line))
    .join('\r\n');
}

export function startScriptedSmtp(script: Script = {}): Promise<ScriptedSmtpServer> {
  const server = new ScriptedSmtpServer();
  server.script = script;
  return server.listen();
}
