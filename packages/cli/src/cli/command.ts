import type { Io } from '../run.js';
import { type Options, type Parsed, parse } from './args.js';

export type Command = (argv: string[], io: Io) => Promise<number>;

export interface CommandSpec<O extends Options> {
  /** As the user types it (`qdo errors`); usage errors point at its --help. */
  name: string;
  usage: string;
  options: O;
  /** The first argument names an action (`qdo queues ls`): without one, print the usage and exit 2. */
  actions?: boolean;
}

/**
 * A command's start, the same for all: parse the flags strictly, print the
 * usage for --help (exit 0), then run on the parsed flags and arguments.
 */
export function defineCommand<O extends Options>(
  spec: CommandSpec<O>,
  run: (args: Parsed<O>, io: Io) => Promise<number>,
): Command {
  return async (argv, io) => {
    const args = parse(argv, spec.options, spec.name);
    const help = (args.values as { help?: boolean }).help === true;
    if (help || (spec.actions && !args.positionals[0])) {
      io.stdout.write(`${spec.usage}\n`);
      return help ? 0 : 2;
    }
    return run(args, io);
  };
}
