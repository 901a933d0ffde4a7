/**
 * Standard output for the log: lines in batches, each written by the event loop with one
 * non-blocking write.
 *
 * A batch is written once 16 KiB wait or 10 ms after its first line, so a line costs one string
 * append and a batch of a hundred lines one system call. Standard output is made non-blocking
 * (Node does so for a pipe when it opens it as a stream), so a write never waits on the reader:
 * what a full pipe does not take waits in a queue and is retried every 10 ms. Because each write
 * is synchronous, what is written and what waits is always known, so:
 *
 * - on exit (a crash included) the queue is written out, waiting (bounded) for a stalled
 *   reader: no line is lost or written twice (pino's asynchronous destination lost the batch it
 *   held to retry a full pipe, as its thread's write could not be told from a retry at exit);
 * - a reader that stays away costs bounded memory: a batch the queue has no room for is dropped
 *   and counted, and one line says how many once there is room again; no request waits on it.
 *
 * Measured against pino's asynchronous destination (a write handed to a thread per batch), a
 * line costs less CPU in isolation, and the same in the server within the bench's noise
 * (bench/PERFORMANCE.md); a worker thread of our own cost ~18 MB of memory.
 */
import { writeSync } from 'node:fs';
import { hostname } from 'node:os';

const STDOUT = 1;
/** Characters that make a batch. */
const BATCH_CHARS = 16 * 1024;
/** The longest a line waits for its batch, and the pause before a full pipe is tried again. */
const BATCH_MS = 10;
/** What may wait for a stalled reader (bytes) before lines are dropped. */
const QUEUE_BYTES = 8 * 1024 * 1024;
/** The longest the process waits at exit for a stalled reader to take the last lines. */
const EXIT_WAIT_MS = 5_000;

/** One per process: every logger writes through it, so their lines keep their order. */
let output: LogOutput | undefined;

export function standardOutput(): LogOutput {
  return (output ??= new LogOutput());
}

export class LogOutput {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  /** Batches a full pipe did not take, oldest first, and their size in bytes. */
  private readonly queue: Buffer[] = [];
  private queued = 0;
  /** Lines dropped (the queue was full) and not yet reported. */
  private dropped = 0;
  /** Standard output is gone (a closed pipe): lines are discarded. */
  private gone = false;

  constructor() {
    // Opening standard output as a stream makes a pipe non-blocking (see above).
    void process.stdout.fd;
    process.once('exit', () => this.close());
  }

  /** pino's destination: one line. */
  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= BATCH_CHARS) this.writeBatch();
    // Unref'd: a waiting batch never keeps the process alive; the exit hook writes it.
    else this.timer ??= setTimeout(() => this.writeBatch(), BATCH_MS).unref();
  }

  /** Writes the waiting batch behind anything a full pipe left in the queue. */
  private writeBatch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending;
    this.pending = '';
    if (this.queue.length === 0 && this.dropped === 0 && lines !== '') {
      // The usual case: nothing waits, the batch goes at once (a string, no copy).
      const written = this.writeOnce(lines);
      if (written === Buffer.byteLength(lines)) return;
      const rest = Buffer.from(lines, 'utf8').subarray(Math.max(0, written));
      // The rest of a line already begun is never dropped (the output would carry half a line).
      this.enqueue(rest, countLines(lines), written > 0);
    } else this.enqueue(Buffer.from(lines, 'utf8'), countLines(lines));
    if (!this.writeQueue()) this.timer = setTimeout(() => this.writeBatch(), BATCH_MS).unref();
  }

  /** Queues a batch (`lines` lines) or drops it when the queue is full and it may be dropped. */
  private enqueue(batch: Buffer, lines: number, keep = false): void {
    if (batch.length === 0) return;
    if (!keep && this.queued + batch.length > QUEUE_BYTES) {
      this.dropped += lines;
      return;
    }
    this.queueNotice();
    this.queue.push(batch);
    this.queued += batch.length;
  }

  /** The line that says how many lines were dropped, if any were (it is never dropped). */
  private queueNotice(): void {
    if (this.dropped === 0) return;
    const notice = Buffer.from(droppedLine(this.dropped), 'utf8');
    this.queue.push(notice);
    this.queued += notice.length;
    this.dropped = 0;
  }

  /** Writes the queue while the pipe takes it; true when nothing waits. */
  private writeQueue(): boolean {
    while (this.queue.length > 0) {
      const batch = this.queue[0]!;
      const written = this.writeOnce(batch);
      if (written === -1) return false;
      this.queued -= written;
      if (written === batch.length) this.queue.shift();
      else this.queue[0] = batch.subarray(written);
    }
    return true;
  }

  /** One write: the bytes the pipe took, -1 if it was full. A gone output takes everything. */
  private writeOnce(text: string | Buffer): number {
    const size = () => (typeof text === 'string' ? Buffer.byteLength(text) : text.length);
    if (this.gone) return size();
    try {
      // Two calls, one per overload of writeSync.
      return typeof text === 'string' ? writeSync(STDOUT, text) : writeSync(STDOUT, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return -1;
      this.gone = true;
      return size();
    }
  }

  /** At exit: the last batch and the queue, waiting (bounded) for a stalled reader. */
  private close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending;
    this.pending = '';
    this.enqueue(Buffer.from(lines, 'utf8'), countLines(lines));
    this.queueNotice();
    const deadline = Date.now() + EXIT_WAIT_MS;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (!this.writeQueue() && Date.now() < deadline) Atomics.wait(pause, 0, 0, 10);
  }
}

function droppedLine(count: number): string {
  const line = {
    level: 40,
    time: Date.now(),
    pid: process.pid,
    hostname: hostname(),
    droppedLines: count,
    msg: 'log lines dropped: the reader of standard output fell behind',
  };
  return `${JSON.stringify(line)}\n`;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
