/**
 * Where a client finds its endpoint, region and credentials: flags, then the environment, then
 * AWS credentials files, as the AWS CLI does (plus the file `wickr-admin serve` writes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { SigningCredentials } from './signer.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9425';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_PROFILE = 'wickr-local';

export type Credentials = SigningCredentials;

export interface ConnectionFlags {
  endpoint?: string;
  region?: string;
  profile?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface Connection {
  endpoint: string;
  region: string;
  credentials: Credentials;
  /** Where the credentials came from, for messages (never the secret). */
  credentialsSource: string;
}

/**
 * Endpoint, region and credentials from flags, then the environment, then AWS credentials
 * files. Credentials: --access-key-id/--secret-access-key; an explicit --profile; the
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair; the profile (AWS_PROFILE or wickr-local) in
 * AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, ./data/credentials (written by the server
 * on first start) or the credentials file beside a WICKR_DATABASE_URL SQLite file.
 */
export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Connection {
  const endpoint = (flags.endpoint ?? env['WICKR_ENDPOINT'] ?? DEFAULT_ENDPOINT).replace(
    /\/+$/,
    '',
  );
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`--endpoint ${endpoint} is not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--endpoint must be an http:// or https:// URL, not ${endpoint}`);
  }
  const region = flags.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? DEFAULT_REGION;

  if (flags.accessKeyId || flags.secretAccessKey) {
    if (!flags.accessKeyId || !flags.secretAccessKey) {
      throw new Error('--access-key-id and --secret-access-key go together');
    }
    return {
      endpoint,
      region,
      credentials: { accessKeyId: flags.accessKeyId, secretAccessKey: flags.secretAccessKey },
      credentialsSource: 'command-line flags',
    };
  }
  const envKey = env['AWS_ACCESS_KEY_ID'];
  const envSecret = env['AWS_SECRET_ACCESS_KEY'];
  if (!flags.profile && envKey && envSecret) {
    return {
      endpoint,
      region,
      credentials: { accessKeyId: envKey, secretAccessKey: envSecret },
      credentialsSource: 'environment (AWS_ACCESS_KEY_ID)',
    };
  }
  const profile = flags.profile ?? env['AWS_PROFILE'] ?? DEFAULT_PROFILE;
  const files = credentialFiles(env, cwd);
  for (const file of files) {
    if (!existsSync(file)) continue;
    const section = readIni(readFileSync(file, 'utf8')).get(profile);
    const id = section?.get('aws_access_key_id');
    const secret = section?.get('aws_secret_access_key');
    if (id && secret) {
      return {
        endpoint,
        region,
        credentials: { accessKeyId: id, secretAccessKey: secret },
        credentialsSource: `profile ${profile} in ${file}`,
      };
    }
  }
  throw new Error(
    `No credentials: pass --access-key-id and --secret-access-key, set AWS_ACCESS_KEY_ID and ` +
      `AWS_SECRET_ACCESS_KEY, or add profile "${profile}" to one of: ${files.join(', ')}`,
  );
}

function credentialFiles(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const files = [
    env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(homedir(), '.aws', 'credentials'),
    resolve(cwd, 'data', 'credentials'),
  ];
  const db = env['WICKR_DATABASE_URL'];
  const m = db ? /^sqlite:(?!:memory:)(.+)$/.exec(db) : null;
  if (m) files.push(resolve(cwd, dirname(m[1]!), 'credentials'));
  return [...new Set(files)];
}

/** Sections of an INI file (AWS credentials format): name → key → value. */
export function readIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (head) {
      current = new Map();
      sections.set(head[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current)
      current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}
