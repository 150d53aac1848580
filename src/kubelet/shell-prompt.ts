// Which shell an interactive exec runs, as the image has it, and the prompt that shell shows to
// root: busybox ash (busybox and alpine images, and images we know nothing of) shows the working
// directory, `/ # `; Debian's dash (sh in debian, ubuntu and node images) a bare `# `; bash what
// Debian's /etc/bash.bashrc sets, `root@HOST:DIR# `. Pure.

export type ShellFlavor = 'ash' | 'dash' | 'bash';

/** Catalog apps (default-apps.yaml) whose images are Debian or Ubuntu based: /bin/sh is dash, bash is there. */
const DEBIAN_BASED = new Set(['kubia', 'nginx', 'kubernetes-bootcamp', 'kubernetes-bootcamp-v2', 'debian', 'ubuntu', 'perl']);

const SHELLS = new Set(['sh', 'ash', 'bash']);

const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * The shell an exec's command starts reading commands from its terminal: `sh`, `/bin/bash`,
 * `busybox sh`..., with no script (only -i, -l or --login); undefined for anything else.
 */
export function interactiveShellName(argv: string[]): string | undefined {
  const [first, ...rest] = argv;
  const viaBusybox = first !== undefined && base(first) === 'busybox';
  const name = viaBusybox ? rest.shift() : first;
  if (name === undefined || !SHELLS.has(base(name)) || (viaBusybox && name.includes('/'))) return undefined;
  return rest.every((a) => /^-[il]+$/.test(a) || a === '--login') ? base(name) : undefined;
}

/** What `shell` (sh, ash or bash) is in an image of catalog app `app`. */
export function shellFlavor(app: string, shell: string): ShellFlavor {
  if (!DEBIAN_BASED.has(app) || shell === 'ash') return 'ash';
  return shell === 'bash' ? 'bash' : 'dash';
}

/**
 * The shell an exec with a terminal starts in an image of catalog app `app`, if `argv` starts
 * one to read commands; `busybox sh` only where busybox is (Debian images have none).
 */
export function terminalShell(app: string, argv: string[]): ShellFlavor | undefined {
  const name = interactiveShellName(argv);
  if (!name) return undefined;
  if (base(argv[0]) === 'busybox' && DEBIAN_BASED.has(app)) return undefined;
  return shellFlavor(app, name);
}

export interface PromptState {
  cwd: string;
  /** $HOME, which ash's and bash's \w show as `~`. */
  home?: string;
  hostname: string;
}

/** \w: the working directory, $HOME at its start as `~`. */
function workingDirectory({ cwd, home }: PromptState): string {
  if (!home || home === '/') return cwd;
  if (cwd === home) return '~';
  return cwd.startsWith(`${home}/`) ? `~${cwd.slice(home.length)}` : cwd;
}

/** The prompt `flavor` shows to root. */
export function prompt(flavor: ShellFlavor, state: PromptState): string {
  switch (flavor) {
    case 'dash': return '# ';
    case 'bash': return `root@${state.hostname.split('.')[0]}:${workingDirectory(state)}# `;
    case 'ash': return `${workingDirectory(state)} # `;
  }
}
