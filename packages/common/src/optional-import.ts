/**
 * An optional peer dependency, imported on first use: the module, or
 * undefined when it is not installed. The specifier goes through a variable
 * so bundlers do not try to bundle it, and the answer is cached per
 * specifier, so a hot path pays for the lookup once.
 */
const cache = new Map<string, Promise<unknown>>();

export function importOptional<T>(specifier: string): Promise<T | undefined> {
  let loaded = cache.get(specifier);
  if (!loaded) {
    loaded = import(/* @vite-ignore */ /* webpackIgnore: true */ specifier).catch(() => undefined);
    cache.set(specifier, loaded);
  }
  return loaded as Promise<T | undefined>;
}
