// Where the app's built files live at run time, whichever bundle is running
// (dist/cli.mjs, dist/electron/main.cjs or dist/bench/*.mjs).
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The `dist/` folder, found by walking up from the running bundle. */
export function distDir(fromFile: string): string {
  let dir = path.dirname(fromFile);
  for (let i = 0; i < 4; i++) {
    if (path.basename(dir) === 'dist') return dir;
    if (existsSync(path.join(dir, 'dist', 'cli.mjs'))) return path.join(dir, 'dist');
    dir = path.dirname(dir);
  }
  return path.resolve(path.dirname(fromFile));
}

export function rendererDir(fromFile: string): string {
  return path.join(distDir(fromFile), 'renderer');
}
