// Where the package's data files are (openapi/, proto/, the default lifecycle stages and apps), found from
// this module's location whether it runs from src/ through tsx or bundled into dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = packageRoot();
export const OPENAPI_DIR = join(PACKAGE_ROOT, 'openapi');
export const PROTO_DIR = join(PACKAGE_ROOT, 'proto');
export const DEFAULT_STAGES_FILE = join(PACKAGE_ROOT, 'src', 'kubelet', 'default-stages.yaml');
export const DEFAULT_APPS_FILE = join(PACKAGE_ROOT, 'src', 'kubelet', 'default-apps.yaml');
