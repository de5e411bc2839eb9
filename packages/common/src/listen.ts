/** Where a server was told to listen, and the settings (flags or config keys) that said so. */
export interface ListenTarget {
  host: string;
  port: number;
  /** How the user names the host setting, e.g. `--host` or `[dashboard] host`. */
  hostSetting: string;
  /** How the user names the port setting, e.g. `--port`. */
  portSetting: string;
}

const UNRESOLVED = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EINVAL']);

/**
 * Why listening failed when the settings are at fault, as one line naming
 * the setting and what to give instead; undefined for other failures (an
 * address in use is not bad input: the same settings work once it is free).
 */
export function listenProblem(error: unknown, target: ListenTarget): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const { host, port, hostSetting, portSetting } = target;
  if (typeof code !== 'string') return undefined;
  if (UNRESOLVED.has(code))
    return `${hostSetting} ${JSON.stringify(host)} is neither an IP address nor a name that resolves (${code}): give an address of this machine such as 127.0.0.1, or 0.0.0.0 for every interface`;
  if (code === 'EADDRNOTAVAIL')
    return `${hostSetting} ${host} is not an address of this machine (EADDRNOTAVAIL): give one of its own addresses, such as 127.0.0.1, or 0.0.0.0 for every interface`;
  if (code === 'EACCES')
    return `${portSetting} ${port} needs privileges to listen on (EACCES): choose a port from 1024 up, or 0 for any free one`;
  return undefined;
}
