/**
 * Opaque, tamper-evident page tokens: the position after the last item of a page (keyset
 * pagination, so concurrent inserts never make a page skip or repeat an item), bound to the
 * query it came from, signed with a server secret kept in the database (any replica can
 * read any token).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { validationError } from '../contract/errors.js';

export type Position = (string | number)[];

export class Pager {
  constructor(private readonly secret: Buffer) {}

  encode(scope: string, position: Position): string {
    const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${payload}.${this.mac(scope, payload)}`;
  }

  decode(scope: string, token: string | undefined): Position | undefined {
    if (token === undefined) return undefined;
    const invalid = () =>
      validationError([
        { field: 'nextToken', reason: 'is not a valid pagination token for this request' },
      ]);
    const dot = token.indexOf('.');
    if (dot <= 0) throw invalid();
    const payload = token.slice(0, dot);
    // Compared as text: decoding base64url would ignore the last character's padding bits.
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(scope, payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    try {
      const position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
      if (!Array.isArray(position)) throw invalid();
      return position as Position;
    } catch {
      throw invalid();
    }
  }

  private mac(scope: string, payload: string): string {
    return createHmac('sha256', this.secret)
      .update(scope)
      .update('\n')
      .update(payload)
      .digest('base64url')
      .slice(0, 22);
  }
}
