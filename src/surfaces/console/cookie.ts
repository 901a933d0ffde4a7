/** The console's session cookie: HttpOnly, SameSite=Strict, scoped to /console, Secure on https. */
export const COOKIE = 'wickr_console';

/** The cookie's value in a Cookie header, if any. */
export function cookieOf(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(';') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie header that sets the cookie (or, with '' and 0, clears it). */
export function setCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return (
    `${COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}` +
    (secure ? '; Secure' : '')
  );
}
