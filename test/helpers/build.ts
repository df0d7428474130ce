/** Helpers for build tests: contexts on disk, a loopback file server, raw POST /build. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes `files` (path → content) into a fresh directory; returns it. */
export function makeContext(files: Record<string, string | Buffer>, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'berth-ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** A static file server on 127.0.0.1 over `root` (text/plain for `*.txt` and Dockerfiles). */
export async function serveFiles(root: string): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!path.startsWith(root) || !existsSync(path) || statSync(path).isDirectory()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such file');
      return;
    }
    const body = readFileSync(path);
    const type = /Dockerfile$|\.txt$/.test(path) ? 'text/plain' : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Last-Modified': new Date('2020-02-02T00:00:00Z').toUTCString() }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The same server in a child process, for tests that block on the docker CLI (spawnSync) while
 * the daemon downloads from it.
 */
export async function serveFilesInChild(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const script = `
    import { serveFiles } from ${JSON.stringify(new URL('./build.js', import.meta.url).href)};
    const s = await serveFiles(${JSON.stringify(root)});
    process.stdout.write(s.url + '\\n');
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`file server exited with ${code}`)));
  });
  return {
    url,
    close: () =>
      new Promise((r) => {
        child.once('exit', () => r());
        child.stdin.end();
      }),
  };
}

/** POST /build with a raw body; returns the status and the body as received. */
export function postBuild(socket: string, query: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path: `/v1.41/build?${query}`, headers: { 'Content-Type': 'application/x-tar', 'Content-Length': body.length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON messages of a build stream. */
export function messages(body: string): Record<string, unknown>[] {
  return body
    .split('\r\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
