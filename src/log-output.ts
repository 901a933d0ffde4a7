/**
 * Standard output for the log: lines in batches, each written by the event loop with one
 * non-blocking write.
 *
 * A batch is written once 16 KiB wait or 10 ms after its first line, so a line costs one copy
 * into the batch and a batch of a hundred lines one system call. Standard output is made
 * non-blocking (Node does so for a pipe when it opens it as a stream), so a write never waits on
 * the reader: what a full pipe does not take waits in a queue and is retried every 10 ms. Because
 * each write is synchronous, what is written and what waits is always known, so:
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
/** Bytes that make a batch. */
const BATCH_BYTES = 16 * 1024;
/**
 * Room for a batch and the line that completes it: a UTF-16 code unit takes at most 3 bytes of
 * UTF-8, so a line of up to a sixth of this always fits after a batch not yet full.
 */
const BATCH_ROOM = 4 * BATCH_BYTES;
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
  /**
   * The batch, encoded as each line comes. A line is a rope of pino's small pieces; copied
   * while those are fresh, the batch is one block outside the heap. Kept as a string, the
   * batch was a rope of ropes that the garbage collector moved and the write flattened: in the
   * server that flattening cost ~2 µs a line, more than pino's formatting (measured).
   */
  private readonly batch = Buffer.allocUnsafe(BATCH_ROOM);
  private used = 0;
  /** Lines in the batch (counted when dropped). */
  private lines = 0;
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
    if (line.length * 3 > BATCH_ROOM - this.used) {
      if (this.used > 0) this.writeBatch();
      if (line.length * 3 > BATCH_ROOM) {
        // A line longer than the room: its own batch (a copy of its own).
        this.writeBytes(Buffer.from(line, 'utf8'), 1);
        return;
      }
    }
    this.used += this.batch.write(line, this.used);
    this.lines++;
    if (this.used >= BATCH_BYTES) this.writeBatch();
    // Unref'd: a waiting batch never keeps the process alive; the exit hook writes it.
    else this.timer ??= setTimeout(() => this.writeBatch(), BATCH_MS).unref();
  }

  /** Writes the waiting batch behind anything a full pipe left in the queue. */
  private writeBatch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const bytes = this.batch.subarray(0, this.used);
    const lines = this.lines;
    this.used = 0;
    this.lines = 0;
    this.writeBytes(bytes, lines);
  }

  /**
   * Writes `bytes` (`lines` lines) behind the queue. What is queued is copied: `bytes` may be
   * the batch, which the next line reuses.
   */
  private writeBytes(bytes: Buffer, lines: number): void {
    if (this.queue.length === 0 && this.dropped === 0 && bytes.length > 0) {
      // The usual case: nothing waits, the batch goes at once.
      const written = this.writeOnce(bytes);
      if (written === bytes.length) return;
      // The rest of a line already begun is never dropped (the output would carry half a line).
      this.enqueue(Buffer.from(bytes.subarray(Math.max(0, written))), lines, written > 0);
    } else this.enqueue(Buffer.from(bytes), lines);
    if (!this.writeQueue()) this.timer ??= setTimeout(() => this.writeBatch(), BATCH_MS).unref();
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
  private writeOnce(bytes: Buffer): number {
    if (this.gone) return bytes.length;
    try {
      return writeSync(STDOUT, bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return -1;
      this.gone = true;
      return bytes.length;
    }
  }

  /** At exit: the last batch and the queue, waiting (bounded) for a stalled reader. */
  private close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.enqueue(Buffer.from(this.batch.subarray(0, this.used)), this.lines);
    this.used = 0;
    this.lines = 0;
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
