/**
 * A bot's challenge (its password): stored only as a salted scrypt hash, with the cost
 * parameters beside it so they can change later. Bots, the data-retention bot's challenge and
 * the fixture seed hash with it; the bot sign-in verifies with it.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters of new hashes; stored with each hash so they can change later. */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32, saltLength: 16 };
// Bounds on parameters read back from the database, so a corrupt row cannot exhaust memory.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(password: string, salt: Buffer, keyLength: number, o: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, keyLength, o, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const scryptOptions = (N: number, r: number, p: number): ScryptOptions => ({
  N,
  r,
  p,
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is too small for larger N.
  maxmem: 256 * N * r + 1024 * 1024,
});

/** A slow, salted hash of a challenge: `scrypt$N$r$p$<salt base64>$<hash base64>`. */
export async function hashChallenge(challenge: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SCRYPT;
  const salt = randomBytes(saltLength);
  const key = await scryptAsync(challenge, salt, keyLength, scryptOptions(N, r, p));
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `challenge` matches a stored hash; false for anything that is not a valid hash. */
export async function verifyChallenge(challenge: string, stored: string | null): Promise<boolean> {
  if (!stored) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const valid =
    Number.isInteger(N) &&
    N > 1 &&
    N <= MAX_N &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= MAX_R &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= MAX_P;
  if (!valid) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (salt.length === 0 || expected.length === 0) return false;
  const actual = await scryptAsync(challenge, salt, expected.length, scryptOptions(N, r, p));
  return timingSafeEqual(actual, expected);
}

// A hash to verify against when the bot does not exist, so that unknown usernames take as
// long to refuse as wrong challenges (no username probing by timing). The hash of a random
// password nobody kept, made with the SCRYPT parameters above (a test checks they match).
export const DECOY_HASH =
  'scrypt$16384$8$1$Zdl/FsA0oxBoT57XfOdibw==$+lHzLVVWfRtfhaMG3VbIjP5yUQlfm2KgHe0wqC3u9HQ=';
