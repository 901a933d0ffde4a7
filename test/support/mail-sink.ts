/**
 * The real SMTP sink (test/support/smtp-sink.mjs) as a child process, for Vitest tests, and
 * a small reader of what it caught: each message's headers and its text and HTML parts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface CaughtMail {
  to: string[];
  subject: string;
  headers: Record<string, string>;
  text?: string;
  html?: string;
}

export interface MailSink {
  url: string;
  messages(): CaughtMail[];
  waitFor(recipient: string, count?: number): Promise<CaughtMail[]>;
  stop(): Promise<void>;
}

/** Starts the sink on `port` (default: a free one), e.g. again where an earlier one stopped. */
export async function startMailSink(port = 0): Promise<MailSink> {
  const dir = mkdtempSync(join(tmpdir(), 'wickr-sink-'));
  const file = join(dir, 'mail.jsonl');
  const child: ChildProcess = spawn(
    process.execPath,
    [join(import.meta.dirname, 'smtp-sink.mjs'), '--out', file, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`smtp sink exited with ${code}`)));
  });
  const listening = (JSON.parse(first) as { port: number }).port;
  const messages = () => {
    let raw = '';
    try {
      raw = readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    return raw
      .split('\n')
      .filter(Boolean)
      .map((l) => parseMessage(JSON.parse(l) as { to: string[]; data: string }));
  };
  return {
    url: `smtp://127.0.0.1:${listening}`,
    messages,
    async waitFor(recipient, count = 1) {
      const end = Date.now() + 15_000;
      for (;;) {
        const got = messages().filter((m) => m.to.includes(recipient.toLowerCase()));
        if (got.length >= count || Date.now() > end) return got;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function splitHead(part: string): [Record<string, string>, string] {
  const i = part.search(/\r?\n\r?\n/);
  const head = part.slice(0, i).replace(/\r?\n[ \t]+/g, ' ');
  const body = part.slice(i).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const l of head.split(/\r?\n/)) {
    const c = l.indexOf(':');
    if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  return [headers, body];
}

function decode(headers: Record<string, string>, body: string): string {
  const enc = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const s = body.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const hex = s.slice(i + 1, i + 3);
      if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return body;
}

function parseMessage(rec: { to: string[]; data: string }): CaughtMail {
  const [headers, body] = splitHead(rec.data);
  const mail: CaughtMail = {
    to: rec.to.map((t) => t.toLowerCase()),
    subject: headers['subject'] ?? '',
    headers,
  };
  const parts = (h: Record<string, string>, b: string) => {
    const type = h['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (boundary) {
      for (const p of b.split(`--${boundary}`).slice(1)) {
        if (p.startsWith('--')) break;
        const [ph, pb] = splitHead(p.replace(/^\r?\n/, ''));
        parts(ph, pb.replace(/\r?\n$/, ''));
      }
    } else if (type.startsWith('text/html')) mail.html = decode(h, b);
    else if (type.startsWith('text/plain')) mail.text = decode(h, b);
  };
  parts(headers, body);
  return mail;
}
