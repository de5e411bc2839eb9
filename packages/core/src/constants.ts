/** Queue holding one progress message per work partition. */
export const STATUS_QUEUE = 'qdo_status';
/** Queue holding failed messages (written by @qdo/failure). */
export const ERROR_QUEUE = 'qdo_error';
/** Both bookkeeping queues have 7 partitions, as the original. */
export const BOOKKEEPING_PARTITIONS = 7;
/** Status and error messages live 30 days. */
export const BOOKKEEPING_TTL = 30 * 24 * 60 * 60;
