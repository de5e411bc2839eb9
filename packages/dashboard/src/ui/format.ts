const number = new Intl.NumberFormat('en');

export const count = (n: number, capped = false) => `${number.format(n)}${capped ? '+' : ''}`;

export const perSecond = (n: number) =>
  n === 0 ? '0/s' : n < 10 ? `${n.toFixed(1)}/s` : `${number.format(Math.round(n))}/s`;

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  if (seconds < 86400)
    return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}

export function time(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { hour12: false });
}

export const shortId = (id: string) => (id ? `${id.slice(0, 8)}…${id.slice(-4)}` : '(none)');
