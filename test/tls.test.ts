/**
 * HTTPS: `wickr-admin serve --tls-cert --tls-key` (the built CLI, a real process) serves a
 * certificate from a throwaway CA made here with openssl; boto3 (verify=<ca file>) and the AWS
 * CLI (--ca-bundle) work against it and refuse it without the CA; SIGHUP serves a renewed
 * certificate without a restart, and keeps the old one when the new files are unusable; the
 * console's cookie is Secure over HTTPS.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../src/index.js';
import { bin } from './support/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'wickr-tls-'));
const file = (name: string) => join(dir, name);
const KEY_ID = 'AKIATLSTEST000000001';
const SECRET = 'tls-test-secret-0123456789abcdefghijklmn';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and server certificates it signs for 127.0.0.1 and localhost. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=Wickr Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ); // prettier-ignore
  writeFileSync(
    file('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' +
      'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' +
      'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n',
  );
  for (const name of ['one', 'two']) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=wickr-${name}`); // prettier-ignore
    openssl(
      'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'server.ext',
    ); // prettier-ignore
  }
}

/** The common name of the certificate the server presents to a new connection. */
function servedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(file('ca.pem')) }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.end();
      resolve(String(cn));
    });
    socket.on('error', reject);
  });
}

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );

/** Credentials for the AWS tools, and nothing else from the environment's AWS settings. */
const awsEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^AWS_|_proxy$/i.test(k))),
  AWS_ACCESS_KEY_ID: KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_MAX_ATTEMPTS: '1',
  AWS_PAGER: '',
});

let server: ChildProcess;
let endpoint = '';
let port = 0;
let output = '';

beforeAll(async () => {
  makeCertificates();
  copyFileSync(file('one.pem'), file('live.pem'));
  copyFileSync(file('one.key'), file('live.key'));
  server = spawn(
    process.execPath,
    [
      bin, 'serve', '--port', '0', '--database', `sqlite:${file('w.db')}`,
      '--tls-cert', file('live.pem'), '--tls-key', file('live.key'),
    ], // prettier-ignore
    {
      env: {
        ...process.env,
        WICKR_ROOT_ACCESS_KEY_ID: KEY_ID,
        WICKR_ROOT_SECRET_ACCESS_KEY: SECRET,
        WICKR_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 300 && !endpoint; i++) {
    endpoint = /Wickr Admin API at (https:\/\/[^;\s]+);/.exec(output)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(endpoint, output).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  port = Number(new URL(endpoint).port);
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('wickr-admin serve over HTTPS', () => {
  it('boto3 works with verify=<ca file>, and refuses the server without it', async () => {
    const script = `
import sys, boto3, botocore.exceptions
endpoint, ca = sys.argv[1], sys.argv[2]
c = boto3.client('wickr', endpoint_url=endpoint, verify=ca)
nid = c.create_network(networkName='tls-net', accessLevel='STANDARD')['networkId']
assert nid in [n['networkId'] for n in c.list_networks()['networks']]
try:
    boto3.client('wickr', endpoint_url=endpoint).list_networks()
    print('no verification error')
except botocore.exceptions.SSLError:
    print('ok')
`;
    const r = await run('python3', ['-c', script, endpoint, file('ca.pem')], awsEnv());
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  it('the AWS CLI works with --ca-bundle, and refuses the server without it', async () => {
    const aws = (...extra: string[]) =>
      run(
        'aws',
        ['wickr', 'list-networks', '--endpoint-url', endpoint, '--output', 'json', ...extra],
        awsEnv(),
      );
    const ok = await aws('--ca-bundle', file('ca.pem'));
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { networks: unknown[] }).networks.length).toBeGreaterThan(0);
    const refused = await aws();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/SSL validation failed|CERTIFICATE_VERIFY_FAILED/);
  });

  it('serves a renewed certificate after SIGHUP, and keeps serving when the new files are unusable', async () => {
    expect(await servedName(port)).toBe('wickr-one');
    copyFileSync(file('two.pem'), file('live.pem'));
    copyFileSync(file('two.key'), file('live.key'));
    server.kill('SIGHUP');
    let name = '';
    for (let i = 0; i < 100 && name !== 'wickr-two'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      name = await servedName(port);
    }
    expect(name).toBe('wickr-two');
    expect(output).toMatch(/TLS certificate reloaded/);

    // A key that does not belong to the certificate: refused, the running one stays.
    copyFileSync(file('one.key'), file('live.key'));
    server.kill('SIGHUP');
    for (let i = 0; i < 100 && !/TLS certificate not reloaded/.test(output); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(output).toMatch(/TLS certificate not reloaded; still serving the previous one/);
    expect(await servedName(port)).toBe('wickr-two');
    expect(server.exitCode).toBe(null);
  });
});

describe('an embedded server over HTTPS', () => {
  it('names its https endpoint and makes the console cookie Secure without WICKR_PUBLIC_URL', async () => {
    const embedded = await startEmbedded({
      env: {},
      tlsCertFile: file('one.pem'),
      tlsKeyFile: file('one.key'),
    });
    try {
      expect(embedded.endpoint).toMatch(/^https:\/\//);
      const setCookie = await new Promise<string>((resolve, reject) => {
        const req = request(
          `${embedded.endpoint}/console/api/session`,
          { method: 'POST', ca: readFileSync(file('ca.pem')) },
          (res) => {
            res.resume();
            expect(res.statusCode).toBe(200);
            resolve(String(res.headers['set-cookie']));
          },
        );
        req.on('error', reject);
        req.end(
          JSON.stringify({
            accessKeyId: embedded.credentials.accessKeyId,
            secretAccessKey: embedded.credentials.secretAccessKey,
          }),
        );
      });
      expect(setCookie).toMatch(/; Secure/);
    } finally {
      await embedded.close();
    }
  });

  it('refuses a certificate without its key, and a key that is not the certificate’s', async () => {
    await expect(startEmbedded({ env: {}, tlsCertFile: file('one.pem') })).rejects.toThrow(
      /HTTPS needs both a certificate and its key/,
    );
    await expect(
      startEmbedded({ env: {}, tlsCertFile: file('one.pem'), tlsKeyFile: file('two.key') }),
    ).rejects.toThrow(/cannot be used together/);
  });
});
