import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { COMPILED } from '../../../common/layout.ts';
import { HarnessError } from '../../errors.ts';

/**
 * The files report.html inlines: uPlot from node_modules (so the page needs
 * no network) and the page's own script and style, kept as real .js/.css
 * files next to this one so an editor and a browser's devtools read them as
 * such. Read once per process.
 */
export interface HtmlAssets {
  uplotJs: string;
  uplotCss: string;
  uplotVersion: string;
  pageJs: string;
  pageCss: string;
}

let cached: HtmlAssets | undefined;

export function htmlAssets(): HtmlAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let uplotJs: string;
  let uplotCss: string;
  let uplotVersion: string;
  try {
    uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    uplotVersion = (JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string }).version;
  } catch (error) {
    throw new HarnessError('EC_REPORT_WRITE', `cannot read the uPlot charting library that report.html inlines: ${(error as Error).message}`, COMPILED ? 'reinstall edge-chaos (uplot is its dependency): npm install' : 'run `npm ci` (uplot is a dependency of edge-chaos)', { cause: error });
  }
  cached = {
    uplotJs,
    uplotCss,
    uplotVersion,
    pageJs: readFileSync(new URL('./page.js', import.meta.url), 'utf8'),
    pageCss: readFileSync(new URL('./page.css', import.meta.url), 'utf8'),
  };
  return cached;
}

/** Text safe inside <script>: a literal "</script" (any case) would end the element early. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** Text safe inside <style>. */
export function inlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

/** JSON safe inside <script type="application/json">: no "<" survives, so neither "</script" nor "<!--" can. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}
