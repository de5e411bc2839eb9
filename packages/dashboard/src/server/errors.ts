/** The one error class of @qdo/dashboard; `code` says which HTTP status an API answer gets. */
export class DashboardError extends Error {
  override name = 'DashboardError';
  readonly code: string;
  constructor(message: string, code: DashboardErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export type DashboardErrorCode =
  | 'QDO_DASHBOARD_BAD_REQUEST'
  | 'QDO_DASHBOARD_NOT_FOUND'
  | 'QDO_DASHBOARD_FORBIDDEN'
  | 'QDO_DASHBOARD_OPTIONS';

export const isDashboardError = (error: unknown): error is DashboardError =>
  error instanceof DashboardError || (error as { name?: unknown })?.name === 'DashboardError';
