// Bundles a handler exactly as the CDK does, and reads the bundle's size and contributors.
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';

/**
 * The esbuild options of `TollgateFunction` (infra/constructs/tollgate-function.ts, `bundling`),
 * spelled out as aws-cdk-lib's NodejsFunction turns them into esbuild flags:
 * `--bundle --target=node22 --platform=node --format=esm --outfile=<dir>/index.mjs --minify
 *  --sourcemap --main-fields=module,main --banner:js=...`, no externals (the SDK is bundled).
 * Keep the two in step: a change there must be made here too, or the bench measures something else.
 */
export const CDK_BANNER =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

export function lambdaBuildOptions(entry: string, outdir: string, projectRoot: string): BuildOptions {
  return {
    absWorkingDir: projectRoot,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: join(outdir, 'index.mjs'),
    minify: true,
    sourcemap: true,
    mainFields: ['module', 'main'],
    external: [],
    banner: { js: CDK_BANNER },
    logLevel: 'silent',
  };
}

export interface Contributor {
  /** An input file (relative to the project root) or a package name. */
  name: string;
  bytes: number;
}

export interface Bundle {
  file: string;
  /** Bytes of index.mjs, without the source map. */
  bytes: number;
  mapBytes: number;
  topInputs: Contributor[];
  topPackages: Contributor[];
}

const TOP = 5;

export async function bundleHandler(entry: string, outdir: string, projectRoot: string): Promise<Bundle> {
  // metafile only adds the report; it does not change the output.
  const result = await build({ ...lambdaBuildOptions(entry, outdir, projectRoot), metafile: true });
  const file = join(outdir, 'index.mjs');
  const [js, map] = await Promise.all([stat(file), stat(`${file}.map`)]);
  const { inputs, packages } = contributors(result.metafile, file, projectRoot);
  return {
    file,
    bytes: js.size,
    mapBytes: map.size,
    topInputs: inputs.slice(0, TOP),
    topPackages: packages.slice(0, TOP),
  };
}

function contributors(
  metafile: Metafile,
  outfile: string,
  projectRoot: string,
): { inputs: Contributor[]; packages: Contributor[] } {
  const wanted = relative(projectRoot, outfile);
  const output = Object.entries(metafile.outputs).find(
    ([path]) => path === wanted || path.endsWith('index.mjs'),
  )?.[1];
  if (output === undefined) return { inputs: [], packages: [] };
  const inputs: Contributor[] = [];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    inputs.push({ name: path, bytes: bytesInOutput });
    const pkg = packageOf(path);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
  }
  const packages = [...byPackage].map(([name, bytes]) => ({ name, bytes }));
  const desc = (a: Contributor, b: Contributor) => b.bytes - a.bytes;
  return { inputs: inputs.sort(desc), packages: packages.sort(desc) };
}

/** `node_modules/@smithy/core/dist-es/x.js` → `@smithy/core`; project files → their top two folders. */
export function packageOf(path: string): string {
  const marker = 'node_modules/';
  const at = path.lastIndexOf(marker);
  if (at < 0) {
    const parts = path.split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : path;
  }
  const parts = path.slice(at + marker.length).split('/');
  const [first, second] = parts;
  return first?.startsWith('@') && second !== undefined ? `${first}/${second}` : (first ?? path);
}
