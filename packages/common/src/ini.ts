/**
 * The INI reader of every qdo and Queuey config file, the way Python's
 * configparser read the originals: `key = value` or `key: value`, keys
 * lower-cased, full-line `#`/`;` comments, inline comments after whitespace
 * and outside quotes, indented lines continuing the previous value.
 * Problems are collected, not thrown, so a caller reports them all at once.
 */

/** One thing wrong with a config file, with where it is. */
export interface ConfigProblem {
  file: string;
  line?: number;
  section?: string;
  key?: string;
  message: string;
}

/** `file:line: [section] key: message`, the one way problems are printed. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const section = p.section === undefined ? '' : ` [${p.section}]`;
  const key = p.key === undefined ? '' : ` ${p.key}`;
  return `${where}:${section}${key}${section || key ? ':' : ''} ${p.message}`;
}

/** One `key = value` of an INI file, before any conversion. */
export interface IniEntry {
  /** The value as written; continuation lines are joined with `\n`. */
  raw: string;
  file: string;
  line: number;
}

export type IniSection = Map<string, IniEntry>;

/** Sections in file order; `DEFAULT` is a section like the others here. */
export interface IniDocument {
  file: string;
  sections: Map<string, IniSection>;
  /** Where each section's header was first written. */
  headers: Map<string, { file: string; line: number }>;
}

const SECTION = /^\[([^\]]+)\]\s*$/;
const OPTION = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/;

export function parseIni(text: string, file: string, problems: ConfigProblem[]): IniDocument {
  const sections = new Map<string, IniSection>();
  const headers = new Map<string, { file: string; line: number }>();
  let section: IniSection | undefined;
  let sectionName: string | undefined;
  let current: IniEntry | undefined;
  // After a line we could not read (e.g. an unclosed "[section"), keys with
  // no section are a consequence of it: report that line only.
  let lost = false;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const line = index + 1;
    const trimmed = rawLine.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (/^\s/.test(rawLine) && current) {
      current.raw += `\n${stripComment(trimmed)}`;
      return;
    }
    current = undefined;
    const header = SECTION.exec(trimmed);
    if (header) {
      sectionName = (header[1] as string).trim();
      lost = false;
      section = sections.get(sectionName);
      if (section)
        problems.push({ file, line, section: sectionName, message: 'duplicate section' });
      else {
        section = new Map();
        sections.set(sectionName, section);
        headers.set(sectionName, { file, line });
      }
      return;
    }
    const option = OPTION.exec(trimmed);
    if (!option) {
      problems.push({
        file,
        line,
        message: `cannot parse line ${JSON.stringify(trimmed)}: expected "key = value" or "[section]"`,
      });
      lost = true;
      return;
    }
    if (!section || sectionName === undefined) {
      if (!lost)
        problems.push({ file, line, message: 'a "key = value" line before any [section] header' });
      return;
    }
    const key = (option[1] as string).trim().toLowerCase();
    if (section.has(key)) {
      problems.push({ file, line, section: sectionName, key, message: 'duplicate key' });
      return;
    }
    current = { raw: stripComment(option[2] as string), file, line };
    section.set(key, current);
  });
  return { file, sections, headers };
}

/**
 * An inline comment starts at `#` or `;` after whitespace and outside
 * quotes, as configparser's inline_comment_prefixes; a `#` inside a URL or a
 * key stays part of the value.
 */
function stripComment(value: string): string {
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '#' || c === ';') && i > 0 && /\s/.test(value[i - 1] as string)) {
      return value.slice(0, i).trim();
    }
  }
  return value.trim();
}

const ENV = /\$\{(\w+)\}/g;

/**
 * Replaces each `${NAME}` by the environment variable; a missing one is a
 * problem naming it (and the file, line, section and key of `where`).
 */
export function expandEnv(
  value: string,
  env: Record<string, string | undefined>,
  where: Omit<ConfigProblem, 'message'>,
  problems: ConfigProblem[],
): string {
  return value.replace(ENV, (_, name: string) => {
    const found = env[name];
    if (found !== undefined) return found;
    problems.push({
      ...where,
      message: `environment variable ${name} is not set (used as \${${name}})`,
    });
    return '';
  });
}
