/**
 * The console's files and their caching (docs/console.md): a file whose name carries Vite's
 * content hash is cached for a year and never revalidated; the page and any unhashed file are
 * revalidated on every use, so a new release is picked up at once.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../src/index.js';
import { consolePlugin } from '../src/surfaces/console/plugin.js';
import { assertConsoleBuilt, ROOT } from './support/browser.js';

const YEAR = 'public, max-age=31536000, immutable';

describe('console asset caching', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('the built console: hashed assets for a year, the page never', async () => {
    assertConsoleBuilt();
    const assets = readdirSync(join(ROOT, 'dist', 'console', 'assets'));
    expect(assets.length).toBeGreaterThan(0);
    const server = await startEmbedded({ env: {} });
    try {
      for (const name of assets) {
        const res = await fetch(`${server.endpoint}/console/assets/${name}`);
        expect(res.status, name).toBe(200);
        expect(res.headers.get('cache-control'), name).toBe(YEAR);
      }
      for (const page of ['/console/', '/console/index.html', '/console/networks']) {
        const res = await fetch(`${server.endpoint}${page}`);
        expect(res.status, page).toBe(200);
        expect(res.headers.get('cache-control'), page).toBe('no-cache');
      }
    } finally {
      await server.close();
    }
  });

  it('files without a content hash in their name are revalidated', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wickr-assets-'));
    dirs.push(root);
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(root, 'robots.txt'), 'User-agent: *');
    writeFileSync(join(root, 'assets', 'index-Dc_fMFsK.js'), 'export {};');
    writeFileSync(join(root, 'assets', 'vendor.js'), 'export {};');
    writeFileSync(join(root, 'assets', 'my-component.js'), 'export {};');
    const app = Fastify();
    try {
      await app.register(consolePlugin, { assetsDir: root });
      const cache = async (url: string) => {
        const res = await app.inject({ url });
        expect(res.statusCode, url).toBe(200);
        return res.headers['cache-control'];
      };
      expect(await cache('/console/assets/index-Dc_fMFsK.js')).toBe(YEAR);
      expect(await cache('/console/assets/vendor.js')).toBe('no-cache');
      expect(await cache('/console/assets/my-component.js')).toBe('no-cache');
      expect(await cache('/console/robots.txt')).toBe('no-cache');
      expect(await cache('/console/index.html')).toBe('no-cache');
    } finally {
      await app.close();
    }
  });
});
