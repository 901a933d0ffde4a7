/**
 * HTTPS: the certificate and key the server serves, read from files, and read again on
 * SIGHUP (a renewed certificate, e.g. from certbot or cert-manager, without a restart:
 * connections already open keep theirs, new ones get the new one).
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  /** PEM certificate chain: the server's certificate first, then any intermediates. */
  certFile: string;
  /** PEM private key of that certificate. */
  keyFile: string;
}

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

/** Reads both files and checks that they make a usable pair; throws saying which file is wrong. */
export function readTls(files: TlsFiles): TlsPair {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const pair = { cert: read(files.certFile, 'certificate'), key: read(files.keyFile, 'key') };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new Error(
      `the TLS certificate ${files.certFile} and key ${files.keyFile} cannot be used together: ${(err as Error).message}`,
    );
  }
  return pair;
}

/**
 * Serves the files' current certificate from now on. A pair that cannot be read or used is
 * refused (thrown) and the one being served stays.
 */
export function reloadTls(server: Server, files: TlsFiles): void {
  server.setSecureContext(readTls(files));
}
