import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

export interface Asset {
  contentType: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Where the page lives: shipped as-is in the package (package.json "files": src/dashboard/public). */
export const PUBLIC_DIR = join(PACKAGE_ROOT, 'src', 'dashboard', 'public');

/** uPlot's browser build, served from the installed package: no CDN, works offline. */
const VENDOR: Record<string, string> = {
  '/vendor/uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  '/vendor/uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

/**
 * Loads every servable file once at start-up into memory (the page is a few tens of KB), so requests
 * never touch the file system and no request path is ever joined onto a directory (no traversal).
 */
export function loadAssets(publicDir = PUBLIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(publicDir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    assets.set(`/${name}`, { contentType: type, body: readFileSync(join(publicDir, name)) });
  }
  const index = assets.get('/index.html');
  if (!index) throw new Error(`dashboard page missing: ${join(publicDir, 'index.html')}`);
  assets.set('/', index);
  const require = createRequire(import.meta.url);
  for (const [route, spec] of Object.entries(VENDOR)) {
    let file: string;
    try {
      file = require.resolve(spec);
    } catch {
      throw new Error(`dashboard: cannot find ${spec} (is the uplot package installed?)`);
    }
    assets.set(route, { contentType: TYPES[extname(file)], body: readFileSync(file) });
  }
  return assets;
}
