/** Command-line options shared by the benchmarks. */

/** `--name N`: a positive integer, or `fallback` when the option is absent. */
export function positiveIntOption(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
}
