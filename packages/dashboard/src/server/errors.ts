import { CodedError, isCodedError, nameErrors } from '@qdo/common';

export type DashboardErrorCode =
  | 'QDO_DASHBOARD_BAD_REQUEST'
  | 'QDO_DASHBOARD_NOT_FOUND'
  | 'QDO_DASHBOARD_FORBIDDEN'
  | 'QDO_DASHBOARD_OPTIONS';

/** The one error class of @qdo/dashboard; `code` says which HTTP status an API answer gets. */
export class DashboardError extends CodedError<DashboardErrorCode> {
  constructor(message: string, code: DashboardErrorCode, options?: { cause?: unknown }) {
    super(message, { code, cause: options?.cause });
  }
}

const NAMES = nameErrors({ DashboardError });

export const isDashboardError = (error: unknown): error is DashboardError =>
  isCodedError(error, DashboardError, NAMES);
