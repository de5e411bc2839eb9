import type { Io } from '../run.js';
import { CONNECTION_OPTIONS, type Parsed, parse } from './args.js';

export type Command = (argv: string[], io: Io) => Promise<number>;

/**
 * A command's own flags, by name: `--queue Q` is `queue: 'string'`, `--json`
 * is `json: 'boolean'`, a repeatable `--tag T` is `tag: 'strings'`.
 */
type Flags = Record<string, 'string' | 'boolean' | 'strings'>;

type OptionOf<T> = T extends 'strings' ? { type: 'string'; multiple: true } : { type: T };
type OptionsOf<F extends Flags> = typeof CONNECTION_OPTIONS & { [K in keyof F]: OptionOf<F[K]> };

export interface CommandSpec<F extends Flags> {
  /** As the user types it (`qdo errors`); usage errors point at its --help. */
  name: string;
  usage: string;
  /** Taken besides the connection flags every command takes (-c, --connection, --app-key…). */
  flags?: F;
  /** The first argument names an action (`qdo queues ls`): without one, print the usage and exit 2. */
  actions?: boolean;
}

/**
 * A command's start, the same for all: parse the flags strictly, print the
 * usage for --help (exit 0), then run on the parsed flags and arguments.
 */
export function defineCommand<const F extends Flags = Record<never, never>>(
  spec: CommandSpec<F>,
  run: (args: Parsed<OptionsOf<F>>, io: Io) => Promise<number>,
): Command {
  const own = Object.entries(spec.flags ?? {}).map(([flag, type]) => [
    flag,
    type === 'strings' ? { type: 'string', multiple: true } : { type },
  ]);
  const options = { ...CONNECTION_OPTIONS, ...Object.fromEntries(own) } as OptionsOf<F>;
  return async (argv, io) => {
    const args = parse(argv, options, spec.name);
    const help = (args.values as { help?: boolean }).help === true;
    if (help || (spec.actions && !args.positionals[0])) {
      io.stdout.write(`${spec.usage}\n`);
      return help ? 0 : 2;
    }
    return run(args, io);
  };
}
