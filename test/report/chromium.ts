/** Opens an HTML file in headless Chromium (Debian package `chromium`) and returns the DOM it built. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export function dumpDom(html: string): Promise<string> {
  if (!CHROMIUM) throw new Error('headless Chromium is not installed: apt-get install -y chromium (bash .ci/run does it)');
  const dir = mkdtempSync(join(tmpdir(), 'phonekey-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM!,
      // No network at all: the page must be readable from the file alone.
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${join(dir, 'profile')}`, '--proxy-server=127.0.0.1:9', '--dump-dom', `file://${file}`],
      { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

/** The visible text of an element found by id in a dumped DOM (tags stripped, entities of escapeHtml decoded). */
export function textOf(dom: string, id: string): string | undefined {
  const m = new RegExp(`<(\\w+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(dom);
  // Tooltips (<title> inside SVG) are not shown text.
  return m ? decode(m[2]!.replace(/<title>[\s\S]*?<\/title>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()) : undefined;
}

export function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
