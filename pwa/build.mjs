// Builds what the field app serves from its source modules (which stay as they are, for the
// node tests and for reading): one minified bundle from the entry point js/app.js, with the
// npm libraries it imports through /app/vendor/ inlined, and the service worker's shell list
// (dist/shell.json) from the build's own output. Run by `make setup`; dist/ is never committed.
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const PWA = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(PWA);
const DIST = join(PWA, "dist");
const VENDOR = JSON.parse(readFileSync(join(PWA, "vendor.json"), "utf8"));
// Shell files that are not modules: precached as they are.
const ASSET_DIRS = ["css", "i18n", "icons"];

// A library imported statically is bundled; one imported on demand (import()) stays its own
// file under /app/vendor/, fetched when first used, so the first download stays small.
const bundled = new Set();
const vendorFromNodeModules = {
  name: "vendor",
  setup(b) {
    b.onResolve({ filter: /\/vendor\/[^/]+$/ }, (args) => {
      const name = args.path.split("/").pop();
      if (!VENDOR[name]) return { errors: [{ text: `${name} is not in pwa/vendor.json` }] };
      if (args.kind === "dynamic-import") return { path: `../vendor/${name}`, external: true };
      bundled.add(name);
      return { path: join(ROOT, "node_modules", VENDOR[name]) };
    });
  },
};

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

rmSync(DIST, { recursive: true, force: true });
const result = await build({
  entryPoints: [join(PWA, "js", "app.js")],
  outdir: DIST,
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome100"],
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  plugins: [vendorFromNodeModules],
});
// A warning (e.g. a duplicate key in an object literal) is a bug in the sources: stop.
if (result.warnings.length) throw new Error(`esbuild: ${result.warnings.length} warning(s), see above`);

const outputs = Object.keys(result.metafile.outputs).map((p) => relative(PWA, join(ROOT, p)));
const assets = ASSET_DIRS.flatMap((d) => filesUnder(join(PWA, d))).map((p) => relative(PWA, p));
const loadedAtRunTime = Object.keys(VENDOR)
  .filter((name) => !bundled.has(name) && !name.endsWith(".map"))
  .map((name) => `vendor/${name}`);
const shell = ["./", "index.html", "manifest.webmanifest", ...assets.sort(), ...outputs.sort(), ...loadedAtRunTime];
writeFileSync(join(DIST, "shell.json"), `${JSON.stringify(shell, null, 1)}\n`);
const size = outputs.reduce((n, p) => n + statSync(join(PWA, p)).size, 0);
console.log(`pwa/dist: ${outputs.join(", ")} (${Math.round(size / 1024)} KB), ${shell.length} shell files`);
