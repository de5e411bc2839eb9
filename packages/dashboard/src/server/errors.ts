import { CodedError, isCodedError, nameErrors } from '@qdo/common';
import { isQdoError } from '@qdo/core';
import { isFailureError } from '@qdo/failure';
import { isQueueyError, type QueueyError } from '@qdo/queuey-client';

export type DashboardErrorCode =
  | 'QDO_DASHBOARD_BAD_REQUEST'
  | 'QDO_DASHBOARD_NOT_FOUND'
  | 'QDO_DASHBOARD_FORBIDDEN'
  | 'QDO_DASHBOARD_CONFLICT'
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

const STATUS_OF: Record<DashboardErrorCode, number> = {
  QDO_DASHBOARD_BAD_REQUEST: 400,
  QDO_DASHBOARD_NOT_FOUND: 404,
  QDO_DASHBOARD_FORBIDDEN: 403,
  QDO_DASHBOARD_CONFLICT: 409,
  QDO_DASHBOARD_OPTIONS: 500,
};

/** What the browser is told about a request that failed. */
export interface Answer {
  status: number;
  message: string;
}

/**
 * 4xx with a plain message for the user's own mistakes, 502 when Queuey
 * failed, 500 for our bugs. Queuey's errors are described from their fields,
 * never their text, which carries the internal Queuey URL.
 */
export function answerFor(error: unknown): Answer {
  if (isDashboardError(error)) return { status: STATUS_OF[error.code], message: error.message };
  // parsePartition's "not a partition name": the user's input, said back.
  if (isQdoError(error) && error.code === 'QDO_CONFIG')
    return { status: 400, message: error.message };
  // StatusAdmin's "no queue named …": the user's input, said back.
  if (isQdoError(error) && error.code === 'QDO_NOT_FOUND')
    return { status: 404, message: error.message };
  if (isFailureError(error) && error.code === 'QDO_FAILURE_REPLAY') return replayAnswer(error);
  if (isQueueyError(error)) return queueyAnswer(error);
  const text = error instanceof Error ? error.message : String(error);
  return { status: 500, message: `the dashboard failed: ${withoutUrls(text)}` };
}

/** A replay stopped part-way; the posted messages are already out of qdo_error. */
function replayAnswer(error: Error & { replayed?: unknown }): Answer {
  const inner = isQueueyError(error.cause)
    ? queueyAnswer(error.cause)
    : { status: 502, message: 'Queuey request failed' };
  return {
    // A source queue deleted or shrunk since the failure: the state, not the request, is wrong.
    status: inner.status < 500 ? 409 : 502,
    message: `replay stopped after ${Number(error.replayed ?? 0)} message(s): ${inner.message}; the rest are still in qdo_error`,
  };
}

function queueyAnswer(error: QueueyError): Answer {
  const fields = error as QueueyError & { status?: number; timeout?: number; errorMsg?: unknown };
  switch (error.code) {
    case 'QUEUEY_CLIENT_HTTP_ERROR':
      return httpAnswer(fields.status ?? 0, fields.errorMsg);
    case 'QUEUEY_CLIENT_INVALID_ARGUMENT':
      // Checked before any request is sent: no URL in it.
      return { status: 400, message: error.message };
    case 'QUEUEY_CLIENT_TIMEOUT':
      return { status: 502, message: `Queuey did not answer within ${fields.timeout} ms` };
    case 'QUEUEY_CLIENT_CONNECTION_ERROR':
      return { status: 502, message: 'Queuey could not be reached' };
    case 'QUEUEY_CLIENT_BAD_RESPONSE':
      return { status: 502, message: `Queuey answered ${fields.status} with something not JSON` };
    default:
      return { status: 502, message: 'Queuey request failed' };
  }
}

/** Queuey's own words: the values of its `error_msg` object. */
const detailOf = (errorMsg: unknown): string =>
  typeof errorMsg === 'object' && errorMsg !== null
    ? Object.values(errorMsg)
        .map((v) => String(v))
        .join('; ')
    : '';

function httpAnswer(status: number, errorMsg: unknown): Answer {
  const detail = detailOf(errorMsg);
  const said = detail ? `: ${detail}` : '';
  if (status === 401 || status === 403)
    return { status: 502, message: `Queuey refused the dashboard's app key (${status})` };
  if (status === 404) return { status: 404, message: `Queuey: ${detail || 'not found'}` };
  if (status === 409 || status === 412) return { status: 409, message: `Queuey: conflict${said}` };
  if (status >= 400 && status < 500 && status !== 408 && status !== 429)
    return { status: 400, message: `Queuey refused the request${said}` };
  return { status: 502, message: `Queuey answered ${status}${said}` };
}

/** Last line of defence for unknown errors: no URL reaches the browser. */
const withoutUrls = (text: string) => text.replace(/\b[a-z][\w+.-]*:\/\/\S+/gi, '(url)');
