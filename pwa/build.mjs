// Builds what the field app serves from its source modules (which stay as they are, for the
// node tests and for reading). Run by `make setup`; dist/ is never committed.
//
// A cold first load over a 3G link pays one round trip (2 s on the bench's link) for every
// file on its critical path, so the page carries what the first view needs:
// dist/index.html is index.html with the stylesheet (minified) in a <style>, the Indonesian
// strings in a JSON data block, and one minified module bundle of js/app.js (with the npm
// libraries it imports through /app/vendor/) in an inline <script type="module">. The
// server allows exactly those two inline blocks by their SHA-256 (dist/csp.json) and nothing
// else. Libraries imported on demand (qrcode, signature_pad) and tus-js-client stay files of
// their own under /app/vendor/, fetched when first used. The service worker's shell list
// (dist/shell.json) is written from this build's own output.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transform } from "esbuild";

const PWA = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(PWA);
const DIST = join(PWA, "dist");
const VENDOR = JSON.parse(readFileSync(join(PWA, "vendor.json"), "utf8"));
const INLINE_LANG = "id"; // the default language's strings travel in the page
// Where the bundled modules behave as if they were loaded from: their own source folder
// (/app/js/), so `new URL("../sw.js", import.meta.url)` and the like keep their meaning.
const MODULE_URL = "js/app.js";

// A library imported statically is bundled; one imported on demand (import()) stays its own
// file under /app/vendor/, fetched when first used, so the first download stays small. The
// inline module resolves imports against the page's address (/app/).
const bundled = new Set();
const vendorFromNodeModules = {
  name: "vendor",
  setup(b) {
    b.onResolve({ filter: /\/vendor\/[^/]+$/ }, (args) => {
      const name = args.path.split("/").pop();
      if (!VENDOR[name]) return { errors: [{ text: `${name} is not in pwa/vendor.json` }] };
      if (args.kind === "dynamic-import") return { path: `./vendor/${name}`, external: true };
      bundled.add(name);
      return { path: join(ROOT, "node_modules", VENDOR[name]) };
    });
  },
};

// The page's own modules, for the browser tests (and anyone debugging a tablet): what
// `import("/app/dist/app.js")` gave when the bundle was a file of its own.
const ENTRY = `import * as app from "./js/app.js";\nglobalThis.jemputBola = app;\n`;
const MODULE_URL_SHIM = `export const __jbModuleUrl = new URL(${JSON.stringify(MODULE_URL)}, document.baseURI).href;\n`;

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function sha256(text) {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** Replace exactly one occurrence of `tag` in the page, or stop the build. */
function replaceOnce(html, tag, by) {
  const at = html.indexOf(tag);
  if (at < 0 || html.indexOf(tag, at + 1) >= 0) throw new Error(`index.html must hold ${tag} exactly once`);
  return html.slice(0, at) + by + html.slice(at + tag.length);
}

/** Text that may stand inside <script> or <style> without ending it early. */
function inlineSafe(text, element) {
  if (new RegExp(`</${element}|<!--`, "i").test(text)) throw new Error(`the inline ${element} would end early`);
  return text;
}

rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST);
writeFileSync(join(DIST, "module-url.js"), MODULE_URL_SHIM);
const result = await build({
  stdin: { contents: ENTRY, resolveDir: PWA, sourcefile: "entry.js" },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome100"],
  legalComments: "none",
  charset: "utf8",
  write: false,
  logLevel: "warning",
  inject: [join(DIST, "module-url.js")],
  define: { "import.meta.url": "__jbModuleUrl" },
  plugins: [vendorFromNodeModules],
});
rmSync(join(DIST, "module-url.js"));
// A warning (e.g. a duplicate key in an object literal) is a bug in the sources: stop.
if (result.warnings.length) throw new Error(`esbuild: ${result.warnings.length} warning(s), see above`);

const script = inlineSafe(result.outputFiles[0].text, "script");
const css = await transform(readFileSync(join(PWA, "css", "app.css"), "utf8"), { loader: "css", minify: true });
const style = inlineSafe(css.code, "style");
// In a JSON data block "<" is written \u003c, so no string can close the element.
const strings = JSON.stringify(JSON.parse(readFileSync(join(PWA, "i18n", `${INLINE_LANG}.json`), "utf8"))).replace(
  /</g,
  "\\u003c",
);

let html = readFileSync(join(PWA, "index.html"), "utf8");
html = replaceOnce(html, '<link rel="stylesheet" href="css/app.css">', `<style>${style}</style>`);
html = replaceOnce(html, '<script type="module" src="js/app.js"></script>\n', "");
html = replaceOnce(
  html,
  "</body>",
  `<script type="application/json" id="strings-${INLINE_LANG}">${strings}</script>\n` +
    `<script type="module">${script}</script>\n</body>`,
);
writeFileSync(join(DIST, "index.html"), html);
writeFileSync(join(DIST, "csp.json"), `${JSON.stringify({ "script-src": [sha256(script)], "style-src": [sha256(style)] }, null, 1)}\n`);

// What the page may still fetch: the other languages' strings, the icons, the manifest and
// the libraries loaded on demand. "./" is the page itself (the worker answers every
// navigation with it).
const assets = [
  ...filesUnder(join(PWA, "i18n")).filter((p) => !p.endsWith(`${INLINE_LANG}.json`)),
  ...filesUnder(join(PWA, "icons")),
].map((p) => relative(PWA, p));
const loadedAtRunTime = Object.keys(VENDOR)
  .filter((name) => !bundled.has(name) && !name.endsWith(".map"))
  .map((name) => `vendor/${name}`);
const shell = ["./", "manifest.webmanifest", ...assets.sort(), ...loadedAtRunTime];
writeFileSync(join(DIST, "shell.json"), `${JSON.stringify(shell, null, 1)}\n`);
console.log(
  `pwa/dist: index.html (${Math.round(html.length / 1024)} KB: script ${Math.round(script.length / 1024)} KB, ` +
    `style ${Math.round(style.length / 1024)} KB, strings ${Math.round(strings.length / 1024)} KB), ` +
    `${shell.length} shell files`,
);
